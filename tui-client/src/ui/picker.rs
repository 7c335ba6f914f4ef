//! The server picker: each server found on the LAN on two rows (number and
//! name; address, ports and the fingerprint it claims), the highlighted one
//! reversed, the keys in the title, and a reminder that discovery proves
//! nothing about a certificate.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::help::{centered, frame_box};
use super::put;
use crate::theme::Theme;
use crate::view::questions::Picker;

/// Draws the picker centred in `area`.
pub fn render(theme: &Theme, picker: &Picker, area: Rect, buf: &mut Buffer) {
    let rows = picker.choices.len() * 2 + 2;
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let inner = frame_box(
        theme,
        buf,
        centered(area, 84, height),
        " servers on the LAN · ↑↓ Enter connects · 1-9 · Esc quits ",
    );
    // Keep the highlighted server on screen when the list is taller.
    let fits = usize::from(inner.height.saturating_sub(2) / 2).max(1);
    let first = picker.selected.saturating_sub(fits - 1);
    let mut y = inner.y;
    for (index, choice) in picker.choices.iter().enumerate().skip(first).take(fits) {
        let selected = index == picker.selected;
        let name_style = if selected {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        put(
            buf,
            inner.x,
            y,
            inner.width,
            &format!("{}. {}", index + 1, choice.name),
            name_style,
        );
        let mut detail = format!("   {}", choice.detail);
        if let Some(fingerprint) = &choice.fingerprint {
            // The start is enough to tell servers apart; the whole one is
            // shown by the certificate question.
            let start: String = fingerprint.chars().take(23).collect();
            detail.push_str(&format!(" · SHA-256 {start}…"));
        }
        put(buf, inner.x, y + 1, inner.width, &detail, theme.dim);
        y += 2;
    }
    if inner.height >= 2 {
        put(
            buf,
            inner.x,
            inner.bottom() - 1,
            inner.width,
            "Found by mDNS, which proves nothing: the certificate is checked on connect.",
            theme.warn,
        );
    }
}
