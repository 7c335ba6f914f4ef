//! The key the hub files nicknames and channels under: the name case-folded
//! with the server's casemapping. A distinct type, so a display name can never
//! be looked up (or stored) where a folded one belongs.

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_map_keyed_by_folded_names_is_searched_with_text() {
        let mut map = HashMap::new();
        map.insert(Folded::from_folded("#rust".into()), 1);
        assert_eq!(map.get("#rust"), Some(&1));
        assert_eq!(map.get("#Rust"), None, "lookups never fold by themselves");
    }
}
