//! Accounts from the input line: `/register`, `/login` and `/logout` talk to
//! the server's NickServ (natterd's, ergo's, Atheme's, Anope's), without the
//! password ever being shown in a buffer or kept in the input history.

use natter_protocol::Message;

use super::Chat;
use crate::event::Effect;

/// Where account commands go.
const NICKSERV: &str = "NickServ";

impl Chat {
    /// `/register PASSWORD [EMAIL]`: registers the current nick as an account.
    pub(super) fn cmd_register(&mut self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        if !(1..=2).contains(&words.len()) {
            self.error("Usage: /register PASSWORD (some networks also want an EMAIL after it)");
            return;
        }
        self.tell_nickserv(&format!("REGISTER {}", words.join(" ")));
        self.info(format!(
            "Asking NickServ to register {} (its answer follows).",
            self.session.nick
        ));
    }

    /// `/login PASSWORD` (the current nick's account) or `/login ACCOUNT PASSWORD`.
    pub(super) fn cmd_login(&mut self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        let account = match words.as_slice() {
            [_] => self.session.nick.clone(),
            [account, _] => (*account).to_owned(),
            _ => {
                self.error("Usage: /login PASSWORD, or /login ACCOUNT PASSWORD");
                return;
            }
        };
        self.tell_nickserv(&format!("IDENTIFY {}", words.join(" ")));
        self.info(format!(
            "Logging in to {account} (NickServ's answer follows)."
        ));
    }

    /// `/logout`.
    pub(super) fn cmd_logout(&mut self) {
        self.tell_nickserv("LOGOUT");
    }

    fn tell_nickserv(&mut self, text: &str) {
        self.emit(Effect::Send(
            Message::new("PRIVMSG").with_params([NICKSERV, text]),
        ));
    }
}
