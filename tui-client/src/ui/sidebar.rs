//! The member sidebar (the seeds' `#` made visual): operators first, away
//! members dimmed, the selection marked with `>` and highlighted.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::put;
use crate::app::App;
use crate::chat::members::Member;
use crate::geometry::sidebar::first_visible;
use crate::text;
use crate::view::keymap::Action;

/// Draws the sidebar into `area` (a left border column, a title, members).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    if area.width < 3 || area.height == 0 {
        return;
    }
    for y in area.top()..area.bottom() {
        put(buf, area.x, y, 1, "│", theme.dim);
    }
    let inner_x = area.x + 1;
    let inner_width = area.width - 1;
    let members = app.chat.sidebar_members();
    let title_style = if app.view.sidebar_focused {
        theme.overlay.add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    };
    let joined = app.chat.buffers.active().joined;
    let title = match members.len() {
        _ if !joined => " not joined".to_owned(),
        1 => " 1 member".to_owned(),
        n => format!(" {n} members"),
    };
    put(buf, inner_x, area.y, inner_width, &title, title_style);
    let rows = usize::from(area.height - 1);
    // With room to spare, remind newcomers how to whisper someone.
    if members.len() + 3 <= rows && members.len() > 1 && joined {
        render_hints(app, area, buf);
    }
    let selected = app.chat.selected_member_index();
    let first = first_visible(selected, rows);
    for (row, (index, member)) in members
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .enumerate()
    {
        let y = area.y + 1 + u16::try_from(row).unwrap_or(u16::MAX);
        let row_area = Rect::new(inner_x, y, inner_width, 1);
        render_member(app, member, selected == Some(index), row_area, buf);
    }
}

/// The key hints at the bottom of the sidebar.
fn render_hints(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let inner_x = area.x + 1;
    let inner_width = area.width - 1;
    let keys = &app.view.keys;
    let select = match (
        keys.hint(Action::SelectMemberUp),
        keys.hint(Action::SelectMemberDown),
    ) {
        (Some(up), Some(down)) if up == "Alt+Up" && down == "Alt+Down" => "Alt+↑↓".to_owned(),
        (Some(up), Some(down)) => format!("{up}/{down}"),
        _ => keys.hint(Action::FocusSidebar).unwrap_or_default(),
    };
    let whisper = keys
        .hint(Action::WhisperSelected)
        .unwrap_or_else(|| "click".to_owned());
    let hints = [format!("{select} select"), format!("{whisper} whisper")];
    for (i, hint) in hints.iter().enumerate() {
        let y = area.bottom() - 2 + u16::try_from(i).unwrap_or(0);
        put(
            buf,
            inner_x + 1,
            y,
            inner_width.saturating_sub(1),
            hint,
            theme.dim,
        );
    }
}

/// One member row: selection marker, top prefix and nick, in the nick's
/// colour (dimmed when away).
fn render_member(app: &App, member: &Member, is_selected: bool, row: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let (inner_x, y, inner_width) = (row.x, row.y, row.width);
    let marker = if is_selected { ">" } else { " " };
    let prefix = member.top_prefix().unwrap_or(' ');
    let nick = text::truncate_marked(&member.nick, usize::from(inner_width.saturating_sub(2)));
    let folded = app.chat.session.casemapping.fold(&member.nick);
    let mut style = if app.chat.is_away(&member.nick) {
        theme.dim
    } else {
        Style::new().fg(theme.nick_color(&folded.to_lowercase()))
    };
    if is_selected {
        style = style.patch(theme.selected);
        buf.set_style(row, theme.selected);
    }
    let x = put(buf, inner_x, y, inner_width, marker, style);
    let x = put(
        buf,
        x,
        y,
        inner_width - 1,
        &prefix.to_string(),
        style.add_modifier(Modifier::BOLD),
    );
    put(buf, x, y, inner_width.saturating_sub(2), &nick, style);
}
