//! The message pane: walks back from the bottom of the view and lays out only
//! the lines that show, so a buffer of 100 000 lines costs what a screenful
//! costs.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{LinkArea, fill, put, put_row, row_links};
use crate::app::App;
use crate::geometry::lines;
use crate::text::Row;
use crate::theme::Theme;
use crate::view::search::Search;

/// Draws the visible buffer's messages into `area`; returns where links
/// show.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Vec<LinkArea> {
    let theme = app.theme();
    let mut links = Vec::new();
    if area.width == 0 || area.height == 0 {
        return links;
    }
    let buffer = app.chat.buffers.active();
    let scrolled = buffer.scroll.is_some();
    let view_height = usize::from(area.height) - usize::from(scrolled && area.height > 1);
    let width = usize::from(area.width);
    let rows = visible_rows(app, width, view_height);
    let top = area.y + u16::try_from(view_height.saturating_sub(rows.len())).unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        let y = top + u16::try_from(i).unwrap_or(u16::MAX);
        put_row(buf, area.x, y, area.width, row);
        row_links(row, area.x, y, area.width, &mut links);
    }
    if scrolled && area.height > 1 {
        let y = area.bottom() - 1;
        let mark_area = Rect::new(area.x, y, area.width, 1);
        fill(buf, mark_area, theme.scroll_mark);
        let text = match buffer.unseen_below {
            0 => " ↓ scrolled up · PgDn or Esc for the newest ".to_owned(),
            1 => " ↓ 1 new message below · Esc jumps there ".to_owned(),
            n => format!(" ↓ {n} new messages below · Esc jumps there "),
        };
        put(buf, area.x, y, area.width, &text, theme.scroll_mark);
        links.retain(|link| link.y < y);
    }
    links
}

/// The rows that fill a pane `width` wide and `height` high, top to bottom.
pub fn visible_rows(app: &App, width: usize, height: usize) -> Vec<Row> {
    let buffer = app.chat.buffers.active();
    let zone = &app.chat.settings.zone;
    let theme = app.theme();
    let Some((mut index, mut skip)) = buffer.view_bottom() else {
        return Vec::new();
    };
    let mut collected: Vec<Row> = Vec::with_capacity(height);
    while collected.len() < height {
        let Some(line) = buffer.lines.get(index) else {
            break;
        };
        let mut line_rows: Vec<Row> = lines::decorations(buffer, index)
            .into_iter()
            .map(|decoration| lines::decoration_row(theme, decoration, width))
            .collect();
        let mut rows = lines::rows(theme, line, width, zone);
        if let Some(search) = &app.view.search {
            let current = search.current == Some(line.seq);
            rows = rows
                .into_iter()
                .map(|row| highlight(theme, row, search, current))
                .collect();
        }
        line_rows.extend(rows);
        line_rows.truncate(line_rows.len().saturating_sub(skip));
        skip = 0;
        while let Some(row) = line_rows.pop() {
            if collected.len() == height {
                break;
            }
            collected.push(row);
        }
        if index == 0 {
            break;
        }
        index -= 1;
    }
    collected.reverse();
    collected
}

/// A row with every occurrence of the search text marked, and the whole
/// row shaded when it belongs to the match shown now.
fn highlight(theme: &Theme, row: Row, search: &Search, current: bool) -> Row {
    let mut out = Vec::with_capacity(row.len());
    for run in row {
        let base = if current {
            run.style.patch(theme.search_current)
        } else {
            run.style
        };
        let mut at = 0;
        for range in search.ranges(&run.text) {
            if range.start > at {
                out.push(run.slice(at..range.start, base));
            }
            out.push(run.slice(range.clone(), base.patch(theme.search_match)));
            at = range.end;
        }
        if at < run.text.len() || run.text.is_empty() {
            out.push(run.slice(at..run.text.len(), base));
        }
    }
    out
}
