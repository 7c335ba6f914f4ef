//! Channel member lists: who is in a channel and with which prefixes
//! (`@` operator, `+` voice, ...), ordered the way the sidebar shows them.

use std::collections::HashMap;

use natter_protocol::Casemapping;

/// One member of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The nick as the server spells it.
    pub nick: String,
    /// Channel prefixes held, highest first (e.g. `"@+"` with multi-prefix).
    pub prefixes: String,
}

impl Member {
    /// The highest prefix, if any: what the sidebar shows before the nick.
    pub fn top_prefix(&self) -> Option<char> {
        self.prefixes.chars().next()
    }
}

/// The members of one channel, keyed by case-folded nick.
#[derive(Debug, Clone, Default)]
pub struct Members {
    by_folded: HashMap<String, Member>,
}

impl Members {
    /// Adds or replaces a member.
    pub fn insert(&mut self, member: Member, casemapping: Casemapping) {
        self.by_folded
            .insert(casemapping.fold(&member.nick), member);
    }

    /// Removes a member; says whether it was there.
    pub fn remove(&mut self, nick: &str, casemapping: Casemapping) -> bool {
        self.by_folded.remove(&casemapping.fold(nick)).is_some()
    }

    /// Whether `nick` is a member.
    pub fn contains(&self, nick: &str, casemapping: Casemapping) -> bool {
        self.by_folded.contains_key(&casemapping.fold(nick))
    }

    /// The member named `nick`.
    pub fn get(&self, nick: &str, casemapping: Casemapping) -> Option<&Member> {
        self.by_folded.get(&casemapping.fold(nick))
    }

    /// Renames a member after a NICK change; says whether it was there.
    pub fn rename(&mut self, old: &str, new: &str, casemapping: Casemapping) -> bool {
        match self.by_folded.remove(&casemapping.fold(old)) {
            Some(mut member) => {
                member.nick = new.to_owned();
                self.insert(member, casemapping);
                true
            }
            None => false,
        }
    }

    /// Gives or takes a prefix (`@`, `+`, ...) after a MODE change; `order`
    /// is the server's prefix list, highest first.
    pub fn set_prefix(
        &mut self,
        nick: &str,
        prefix: char,
        on: bool,
        order: &str,
        casemapping: Casemapping,
    ) {
        if let Some(member) = self.by_folded.get_mut(&casemapping.fold(nick)) {
            let mut held: Vec<char> = member.prefixes.chars().filter(|c| *c != prefix).collect();
            if on {
                held.push(prefix);
            }
            held.sort_by_key(|c| order.find(*c).unwrap_or(usize::MAX));
            member.prefixes = held.into_iter().collect();
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.by_folded.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.by_folded.is_empty()
    }

    /// Forgets everyone (after leaving the channel or before a fresh NAMES).
    pub fn clear(&mut self) {
        self.by_folded.clear();
    }

    /// Members in sidebar order: highest prefix first (operators, then voiced,
    /// then everyone else), then by nick, case-insensitively.
    pub fn sorted(&self, order: &str, casemapping: Casemapping) -> Vec<&Member> {
        let mut list: Vec<&Member> = self.by_folded.values().collect();
        list.sort_by_cached_key(|member| {
            let rank = member
                .top_prefix()
                .and_then(|p| order.find(p))
                .unwrap_or(usize::MAX);
            (rank, casemapping.fold(&member.nick))
        });
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CM: Casemapping = Casemapping::Rfc1459;

    fn member(nick: &str, prefixes: &str) -> Member {
        Member {
            nick: nick.into(),
            prefixes: prefixes.into(),
        }
    }

    #[test]
    fn operators_come_first_then_voiced_then_by_name() {
        let mut members = Members::default();
        members.insert(member("zed", ""), CM);
        members.insert(member("Bob", "+"), CM);
        members.insert(member("carol", "@"), CM);
        members.insert(member("alice", ""), CM);
        let nicks: Vec<&str> = members
            .sorted("@+", CM)
            .iter()
            .map(|m| m.nick.as_str())
            .collect();
        assert_eq!(nicks, vec!["carol", "Bob", "alice", "zed"]);
    }

    #[test]
    fn lookups_fold_case() {
        let mut members = Members::default();
        members.insert(member("Alice[m]", ""), CM);
        assert!(members.contains("alice{M}", CM));
        assert!(members.rename("ALICE[M]", "al", CM));
        assert_eq!(members.get("AL", CM).map(|m| m.nick.as_str()), Some("al"));
    }

    #[test]
    fn mode_changes_keep_prefixes_in_server_order() {
        let mut members = Members::default();
        members.insert(member("bob", "+"), CM);
        members.set_prefix("bob", '@', true, "@+", CM);
        assert_eq!(
            members.get("bob", CM).map(|m| m.prefixes.as_str()),
            Some("@+")
        );
        members.set_prefix("bob", '@', false, "@+", CM);
        assert_eq!(
            members.get("bob", CM).map(|m| m.prefixes.as_str()),
            Some("+")
        );
    }
}
