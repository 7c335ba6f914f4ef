//! A registered client as the hub sees it: identity, presence and how to reach it.

use super::event::Encoder;
use super::name::Folded;
use crate::net::outbound::Outbound;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// The hub's handle for a connection; unique for the server's lifetime.
pub type ClientId = u64;

/// Who did something: the `nick!user@host` every event carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The nickname at the time of the event.
    pub nick: String,
    /// The username (ident).
    pub user: String,
    /// The host, here the peer's IP address.
    pub host: String,
    /// The account it is logged in to (IRCv3 `account-tag`, `extended-join`).
    pub account: Option<String>,
    /// Its real name (`extended-join`).
    pub realname: String,
}

impl Source {
    /// `nick!user@host`, the IRC prefix.
    pub fn prefix(&self) -> String {
        format!("{}!{}@{}", self.nick, self.user, self.host)
    }
}

/// Who a client is for what it owns (private history, nicknames): its
/// account when logged in, else this connection alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A logged-in account, by its case-folded name.
    Account(String),
    /// An unregistered connection, by a random token never reused.
    Connection(String),
}

impl Identity {
    /// The stored form (`account:<folded>` or `conn:<token>`); nicknames
    /// cannot contain `:`, so it never equals a nick stored by older versions.
    pub fn key(&self) -> String {
        self.key_pieces().concat()
    }

    /// [`key`](Self::key) as two pieces to concatenate, without allocating.
    pub fn key_pieces(&self) -> [&str; 2] {
        match self {
            Identity::Account(folded) => [ACCOUNT_KEY, folded],
            Identity::Connection(token) => [CONNECTION_KEY, token],
        }
    }
}

/// The start of an account's [`Identity::key`].
const ACCOUNT_KEY: &str = "account:";
/// The start of a connection's [`Identity::key`].
const CONNECTION_KEY: &str = "conn:";

/// How events reach a client: its dialect's encoder and what it asked for.
#[derive(Clone, Copy)]
pub struct Format {
    /// Turns events into this client's bytes.
    pub encoder: &'static dyn Encoder,
    /// Encoder-defined variant (e.g. which IRC capabilities are on); equal
    /// variants share one encoding.
    pub variant: u8,
    /// Whether the client receives its own PRIVMSG/NOTICE back (IRC `echo-message`).
    pub echo_own_messages: bool,
    /// Whether the client receives its own JOIN, PART, NICK, ... (IRC clients do;
    /// plain sessions print their own confirmations instead).
    pub sees_own_events: bool,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Format")
            .field("encoder", &self.encoder.name())
            .field("variant", &self.variant)
            .finish()
    }
}

/// Everything a session hands the hub when its client registers.
#[derive(Debug)]
pub struct NewClient {
    /// The chosen nickname (already validated).
    pub nick: String,
    /// The username from `USER` (or the nickname for plain users).
    pub user: String,
    /// The peer's address as text.
    pub host: String,
    /// The real name from `USER`.
    pub realname: String,
    /// How to encode events for it.
    pub format: Format,
    /// Its outbound queue.
    pub outbound: Arc<Outbound>,
    /// `Irc` or `Plain`, for WHOIS and logs.
    pub dialect_name: &'static str,
    /// The account it logged in to before registering (SASL), if any: (name, folded).
    pub account: Option<(String, String)>,
    /// Whether it is connected over TLS (WHOIS shows 671).
    pub secure: bool,
}

