//! The trust question for a self-signed certificate: whose it is, its
//! SHA-256 fingerprint in two readable halves, and the three answers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::help::{centered, frame_box};
use super::put;
use crate::theme::Theme;
use crate::view::questions::Question;

/// Draws the question centred in `area`. The box grows to show the whole
/// `known_servers` path (wrapped onto more rows when the screen is
/// narrower than the path), so the user sees exactly where "always" writes.
pub fn render(theme: &Theme, question: &Question, area: Rect, buf: &mut Buffer) {
    let fingerprint = question.fingerprint.to_string();
    // 32 bytes as AB:CD:..: 16 per row keeps each row 47 cells wide.
    let (first, second) = fingerprint.split_at(fingerprint.len().min(48));
    let known = format!("\"always\" keeps it in {}", question.known_file.display());
    let known_width = u16::try_from(known.width()).unwrap_or(u16::MAX);
    let width = known_width.saturating_add(4).max(MIN_WIDTH).min(area.width);
    let known_rows = wrap_cells(&known, usize::from(width.saturating_sub(4).max(1)));
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut rows: Vec<(&str, Style)> = vec![
        (&question.address, bold),
        (
            "presents a certificate no authority vouches for (self-signed).",
            Style::default(),
        ),
        ("SHA-256 fingerprint:", Style::default()),
        (first, bold),
        (second, bold),
        (
            "Compare it with what natterd printed at start, or what its",
            Style::default(),
        ),
        ("admin reads out (`natterd fingerprint`).", Style::default()),
        ("", Style::default()),
        (
            "a: trust always · o: this time only · r / Esc: refuse",
            theme.warn,
        ),
    ];
    rows.extend(known_rows.iter().map(|row| (row.as_str(), theme.dim)));
    let height = u16::try_from(rows.len() + 2).unwrap_or(u16::MAX);
    let inner = frame_box(
        theme,
        buf,
        centered(area, width, height),
        " new certificate ",
    );
    for (row, (text, style)) in rows.iter().enumerate() {
        let y = inner.y + u16::try_from(row).unwrap_or(u16::MAX);
        if y >= inner.bottom() {
            break;
        }
        put(buf, inner.x, y, inner.width, text, *style);
    }
}

/// The box's width when everything fits: the fingerprint rows and the
/// answers line need about 60 cells.
const MIN_WIDTH: u16 = 72;

/// Splits `text` into pieces of at most `width` cells, by characters (a
/// path has no spaces to break at).
fn wrap_cells(text: &str, width: usize) -> Vec<String> {
    let mut rows = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let cells = c.width().unwrap_or(0);
        if used + cells > width && used > 0 {
            rows.push(String::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(c);
        }
        used += cells;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::wrap_cells;

    #[test]
    fn a_long_path_wraps_without_losing_a_character() {
        let rows = wrap_cells("abcdefghij", 4);
        assert_eq!(rows, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_cells("short", 40), ["short"]);
    }
}
