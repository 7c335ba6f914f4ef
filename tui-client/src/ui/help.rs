//! Overlays: the F1 help listing every key and command, and the question
//! asked before sending a long paste.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::{fill, put};
use crate::app::App;
use crate::chat::commands::COMMAND_HELP;
use crate::text;
use crate::theme::Theme;
use crate::view::Overlay;
use crate::view::keymap::KeyMap;

/// Draws the open overlay, if any, centred in `area`.
pub fn render_overlay(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    match &app.view.overlay {
        None => {}
        Some(Overlay::Help) => render_help(theme, &app.view.keys, app.view.help_scroll, area, buf),
        Some(Overlay::ConfirmPaste { lines }) => render_paste(app, lines, area, buf),
        Some(Overlay::TrustCertificate(question)) => {
            super::trust::render(theme, question, area, buf)
        }
        Some(Overlay::Links { links, selected }) => {
            render_links(theme, links, *selected, area, buf)
        }
        Some(Overlay::PickServer(picker)) => super::picker::render(theme, picker, area, buf),
    }
}

/// A `width` x `height` rectangle in the middle of `area`.
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// Clears `area` and draws a box titled `title`; returns its inside.
pub(super) fn frame_box(theme: &Theme, buf: &mut Buffer, area: Rect, title: &str) -> Rect {
    fill(buf, area, Style::default());
    if area.width < 2 || area.height < 2 {
        return area;
    }
    let horizontal = "─".repeat(usize::from(area.width - 2));
    put(
        buf,
        area.x,
        area.y,
        area.width,
        &format!("┌{horizontal}┐"),
        theme.overlay,
    );
    put(
        buf,
        area.x,
        area.bottom() - 1,
        area.width,
        &format!("└{horizontal}┘"),
        theme.overlay,
    );
    for y in area.y + 1..area.bottom() - 1 {
        put(buf, area.x, y, 1, "│", theme.overlay);
        put(buf, area.right() - 1, y, 1, "│", theme.overlay);
    }
    put(
        buf,
        area.x + 2,
        area.y,
        area.width.saturating_sub(4),
        title,
        theme.overlay.add_modifier(Modifier::BOLD),
    );
    Rect::new(
        area.x + 2,
        area.y + 1,
        area.width.saturating_sub(4),
        area.height - 2,
    )
}

/// What the mouse does, for the help (the mouse is not rebindable).
pub const MOUSE_HELP: &[(&str, &str)] = &[
    (
        "mouse click",
        "select a member; click again to whisper; click a tab to show it",
    ),
    ("mouse wheel", "scroll the messages"),
];

/// The keys of the windows natter opens by itself (they are not in the
/// key table: they cannot be rebound).
pub const QUESTION_HELP: &[(&str, &str)] = &[
    (
        "server picker: ↑↓ j k 1-9",
        "choose among the servers found on the LAN; Enter connects, Esc or q quits",
    ),
    (
        "certificate: a o r",
        "trust a new certificate always (kept in known_servers), this time only, or refuse (Esc)",
    ),
];

