//! OSC 8 hyperlinks: ratatui draws cells, not links, so after each draw the
//! run loop rewrites the cells of every link on screen wrapped in an OSC 8
//! sequence, and rewrites plainly the cells of links that went away (a
//! terminal keeps a cell's link until the cell is written again). Only
//! targets made by `links::target` get here: printable ASCII, nothing that
//! can end the sequence early.

use std::io::{self, Write};

use crossterm::cursor::{RestorePosition, SavePosition};
use crossterm::queue;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, Cell};

use crate::links;
use crate::text;
use crate::ui::LinkArea;

/// Writes the links of the frame just drawn (`buffer`, links `now`) and
/// unlinks those of the frame before (`before`) that are gone. Leaves the
/// cursor where ratatui put it.
pub fn emit<W: Write>(
    backend: &mut CrosstermBackend<W>,
    buffer: &Buffer,
    now: &[LinkArea],
    before: &[LinkArea],
) -> io::Result<()> {
    let gone: Vec<&LinkArea> = before.iter().filter(|old| !now.contains(old)).collect();
    if now.is_empty() && gone.is_empty() {
        return Ok(());
    }
    queue!(backend, SavePosition)?;
    for area in gone {
        backend.draw(cells(buffer, area).into_iter())?;
    }
    for area in now {
        let (open, close) = links::osc8(&area.target);
        backend.write_all(open.as_bytes())?;
        backend.draw(cells(buffer, area).into_iter())?;
        backend.write_all(close.as_bytes())?;
    }
    queue!(backend, RestorePosition)?;
    Backend::flush(backend)
}

/// The cells of `area` as the terminal shows them: the blank half of a
/// wide character is skipped (writing it would erase the character).
fn cells<'a>(buffer: &'a Buffer, area: &LinkArea) -> Vec<(u16, u16, &'a Cell)> {
    let mut out = Vec::with_capacity(usize::from(area.width));
    let mut skip = 0;
    for x in area.x..area.x.saturating_add(area.width) {
        let Some(cell) = buffer.cell((x, area.y)) else {
            break;
        };
        if skip > 0 {
            skip -= 1;
            continue;
        }
        skip = text::width(cell.symbol()).saturating_sub(1);
        out.push((x, area.y, cell));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    fn area(x: u16, width: u16, target: &str) -> LinkArea {
        LinkArea {
            x,
            y: 0,
            width,
            target: Arc::from(target),
        }
    }

    /// A writer whose bytes the test can read after the backend wrote them.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn output(buffer: &Buffer, now: &[LinkArea], before: &[LinkArea]) -> String {
        let shared = Shared::default();
        let mut backend = CrosstermBackend::new(shared.clone());
        emit(&mut backend, buffer, now, before).unwrap();
        String::from_utf8(shared.0.borrow().clone()).unwrap()
    }

    #[test]
    fn a_link_is_rewritten_inside_osc_8_and_the_cursor_restored() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 1));
        buffer.set_string(0, 0, "go https://a.b x", Style::default());
        let out = output(&buffer, &[area(3, 11, "https://a.b")], &[]);
        let start = out.find("\x1b]8;;https://a.b\x1b\\").unwrap();
        let end = out.rfind("\x1b]8;;\x1b\\").unwrap();
        assert!(start < end);
        let inside = &out[start..end];
        let printed: String = inside.chars().filter(char::is_ascii_alphanumeric).collect();
        assert!(printed.contains("httpsab"), "{inside:?}");
        assert!(out.starts_with("\x1b7"), "{out:?}");
        assert!(out.ends_with("\x1b8"), "{out:?}");
    }

    #[test]
    fn nothing_is_written_without_links_and_gone_links_are_redrawn_plain() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 20, 1));
        assert_eq!(output(&buffer, &[], &[]), "");
        buffer.set_string(0, 0, "plain text now", Style::default());
        let old = area(0, 5, "https://a.b");
        let out = output(&buffer, &[], std::slice::from_ref(&old));
        assert!(!out.contains("\x1b]8"), "{out:?}");
        assert!(out.contains("plain"), "{out:?}");
        // A link still on screen is not "gone".
        let out = output(
            &buffer,
            std::slice::from_ref(&old),
            std::slice::from_ref(&old),
        );
        assert_eq!(out.matches("\x1b]8;;https://a.b").count(), 1);
    }

    #[test]
    fn the_blank_half_of_a_wide_character_is_not_written() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 10, 1));
        buffer.set_string(0, 0, "例え", Style::default());
        assert_eq!(cells(&buffer, &area(0, 4, "https://a.b")).len(), 2);
    }
}