/// A registered client.
#[derive(Debug)]
pub struct Client {
    /// Its id.
    pub id: ClientId,
    /// Current nickname.
    pub nick: String,
    /// Username.
    pub user: String,
    /// Host (peer address).
    pub host: String,
    /// Real name.
    pub realname: String,
    /// Away message, when away.
    pub away: Option<String>,
    /// User mode +i.
    pub invisible: bool,
    /// User mode +o: the `[[operators]]` block it opered up with.
    pub oper: Option<String>,
    /// User mode +w: receives WALLOPS.
    pub wallops: bool,
    /// Folded names of the channels it is in.
    pub channels: BTreeSet<Folded>,
    /// How it receives events.
    pub format: Format,
    /// Its outbound queue.
    pub outbound: Arc<Outbound>,
    /// When it registered.
    pub signon: DateTime<Utc>,
    /// When it last sent a message (WHOIS idle time).
    pub last_active: LastActive,
    /// Dialect name for WHOIS.
    pub dialect_name: &'static str,
    /// The account it is logged in to: (as registered, case-folded).
    pub account: Option<(String, String)>,
    /// A random token naming this connection's private history while it is not logged in.
    pub connection_token: String,
    /// Whether it is connected over TLS (WHOIS shows 671).
    pub secure: bool,
    /// Taken (with the other side's, in id order) by every whisper to or
    /// from it, so both see a conversation in the order history stores it.
    pub(crate) private_order: Mutex<()>,
    /// The last [`Client::shared_source`], reused while it still describes
    /// the client. Empty until the client first speaks: an idle connection
    /// pays 16 bytes for it, a client that has spoken one `Source` (~0.2 KB).
    pub(crate) source_cache: Mutex<Option<Arc<Source>>>,
}

/// When a client last spoke; updated by messages under the shared hub lock.
#[derive(Debug)]
pub struct LastActive {
    start: Instant,
    /// Milliseconds from `start` to the last message.
    offset_ms: AtomicU64,
}

impl LastActive {
    /// Active now.
    pub fn now() -> LastActive {
        LastActive {
            start: Instant::now(),
            offset_ms: AtomicU64::new(0),
        }
    }

    /// Records activity now.
    pub fn touch(&self) {
        let offset = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    /// Time since the last activity.
    pub fn elapsed(&self) -> Duration {
        let at = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(at)
    }
}

impl Client {
    /// Takes the locks that order whispers between `a` and `b` (one lock when
    /// they are the same client), always the lower id first so that two
    /// whispers in opposite directions cannot deadlock.
    pub(crate) fn lock_private_pair<'a>(
        a: &'a Client,
        b: &'a Client,
    ) -> (MutexGuard<'a, ()>, Option<MutexGuard<'a, ()>>) {
        let lock = |client: &'a Client| {
            client
                .private_order
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if a.id == b.id {
            return (lock(a), None);
        }
        let (first, second) = if a.id < b.id { (a, b) } else { (b, a) };
        let first = lock(first);
        (first, Some(lock(second)))
    }

    /// Who owns what this client says and reads privately.
    pub fn identity(&self) -> Identity {
        match &self.account {
            Some((_, folded)) => Identity::Account(folded.clone()),
            None => Identity::Connection(self.connection_token.clone()),
        }
    }

    /// [`identity`](Self::identity)'s [`key`](Identity::key) as two pieces
    /// to concatenate, without allocating (history's hot path).
    pub fn identity_key_pieces(&self) -> [&str; 2] {
        match &self.account {
            Some((_, folded)) => [ACCOUNT_KEY, folded],
            None => [CONNECTION_KEY, &self.connection_token],
        }
    }

    /// The client as a message source, shared: every message it sends
    /// carries an `Arc<Source>`, and building one clones five strings. It is
    /// built once and handed out again while the client's nick, user, host,
    /// real name and account still match it (compared on every call, so a
    /// change of any of them shows in the very next message).
    pub fn shared_source(&self) -> Arc<Source> {
        let mut cached = self
            .source_cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(source) = cached.as_ref()
            && self.is_described_by(source)
        {
            return Arc::clone(source);
        }
        let source = Arc::new(self.source());
        *cached = Some(Arc::clone(&source));
        source
    }

    /// Whether `source` is what [`Client::source`] would build now.
    fn is_described_by(&self, source: &Source) -> bool {
        source.nick == self.nick
            && source.user == self.user
            && source.host == self.host
            && source.realname == self.realname
            && source.account.as_deref() == self.account.as_ref().map(|(name, _)| name.as_str())
    }

    /// Its current `nick!user@host` and account, as an event's source.
    pub fn source(&self) -> Source {
        Source {
            nick: self.nick.clone(),
            user: self.user.clone(),
            host: self.host.clone(),
            account: self.account.as_ref().map(|(name, _)| name.clone()),
            realname: self.realname.clone(),
        }
    }
}
