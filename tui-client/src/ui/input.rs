//! The input line: a prompt naming the target, the text scrolled sideways
//! so the cursor always shows, newlines of a paste drawn as `↵`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use unicode_segmentation::UnicodeSegmentation;

use super::put;
use crate::app::App;
use crate::chat::buffers::BufferKind;
use crate::text;
use crate::view::keymap::Action;
use crate::view::search::{Search, SearchState};

/// Draws the input line; returns where the terminal cursor goes.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Position {
    let theme = app.theme();
    if let Some(search) = &app.view.search {
        return render_search(app, search, area, buf);
    }
    let x = put(
        buf,
        area.x,
        area.y,
        area.width,
        &prompt(app, area.width),
        Style::new().add_modifier(Modifier::BOLD),
    );
    let room = usize::from(area.right().saturating_sub(x));
    if room == 0 {
        return Position::new(area.right().saturating_sub(1), area.y);
    }
    if app.view.input.is_empty() {
        if !app.view.sidebar_focused {
            let hint = placeholder(app);
            put(buf, x, area.y, area.right() - x, &hint, theme.placeholder);
        }
        return Position::new(x, area.y);
    }
    let text = app.view.input.text();
    let secret = crate::view::input::secret_start(text);
    let (graphemes, cursor_cell) = window(text, app.view.input.cursor(), room, secret);
    let mut column = x;
    for grapheme in graphemes {
        let style = if grapheme == "↵" {
            theme.dim
        } else {
            Style::default()
        };
        column = put(buf, column, area.y, area.right() - column, &grapheme, style);
    }
    let cursor_x = x.saturating_add(u16::try_from(cursor_cell).unwrap_or(u16::MAX));
    Position::new(cursor_x.min(area.right().saturating_sub(1)), area.y)
}

/// The input line while searching: the query, then where the search stands.
fn render_search(app: &App, search: &Search, area: Rect, buf: &mut Buffer) -> Position {
    let theme = app.theme();
    let x = put(
        buf,
        area.x,
        area.y,
        area.width,
        "[search] ",
        theme.search_prompt,
    );
    let cursor = put(
        buf,
        x,
        area.y,
        area.right() - x,
        &search.query,
        Style::default(),
    );
    let status = match search.state {
        _ if search.query.is_empty() => "type what to find · Esc ends".to_owned(),
        SearchState::Typing => "Enter finds (older first) · Esc ends".to_owned(),
        SearchState::Found => match search.count(app.chat.buffers.active()) {
            1 => "1 loaded line matches · Esc ends".to_owned(),
            n => format!("{n} loaded lines match · Enter/↑ older · Shift+Enter/↓ newer · Esc ends"),
        },
        SearchState::OfferOlder => {
            "no more matches loaded · Enter loads older history · Esc ends".to_owned()
        }
        SearchState::Loading => "loading older history…".to_owned(),
        SearchState::Exhausted => "no more matches · Esc ends".to_owned(),
    };
    put(
        buf,
        cursor.saturating_add(2),
        area.y,
        area.right().saturating_sub(cursor.saturating_add(2)),
        &status,
        theme.placeholder,
    );
    Position::new(cursor.min(area.right().saturating_sub(1)), area.y)
}

/// What the empty input line suggests: only what works in this buffer now.
fn placeholder(app: &App) -> String {
    let help = app
        .view
        .keys
        .hint(Action::Help)
        .map(|key| format!(" · {key} keys"))
        .unwrap_or_default();
    let buffer = app.chat.buffers.active();
    let first = if !app.chat.session.registered {
        "waiting for the connection".to_owned()
    } else {
        match buffer.kind {
            BufferKind::Server => "/join #room to chat · /help commands".to_owned(),
            BufferKind::Channel if !buffer.joined => {
                format!("/join {} to chat here · /help commands", buffer.name)
            }
            _ => "type a message · /help commands".to_owned(),
        }
    };
    format!("{first}{help}")
}

fn prompt(app: &App, width: u16) -> String {
    if app.view.sidebar_focused {
        return "[members: ↑↓ select, Enter whisper, Esc back] ".to_owned();
    }
    let buffer = app.chat.buffers.active();
    let target = match buffer.kind {
        BufferKind::Server => "server",
        _ => buffer.name.as_str(),
    };
    format!(
        "[{}] ",
        text::truncate_marked(target, usize::from(width / 3))
    )
}

/// The graphemes of `input` that fit in `room` cells with the cursor (at
/// byte `cursor`) visible, and the cursor's cell offset within them.
/// Newlines show as `↵`.
fn window(
    input: &str,
    cursor: usize,
    room: usize,
    secret_from: Option<usize>,
) -> (Vec<String>, usize) {
    let graphemes: Vec<(usize, String)> = input
        .grapheme_indices(true)
        .map(|(i, g)| {
            let shown = match g {
                "\n" => "↵",
                " " => " ",
                // A password is drawn as one star per character.
                _ if secret_from.is_some_and(|from| i >= from) => "*",
                _ => g,
            };
            (i, shown.to_owned())
        })
        .collect();
    let cursor_index = graphemes.iter().take_while(|(i, _)| *i < cursor).count();
    let width_of = |range: &[(usize, String)]| -> usize {
        range.iter().map(|(_, g)| text::grapheme_width(g)).sum()
    };
    // Keep as much text before the cursor as fits, leaving a cell for it.
    let mut start = 0;
    while start < cursor_index && width_of(&graphemes[start..cursor_index]) + 1 > room {
        start += 1;
    }
    let cursor_cell = width_of(&graphemes[start..cursor_index]);
    let mut used = 0;
    let shown = graphemes[start..]
        .iter()
        .map(|(_, g)| g.clone())
        .take_while(|g| {
            used += text::grapheme_width(g);
            used <= room
        })
        .collect();
    (shown, cursor_cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_shows_whole_with_the_cursor_at_its_place() {
        let (shown, cursor) = window("héllo", "hé".len(), 20, None);
        assert_eq!(shown.concat(), "héllo");
        assert_eq!(cursor, 2);
    }

    #[test]
    fn long_text_scrolls_to_keep_the_cursor_visible() {
        let text = "abcdefghijklmnopqrstuvwxyz";
        let (shown, cursor) = window(text, text.len(), 10, None);
        assert_eq!(shown.concat(), "rstuvwxyz");
        assert_eq!(cursor, 9);
    }

    #[test]
    fn wide_characters_count_two_cells() {
        let text = "漢字漢字漢字";
        let (shown, cursor) = window(text, text.len(), 7, None);
        assert_eq!(shown.concat(), "字漢字");
        assert_eq!(cursor, 6);
    }

    #[test]
    fn newlines_show_as_a_return_symbol() {
        let (shown, cursor) = window("a\nb", 3, 10, None);
        assert_eq!(shown.concat(), "a↵b");
        assert_eq!(cursor, 3);
    }

    #[test]
    fn a_password_is_drawn_as_stars() {
        let text = "/login alice pässwörd";
        let (shown, cursor) = window(text, text.len(), 40, Some(6));
        assert_eq!(shown.concat(), "/login ***** ********");
        assert_eq!(cursor, 21);
    }
}
