//! A registered client as the hub sees it: identity, presence and how to reach it.

use super::event::Encoder;
use super::name::Folded;
use crate::net::outbound::Outbound;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

// An event's source is what a client is as a message's sender; most code
// names it from here, beside the client that makes it.
pub use super::source::{PrefixWord, Source};

/// The hub's handle for a connection; unique for the server's lifetime.
pub type ClientId = u64;

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
    /// The account it logged in to before registering (SASL), if any: (name, folded).
    pub account: Option<(String, String)>,
    /// Whether it is connected over TLS (WHOIS shows 671).
    pub secure: bool,
}

/// A registered client.
///
/// Boxed in the hub, one per connection: at most 256 bytes keeps it in
/// mimalloc's 256-byte class instead of 320 (`client_fits_its_size_class`
/// below); rarely used fields are boxed and derived ones are not stored.
#[derive(Debug)]
pub struct Client {
    /// Its id.
    pub id: ClientId,
    /// Current nickname.
    pub nick: String,
    /// Username (a `Box<str>`, like the host and real name: set once, and
    /// 8 bytes smaller than a `String` in every client).
    pub user: Box<str>,
    /// Host (peer address).
    pub host: Box<str>,
    /// Real name.
    pub realname: Box<str>,
    /// Away message, when away.
    pub away: Option<String>,
    /// User mode +i.
    pub invisible: bool,
    /// User mode +o: the `[[operators]]` block it opered up with.
    pub oper: Option<Box<str>>,
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
    /// The account it is logged in to: (as registered, case-folded). Boxed:
    /// 8 bytes instead of 48 in every client, logged in or not.
    pub account: Option<Box<(String, String)>>,
    /// A random token naming this connection's private history while it is not logged in.
    pub connection_token: ConnectionToken,
    /// Whether it is connected over TLS (WHOIS shows 671).
    pub secure: bool,
    /// Taken (with the other side's, in id order) by every whisper to or
    /// from it, so both see a conversation in the order history stores it.
    pub(crate) private_order: PrivateOrder,
    /// The client's [`Client::shared_source`], built when first asked for
    /// and forgotten by every change of what it describes
    /// ([`Client::set_nick`], [`Client::set_account`]). Empty until the
    /// client first speaks: an idle connection pays 16 bytes for it, a
    /// client that has spoken one `Source` (~0.2 KB).
    pub(crate) source_cache: OnceLock<Arc<Source>>,
}

/// When a client last spoke; updated by messages under the shared hub lock.
///
/// Milliseconds since 1970 from the message's own clock reading (see
/// `hub::clock`: no clock read of its own per message), not an `Instant`:
/// 8 bytes in every client instead of 24. The wall clock can step; the idle
/// time it gives (WHOIS) is then off by the step, never negative.
#[derive(Debug)]
pub struct LastActive {
    /// Milliseconds since 1970 at the last message.
    at_ms: AtomicU64,
}

/// Milliseconds since 1970 now (0 before it).
fn now_ms() -> u64 {
    super::clock::Reading::now().millis()
}

impl LastActive {
    /// Active now.
    pub fn now() -> LastActive {
        LastActive {
            at_ms: AtomicU64::new(now_ms()),
        }
    }

    /// Records activity now.
    pub fn touch(&self) {
        self.touch_at(now_ms());
    }

    /// Records activity at `at_ms` (milliseconds since 1970), a reading
    /// the caller already has.
    pub(crate) fn touch_at(&self, at_ms: u64) {
        self.at_ms.store(at_ms, Ordering::Relaxed);
    }

    /// Time since the last activity.
    pub fn elapsed(&self) -> Duration {
        let at = self.at_ms.load(Ordering::Relaxed);
        Duration::from_millis(now_ms().saturating_sub(at))
    }
}

/// The random token naming a connection's private history while it is not
/// logged in: a msgid's 22 ASCII characters kept inline, not in a `String`
/// (a 24-byte allocation of every connection).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ConnectionToken([u8; TOKEN_LEN]);

/// The length of a [`ConnectionToken`] (that of a msgid).
const TOKEN_LEN: usize = 22;

impl ConnectionToken {
    /// A new token, never reused.
    pub fn new() -> ConnectionToken {
        let mut bytes = [b'0'; TOKEN_LEN];
        let id = crate::history::new_msgid();
        for (slot, byte) in bytes.iter_mut().zip(id.bytes()) {
            *slot = byte;
        }
        ConnectionToken(bytes)
    }