/// The help text, one row per entry, as the overlay shows it: the key
/// table, the mouse, the questions, the commands.
pub fn help_rows(keys: &KeyMap) -> Vec<(String, String)> {
    let mut rows = keys.help_rows();
    rows.extend(
        MOUSE_HELP
            .iter()
            .chain(QUESTION_HELP)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    rows.push((String::new(), String::new()));
    rows.extend(
        COMMAND_HELP
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    rows
}

/// `text` word-wrapped to `width` cells, one string per row.
fn wrap_plain(text: &str, width: usize) -> Vec<String> {
    if text.is_empty() {
        return vec![String::new()];
    }
    let runs = [crate::text::StyledText::new(text, Style::default())];
    crate::text::wrap(&runs, width, width)
        .into_iter()
        .map(|row| {
            let joined: String = row.into_iter().map(|run| run.text).collect();
            joined.trim().to_owned()
        })
        .collect()
}

/// The help laid out for an inner width: each entry's key and description
/// wrapped inside their own columns, so nothing is cut and no column spills
/// into the other.
pub fn help_display_rows(keys: &KeyMap, inner_width: u16) -> (u16, Vec<(String, String)>) {
    let key_width = 28.min(inner_width * 2 / 5).max(1);
    let what_width = usize::from(inner_width.saturating_sub(key_width)).max(1);
    let mut out = Vec::new();
    for (key, what) in help_rows(keys) {
        let key_rows = wrap_plain(&key, usize::from(key_width.saturating_sub(1)).max(1));
        let what_rows = wrap_plain(&what, what_width);
        for i in 0..key_rows.len().max(what_rows.len()) {
            out.push((
                key_rows.get(i).cloned().unwrap_or_default(),
                what_rows.get(i).cloned().unwrap_or_default(),
            ));
        }
    }
    (key_width, out)
}

fn render_help(theme: &Theme, keys: &KeyMap, scroll: usize, area: Rect, buf: &mut Buffer) {
    let outer_width = 96.min(area.width);
    let (key_width, rows) = help_display_rows(keys, outer_width.saturating_sub(4));
    let height = u16::try_from(rows.len() + 2).unwrap_or(u16::MAX);
    let outer = centered(area, outer_width, height);
    let visible = usize::from(outer.height.saturating_sub(2));
    let first = scroll.min(rows.len().saturating_sub(visible));
    let title = if rows.len() > visible {
        let last = (first + visible).min(rows.len());
        format!(
            " natter help {}-{last} of {} · ↑↓ scroll · Esc closes ",
            first + 1,
            rows.len()
        )
    } else {
        " natter help · Esc closes ".to_owned()
    };
    let inner = frame_box(theme, buf, outer, &title);
    for (y, (key, what)) in (inner.y..inner.bottom()).zip(rows.into_iter().skip(first)) {
        put(
            buf,
            inner.x,
            y,
            key_width,
            &key,
            Style::new().add_modifier(Modifier::BOLD),
        );
        put(
            buf,
            inner.x + key_width,
            y,
            inner.width.saturating_sub(key_width),
            &what,
            Style::default(),
        );
    }
}

/// The link picker: numbered links, newest first, the highlighted one
/// reversed. Long links are cut with `…` (the opener gets them whole).
fn render_links(theme: &Theme, links: &[String], selected: usize, area: Rect, buf: &mut Buffer) {
    let height = u16::try_from(links.len() + 3).unwrap_or(u16::MAX);
    let inner = frame_box(
        theme,
        buf,
        centered(area, 90, height),
        " links · ↑↓ Enter opens · 1-9 · Esc closes ",
    );
    let visible = usize::from(inner.height.saturating_sub(1));
    let first = (selected + 1).saturating_sub(visible);
    for (row, (i, link)) in links
        .iter()
        .enumerate()
        .skip(first)
        .take(visible)
        .enumerate()
    {
        let y = inner.y + u16::try_from(row).unwrap_or(0);
        let style = if i == selected {
            theme.selected
        } else {
            Style::default()
        };
        let width = usize::from(inner.width.saturating_sub(4));
        let text = format!("{:>2}  {}", i + 1, text::truncate_marked(link, width));
        fill(buf, Rect::new(inner.x, y, inner.width, 1), style);
        put(buf, inner.x, y, inner.width, &text, style);
    }
    put(
        buf,
        inner.x,
        inner.bottom().saturating_sub(1),
        inner.width,
        "Opens in your browser (the `opener` setting); nothing opens by itself.",
        theme.dim,
    );
}

fn render_paste(app: &App, lines: &[String], area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let target = app.chat.buffers.active().name.clone();
    let preview = 5.min(lines.len());
    let height = u16::try_from(preview + 5).unwrap_or(u16::MAX);
    let inner = frame_box(theme, buf, centered(area, 70, height), " paste ");
    let question = format!("Send {} lines to {target}?", lines.len());
    put(
        buf,
        inner.x,
        inner.y,
        inner.width,
        &question,
        Style::new().add_modifier(Modifier::BOLD),
    );
    for (i, line) in lines.iter().take(preview).enumerate() {
        let y = inner.y + 1 + u16::try_from(i).unwrap_or(0);
        if y >= inner.bottom() {
            break;
        }
        put(
            buf,
            inner.x,
            y,
            inner.width,
            &format!("│ {line}"),
            theme.dim,
        );
    }
    let y = inner.bottom().saturating_sub(1);
    put(
        buf,
        inner.x,
        y,
        inner.width,
        "y / Enter: send all · n / Esc: back to editing",
        theme.warn,
    );
}
