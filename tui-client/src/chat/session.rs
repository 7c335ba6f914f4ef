//! What the client knows about its IRC session: our nick, the server's
//! ISUPPORT settings, enabled capabilities, away state, lag, and NAMES
//! replies being collected.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use natter_protocol::Casemapping;

use super::history::HistoryBatch;
use super::members::Member;

/// Session facts; reset on disconnect except the nick we want.
#[derive(Debug, Clone)]
pub struct Session {
    /// Our nick (the server's idea once registered).
    pub nick: String,
    /// Whether 001 arrived on this connection.
    pub registered: bool,
    /// How the server compares nicks and channel names.
    pub casemapping: Casemapping,
    /// The network's name (ISUPPORT NETWORK).
    pub network: Option<String>,
    /// Channel prefix characters, highest first (`@+`).
    pub prefix_chars: String,
    /// Modes matching `prefix_chars` (`ov`).
    pub prefix_modes: String,
    /// Characters that start a channel name.
    pub chantypes: String,
    /// Enabled IRCv3 capabilities.
    pub caps: BTreeSet<String>,
    /// Whether we are marked away.
    pub away: bool,
    /// The account we are logged in to (900), shown in the status line.
    pub account: Option<String>,
    /// Round trip of the last lag probe, in milliseconds.
    pub lag_ms: Option<i64>,
    /// The outstanding lag probe: token and when it was sent.
    pub lag_probe: Option<(String, DateTime<Utc>)>,
    /// When the last lag probe was sent.
    pub last_probe: Option<DateTime<Utc>>,
    /// NAMES replies being collected, by folded channel.
    pub pending_names: HashMap<String, Vec<Member>>,
    /// Channels whose NAMES the user asked to see, by folded name.
    pub names_requested: HashSet<String>,
    /// Channels the user joined by hand, to switch to when the JOIN arrives.
    pub switch_on_join: HashSet<String>,
    /// Open `chathistory` batches by id: their messages are replays, not
    /// news, and are placed when the batch ends.
    pub history_batches: HashMap<String, HistoryBatch>,
    /// Labels of history requests on their way, with the folded buffer name.
    pub history_labels: HashMap<String, String>,
    /// Labels handed out on this connection.
    pub labels_issued: u64,
    /// Most messages one CHATHISTORY request may ask for (ISUPPORT
    /// CHATHISTORY; 0 means no limit).
    pub history_limit: Option<usize>,
    /// Message references CHATHISTORY accepts (ISUPPORT MSGREFTYPES); `None`
    /// when the server did not say.
    pub msgref_types: Option<Vec<String>>,
    /// Channels closed with /close whose PART is on its way, by folded name.
    pub closing: HashSet<String>,
    /// Most parameterised mode changes one MODE line may carry (ISUPPORT MODES).
    pub modes_per_line: usize,
    /// Channels counted so far in a LIST reply.
    pub listed_channels: usize,
    /// Entries counted so far in ban list replies, by folded channel.
    pub listed_bans: HashMap<String, usize>,
    /// Whether the server said it is shutting down (its members' quits
    /// are then not shown one by one).
    pub shutting_down: bool,
}

impl Session {
    /// A new session for `nick`, with RFC defaults until 005 says otherwise.
    pub fn new(nick: &str) -> Session {
        Session {
            nick: nick.to_owned(),
            registered: false,
            casemapping: Casemapping::Rfc1459,
            network: None,
            prefix_chars: "@+".to_owned(),
            prefix_modes: "ov".to_owned(),
            chantypes: "#&".to_owned(),
            caps: BTreeSet::new(),
            away: false,
            account: None,
            lag_ms: None,
            lag_probe: None,
            last_probe: None,
            pending_names: HashMap::new(),
            names_requested: HashSet::new(),
            switch_on_join: HashSet::new(),
            history_batches: HashMap::new(),
            history_labels: HashMap::new(),
            labels_issued: 0,
            history_limit: None,
            msgref_types: None,
            closing: HashSet::new(),
            modes_per_line: 3,
            listed_channels: 0,
            listed_bans: HashMap::new(),
            shutting_down: false,
        }
    }

    /// Forgets everything that belongs to one connection.
    pub fn on_disconnect(&mut self) {
        let nick = std::mem::take(&mut self.nick);
        *self = Session::new(&nick);
    }

