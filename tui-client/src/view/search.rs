//! Searching the visible buffer's scrollback: the query, the match shown
//! now, and what happens at the oldest loaded line (offer to load older
//! history, then go on). Matching is case-insensitive on nick and text.

use crate::chat::buffers::{Buffer, LineKind};

/// Where a search stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchState {
    /// Typing the query; nothing looked for yet.
    Typing,
    /// Showing a match.
    Found,
    /// No match in what is loaded: Enter asks the server for older history.
    OfferOlder,
    /// Older history is on its way; the search goes on when it arrives.
    Loading,
    /// No (further) match anywhere, history included.
    Exhausted,
}

/// A search in the visible buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What is looked for.
    pub query: String,
    /// `seq` of the line of the match shown now.
    pub current: Option<i64>,
    /// Where it stands.
    pub state: SearchState,
}

impl Search {
    /// A new, empty search.
    pub fn new() -> Search {
        Search {
            query: String::new(),
            current: None,
            state: SearchState::Typing,
        }
    }

    /// Whether `text` contains the query (case-insensitive); an empty
    /// query matches nothing.
    pub fn matches(&self, text: &str) -> bool {
        !self.query.is_empty() && text.to_lowercase().contains(&self.query.to_lowercase())
    }

    /// The byte ranges of `text` where the query occurs, for highlighting.
    pub fn ranges(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let query = self.query.to_lowercase();
        if query.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        // Compare char by char so byte offsets stay those of `text` even
        // where lowercasing changes a character's length.
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let wanted: Vec<char> = query.chars().collect();
        let mut i = 0;
        while i + wanted.len() <= chars.len() {
            let hit = chars[i..i + wanted.len()]
                .iter()
                .zip(&wanted)
                .all(|((_, c), w)| c.to_lowercase().eq(w.to_lowercase()));
            if hit {
                let start = chars[i].0;
                let end = chars
                    .get(i + wanted.len())
                    .map_or(text.len(), |(offset, _)| *offset);
                out.push(start..end);
                i += wanted.len();
            } else {
                i += 1;
            }
        }
        out
    }

    fn line_matches(&self, buffer: &Buffer, index: usize) -> bool {
        buffer.lines.get(index).is_some_and(|line| {
            line.kind != LineKind::DaySeparator
                && (self.matches(&line.text()) || self.matches(&line.nick))
        })
    }

    /// Moves to the next match: older (up) or newer (down) than the current
    /// one, starting from the newest line. Returns the index of the line
    /// found; `None` leaves `current` where it was.
    pub fn step(&mut self, buffer: &Buffer, older: bool) -> Option<usize> {
        let len = buffer.lines.len();
        let from = self.current.and_then(|seq| buffer.index_of(seq));
        let candidates: Box<dyn Iterator<Item = usize>> = match (from, older) {
            (None, true) => Box::new((0..len).rev()),
            (None, false) => Box::new(std::iter::empty()),
            (Some(i), true) => Box::new((0..i).rev()),
            (Some(i), false) => Box::new(i + 1..len),
        };
        let found = candidates
            .into_iter()
            .find(|&i| self.line_matches(buffer, i))?;
        self.current = buffer.lines.get(found).map(|line| line.seq);
        self.state = SearchState::Found;
        Some(found)
    }

    /// How many loaded lines match.
    pub fn count(&self, buffer: &Buffer) -> usize {
        (0..buffer.lines.len())
            .filter(|&i| self.line_matches(buffer, i))
            .count()
    }
}

impl Default for Search {
    fn default() -> Search {
        Search::new()
    }
}
