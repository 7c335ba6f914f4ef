//! Commands that act on the buffers themselves rather than on the server:
//! `/buffer` (show one, move its tab) and `/url` (the links of one).

use crate::chat::Chat;
use crate::event::Effect;

/// Most links /url and Alt+U offer.
pub const MAX_LINKS: usize = 20;

impl Chat {
    /// /buffer N shows buffer N; /buffer move N moves this one to number N.
    pub(super) fn cmd_buffer(&mut self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        let count = self.buffers.len();
        let number = |word: &str| {
            word.parse::<usize>()
                .ok()
                .filter(|n| (1..=count).contains(n))
        };
        match words.as_slice() {
            [n] if number(n).is_some() => {
                self.switch_to(number(n).unwrap_or(1) - 1);
            }
            ["move", n] => match number(n) {
                Some(1) => self.error("The server buffer keeps number 1."),
                Some(to) => {
                    let from = self.buffers.active_index();
                    if self.buffers.move_to(from, to - 1).is_none() {
                        self.error("The server buffer keeps number 1.");
                    }
                }
                None => self.error(format!(
                    "There is no buffer {n}: numbers go from 1 to {count}."
                )),
            },
            _ => self.error("Usage: /buffer N, or /buffer move N"),
        }
    }

    /// /url lists the visible buffer's recent links, numbered, newest
    /// first; /url N opens link N. Nothing is ever opened without this.
    pub(super) fn cmd_url(&mut self, args: &str) {
        let links = self.buffers.active().recent_links(MAX_LINKS);
        if links.is_empty() {
            self.info("No links in this buffer yet.");
            return;
        }
        if args.is_empty() {
            self.info("Links here, newest first (/url N opens one, Alt+U picks):");
            for (number, link) in links.iter().enumerate() {
                self.info(format!("  {:>2}  {link}", number + 1));
            }
            return;
        }
        match args
            .parse::<usize>()
            .ok()
            .and_then(|n| links.get(n.checked_sub(1)?))
        {
            Some(link) => {
                self.info(format!("Opening {link}"));
                self.emit(Effect::OpenLink(link.clone()));
            }
            None => self.error(format!(
                "Usage: /url N with N from 1 to {}; /url alone lists them.",
                links.len()
            )),
        }
    }

    /// Moves the visible buffer's tab `step` places (never before the
    /// server buffer).
    pub fn move_active_buffer(&mut self, step: isize) {
        let from = self.buffers.active_index();
        let to = from as isize + step;
        if to >= 1 {
            let _ = self.buffers.move_to(from, to as usize);
        }
    }
}
