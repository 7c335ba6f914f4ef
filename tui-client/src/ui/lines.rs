//! One scrollback line laid out as display rows: timestamp, nick and body
//! wrapped by display width, continuation rows indented under the text.

use chrono::{FixedOffset, Offset, Utc};
use ratatui::style::Style;

use super::theme;
use crate::app::buffers::{ChatLine, LineKind};
use crate::text::{self, Row, StyledText};

/// Widest nick shown before the text; longer nicks are cut.
const NICK_MAX: usize = 16;
/// Continuation rows indent under the text only when at least this much
/// room remains.
const MIN_TEXT_WIDTH: usize = 16;

/// The rows of `line` in a pane `width` cells wide, times shown at `offset`.
pub fn rows(line: &ChatLine, width: usize, offset: FixedOffset) -> Vec<Row> {
    let width = width.max(1);
    if line.kind == LineKind::DaySeparator {
        return vec![day_separator(&line.text(), width)];
    }
    let time = line
        .time
        .with_timezone(&offset)
        .format("%H:%M ")
        .to_string();
    let mut prefix: Row = vec![StyledText::new(time, theme::DIM)];
    prefix.extend(nick_part(line));
    let body_style = body_style(line.kind);
    let body: Vec<StyledText> = line
        .body
        .iter()
        .map(|run| StyledText {
            style: body_style.patch(run.style),
            text: run.text.clone(),
        })
        .collect();
    let prefix_width: usize = prefix.iter().map(|r| text::width(&r.text)).sum();
    let (first, indent) = if width >= prefix_width + MIN_TEXT_WIDTH {
        (width - prefix_width, prefix_width)
    } else {
        (width.saturating_sub(prefix_width).max(1), 0)
    };
    let mut wrapped = text::wrap(&body, first, width - indent);
    if prefix_width >= width {
        // Too narrow even for the prefix: the body starts on the next row.
        wrapped.insert(0, Vec::new());
    }
    let mut out = Vec::with_capacity(wrapped.len());
    for (i, row) in wrapped.into_iter().enumerate() {
        let mut full: Row = if i == 0 {
            prefix.clone()
        } else {
            vec![StyledText::new(" ".repeat(indent), Style::default())]
        };
        full.extend(row);
        out.push(full);
    }
    out
}

/// Number of rows `line` takes in a pane `width` cells wide.
pub fn height(line: &ChatLine, width: usize) -> usize {
    rows(line, width, Utc.fix()).len()
}

fn nick_part(line: &ChatLine) -> Vec<StyledText> {
    let nick = text::truncate(&line.nick, NICK_MAX);
    let color = theme::nick_color(&nick.to_lowercase());
    let nick_style = if line.highlight {
        theme::HIGHLIGHT
    } else if line.own {
        theme::OWN_NICK.fg(color)
    } else {
        Style::new().fg(color)
    };
    let piece = |text: &str, style: Style| StyledText::new(text, style);
    match line.kind {
        LineKind::Message => vec![
            piece("<", theme::DIM),
            piece(&nick, nick_style),
            piece("> ", theme::DIM),
        ],
        LineKind::Action => vec![
            piece("* ", nick_style),
            piece(&format!("{nick} "), nick_style),
        ],
        LineKind::Notice => vec![
            piece("-", theme::DIM),
            piece(&nick, nick_style),
            piece("- ", theme::DIM),
        ],
        LineKind::Joined => vec![piece("→ ", theme::GOOD)],
        LineKind::Left => vec![piece("← ", theme::DIM)],
        LineKind::Event => vec![piece("• ", theme::DIM)],
        LineKind::Info => vec![piece("-!- ", theme::INFO)],
        LineKind::Error => vec![piece("-!- ", theme::ERROR)],
        LineKind::DaySeparator => Vec::new(),
    }
}

fn body_style(kind: LineKind) -> Style {
    match kind {
        LineKind::Joined | LineKind::Left | LineKind::Event => theme::DIM,
        LineKind::Error => theme::ERROR,
        LineKind::Action => Style::new().add_modifier(ratatui::style::Modifier::ITALIC),
        _ => Style::default(),
    }
}

/// The rule drawn above the first line that arrived while the buffer was
/// not shown.
pub fn read_marker_row(width: usize) -> Row {
    let label = " new messages ";
    let rest = width.saturating_sub(text::width(label));
    let text = text::truncate(
        &format!(
            "{}{label}{}",
            "─".repeat(2.min(rest)),
            "─".repeat(rest.saturating_sub(2))
        ),
        width,
    );
    vec![StyledText::new(text, theme::READ_MARKER)]
}

fn day_separator(label: &str, width: usize) -> Row {
    let label = text::truncate(&format!(" {label} "), width);
    let rest = width.saturating_sub(text::width(&label));
    let left = rest / 2;
    let right = rest - left;
    vec![StyledText::new(
        format!("{}{label}{}", "─".repeat(left), "─".repeat(right)),
        theme::DIM,
    )]
}
