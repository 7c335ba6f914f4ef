//! Trust on first use: a certificate no authority vouches for is shown with
//! its fingerprint and the user answers, like ssh's host-key question.
//! "Always" keeps it in known_servers, "once" trusts it for this run, and
//! refusing leaves natter disconnected until /reconnect asks again. A
//! certificate that *changed* never gets here: the network task refuses it
//! loudly (see `net::tls`).
//!
//! Each question belongs to one network and its answer goes to that
//! network's task, whatever is on screen when the key is pressed. While a
//! question (or the server picker) is open, another network's question
//! waits its turn instead of replacing it.

use crossterm::event::{KeyCode, KeyEvent};

use super::App;
use crate::event::{Effect, NetEvent, NetworkId};
use crate::view::Overlay;
pub use crate::view::questions::Question;

impl App {
    /// Asks about an untrusted certificate of `network`: at once (showing
    /// that network), or after the question or picker already open. A
    /// paste that was waiting for its own question goes back to the input
    /// line so nothing typed is lost.
    pub(super) fn ask_about_certificate(&mut self, network: NetworkId, event: &NetEvent) {
        let NetEvent::Untrusted {
            address,
            fingerprint,
            known_file,
        } = event
        else {
            return;
        };
        let question = Question {
            network,
            address: address.clone(),
            fingerprint: *fingerprint,
            known_file: known_file.clone(),
        };
        match &self.view.overlay {
            Some(Overlay::TrustCertificate(open)) if open.network == network => {}
            Some(Overlay::TrustCertificate(_) | Overlay::PickServer(_)) => {
                self.waiting_questions.retain(|q| q.network != network);
                self.waiting_questions.push_back(question);
                return;
            }
            _ => {}
        }
        self.show_question(question);
    }

    fn show_question(&mut self, question: Question) {
        self.show_network(question.network);
        if let Some(Overlay::ConfirmPaste { lines }) = &self.view.overlay {
            let text = lines.join("\n");
            self.view.input.set_text(&text);
        }
        self.view.overlay = Some(Overlay::TrustCertificate(question));
    }

    /// Opens the next waiting question, if its network is still there.
    pub(super) fn next_question(&mut self) {
        while let Some(question) = self.waiting_questions.pop_front() {
            let open = question.network == self.network
                || self.others.iter().any(|(id, _)| *id == question.network);
            if open {
                self.show_question(question);
                return;
            }
        }
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
                // The words go where the answer applies.
                self.show_network(question.network);
                self.chat.error(format!(
                    "Certificate refused: natter will not connect to {}. Type /reconnect to be \
                     asked again.",
                    question.address
                ));
                self.next_question();
                return;
            }
            _ => return,
        };
        self.view.overlay = None;
        self.show_network(question.network);
        let how = if remember {
            format!("always (kept in {})", question.known_file.display())
        } else {
            "for this session only".to_owned()
        };
        self.chat.server_info(format!(
            "Trusting the certificate of {} ({}) {how}; connecting…",
            question.address, question.fingerprint
        ));
        // Addressed to the question's network, even if another is on
        // screen by the time the run loop gets it.
        let answer = Effect::TrustCertificate {
            fingerprint: question.fingerprint,
            remember,
        };
        self.route(question.network, vec![answer], false);
        self.next_question();
    }
}
