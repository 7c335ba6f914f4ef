//! USER: username and real name, once, before registration.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// USERLEN advertised in 005.
const USER_LENGTH: usize = 16;

/// Handles `USER <username> <mode> <unused> :<realname>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if super::already_registered(session, connection) {
        return;
    }
    // An empty real name counts as missing (ircdocs, modern-irc#85).
    if message.params.len() < 4 || message.params[0].is_empty() || message.params[3].is_empty() {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            ["USER", "Not enough parameters"],
        );
        return;
    }
    session.registering_mut().user =
        Some((username(&message.params[0]), message.params[3].clone()));
}

/// A safe username: ident-like characters only, prefixed `~` because it is unverified.
pub(crate) fn username(given: &str) -> String {
    let cleaned: String = given
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(USER_LENGTH - 1)
        .collect();
    if cleaned.is_empty() {
        "~user".to_string()
    } else {
        format!("~{cleaned}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames_are_sanitised() {
        assert_eq!(super::username("alice"), "~alice");
        assert_eq!(super::username("a@b!c"), "~abc");
        assert_eq!(super::username("@@@"), "~user");
        assert_eq!(super::username(&"x".repeat(40)).len(), 16);
    }
}
