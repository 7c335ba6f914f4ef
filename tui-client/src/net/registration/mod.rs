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
//!
//! One idea per file: `caps` is the CAP negotiation (and `sts` as it
//! reads it), `sasl` logging in, `nick` the nick to try when one is
//! refused; this file is the state machine that ties them together.

mod caps;
mod nick;
mod sasl;

use std::collections::BTreeSet;

use natter_protocol::Message;

use natter_protocol::numeric::{
    ERR_ERRONEUSNICKNAME, ERR_NICKCOLLISION, ERR_NICKNAMEINUSE, ERR_SASLABORTED, ERR_SASLALREADY,
    ERR_SASLFAIL, ERR_SASLTOOLONG, ERR_UNAVAILRESOURCE, ERR_UNKNOWNCOMMAND, RPL_SASLSUCCESS,
    RPL_WELCOME,
};
use sasl::{Mechanism, Sasl};

pub use caps::WANTED_CAPS;
pub use nick::alternative_nick;

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
            "AUTHENTICATE" if msg.arg(0) == Some("+") => self.on_authenticate_continue(),
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

    fn end_negotiation(&mut self) -> Vec<Message> {
        if !self.negotiating {
            return Vec::new();
        }
        self.negotiating = false;
        vec![Message::new("CAP").with_param("END")]
    }

    /// Changes the nick to ask for on the next registration.
    pub fn set_nick(&mut self, nick: &str) {
        self.identity.nick = nick.to_owned();
        if !self.registered {
            self.attempted_nick = nick.to_owned();
        }
    }
}

/// What the tests of every part of registration start from.
#[cfg(test)]
mod support {
    use super::*;

    pub(super) fn identity() -> Identity {
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
    pub(super) fn with_cert(password: Option<&str>) -> Identity {
        Identity {
            password: password.map(str::to_owned),
            client_cert: Some(crate::net::client_cert::ClientCert::new(
                "alice.pem".into(),
                None,
            )),
            ..identity()
        }
    }

    pub(super) fn parse(line: &str) -> Message {
        Message::parse(line).unwrap()
    }

    pub(super) fn lines(messages: &[Message]) -> Vec<String> {
        messages.iter().map(|m| m.to_string()).collect()
    }

    pub(super) fn plaintext() -> Registration {
        Registration::new(identity(), Transport::Plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::support::*;
    use super::*;

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
    fn ping_is_answered() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        let out = registration.on_message(&parse("PING :abc"));
        assert_eq!(lines(&out), vec!["PONG abc"]);
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
}
