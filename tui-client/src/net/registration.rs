//! Registration as a pure state machine: CAP negotiation (LS 302, REQ what
//! we want of what is offered, END), SASL EXTERNAL when a TLS client
//! certificate is presented and the server offers it, else (or when that
//! fails) SASL PLAIN with the password when the server offers it, PASS/NICK/USER, a taken nick retried with a suffix, and
//! PING answered. The network task feeds it lines.
//!
//! On a plaintext connection only `CAP LS 302` goes out at first: PASS, NICK
//! and USER wait for the server's capability list, because a server that
//! advertises IRCv3 `sts` wants nothing more said in clear (the network task
//! then reconnects with TLS, see [`super::sts`]). A server that does not
//! know CAP answers with a numeric (421), which releases them too.
//!
//! The password is also sent as `PASS` first: a server without SASL takes it
//! as its server password or (natterd, ergo) as the nick's account password,
//! and one that logs us in with SASL first ignores it.

use std::collections::BTreeSet;

use base64::Engine;
use natter_protocol::Message;

use super::sts::Advertised;
use natter_protocol::numeric::{
    ERR_ERRONEUSNICKNAME, ERR_NICKCOLLISION, ERR_NICKNAMEINUSE, ERR_SASLABORTED, ERR_SASLALREADY,
    ERR_SASLFAIL, ERR_SASLTOOLONG, ERR_UNAVAILRESOURCE, ERR_UNKNOWNCOMMAND, RPL_SASLSUCCESS,
    RPL_WELCOME,
};

/// Capabilities natter uses when the server offers them.
pub const WANTED_CAPS: &[&str] = &[
    "server-time",
    "message-tags",
    "echo-message",
    "multi-prefix",
    "away-notify",
    "cap-notify",
    "batch",
    "labeled-response",
    "draft/chathistory",
    "chathistory",
];

/// Who to register as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Preferred nick.
    pub nick: String,
    /// USER name.
    pub username: String,
    /// Real name.
    pub realname: String,
    /// The password: sent as PASS, and used for SASL PLAIN when offered.
    pub password: Option<String>,
    /// The account to log in to with SASL (default: the nick).
    pub account: Option<String>,
    /// A TLS client certificate to present: over TLS, SASL EXTERNAL is
    /// tried with it first when the server offers it.
    pub client_cert: Option<super::client_cert::ClientCert>,
}

/// The SASL capability.
const SASL: &str = "sasl";
/// The most bytes of base64 one AUTHENTICATE line carries (IRCv3 sasl-3.1).
const AUTHENTICATE_CHUNK: usize = 400;

/// A SASL mechanism natter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    /// The TLS client certificate's fingerprint (no credentials sent).
    External,
    /// Account and password.
    Plain,
}

impl Mechanism {
    fn name(self) -> &'static str {
        match self {
            Mechanism::External => "EXTERNAL",
            Mechanism::Plain => "PLAIN",
        }
    }
}

/// Where SASL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sasl {
    /// Not started (or not offered, or nothing to log in with).
    Idle,
    /// `AUTHENTICATE <mechanism>` sent; waiting for `AUTHENTICATE +`.
    Started(Mechanism),
    /// Credentials sent; waiting for 903/904.
    Sent(Mechanism),
    /// Over (success or failure): negotiation may end.
    Done,
}

/// What the connection is carried over: it decides what may be sent
/// before the server's capabilities are known, and what `sts` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Readable by anyone on the way.
    Plaintext,
    /// TLS.
    Tls,
}

/// What the server's `sts` capability asks of this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsRequest {
    /// On plaintext: close at once and reconnect with TLS on this port.
    Upgrade(u16),
    /// On TLS: use only TLS for this host for so many seconds (0: forget).
    Persist(u64),
}

/// The STS capability.
const STS: &str = "sts";

/// Registration progress for one connection.
#[derive(Debug, Clone)]
pub struct Registration {
    identity: Identity,
    transport: Transport,
    /// PASS/NICK/USER waiting for the plaintext server's capability list.
    held: Vec<Message>,
    /// An `sts` request not yet taken by the network task.
    sts: Option<StsRequest>,
    /// Whether the last line of the server's CAP LS arrived.
    listed: bool,
    /// The nick we last sent.
    pub attempted_nick: String,
    attempts: u32,
    offered: BTreeSet<String>,
    negotiating: bool,
    /// Whether the server offered SASL PLAIN (or SASL without a mechanism list).
    plain_offered: bool,
    /// Whether the server offered SASL EXTERNAL (or SASL without a mechanism list).
    external_offered: bool,
    sasl: Sasl,
    /// What the user should know about logging in (taken by the network task).
    notes: Vec<String>,
    /// Whether 001 arrived.
    pub registered: bool,
}

