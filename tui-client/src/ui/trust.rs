//! The trust question for a self-signed certificate: whose it is, its
//! SHA-256 fingerprint in two readable halves, and the three answers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::help::{centered, frame_box};
use super::put;
use crate::app::trust::Question;
use crate::theme::Theme;

/// Draws the question centred in `area`.
pub fn render(theme: &Theme, question: &Question, area: Rect, buf: &mut Buffer) {
    let inner = frame_box(theme, buf, centered(area, 72, 12), " new certificate ");
    let fingerprint = question.fingerprint.to_string();
    // 32 bytes as AB:CD:..: 16 per row keeps each row 47 cells wide.
    let (first, second) = fingerprint.split_at(fingerprint.len().min(48));
    let known = format!("\"always\" keeps it in {}", question.known_file.display());
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let rows: [(&str, Style); 10] = [
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
        (&known, theme.dim),
    ];
    for (row, (text, style)) in rows.iter().enumerate() {
        let y = inner.y + u16::try_from(row).unwrap_or(u16::MAX);
        if y >= inner.bottom() {
            break;
        }
        put(buf, inner.x, y, inner.width, text, *style);
    }
}
