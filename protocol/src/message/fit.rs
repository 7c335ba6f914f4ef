//! Keeping a message within one IRC line: 512 bytes with CRLF, tags not
//! counted (RFC 1459 2.3, IRCv3 message-tags). Servers echo what a client
//! sent (a nick, a mask, a subcommand) in their replies, and a client may
//! send up to 510 bytes of it, so a reply could grow past what any peer
//! must accept unless it is cut.

use super::Message;

/// Bytes a message may take before its CRLF, tags not counted.
pub const LINE_BODY_MAX: usize = 510;

impl Message {
    /// Cuts the longest parameters after the first (a reply's target nick,
    /// which is never overlong) until the message, without its tags, is at
    /// most [`LINE_BODY_MAX`] bytes. Cuts fall on character boundaries and
    /// keep at least one character of each parameter; a message that cannot
    /// be shortened that way is left as it is.
    pub fn fit_line(&mut self) {
        let tags = std::mem::take(&mut self.tags);
        loop {
            let excess = self.serialized_len().saturating_sub(LINE_BODY_MAX);
            if excess == 0 {
                break;
            }
            let Some(longest) = self.params.iter_mut().skip(1).max_by_key(|p| p.len()) else {
                break;
            };
            let target = longest.len().saturating_sub(excess);
            let first = longest.chars().next().map_or(0, char::len_utf8);
            let cut = (first..=target)
                .rev()
                .find(|&index| longest.is_char_boundary(index))
                .unwrap_or(first);
            if cut >= longest.len() {
                break;
            }
            longest.truncate(cut);
        }
        self.tags = tags;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(params: &[&str]) -> Message {
        Message::new("401")
            .with_source("natter.local")
            .with_params(params.iter().copied())
    }

    #[test]
    fn a_message_that_fits_is_left_alone() {
        let mut message = reply(&["alice", "bob", "No such nick/channel"]);
        let before = message.clone();
        message.fit_line();
        assert_eq!(message, before);
    }

    #[test]
    fn an_overlong_echo_is_cut_to_one_line_on_a_character_boundary() {
        let long = "é".repeat(300);
        let mut message = reply(&["alice", &long, "No such nick/channel"])
            .with_tag("label", Some("x".repeat(100)));
        message.fit_line();
        assert_eq!(message.tags.len(), 1, "tags are kept and not counted");
        message.tags.clear();
        assert!(message.serialized_len() <= LINE_BODY_MAX);
        assert!(
            message.serialized_len() >= LINE_BODY_MAX - 1,
            "cut no more than needed"
        );
        assert_eq!(message.params[0], "alice");
        assert!(long.starts_with(&message.params[1]));
        assert_eq!(message.params[2], "No such nick/channel");
    }

    #[test]
    fn the_longest_parameter_is_cut_first_and_one_character_always_stays() {
        let mut message = reply(&["alice", &"m".repeat(350), &"t".repeat(200)]);
        message.fit_line();
        assert_eq!(message.serialized_len(), LINE_BODY_MAX);
        assert_eq!(message.params[2], "t".repeat(200));
        let mut hopeless = reply(&["a".repeat(600).as_str(), "b", "c"]);
        hopeless.fit_line();
        assert_eq!(hopeless.params[1..], ["b".to_string(), "c".to_string()]);
    }
}