impl Registration {
    /// A registration for `identity` over `transport`.
    pub fn new(identity: Identity, transport: Transport) -> Registration {
        let nick = identity.nick.clone();
        Registration {
            identity,
            transport,
            held: Vec::new(),
            sts: None,
            listed: false,
            attempted_nick: nick,
            attempts: 0,
            offered: BTreeSet::new(),
            negotiating: true,
            plain_offered: false,
            external_offered: false,
            sasl: Sasl::Idle,
            notes: Vec::new(),
            registered: false,
        }
    }

    /// The first lines to send on a fresh connection: everything over
    /// TLS, only `CAP LS 302` in plaintext (the rest is held, see the module).
    pub fn start(&mut self) -> Vec<Message> {
        let mut rest = Vec::new();
        if let Some(password) = &self.identity.password {
            rest.push(Message::new("PASS").with_param(password.clone()));
        }
        rest.push(Message::new("NICK").with_param(self.attempted_nick.clone()));
        rest.push(Message::new("USER").with_params([
            self.identity.username.as_str(),
            "0",
            "*",
            self.identity.realname.as_str(),
        ]));
        let mut out = vec![Message::new("CAP").with_params(["LS", "302"])];
        match self.transport {
            Transport::Tls => out.append(&mut rest),
            Transport::Plaintext => self.held = rest,
        }
        out
    }

