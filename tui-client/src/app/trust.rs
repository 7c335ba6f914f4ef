//! Trust on first use: a certificate no authority vouches for is shown with
//! its fingerprint and the user answers, like ssh's host-key question.
//! "Always" keeps it in known_servers, "once" trusts it for this run, and
//! refusing leaves natter disconnected until /reconnect asks again. A
//! certificate that *changed* never gets here: the network task refuses it
//! loudly (see `net::tls`).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};
use natter_protocol::Fingerprint;

use super::App;
use crate::event::{Effect, NetEvent};
use crate::view::Overlay;

/// What the trust question is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// `host:port` that presented the certificate.
    pub address: String,
    /// SHA-256 of the certificate.
    pub fingerprint: Fingerprint,
    /// Where an "always" answer is kept.
    pub known_file: PathBuf,
}

impl App {
    /// Opens the trust question for an untrusted certificate. A paste that
    /// was waiting for its own question goes back to the input line so
    /// nothing typed is lost.
    pub(super) fn ask_about_certificate(&mut self, event: &NetEvent) {
        let NetEvent::Untrusted {
            address,
            fingerprint,
            known_file,
        } = event
        else {
            return;
        };
        if let Some(Overlay::ConfirmPaste { lines }) = &self.view.overlay {
            let text = lines.join("\n");
            self.view.input.set_text(&text);
        }
        self.view.overlay = Some(Overlay::TrustCertificate(Question {
            address: address.clone(),
            fingerprint: *fingerprint,
            known_file: known_file.clone(),
        }));
    }

    /// A key while the trust question is open: `a` always, `o` once,
    /// `r`, `n` or Esc refuse; other keys are ignored so a stray Enter
    /// never trusts anything.
    pub(super) fn trust_key(&mut self, key: KeyEvent, question: &Question) {
        let remember = match key.code {
            KeyCode::Char('a' | 'A') => true,
            KeyCode::Char('o' | 'O') => false,
            KeyCode::Char('r' | 'R' | 'n' | 'N') | KeyCode::Esc => {
                self.view.overlay = None;
                self.chat.error(format!(
                    "Certificate refused: natter will not connect to {}. Type /reconnect to be \
                     asked again.",
                    question.address
                ));
                return;
            }
            _ => return,
        };
        self.view.overlay = None;
        let how = if remember {
            format!("always (kept in {})", question.known_file.display())
        } else {
            "for this session only".to_owned()
        };
        self.chat.server_info(format!(
            "Trusting the certificate of {} ({}) {how}; connecting…",
            question.address, question.fingerprint
        ));
        self.chat.emit(Effect::TrustCertificate {
            fingerprint: question.fingerprint,
            remember,
        });
    }
}
