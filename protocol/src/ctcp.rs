//! CTCP: `\x01COMMAND args\x01` messages carried in PRIVMSG/NOTICE text (ACTION, VERSION, PING...).

/// The delimiter that starts (and usually ends) a CTCP message.
pub const DELIMITER: char = '\x01';

/// A CTCP message borrowed from PRIVMSG/NOTICE text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ctcp<'a> {
    /// The CTCP command as sent, e.g. `ACTION` or `VERSION`.
    pub command: &'a str,
    /// Everything after the command and one space; empty when there are no arguments.
    pub args: &'a str,
}

/// Parses `\x01COMMAND args\x01`. The closing `\x01` is optional, as many clients omit it; text
/// after a closing `\x01` is ignored. Returns `None` for ordinary text or an empty command.
pub fn parse_ctcp(text: &str) -> Option<Ctcp<'_>> {
    let body = text.strip_prefix(DELIMITER)?;
    let body = body.split(DELIMITER).next().unwrap_or(body);
    let (command, args) = body.split_once(' ').unwrap_or((body, ""));
    if command.is_empty() {
        return None;
    }
    Some(Ctcp { command, args })
}

/// Builds a CTCP message: `\x01COMMAND args\x01` (or `\x01COMMAND\x01` without args). Any `\x01`
/// inside `command` or `args` is removed so it cannot end the message early.
pub fn build(command: &str, args: &str) -> String {
    let mut out = String::with_capacity(command.len() + args.len() + 3);
    out.push(DELIMITER);
    out.extend(command.chars().filter(|&c| c != DELIMITER));
    if !args.is_empty() {
        out.push(' ');
        out.extend(args.chars().filter(|&c| c != DELIMITER));
    }
    out.push(DELIMITER);
    out
}

/// Builds a `/me` action: `\x01ACTION text\x01`.
pub fn action(text: &str) -> String {
    build("ACTION", text)
}

/// If `text` is an ACTION (`/me`), the action text.
pub fn is_action(text: &str) -> Option<&str> {
    parse_ctcp(text)
        .filter(|ctcp| ctcp.command.eq_ignore_ascii_case("ACTION"))
        .map(|ctcp| ctcp.args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_command_and_args() {
        assert_eq!(
            parse_ctcp("\x01PING 12345 678\x01"),
            Some(Ctcp {
                command: "PING",
                args: "12345 678"
            })
        );
    }

    #[test]
    fn command_without_args() {
        assert_eq!(
            parse_ctcp("\x01VERSION\x01"),
            Some(Ctcp {
                command: "VERSION",
                args: ""
            })
        );
    }

    #[test]
    fn closing_delimiter_is_optional() {
        assert_eq!(
            parse_ctcp("\x01ACTION waves"),
            Some(Ctcp {
                command: "ACTION",
                args: "waves"
            })
        );
    }

    #[test]
    fn text_after_closing_delimiter_is_ignored() {
        assert_eq!(
            parse_ctcp("\x01ACTION waves\x01 trailing"),
            Some(Ctcp {
                command: "ACTION",
                args: "waves"
            })
        );
    }

    #[test]
    fn ordinary_text_and_empty_commands_are_not_ctcp() {
        assert_eq!(parse_ctcp("hello"), None);
        assert_eq!(parse_ctcp(" \x01ACTION x\x01"), None);
        assert_eq!(parse_ctcp("\x01\x01"), None);
        assert_eq!(parse_ctcp("\x01"), None);
        assert_eq!(parse_ctcp("\x01 x\x01"), None);
    }

    #[test]
    fn action_round_trip() {
        assert_eq!(action("waves hello"), "\x01ACTION waves hello\x01");
        assert_eq!(is_action(&action("waves hello")), Some("waves hello"));
        assert_eq!(is_action("\x01action lower\x01"), Some("lower"));
        assert_eq!(is_action("\x01VERSION\x01"), None);
        assert_eq!(is_action("plain"), None);
    }

    #[test]
    fn build_strips_inner_delimiters() {
        assert_eq!(build("VERSION", ""), "\x01VERSION\x01");
        assert_eq!(action("a\x01b"), "\x01ACTION ab\x01");
    }
}