    /// Whether PASS/NICK/USER still wait for the server's capability list.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// Sends what was held even though the server never listed its
    /// capabilities (it ignores CAP silently): the caller's patience ran out.
    pub fn release(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.held)
    }

    /// What the user should know about logging in, once (the network task
    /// shows it): a client certificate that did not log in, and why.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// What the server's `sts` asked, once (the network task acts on it).
    pub fn take_sts(&mut self) -> Option<StsRequest> {
        self.sts.take()
    }

    /// Reacts to one line from the server; returns the lines to send.
    pub fn on_message(&mut self, msg: &Message) -> Vec<Message> {
        let mut out = self.react(msg);
        if self
            .sts
            .is_some_and(|sts| matches!(sts, StsRequest::Upgrade(_)))
        {
            // Not one more word in clear.
            self.held.clear();
            return Vec::new();
        }
        // Any numeric means the server is past the point of listing its
        // capabilities (or never will): what was held may go.
        let numeric = msg.command.len() == 3 && msg.command.bytes().all(|b| b.is_ascii_digit());
        if self.holding() && (numeric || self.listed) {
            let mut released = self.release();
            released.append(&mut out);
            return released;
        }
        out
    }

    /// Remembers an `sts` value from CAP LS or CAP NEW, as the transport
    /// reads it (the other key is ignored, as the specification says).
    fn on_sts(&mut self, value: &str) {
        let advertised = Advertised::parse(value);
        self.sts = match self.transport {
            Transport::Plaintext => advertised.port.map(StsRequest::Upgrade),
            Transport::Tls => advertised.duration.map(StsRequest::Persist),
        }
        .or(self.sts);
    }

    fn react(&mut self, msg: &Message) -> Vec<Message> {
        match msg.command.as_str() {
            "PING" => vec![Message::new("PONG").with_params(msg.params.iter().cloned())],
            "CAP" => self.on_cap(msg),
            RPL_WELCOME => {
                self.registered = true;
                if let Some(nick) = msg.arg(0) {
                    self.attempted_nick = nick.to_owned();
                }
                if self.negotiating {
                    self.negotiating = false;
                }
                Vec::new()
            }
            ERR_NICKNAMEINUSE | ERR_ERRONEUSNICKNAME | ERR_NICKCOLLISION | ERR_UNAVAILRESOURCE
                if !self.registered =>
            {
                let erroneous = msg.command == ERR_ERRONEUSNICKNAME;
                self.attempts += 1;
                self.attempted_nick =
                    alternative_nick(&self.identity.nick, self.attempts, erroneous);
                vec![Message::new("NICK").with_param(self.attempted_nick.clone())]
            }
            // A server without CAP support just proceeds with registration.
            ERR_UNKNOWNCOMMAND if msg.arg(1).is_some_and(|c| c.eq_ignore_ascii_case("CAP")) => {
                self.negotiating = false;
                Vec::new()
            }
            "AUTHENTICATE" if msg.arg(0) == Some("+") => match self.sasl {
                Sasl::Started(mechanism) => {
                    self.sasl = Sasl::Sent(mechanism);
                    match mechanism {
                        // No authorization identity: the certificate's account.
                        Mechanism::External => vec![Message::new("AUTHENTICATE").with_param("+")],
                        Mechanism::Plain => self.credentials(),
                    }
                }
                _ => Vec::new(),
            },
            // A failed EXTERNAL falls back to PLAIN when there is a password.
            ERR_SASLFAIL | ERR_SASLTOOLONG | ERR_SASLABORTED
                if matches!(
                    self.sasl,
                    Sasl::Started(Mechanism::External) | Sasl::Sent(Mechanism::External)
                ) =>
            {
                self.external_failed(msg)
            }
            // Success or failure alike end negotiation: a failed login is
            // shown (by the chat) and the connection goes on without it.
            RPL_SASLSUCCESS | ERR_SASLFAIL | ERR_SASLTOOLONG | ERR_SASLABORTED
            | ERR_SASLALREADY
                if matches!(self.sasl, Sasl::Started(_) | Sasl::Sent(_)) =>
            {
                self.sasl = Sasl::Done;
                self.end_negotiation()
            }
            _ => Vec::new(),
        }
    }

    /// SASL EXTERNAL was refused: says so, and tries PLAIN if it can.
    fn external_failed(&mut self, msg: &Message) -> Vec<Message> {
        let said = msg.params.last().cloned().unwrap_or_default();
        let plain = self.plain_offered && self.identity.password.is_some();
        let next = if plain {
            " Trying your password (SASL PLAIN) instead."
        } else {
            ""
        };
        self.notes.push(format!(
            "Your TLS client certificate did not log you in (SASL EXTERNAL: {said}). Add it to \
             your account once: log in with your password, then /msg NickServ CERT ADD.{next}"
        ));
        if plain {
            self.sasl = Sasl::Started(Mechanism::Plain);
            return vec![Message::new("AUTHENTICATE").with_param(Mechanism::Plain.name())];
        }
        self.sasl = Sasl::Done;
        self.end_negotiation()
    }

    fn end_negotiation(&mut self) -> Vec<Message> {
        if !self.negotiating {
            return Vec::new();
        }
        self.negotiating = false;
        vec![Message::new("CAP").with_param("END")]
    }

    /// `AUTHENTICATE` lines carrying `\0account\0password` in base64,
    /// in chunks of 400 bytes, with a `+` after a last full chunk.
    fn credentials(&self) -> Vec<Message> {
        let password = self.identity.password.as_deref().unwrap_or_default();
        let account = self
            .identity
            .account
            .as_deref()
            .unwrap_or(&self.identity.nick);
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{account}\0{account}\0{password}"));
        let mut lines: Vec<Message> = encoded
            .as_bytes()
            .chunks(AUTHENTICATE_CHUNK)
            .map(|chunk| {
                Message::new("AUTHENTICATE").with_param(String::from_utf8_lossy(chunk).into_owned())
            })
            .collect();
        if encoded.len() % AUTHENTICATE_CHUNK == 0 {
            lines.push(Message::new("AUTHENTICATE").with_param("+"));
        }
        lines
    }

    /// The mechanism to log in with first, if any: EXTERNAL when a client
    /// certificate is presented (over TLS) and it is offered, else PLAIN
    /// when it is offered and we have a password.
    fn first_mechanism(&self) -> Option<Mechanism> {
        if self.sasl != Sasl::Idle {
            return None;
        }
        if self.presents_cert() && self.external_offered {
            return Some(Mechanism::External);
        }
        (self.plain_offered && self.identity.password.is_some()).then_some(Mechanism::Plain)
    }

    /// Whether SASL is worth asking for.
    fn wants_sasl(&self) -> bool {
        self.first_mechanism().is_some()
    }

    /// Whether the handshake presented a client certificate.
    fn presents_cert(&self) -> bool {
        self.identity.client_cert.is_some() && self.transport == Transport::Tls
    }

    fn on_cap(&mut self, msg: &Message) -> Vec<Message> {
        let sub = msg.arg(1).unwrap_or_default().to_ascii_uppercase();
        let list = msg.params.last().cloned().unwrap_or_default();
        let more_coming = msg.params.len() >= 4 && msg.arg(2) == Some("*");
        match sub.as_str() {
            "LS" => {
                for cap in list.split_whitespace() {
                    let (name, value) = cap.split_once('=').unwrap_or((cap, ""));
                    if name == STS {
                        self.on_sts(value);
                    }
                    if name == SASL {
                        let offers = |wanted: &str| {
                            value.is_empty()
                                || value.split(',').any(|m| m.eq_ignore_ascii_case(wanted))
                        };
                        self.plain_offered = offers("PLAIN");
                        self.external_offered = offers("EXTERNAL");
                    }
                    self.offered.insert(name.to_owned());
                }
                if more_coming || !self.negotiating {
                    return Vec::new();
                }
                self.listed = true;
                if self.presents_cert() && !self.external_offered {
                    self.notes.push(
                        "The server does not offer SASL EXTERNAL: your TLS client certificate \
                         was presented but does not log you in there."
                            .to_owned(),
                    );
                }
                let mut wanted = self.wanted_of(&self.offered);
                if self.wants_sasl() {
                    wanted.push(SASL);
                }
                if wanted.is_empty() {
                    return self.end_negotiation();
                }
                vec![Message::new("CAP").with_params(["REQ".to_owned(), wanted.join(" ")])]
            }
            "ACK" if self.negotiating && self.wants_sasl() => {
                if list.split_whitespace().any(|cap| cap == SASL)
                    && let Some(mechanism) = self.first_mechanism()
                {
                    self.sasl = Sasl::Started(mechanism);
                    return vec![Message::new("AUTHENTICATE").with_param(mechanism.name())];
                }
                self.end_negotiation()
            }
            "ACK" | "NAK" if self.negotiating => self.end_negotiation(),
            "NEW" => {
                for cap in list.split_whitespace() {
                    if let Some(value) = cap.strip_prefix("sts=") {
                        self.on_sts(value);
                    }
                }
                let offered: BTreeSet<String> = list
                    .split_whitespace()
                    .map(|c| c.split('=').next().unwrap_or(c).to_owned())
                    .collect();
                let wanted = self.wanted_of(&offered);
                if wanted.is_empty() {
                    return Vec::new();
                }
                vec![Message::new("CAP").with_params(["REQ".to_owned(), wanted.join(" ")])]
            }
            _ => Vec::new(),
        }
    }

    fn wanted_of(&self, offered: &BTreeSet<String>) -> Vec<&'static str> {
        WANTED_CAPS
            .iter()
            .copied()
            .filter(|cap| offered.contains(*cap))
            .collect()
    }

    /// Changes the nick to ask for on the next registration.
    pub fn set_nick(&mut self, nick: &str) {
        self.identity.nick = nick.to_owned();
        if !self.registered {
            self.attempted_nick = nick.to_owned();
        }
    }
}

