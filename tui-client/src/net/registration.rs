//! Registration as a pure state machine: CAP negotiation (LS 302, REQ what
//! we want of what is offered, END), SASL PLAIN with the password when the
//! server offers it, PASS/NICK/USER, a taken nick retried with a suffix, and
//! PING answered. The network task feeds it lines.
//!
//! The password is also sent as `PASS` first: a server without SASL takes it
//! as its server password or (natterd, ergo) as the nick's account password,
//! and one that logs us in with SASL first ignores it.

use std::collections::BTreeSet;

use base64::Engine;
use natter_protocol::Message;
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
}

/// The SASL capability.
const SASL: &str = "sasl";
/// The most bytes of base64 one AUTHENTICATE line carries (IRCv3 sasl-3.1).
const AUTHENTICATE_CHUNK: usize = 400;

/// Where SASL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sasl {
    /// Not started (or not offered, or no password).
    Idle,
    /// `AUTHENTICATE PLAIN` sent; waiting for `AUTHENTICATE +`.
    Started,
    /// Credentials sent; waiting for 903/904.
    Sent,
    /// Over (success or failure): negotiation may end.
    Done,
}

/// Registration progress for one connection.
#[derive(Debug, Clone)]
pub struct Registration {
    identity: Identity,
    /// The nick we last sent.
    pub attempted_nick: String,
    attempts: u32,
    offered: BTreeSet<String>,
    negotiating: bool,
    /// Whether the server offered SASL PLAIN (or SASL without a mechanism list).
    plain_offered: bool,
    sasl: Sasl,
    /// Whether 001 arrived.
    pub registered: bool,
}

impl Registration {
    /// A registration for `identity`.
    pub fn new(identity: Identity) -> Registration {
        let nick = identity.nick.clone();
        Registration {
            identity,
            attempted_nick: nick,
            attempts: 0,
            offered: BTreeSet::new(),
            negotiating: true,
            plain_offered: false,
            sasl: Sasl::Idle,
            registered: false,
        }
    }

    /// The first lines to send on a fresh connection.
    pub fn start(&mut self) -> Vec<Message> {
        let mut out = vec![Message::new("CAP").with_params(["LS", "302"])];
        if let Some(password) = &self.identity.password {
            out.push(Message::new("PASS").with_param(password.clone()));
        }
        out.push(Message::new("NICK").with_param(self.attempted_nick.clone()));
        out.push(Message::new("USER").with_params([
            self.identity.username.as_str(),
            "0",
            "*",
            self.identity.realname.as_str(),
        ]));
        out
    }

    /// Reacts to one line from the server; returns the lines to send.
    pub fn on_message(&mut self, msg: &Message) -> Vec<Message> {
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
            "AUTHENTICATE" if self.sasl == Sasl::Started && msg.arg(0) == Some("+") => {
                self.sasl = Sasl::Sent;
                self.credentials()
            }
            // Success or failure alike end negotiation: a failed login is
            // shown (by the chat) and the connection goes on without it.
            RPL_SASLSUCCESS | ERR_SASLFAIL | ERR_SASLTOOLONG | ERR_SASLABORTED
            | ERR_SASLALREADY
                if matches!(self.sasl, Sasl::Started | Sasl::Sent) =>
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

    /// Whether SASL PLAIN is worth asking for: offered, and we have a password.
    fn wants_sasl(&self) -> bool {
        self.plain_offered && self.identity.password.is_some() && self.sasl == Sasl::Idle
    }

    fn on_cap(&mut self, msg: &Message) -> Vec<Message> {
        let sub = msg.arg(1).unwrap_or_default().to_ascii_uppercase();
        let list = msg.params.last().cloned().unwrap_or_default();
        let more_coming = msg.params.len() >= 4 && msg.arg(2) == Some("*");
        match sub.as_str() {
            "LS" => {
                for cap in list.split_whitespace() {
                    let (name, value) = cap.split_once('=').unwrap_or((cap, ""));
                    if name == SASL {
                        self.plain_offered =
                            value.is_empty() || value.split(',').any(|m| m == "PLAIN");
                    }
                    self.offered.insert(name.to_owned());
                }
                if more_coming || !self.negotiating {
                    return Vec::new();
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
                if list.split_whitespace().any(|cap| cap == SASL) {
                    self.sasl = Sasl::Started;
                    return vec![Message::new("AUTHENTICATE").with_param("PLAIN")];
                }
                self.end_negotiation()
            }
            "ACK" | "NAK" if self.negotiating => self.end_negotiation(),
            "NEW" => {
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
        let mut registration = Registration::new(identity());
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
        let mut registration = Registration::new(Identity {
            password: None,
            ..identity()
        });
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
        let mut registration = Registration::new(identity());
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
        let mut registration = Registration::new(Identity {
            password: None,
            ..identity()
        });
        let out = registration.on_message(&parse(":s CAP * LS :sasl"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn logs_in_with_sasl_plain_when_offered_then_ends_negotiation() {
        let mut registration = Registration::new(identity());
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
        let mut registration = Registration::new(Identity {
            account: Some("bob".into()),
            ..identity()
        });
        registration.on_message(&parse(":s CAP * LS :sasl"));
        registration.on_message(&parse(":s CAP * ACK :sasl"));
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(lines(&out), vec!["AUTHENTICATE Ym9iAGJvYgBzZWNyZXQ="]);
        let out = registration.on_message(&parse(":s 904 alice :SASL authentication failed"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn sasl_without_plain_or_without_a_password_is_not_asked_for() {
        let mut registration = Registration::new(identity());
        let out = registration.on_message(&parse(":s CAP * LS :sasl=EXTERNAL"));
        assert_eq!(lines(&out), vec!["CAP END"]);
    }

    #[test]
    fn long_credentials_are_cut_into_400_byte_lines_and_a_full_last_one_gets_a_plus() {
        // "a\0a\0" + 296 bytes = 300 bytes = exactly 400 base64 characters.
        let mut registration = Registration::new(Identity {
            nick: "a".into(),
            password: Some("p".repeat(296)),
            ..identity()
        });
        registration.on_message(&parse(":s CAP * LS :sasl"));
        registration.on_message(&parse(":s CAP * ACK :sasl"));
        let out = registration.on_message(&parse("AUTHENTICATE +"));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].params[0].len(), 400);
        assert_eq!(lines(&out[1..]), vec!["AUTHENTICATE +"]);
    }

    #[test]
    fn taken_nick_is_retried_with_a_suffix() {
        let mut registration = Registration::new(identity());
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
        let mut registration = Registration::new(identity());
        let out = registration.on_message(&parse("PING :abc"));
        assert_eq!(lines(&out), vec!["PONG abc"]);
    }

    #[test]
    fn cap_new_requests_newly_offered_wanted_caps() {
        let mut registration = Registration::new(identity());
        registration.on_message(&parse(":s CAP * LS :"));
        registration.on_message(&parse(":s 001 alice :hi"));
        let out = registration.on_message(&parse(":s CAP alice NEW :away-notify foo"));
        assert_eq!(lines(&out), vec!["CAP REQ away-notify"]);
    }
}
