//! Logging in with SASL during registration: EXTERNAL with a TLS client
//! certificate the server offers it for, else (or when that is refused)
//! PLAIN with the password, the credentials cut into 400-byte
//! `AUTHENTICATE` lines.

use base64::Engine;
use natter_protocol::Message;

use super::{Registration, Transport};

/// The most bytes of base64 one AUTHENTICATE line carries (IRCv3 sasl-3.1).
const AUTHENTICATE_CHUNK: usize = 400;

/// A SASL mechanism natter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mechanism {
    /// The TLS client certificate's fingerprint (no credentials sent).
    External,
    /// Account and password.
    Plain,
}

impl Mechanism {
    pub(super) fn name(self) -> &'static str {
        match self {
            Mechanism::External => "EXTERNAL",
            Mechanism::Plain => "PLAIN",
        }
    }
}

/// Where SASL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sasl {
    /// Not started (or not offered, or nothing to log in with).
    Idle,
    /// `AUTHENTICATE <mechanism>` sent; waiting for `AUTHENTICATE +`.
    Started(Mechanism),
    /// Credentials sent; waiting for 903/904.
    Sent(Mechanism),
    /// Over (success or failure): negotiation may end.
    Done,
}

impl Registration {
    /// `AUTHENTICATE +`: the server waits for what the mechanism sends.
    pub(super) fn on_authenticate_continue(&mut self) -> Vec<Message> {
        match self.sasl {
            Sasl::Started(mechanism) => {
                self.sasl = Sasl::Sent(mechanism);
                match mechanism {
                    // No authorization identity: the certificate's account.
                    Mechanism::External => vec![Message::new("AUTHENTICATE").with_param("+")],
                    Mechanism::Plain => self.credentials(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// SASL EXTERNAL was refused: says so, and tries PLAIN if it can.
    pub(super) fn external_failed(&mut self, msg: &Message) -> Vec<Message> {
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
    pub(super) fn first_mechanism(&self) -> Option<Mechanism> {
        if self.sasl != Sasl::Idle {
            return None;
        }
        if self.presents_cert() && self.external_offered {
            return Some(Mechanism::External);
        }
        (self.plain_offered && self.identity.password.is_some()).then_some(Mechanism::Plain)
    }

    /// Whether SASL is worth asking for.
    pub(super) fn wants_sasl(&self) -> bool {
        self.first_mechanism().is_some()
    }

    /// Whether the handshake presented a client certificate.
    pub(super) fn presents_cert(&self) -> bool {
        self.identity.client_cert.is_some() && self.transport == Transport::Tls
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::*;
    use super::super::*;

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
}