    /// Whether capability `name` is enabled.
    pub fn has_cap(&self, name: &str) -> bool {
        self.caps.contains(name)
    }

    /// Whether `name` looks like a channel on this server.
    pub fn is_channel(&self, name: &str) -> bool {
        name.chars()
            .next()
            .is_some_and(|c| self.chantypes.contains(c))
    }

    /// Whether `nick` is us.
    pub fn is_me(&self, nick: &str) -> bool {
        self.casemapping.eq(nick, &self.nick)
    }

    /// Applies one ISUPPORT token such as `PREFIX=(ov)@+` or `CASEMAPPING=ascii`.
    pub fn apply_isupport(&mut self, token: &str) {
        let (key, value) = token.split_once('=').unwrap_or((token, ""));
        match key.to_ascii_uppercase().as_str() {
            "CASEMAPPING" => {
                if let Some(mapping) = Casemapping::from_isupport(value) {
                    self.casemapping = mapping;
                }
            }
            "NETWORK" if !value.is_empty() => self.network = Some(crate::text::clean(value)),
            "CHANTYPES" if !value.is_empty() => self.chantypes = value.to_owned(),
            "CHATHISTORY" => self.history_limit = value.parse().ok(),
            // No value means no limit; RFC 1459 servers take 3.
            "MODES" => {
                self.modes_per_line = {
                    let unlimited = value.is_empty();
                    value
                        .parse()
                        .unwrap_or(if unlimited { usize::MAX } else { 3 })
                }
            }
            "MSGREFTYPES" => {
                let types = value.split(',').filter(|t| !t.is_empty());
                self.msgref_types = Some(types.map(str::to_owned).collect());
            }
            "PREFIX" => {
                if let Some((modes, chars)) = value
                    .strip_prefix('(')
                    .and_then(|rest| rest.split_once(')'))
                    && modes.chars().count() == chars.chars().count()
                {
                    self.prefix_modes = modes.to_owned();
                    self.prefix_chars = chars.to_owned();
                }
            }
            _ => {}
        }
    }

    /// Splits `@+nick` (or `@nick!user@host`) into prefixes and nick.
    pub fn split_prefixes<'a>(&self, entry: &'a str) -> (&'a str, &'a str) {
        let nick_start = entry
            .char_indices()
            .find(|(_, c)| !self.prefix_chars.contains(*c))
            .map_or(entry.len(), |(i, _)| i);
        let (prefixes, rest) = entry.split_at(nick_start);
        let nick = rest.split('!').next().unwrap_or(rest);
        (prefixes, nick)
    }

    /// The prefix character given by channel mode `mode` (`o` gives `@`).
    pub fn prefix_for_mode(&self, mode: char) -> Option<char> {
        let index = self.prefix_modes.chars().position(|m| m == mode)?;
        self.prefix_chars.chars().nth(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isupport_prefix_and_casemapping() {
        let mut session = Session::new("me");
        session.apply_isupport("PREFIX=(qov)~@+");
        session.apply_isupport("CASEMAPPING=ascii");
        session.apply_isupport("NETWORK=LAN");
        assert_eq!(session.prefix_chars, "~@+");
        assert_eq!(session.prefix_for_mode('v'), Some('+'));
        assert_eq!(session.casemapping, Casemapping::Ascii);
        assert_eq!(session.network.as_deref(), Some("LAN"));
    }

    #[test]
    fn isupport_chathistory_limit_and_reference_types() {
        let mut session = Session::new("me");
        assert_eq!(
            (session.history_limit, session.msgref_types.clone()),
            (None, None)
        );
        session.apply_isupport("CHATHISTORY=100");
        session.apply_isupport("MSGREFTYPES=timestamp,msgid");
        assert_eq!(session.history_limit, Some(100));
        assert_eq!(
            session.msgref_types,
            Some(vec!["timestamp".to_owned(), "msgid".to_owned()])
        );
    }

    #[test]
    fn names_entries_split_into_prefixes_and_nick() {
        let session = Session::new("me");
        assert_eq!(session.split_prefixes("@+bob"), ("@+", "bob"));
        assert_eq!(session.split_prefixes("carol!c@host"), ("", "carol"));
    }
}