/// The nick to try after `attempts` refusals of `base`: `base_`, then
/// `base2`, `base3`... cut to 9 characters when the server found the nick
/// erroneous (the RFC limit), falling back to `natter` + digits.
pub fn alternative_nick(base: &str, attempts: u32, erroneous: bool) -> String {
    if erroneous {
        let cut: String = base
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "-_[]{}\\|^`".contains(*c))
            .take(7)
            .collect();
        let cut = if cut.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            cut
        } else {
            "natter".to_owned()
        };
        return if attempts <= 1 {
            cut
        } else {
            format!("{cut}{}", fastrand::u32(10..99))
        };
    }
    match attempts {
        0 => base.to_owned(),
        1 => format!("{base}_"),
        n => format!("{base}{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            nick: "alice".into(),
            username: "alice".into(),
            realname: "Alice".into(),
            password: Some("secret".into()),
            account: None,
            client_cert: None,
        }
    }

    /// `identity()` with a client certificate (never read by registration).
    fn with_cert(password: Option<&str>) -> Identity {
        Identity {
            password: password.map(str::to_owned),
            client_cert: Some(crate::net::client_cert::ClientCert::new(
                "alice.pem".into(),
                None,
            )),
            ..identity()
        }
    }

    fn parse(line: &str) -> Message {
        Message::parse(line).unwrap()
    }

    fn lines(messages: &[Message]) -> Vec<String> {
        messages.iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn start_sends_cap_ls_pass_nick_user() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        assert_eq!(
            lines(&registration.start()),
            vec![
                "CAP LS 302",
                "PASS secret",
                "NICK alice",
                "USER alice 0 * Alice"
            ]
        );
    }

    #[test]
    fn requests_only_offered_wanted_caps_across_multiline_ls() {
        let mut registration = Registration::new(
            Identity {
                password: None,
                ..identity()
            },
            Transport::Tls,
        );
        registration.start();
        assert!(
            registration
                .on_message(&parse(":s CAP * LS * :server-time sasl"))
                .is_empty()
        );
        let out =
            registration.on_message(&parse(":s CAP * LS :echo-message multi-prefix=x chghost"));
        assert_eq!(
            lines(&out),
            vec!["CAP REQ :server-time echo-message multi-prefix"]
        );
        let out = registration.on_message(&parse(
            ":s CAP * ACK :server-time echo-message multi-prefix",
        ));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn requests_history_caps_when_offered() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse(
            ":s CAP * LS :batch labeled-response draft/chathistory server-time",
        ));
        assert_eq!(
            lines(&out),
            vec!["CAP REQ :server-time batch labeled-response draft/chathistory"]
        );
    }

    #[test]
    fn ends_negotiation_when_nothing_is_wanted() {
        let mut registration = Registration::new(
            Identity {
                password: None,
                ..identity()
            },
            Transport::Tls,
        );
        let out = registration.on_message(&parse(":s CAP * LS :sasl"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn logs_in_with_sasl_plain_when_offered_then_ends_negotiation() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse(":s CAP * LS :sasl=EXTERNAL,PLAIN server-time"));
        assert_eq!(lines(&out), vec!["CAP REQ :server-time sasl"]);
        let out = registration.on_message(&parse(":s CAP * ACK :server-time sasl"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE PLAIN"]);
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        // base64 of "alice\0alice\0secret"
        assert_eq!(lines(&out), vec!["AUTHENTICATE YWxpY2UAYWxpY2UAc2VjcmV0"]);
        assert!(
            registration
                .on_message(&parse(
                    ":s 900 alice alice!a@h alice :You are now logged in as alice"
                ))
                .is_empty()
        );
        let out = registration.on_message(&parse(":s 903 alice :SASL authentication successful"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn a_failed_sasl_login_still_ends_negotiation() {
        let mut registration = Registration::new(
            Identity {
                account: Some("bob".into()),
                ..identity()
            },
            Transport::Tls,
        );
        registration.on_message(&parse(":s CAP * LS :sasl"));
        registration.on_message(&parse(":s CAP * ACK :sasl"));
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE Ym9iAGJvYgBzZWNyZXQ="]);
        let out = registration.on_message(&parse(":s 904 alice :SASL authentication failed"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn sasl_without_plain_or_without_a_password_is_not_asked_for() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse(":s CAP * LS :sasl=EXTERNAL"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn a_client_certificate_logs_in_with_sasl_external_first() {
        let mut registration = Registration::new(with_cert(Some("secret")), Transport::Tls);
        let out = registration.on_message(&parse(":s CAP * LS :sasl=PLAIN,EXTERNAL"));
        assert_eq!(lines(&out), vec!["CAP REQ sasl"]);
        let out = registration.on_message(&parse(":s CAP * ACK :sasl"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE EXTERNAL"]);
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE +"]);
        let out = registration.on_message(&parse(":s 903 alice :SASL authentication successful"));
        assert_eq!(lines(&out), vec!["CAP END"]);
        assert!(registration.take_notes().is_empty());
    }

    #[test]
    fn a_refused_certificate_falls_back_to_the_password_and_says_why() {
        let mut registration = Registration::new(with_cert(Some("secret")), Transport::Tls);
        registration.on_message(&parse(":s CAP * LS :sasl=PLAIN,EXTERNAL"));
        registration.on_message(&parse(":s CAP * ACK :sasl"));
        registration.on_message(&parse("AUTHENTICATE +"));
        let out = registration.on_message(&parse(
            ":s 904 alice :SASL authentication failed: your client certificate is not added to any account",
        ));
        assert_eq!(lines(&out), vec!["AUTHENTICATE PLAIN"]);
        assert_eq!(
            registration.take_notes(),
            vec![
                "Your TLS client certificate did not log you in (SASL EXTERNAL: SASL \
                 authentication failed: your client certificate is not added to any account). \
                 Add it to your account once: log in with your password, then /msg NickServ \
                 CERT ADD. Trying your password (SASL PLAIN) instead."
                    .to_owned()
            ]
        );
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE YWxpY2UAYWxpY2UAc2VjcmV0"]);
        let out = registration.on_message(&parse(":s 903 alice :SASL authentication successful"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn a_refused_certificate_without_a_password_ends_negotiation() {
        let mut registration = Registration::new(with_cert(None), Transport::Tls);
        registration.on_message(&parse(":s CAP * LS :sasl=EXTERNAL"));
        let out = registration.on_message(&parse(":s CAP * ACK :sasl"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE EXTERNAL"]);
        let out = registration.on_message(&parse(":s 904 alice :SASL authentication failed"));
        assert_eq!(lines(&out), vec!["CAP END"]);
        let notes = registration.take_notes();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].ends_with("then /msg NickServ CERT ADD."),
            "{notes:?}"
        );
    }

    #[test]
    fn a_certificate_is_not_used_in_clear_or_where_external_is_not_offered() {
        // Plaintext: no certificate was presented, so PLAIN as before.
        let mut registration = Registration::new(with_cert(Some("secret")), Transport::Plaintext);
        registration.start();
        let out = registration.on_message(&parse(":s CAP * LS :sasl=PLAIN,EXTERNAL"));
        assert_eq!(
            lines(&out),
            vec![
                "PASS secret",
                "NICK alice",
                "USER alice 0 * Alice",
                "CAP REQ sasl"
            ]
        );
        let out = registration.on_message(&parse(":s CAP * ACK :sasl"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE PLAIN"]);
        assert!(registration.take_notes().is_empty());
        // TLS, but the server knows no EXTERNAL: PLAIN, and the user is told.
        let mut registration = Registration::new(with_cert(Some("secret")), Transport::Tls);
        let out = registration.on_message(&parse(":s CAP * LS :sasl=PLAIN"));
        assert_eq!(lines(&out), vec!["CAP REQ sasl"]);
        assert_eq!(
            registration.take_notes(),
            vec![
                "The server does not offer SASL EXTERNAL: your TLS client certificate was \
                 presented but does not log you in there."
                    .to_owned()
            ]
        );
        let out = registration.on_message(&parse(":s CAP * ACK :sasl"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE PLAIN"]);
    }

    #[test]
    fn long_credentials_are_cut_into_400_byte_lines_and_a_full_last_one_gets_a_plus() {
        // "a\0a\0" + 296 bytes = 300 bytes = exactly 400 base64 characters.
        let mut registration = Registration::new(
            Identity {
                nick: "a".into(),
                password: Some("p".repeat(296)),
                ..identity()
            },
            Transport::Tls,
        );
        registration.on_message(&parse(":s CAP * LS :sasl"));
        registration.on_message(&parse(":s CAP * ACK :sasl"));
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].params[0].len(), 400);
        assert_eq!(lines(&out[1..]), vec!["AUTHENTICATE +"]);
    }

    #[test]
    fn taken_nick_is_retried_with_a_suffix() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse(":s 433 * alice :Nickname is already in use"));
        assert_eq!(lines(&out), vec!["NICK alice_"]);
        let out = registration.on_message(&parse(":s 433 * alice_ :Nickname is already in use"));
        assert_eq!(lines(&out), vec!["NICK alice2"]);
        registration.on_message(&parse(":s 001 alice2 :Welcome"));
        assert!(
            registration
                .on_message(&parse(":s 433 alice2 bob :in use"))
                .is_empty()
        );
    }

    #[test]
    fn erroneous_nick_falls_back_to_a_short_one() {
        assert_eq!(alternative_nick("verylongnickname", 1, true), "verylon");
        assert_eq!(alternative_nick("1abc", 1, true), "natter");
    }

    #[test]
    fn ping_is_answered() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse("PING :abc"));
        assert_eq!(lines(&out), vec!["PONG abc"]);
    }

    #[test]
    fn cap_new_requests_newly_offered_wanted_caps() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        registration.on_message(&parse(":s CAP * LS :"));
        registration.on_message(&parse(":s 001 alice :hi"));
        let out = registration.on_message(&parse(":s CAP alice NEW :away-notify foo"));
        assert_eq!(lines(&out), vec!["CAP REQ away-notify"]);
    }

    fn plaintext() -> Registration {
        Registration::new(identity(), Transport::Plaintext)
    }

    #[test]
    fn in_plaintext_only_cap_ls_goes_out_until_the_server_lists_its_caps() {
        let mut registration = plaintext();
        assert_eq!(lines(&registration.start()), vec!["CAP LS 302"]);
        assert!(registration.holding());
        assert!(
            registration
                .on_message(&parse(":s NOTICE * :hello"))
                .is_empty()
        );
        assert!(
            registration
                .on_message(&parse(":s CAP * LS * :server-time"))
                .is_empty()
        );
        let out = registration.on_message(&parse(":s CAP * LS :echo-message"));
        assert_eq!(
            lines(&out),
            vec![
                "PASS secret",
                "NICK alice",
                "USER alice 0 * Alice",
                "CAP REQ :server-time echo-message"
            ]
        );
        assert!(!registration.holding());
        assert_eq!(registration.take_sts(), None);
    }

    #[test]
    fn a_server_without_cap_releases_the_held_lines_with_its_421() {
        let mut registration = plaintext();
        registration.start();
        let out = registration.on_message(&parse(":s 421 * CAP :Unknown command"));
        assert_eq!(
            lines(&out),
            vec!["PASS secret", "NICK alice", "USER alice 0 * Alice"]
        );
        let mut silent = plaintext();
        silent.start();
        assert_eq!(silent.release().len(), 3);
        assert!(!silent.holding());
    }

    #[test]
    fn sts_on_plaintext_asks_for_an_upgrade_and_nothing_more_is_sent() {
        let mut registration = plaintext();
        registration.start();
        let out = registration.on_message(&parse(
            ":s CAP * LS :server-time sts=port=6697,duration=300 sasl",
        ));
        assert!(out.is_empty(), "{out:?}");
        assert!(!registration.holding());
        assert_eq!(registration.take_sts(), Some(StsRequest::Upgrade(6697)));
        assert_eq!(registration.take_sts(), None);
        // Even in the first line of a multi-line list.
        let mut registration = plaintext();
        registration.start();
        let out = registration.on_message(&parse(":s CAP * LS * :sts=port=7000"));
        assert!(out.is_empty());
        assert_eq!(registration.take_sts(), Some(StsRequest::Upgrade(7000)));
    }

    #[test]
    fn sts_without_a_usable_port_on_plaintext_is_ignored() {
        let mut registration = plaintext();
        registration.start();
        let out = registration.on_message(&parse(":s CAP * LS :sts=duration=300"));
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(registration.take_sts(), None);
    }

    #[test]
    fn sts_on_tls_is_a_persistence_policy_and_its_port_is_ignored() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        registration.start();
        let out = registration.on_message(&parse(":s CAP * LS :sts=port=6697,duration=2592000"));
        assert_eq!(lines(&out), vec!["CAP END"]);
        assert_eq!(
            registration.take_sts(),
            Some(StsRequest::Persist(2_592_000))
        );
        // A later CAP NEW changes it (0: the policy is to be removed).
        registration.on_message(&parse(":s 001 alice :hi"));
        registration.on_message(&parse(":s CAP alice NEW :sts=duration=0"));
        assert_eq!(registration.take_sts(), Some(StsRequest::Persist(0)));
    }

    #[test]
    fn sts_in_cap_new_on_plaintext_also_upgrades() {
        let mut registration = plaintext();
        registration.start();
        registration.on_message(&parse(":s CAP * LS :"));
        registration.on_message(&parse(":s 001 alice :hi"));
        let out = registration.on_message(&parse(":s CAP alice NEW :sts=port=6697"));
        assert!(out.is_empty());
        assert_eq!(registration.take_sts(), Some(StsRequest::Upgrade(6697)));
    }
}
