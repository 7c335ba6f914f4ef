//! Ignoring people: masks (`nick`, `nick!user@host`, `*!*@host`, with `*`
//! and `?`) whose messages are hidden (counted per buffer) and whose
//! whispers open no buffer. The list is saved by the run loop beside the
//! config file, so it survives restarts.

use natter_protocol::{Casemapping, Message};

use super::Chat;
use super::buffers::BufferKind;
use crate::event::Effect;

/// The masks in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreList {
    masks: Vec<String>,
}

/// `bob` → `bob!*@*`, `*@host` → `*!*@host`, `bob!u` → `bob!u@*`.
pub fn normalize(mask: &str) -> String {
    let mask = mask.trim();
    let (nick, rest) = match mask.split_once('!') {
        Some((nick, rest)) => (nick, Some(rest)),
        None if mask.contains('@') => ("*", Some(mask)),
        None => (mask, None),
    };
    let (user, host) = match rest {
        None => ("*", "*"),
        Some(rest) => rest.split_once('@').unwrap_or((rest, "*")),
    };
    let part = |p: &str| {
        if p.is_empty() {
            "*".to_owned()
        } else {
            p.to_owned()
        }
    };
    format!("{}!{}@{}", part(nick), part(user), part(host))
}

impl IgnoreList {
    /// A list of already normalised masks (as saved).
    pub fn new(masks: Vec<String>) -> IgnoreList {
        IgnoreList {
            masks: masks.iter().map(|m| normalize(m)).collect(),
        }
    }

    /// The masks.
    pub fn masks(&self) -> &[String] {
        &self.masks
    }

    /// Adds `mask`; false when it was there already.
    pub fn add(&mut self, mask: &str, casemapping: Casemapping) -> bool {
        let mask = normalize(mask);
        if self.position(&mask, casemapping).is_some() {
            return false;
        }
        self.masks.push(mask);
        true
    }

    /// Removes `mask`; false when it was not there.
    pub fn remove(&mut self, mask: &str, casemapping: Casemapping) -> bool {
        let Some(index) = self.position(&normalize(mask), casemapping) else {
            return false;
        };
        self.masks.remove(index);
        true
    }

    fn position(&self, mask: &str, casemapping: Casemapping) -> Option<usize> {
        let folded = casemapping.fold(mask);
        self.masks
            .iter()
            .position(|m| casemapping.fold(m) == folded)
    }

    /// Whether `source` (`nick!user@host`, or a bare nick) is ignored.
    pub fn matches(&self, source: &str, casemapping: Casemapping) -> bool {
        let full = if source.contains('!') {
            source.to_owned()
        } else {
            format!("{source}!*@*")
        };
        let text = casemapping.fold(&full);
        self.masks
            .iter()
            .any(|mask| natter_protocol::wildcard_match(&casemapping.fold(mask), &text))
    }
}

impl Chat {
    /// Whether a message from `msg`'s source is to be hidden; counts it in
    /// the buffer it would have gone to (a whisper counts in the server
    /// buffer: it opens nothing).
    pub(crate) fn drop_if_ignored(&mut self, msg: &Message, target: &str) -> bool {
        let Some(source) = msg.source.as_deref() else {
            return false;
        };
        let casemapping = self.session.casemapping;
        if !self.ignores.matches(source, casemapping) {
            return false;
        }
        let index = if self.session.is_channel(target) {
            self.buffers.find(target, casemapping).unwrap_or(0)
        } else {
            0
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.ignored += 1;
        }
        true
    }

    /// /ignore [MASK], /unignore MASK.
    pub(crate) fn cmd_ignore(&mut self, args: &str, add: bool) {
        let casemapping = self.session.casemapping;
        let mask = args.split_whitespace().next().unwrap_or_default();
        if mask.is_empty() {
            if !add {
                self.error("Usage: /unignore MASK");
                return;
            }
            match self.ignores.masks() {
                [] => self.info("You ignore no one. /ignore NICK (or a nick!user@host mask) hides someone's messages."),
                masks => {
                    let list = masks.join(", ");
                    self.info(format!("Ignored: {list} (/unignore MASK to stop)"));
                }
            }
            return;
        }
        let normalized = normalize(mask);
        let changed = if add {
            self.ignores.add(mask, casemapping)
        } else {
            self.ignores.remove(mask, casemapping)
        };
        match (add, changed) {
            (true, true) => self.info(format!(
                "Ignoring {normalized}: their messages are hidden and their whispers open nothing."
            )),
            (true, false) => self.info(format!("{normalized} is already ignored.")),
            (false, true) => self.info(format!("No longer ignoring {normalized}.")),
            (false, false) => {
                self.error(format!("{normalized} is not ignored (/ignore lists them)."))
            }
        }
        if changed {
            self.emit(Effect::SaveIgnores(self.ignores.masks().to_vec()));
        }
    }

    /// Messages hidden in the visible buffer because of /ignore.
    pub fn hidden_here(&self) -> usize {
        let buffer = self.buffers.active();
        match buffer.kind {
            BufferKind::Server | BufferKind::Channel | BufferKind::Private => buffer.ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_completed() {
        assert_eq!(normalize("bob"), "bob!*@*");
        assert_eq!(normalize("*@spam.example"), "*!*@spam.example");
        assert_eq!(normalize("bob!b"), "bob!b@*");
        assert_eq!(normalize("bob!b@h"), "bob!b@h");
    }

    #[test]
    fn globs_match_sources_by_casemapping() {
        let list = IgnoreList::new(vec![
            "Bob".into(),
            "*!*@*.spam.example".into(),
            "tr?ll".into(),
        ]);
        let map = Casemapping::Rfc1459;
        assert!(list.matches("bob!b@h", map));
        assert!(list.matches("BOB!x@y", map));
        assert!(list.matches("eve!e@a.spam.example", map));
        assert!(!list.matches("eve!e@spam.example", map));
        assert!(list.matches("troll!t@h", map));
        assert!(!list.matches("trolls!t@h", map));
        assert!(!list.matches("bobby!b@h", map));
    }
}
