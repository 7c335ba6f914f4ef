//! The key the hub files nicknames and channels under: the name case-folded
//! with the server's casemapping. A distinct type, so a display name can never
//! be looked up (or stored) where a folded one belongs.

use natter_protocol::Casemapping;
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A nickname or channel name folded with the server's casemapping (see
/// [`super::HubState::fold`]). Two names are the same name exactly when their
/// keys are equal. Cloning is cheap (shared).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Folded(Arc<str>);

impl Folded {
    /// Wraps text that is already folded (by the hub's casemapping).
    pub(crate) fn from_folded(folded: String) -> Folded {
        Folded(Arc::from(folded))
    }

    /// The folded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Folded {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Folded {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Folded {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Folded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Folded> for String {
    fn from(folded: Folded) -> String {
        folded.0.to_string()
    }
}

/// Longest name folded on the stack by [`with_folded`] (nicknames and
/// channel names are far shorter under the default limits).
const STACK_FOLD: usize = 64;

/// Runs `lookup` on `name` folded with `casemapping`, without allocating
/// for an ASCII name of up to [`STACK_FOLD`] bytes: every mapping folds
/// ASCII one byte at a time, so the folded form is written into a buffer on
/// the stack. A whisper looks its recipient up this way once per message
/// (folding into a `String` and then a [`Folded`] was two allocations).
/// Other names are folded as [`Casemapping::fold`] does.
pub(crate) fn with_folded<R>(
    casemapping: Casemapping,
    name: &str,
    lookup: impl FnOnce(&str) -> R,
) -> R {
    let letters_only = matches!(casemapping, Casemapping::Rfc8265 | Casemapping::Ascii);
    if letters_only
        && name
            .bytes()
            .all(|byte| byte.is_ascii() && !byte.is_ascii_uppercase())
    {
        // Already folded (most nicknames as typed): looked up as it is,
        // neither copied nor checked again.
        return lookup(name);
    }
    if name.is_ascii() && name.len() <= STACK_FOLD {
        let mut buffer = [0u8; STACK_FOLD];
        let slots = buffer.iter_mut().zip(name.bytes());
        match casemapping {
            // Letters alone fold (the default mapping): a plain loop the
            // compiler turns into a few vector instructions.
            Casemapping::Rfc8265 | Casemapping::Ascii => {
                slots.for_each(|(slot, byte)| *slot = byte.to_ascii_lowercase());
            }
            // ASCII in, ASCII out: the fold of an ASCII char is one byte.
            _ => slots.for_each(|(slot, byte)| {
                *slot = casemapping.fold_char(char::from(byte)) as u8;
            }),
        }
        if let Ok(folded) = std::str::from_utf8(&buffer[..name.len()]) {
            return lookup(folded);
        }
    }
    lookup(&casemapping.fold(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn folding_on_the_stack_matches_the_casemapping_for_every_mapping() {
        let names = [
            "alice",
            "nick[a]\\~^_",
            &"l".repeat(STACK_FOLD + 1),
            "Nick[A]\\~^",
            "ALLCAPS",
            "#Chan{x}|",
            "Ünïcödé",
            "ΣΊΣΥΦΟΣ",
            &"L".repeat(STACK_FOLD),
            &"L".repeat(STACK_FOLD + 1),
            "",
        ];
        for casemapping in [
            Casemapping::Ascii,
            Casemapping::Rfc1459,
            Casemapping::Rfc1459Strict,
            Casemapping::Rfc8265,
        ] {
            for name in names {
                let folded = with_folded(casemapping, name, str::to_owned);
                assert_eq!(folded, casemapping.fold(name), "{casemapping:?} {name}");
            }
        }
    }

    #[test]
    fn a_map_keyed_by_folded_names_is_searched_with_text() {
        let mut map = HashMap::new();
        map.insert(Folded::from_folded("#rust".into()), 1);
        assert_eq!(map.get("#rust"), Some(&1));
        assert_eq!(map.get("#Rust"), None, "lookups never fold by themselves");
    }
}
