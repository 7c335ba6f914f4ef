//! The input line: a prompt naming the target, the text scrolled sideways
//! so the cursor always shows, newlines of a paste drawn as `↵`.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use unicode_segmentation::UnicodeSegmentation;

use super::{put, theme};
use crate::app::App;
use crate::app::buffers::BufferKind;
use crate::text;

/// Draws the input line; returns where the terminal cursor goes.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Position {
    let buffer = app.buffers.active();
    let target = match buffer.kind {
        BufferKind::Server => "server".to_owned(),
        _ => buffer.name.clone(),
    };
    let prompt = if app.sidebar_focused {
        "[members: ↑↓ select, Enter whisper, Esc back] ".to_owned()
    } else {
        format!(
            "[{}] ",
            text::truncate(&target, usize::from(area.width / 3))
        )
    };
    let x = put(
        buf,
        area.x,
        area.y,
        area.width,
        &prompt,
        Style::new().add_modifier(Modifier::BOLD),
    );
    let room = usize::from(area.right().saturating_sub(x));
    if room == 0 {
        return Position::new(area.right().saturating_sub(1), area.y);
    }
    if app.input.is_empty() {
        let hint = if app.session.registered {
            "type a message · /help commands · F1 keys"
        } else {
            "waiting for the connection · F1 keys"
        };
        if !app.sidebar_focused {
            put(
                buf,
                x,
                area.y,
                u16::try_from(room).unwrap_or(u16::MAX),
                hint,
                theme::PLACEHOLDER,
            );
        }
        return Position::new(x, area.y);
    }
    let shown = app.input.text().replace('\n', "↵");
    // The cursor's byte offset moves by 2 for each `\n` turned into `↵`.
    let before = &app.input.text()[..app.input.cursor()];
    let cursor_byte = before.len() + before.matches('\n').count() * ("↵".len() - 1);
    let graphemes: Vec<(usize, &str)> = shown.grapheme_indices(true).collect();
    let cursor_index = graphemes
        .iter()
        .take_while(|(i, _)| *i < cursor_byte)
        .count();
    // Scroll so the cursor has a cell of room, keeping as much text before it as fits.
    let mut start = 0;
    let width_between = |from: usize, to: usize| -> usize {
        graphemes[from..to]
            .iter()
            .map(|(_, g)| text::grapheme_width(g))
            .sum()
    };
    while start < cursor_index && width_between(start, cursor_index) + 1 > room {
        start += 1;
    }
    let mut cursor_x = x;
    let mut used = 0;
    for (n, (_, grapheme)) in graphemes.iter().enumerate().skip(start) {
        let w = text::grapheme_width(grapheme);
        if used + w > room {
            break;
        }
        if n == cursor_index {
            cursor_x = x + u16::try_from(used).unwrap_or(0);
        }
        let style = if *grapheme == "↵" {
            theme::DIM
        } else {
            Style::default()
        };
        put(
            buf,
            x + u16::try_from(used).unwrap_or(0),
            area.y,
            u16::try_from(w).unwrap_or(0),
            grapheme,
            style,
        );
        used += w;
    }
    if cursor_index >= graphemes.len() {
        cursor_x = x + u16::try_from(used).unwrap_or(0);
    }
    Position::new(cursor_x.min(area.right().saturating_sub(1)), area.y)
}
