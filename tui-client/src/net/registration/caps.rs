//! CAP negotiation: what natter asks for of what the server lists (LS,
//! across several lines), the ACK/NAK that ends it, capabilities offered
//! later (NEW), and the `sts` value as this connection's transport reads it.

use std::collections::BTreeSet;

use natter_protocol::Message;

use super::sasl::Sasl;
use super::{Registration, StsRequest, Transport};
use crate::net::sts::Advertised;

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

/// The SASL capability.
const SASL: &str = "sasl";

/// The STS capability.
const STS: &str = "sts";

impl Registration {
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

    pub(super) fn on_cap(&mut self, msg: &Message) -> Vec<Message> {
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
}

#[cfg(test)]
mod tests {
    use super::super::support::*;
    use super::super::*;

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
    fn cap_new_requests_newly_offered_wanted_caps() {
        let mut registration = Registration::new(identity(), Transport::Tls);
        registration.on_message(&parse(":s CAP * LS :"));
        registration.on_message(&parse(":s 001 alice :hi"));
        let out = registration.on_message(&parse(":s CAP alice NEW :away-notify foo"));
        assert_eq!(lines(&out), vec!["CAP REQ away-notify"]);
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