    /// The token as text.
    pub fn as_str(&self) -> &str {
        // Always ASCII (msgid characters); never empty in practice.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Default for ConnectionToken {
    fn default() -> ConnectionToken {
        ConnectionToken::new()
    }
}

impl std::fmt::Debug for ConnectionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client's whisper order lock ([`Client::private_order`]). A spin lock,
/// as the outbound queue's (see `net::outbound`), not `std::sync::Mutex`:
/// every whisper takes two, and the mutex's unlock is an atomic swap (a
/// locked instruction, waiting for every earlier store) plus a look at the
/// process's panic count for poisoning: the two unlocks were ~1.6% of a
/// whisper's CPU. This unlock is a plain store. It is held for a stamp,
/// a history record and two pushes, never across a wait or I/O; a waiter
/// yields its thread between looks, so a preempted holder is not spun
/// against. Not poisoned by a panic: the next whisper goes on.
pub(crate) type PrivateOrder = spin::mutex::SpinMutex<(), spin::relax::Yield>;

/// A held [`PrivateOrder`].
pub(crate) type PrivateOrderGuard<'a> = spin::mutex::SpinMutexGuard<'a, ()>;

impl Client {
    /// Takes the locks that order whispers between `a` and `b` (one lock when
    /// they are the same client), always the lower id first so that two
    /// whispers in opposite directions cannot deadlock.
    pub(crate) fn lock_private_pair<'a>(
        a: &'a Client,
        b: &'a Client,
    ) -> (PrivateOrderGuard<'a>, Option<PrivateOrderGuard<'a>>) {
        let lock = |client: &'a Client| client.private_order.lock();
        if a.id == b.id {
            return (lock(a), None);
        }
        let (first, second) = if a.id < b.id { (a, b) } else { (b, a) };
        let first = lock(first);
        (first, Some(lock(second)))
    }

    /// `irc` or `plain` (its encoder's name), for WHOIS and metrics.
    pub fn dialect_name(&self) -> &'static str {
        self.format.encoder.name()
    }

    /// Who owns what this client says and reads privately.
    pub fn identity(&self) -> Identity {
        match self.account.as_deref() {
            Some((_, folded)) => Identity::Account(folded.clone()),
            None => Identity::Connection(self.connection_token.as_str().to_owned()),
        }
    }

    /// [`identity`](Self::identity)'s [`key`](Identity::key) as two pieces
    /// to concatenate, without allocating (history's hot path).
    pub fn identity_key_pieces(&self) -> [&str; 2] {
        match self.account.as_deref() {
            Some((_, folded)) => [ACCOUNT_KEY, folded],
            None => [CONNECTION_KEY, self.connection_token.as_str()],
        }
    }

    /// The client as a message source, shared: every message it sends
    /// carries an `Arc<Source>`, and building one clones five strings. It is
    /// built once and handed out again until the nick or account changes
    /// (the user, host and real name are set once, at registration). It was
    /// compared with the client on every call (five string compares and a
    /// mutex per message, ~4% of a whisper's CPU); now a change forgets it,
    /// through the only two ways to make one, [`set_nick`](Self::set_nick)
    /// and [`set_account`](Self::set_account). Debug builds (every test)
    /// still compare on every call.
    pub fn shared_source(&self) -> Arc<Source> {
        let source = self.source_cache.get_or_init(|| Arc::new(self.source()));
        debug_assert!(
            self.is_described_by(source),
            "a client's nick or account changed without set_nick/set_account"
        );
        Arc::clone(source)
    }

    /// Renames the client (the hub's nick index is the caller's).
    pub(crate) fn set_nick(&mut self, nick: String) {
        self.nick = nick;
        self.source_cache = OnceLock::new();
    }

    /// Logs the client in to `account` (as registered, case-folded) or out
    /// (`None`).
    pub(crate) fn set_account(&mut self, account: Option<(String, String)>) {
        self.account = account.map(Box::new);
        self.source_cache = OnceLock::new();
    }

    /// Whether `source` is what [`Client::source`] would build now.
    fn is_described_by(&self, source: &Source) -> bool {
        source.nick == self.nick
            && *source.user == *self.user
            && *source.host == *self.host
            && *source.realname == *self.realname
            && source.account.as_deref() == self.account.as_deref().map(|(name, _)| name.as_str())
    }

    /// Its current `nick!user@host` and account, as an event's source.
    pub fn source(&self) -> Source {
        Source {
            nick: self.nick.clone(),
            user: self.user.to_string(),
            host: self.host.to_string(),
            account: self.account.as_deref().map(|(name, _)| name.clone()),
            realname: self.realname.to_string(),
            prefix_word: PrefixWord::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every registered connection keeps one boxed `Client`; mimalloc's
    /// size classes around it are 256 and 320 bytes, so one field more than
    /// fits costs 64 bytes of every connection (README "Performance").
    #[test]
    fn client_fits_its_size_class() {
        let size = std::mem::size_of::<Client>();
        assert!(size <= 256, "a hub Client is {size} bytes");
    }

    #[test]
    fn activity_is_measured_from_the_reading_it_was_given() {
        let active = LastActive::now();
        assert!(active.elapsed() < Duration::from_secs(60));
        active.touch_at(now_ms().saturating_sub(90_000));
        let idle = active.elapsed();
        assert!(idle >= Duration::from_secs(90), "{idle:?}");
        // A reading from later than now (the clock stepped back) is idle 0.
        active.touch_at(now_ms() + 60_000);
        assert_eq!(active.elapsed(), Duration::ZERO);
    }

    #[test]
    fn a_connection_token_reads_as_its_msgid() {
        let token = ConnectionToken::new();
        assert_eq!(token.as_str().len(), TOKEN_LEN);
        assert_ne!(token, ConnectionToken::new());
        assert_eq!(
            Identity::Connection(token.as_str().to_owned()).key(),
            format!("conn:{}", token.as_str())
        );
    }
}
