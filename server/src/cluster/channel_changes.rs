//! What each kind of channel event does to the cluster's record of the
//! channel ([`ChannelRecord`]): pure functions, run (perhaps several times)
//! inside a compare-and-set update, so each node writes only the change its
//! own user made on top of whatever the others wrote before.

use super::channels::{BanRecord, ChannelRecord, PrivilegeRecord, TopicRecord};

impl ChannelRecord {
    /// Applies an announced mode change (`+o-t`, `+kb sesame *!*@x`, as the
    /// hub announced it: `-k` with an argument, `-l` without) made by
    /// `setter` at `now_ms`. `fold` folds nicks and masks for comparison.
    pub fn apply_modes(
        &mut self,
        changes: &str,
        args: &[String],
        setter: &str,
        now_ms: i64,
        fold: impl Fn(&str) -> String,
    ) {
        let mut args = args.iter();
        let mut adding = true;
        for letter in changes.chars() {
            match letter {
                '+' => adding = true,
                '-' => adding = false,
                'i' => self.modes.invite_only = adding,
                'm' => self.modes.moderated = adding,
                'n' => self.modes.no_external = adding,
                's' => self.modes.secret = adding,
                't' => self.modes.topic_lock = adding,
                'k' => {
                    let key = args.next();
                    self.modes.key = if adding { key.cloned() } else { None };
                }
                'l' => {
                    self.modes.limit = if adding {
                        args.next().and_then(|limit| limit.parse().ok())
                    } else {
                        None
                    };
                }
                'b' => {
                    let Some(mask) = args.next() else { continue };
                    let folded = fold(mask);
                    let existing = self.bans.iter().position(|ban| fold(&ban.mask) == folded);
                    match (adding, existing) {
                        (true, None) => self.bans.push(BanRecord {
                            mask: mask.clone(),
                            setter: setter.to_string(),
                            time_ms: now_ms,
                        }),
                        (false, Some(index)) => {
                            self.bans.remove(index);
                        }
                        _ => {}
                    }
                }
                'o' | 'v' => {
                    let Some(nick) = args.next() else { continue };
                    let key = fold(nick);
                    let privileges = self.privileges.entry(key.clone()).or_default();
                    if letter == 'o' {
                        privileges.op = adding;
                    } else {
                        privileges.voice = adding;
                    }
                    if *privileges == PrivilegeRecord::default() {
                        self.privileges.remove(&key);
                    }
                }
                _ => {}
            }
        }
        self.changed_by = setter.to_string();
    }

    /// Sets (or, with empty `text`, clears) the topic.
    pub fn set_topic(&mut self, text: &str, setter: &str, now_ms: i64) {
        self.topic = (!text.is_empty()).then(|| TopicRecord {
            text: text.to_string(),
            setter: setter.to_string(),
            time_ms: now_ms,
        });
        self.changed_by = setter.to_string();
    }

    /// A member (folded nick) left: privileges and invitation go with them.
    pub fn forget_member(&mut self, folded_nick: &str) {
        self.privileges.remove(folded_nick);
        self.invited.remove(folded_nick);
    }

    /// A member changed nick: their privileges follow them.
    pub fn rename_member(&mut self, old: &str, new: &str) {
        if let Some(privileges) = self.privileges.remove(old) {
            self.privileges.insert(new.to_string(), privileges);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(text: &str) -> String {
        text.to_lowercase()
    }

    #[test]
    fn flags_key_limit_bans_and_privileges_follow_the_mode_string() {
        let mut record = ChannelRecord::default();
        let args: Vec<String> = ["sesame", "5", "*!*@Bad", "Bob"].map(String::from).into();
        record.apply_modes("+mklbo", &args, "ann!a@h", 7, fold);
        assert!(record.modes.moderated);
        assert_eq!(record.modes.key.as_deref(), Some("sesame"));
        assert_eq!(record.modes.limit, Some(5));
        assert_eq!(record.bans[0].mask, "*!*@Bad");
        assert_eq!(record.bans[0].setter, "ann!a@h");
        assert!(record.privileges["bob"].op);
        assert_eq!(record.changed_by, "ann!a@h");
        let args: Vec<String> = ["*", "*!*@bad", "BOB"].map(String::from).into();
        record.apply_modes("-mklbo", &args, "cid!c@h", 8, fold);
        assert_eq!(record.modes, Default::default());
        assert!(record.bans.is_empty(), "removed whatever its case");
        assert!(record.privileges.is_empty());
    }

    #[test]
    fn two_changes_on_one_record_both_stay() {
        let mut record = ChannelRecord::default();
        record.apply_modes("+m", &[], "a!a@h", 1, fold);
        record.apply_modes("+t", &[], "b!b@h", 2, fold);
        assert!(record.modes.moderated && record.modes.topic_lock);
    }

    #[test]
    fn privileges_follow_renames_and_leave_with_their_member() {
        let mut record = ChannelRecord::default();
        record.apply_modes("+ov", &["Bob".into(), "Bob".into()], "a!a@h", 1, fold);
        record.rename_member("bob", "rob");
        assert!(record.privileges["rob"].voice);
        record.invited.insert("rob".into());
        record.forget_member("rob");
        assert!(record.privileges.is_empty() && record.invited.is_empty());
        record.set_topic("hello", "a!a@h", 3);
        assert_eq!(
            record.topic.as_ref().map(|t| t.text.as_str()),
            Some("hello")
        );
        record.set_topic("", "a!a@h", 4);
        assert!(record.topic.is_none());
    }
}
