//! One scrollback line laid out as display rows: timestamp, nick and body
//! wrapped by display width, continuation rows indented under the text.

use chrono::{Offset, Utc};
use ratatui::style::Style;

use crate::chat::buffers::{Buffer, ChatLine, LineKind, Older};
use crate::settings::Zone;
use crate::text::{self, Row, StyledText};
use crate::theme::Theme;

/// Widest nick shown before the text; longer nicks are cut.
const NICK_MAX: usize = 16;
/// Continuation rows indent under the text only when at least this much
/// room remains.
const MIN_TEXT_WIDTH: usize = 16;

/// The rows of `line` in a pane `width` cells wide, times shown in `zone`,
/// styled by `theme`.
pub fn rows(theme: &Theme, line: &ChatLine, width: usize, zone: &Zone) -> Vec<Row> {
    let width = width.max(1);
    if line.kind == LineKind::DaySeparator {
        return vec![day_separator(theme, &line.text(), width)];
    }
    let time = zone.local(line.time).format("%H:%M ").to_string();
    let time_style = if line.replayed {
        theme.backlog_time
    } else {
        theme.dim
    };
    let mut prefix: Row = vec![StyledText::new(time, time_style)];
    prefix.extend(nick_part(theme, line));
    let body_style = body_style(theme, line.kind);
    let body: Vec<StyledText> = line
        .body
        .iter()
        .map(|run| {
            let style = body_style.patch(run.style);
            StyledText {
                style: if run.link.is_some() {
                    style.patch(theme.link)
                } else {
                    style
                },
                ..run.clone()
            }
        })
        .collect();
    let (prefix, body) = if line.replayed {
        (
            in_backlog_style(theme, prefix),
            in_backlog_style(theme, body),
        )
    } else {
        (prefix, body)
    };
    let prefix_width: usize = prefix.iter().map(|r| text::width(&r.text)).sum();
    let (first, indent) = if line.hang > 0 && width >= prefix_width + line.hang + MIN_TEXT_WIDTH {
        (width - prefix_width, prefix_width + line.hang)
    } else if line.hang > 0 && width >= prefix_width + 2 + MIN_TEXT_WIDTH {
        // Too narrow for the table's column: a hanging indent still shows
        // where an entry begins.
        (width - prefix_width, prefix_width + 2)
    } else if width >= prefix_width + MIN_TEXT_WIDTH {
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

/// Runs restyled for history replayed by the server: the same colours,
/// dimmed, with the time in the backlog colour.
fn in_backlog_style(theme: &Theme, runs: Vec<StyledText>) -> Vec<StyledText> {
    runs.into_iter()
        .map(|run| StyledText {
            style: run.style.patch(theme.backlog),
            ..run
        })
        .collect()
}

/// Number of rows `line` takes in a pane `width` cells wide.
pub fn height(line: &ChatLine, width: usize) -> usize {
    // Styles never change a height: any theme measures the same.
    static THEME: std::sync::LazyLock<Theme> = std::sync::LazyLock::new(Theme::default);
    rows(&THEME, line, width, &Zone::Fixed(Utc.fix())).len()
}

fn nick_part(theme: &Theme, line: &ChatLine) -> Vec<StyledText> {
    let nick = text::truncate_marked(&line.nick, NICK_MAX);
    let color = theme.nick_color(&nick.to_lowercase());
    let nick_style = if line.highlight {
        theme.highlight
    } else if line.own {
        theme.own_nick.fg(color)
    } else {
        Style::new().fg(color)
    };
    let piece = |text: &str, style: Style| StyledText::new(text, style);
    match line.kind {
        LineKind::Message => vec![
            piece("<", theme.dim),
            piece(&nick, nick_style),
            piece("> ", theme.dim),
        ],
        LineKind::Action => vec![
            piece("* ", nick_style),
            piece(&format!("{nick} "), nick_style),
        ],
        LineKind::Notice => vec![
            piece("-", theme.dim),
            piece(&nick, nick_style),
            piece("- ", theme.dim),
        ],
        LineKind::Joined => vec![piece("→ ", theme.good)],
        LineKind::Left => vec![piece("← ", theme.dim)],
        LineKind::Event => vec![piece("• ", theme.dim)],
        LineKind::Info => vec![piece("-!- ", theme.info)],
        LineKind::Error => vec![piece("-!- ", theme.error)],
        LineKind::DaySeparator => Vec::new(),
    }
}

fn body_style(theme: &Theme, kind: LineKind) -> Style {
    match kind {
        LineKind::Joined | LineKind::Left | LineKind::Event => theme.dim,
        LineKind::Error => theme.error,
        LineKind::Action => Style::new().add_modifier(ratatui::style::Modifier::ITALIC),
        _ => Style::default(),
    }
}

/// A row drawn above a scrollback line that is not part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoration {
    /// Above the first line: older messages are being loaded.
    Loading,
    /// Above the first line: the server has nothing older.
    StartOfHistory,
    /// Above the first line: the scrollback cap stops loading older messages.
    ScrollbackFull,
    /// Above the first of a run of lines replayed from history.
    EarlierMessages,
    /// Above the first line that arrived while the buffer was not shown.
    NewMessages,
}

/// The rows drawn above line `index` of `buffer`, top to bottom; both the
/// renderer and scrolling count them.
pub fn decorations(buffer: &Buffer, index: usize) -> Vec<Decoration> {
    let Some(line) = buffer.lines.get(index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if index == 0 {
        match buffer.older {
            Older::Loading => out.push(Decoration::Loading),
            Older::Complete => out.push(Decoration::StartOfHistory),
            Older::Full => out.push(Decoration::ScrollbackFull),
            Older::Unknown | Older::Unavailable => {}
        }
    }
    let previous_replayed = index
        .checked_sub(1)
        .and_then(|i| buffer.lines.get(i))
        .is_some_and(|previous| previous.replayed);
    if line.replayed && !previous_replayed {
        out.push(Decoration::EarlierMessages);
    }
    if buffer.read_marker == Some(line.seq) {
        out.push(Decoration::NewMessages);
    }
    out
}

/// The row for `decoration` in a pane `width` cells wide.
pub fn decoration_row(theme: &Theme, decoration: Decoration, width: usize) -> Row {
    let (label, style) = match decoration {
        Decoration::Loading => (" loading older messages… ", theme.info),
        Decoration::StartOfHistory => (" start of history ", theme.dim),
        Decoration::ScrollbackFull => (
            " scrollback full: older messages are not loaded ",
            theme.dim,
        ),
        Decoration::EarlierMessages => (" earlier messages ", theme.backlog_rule),
        Decoration::NewMessages => (" new messages ", theme.read_marker),
    };
    rule(label, width, style)
}

/// `── label ──────` across `width` cells.
fn rule(label: &str, width: usize, style: Style) -> Row {
    let rest = width.saturating_sub(text::width(label));
    let text = text::truncate(
        &format!(
            "{}{label}{}",
            "─".repeat(2.min(rest)),
            "─".repeat(rest.saturating_sub(2))
        ),
        width,
    );
    vec![StyledText::new(text, style)]
}

fn day_separator(theme: &Theme, label: &str, width: usize) -> Row {
    let label = text::truncate(&format!(" {label} "), width);
    let rest = width.saturating_sub(text::width(&label));
    let left = rest / 2;
    let right = rest - left;
    vec![StyledText::new(
        format!("{}{label}{}", "─".repeat(left), "─".repeat(right)),
        theme.dim,
    )]
}
