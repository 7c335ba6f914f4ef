//! Telling the dialects apart by the first line a client sends (design.md, decision 2).

/// What the first line says about the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstLine {
    /// An IRC registration command (or a tagged/prefixed line): an IRC client.
    Irc,
    /// Anything else: a person typing a nickname.
    Plain,
    /// An HTTP request: a browser pointed at the chat port.
    Http,
}

const IRC_REGISTRATION: [&str; 4] = ["CAP", "NICK", "USER", "PASS"];
const HTTP_METHODS: [&str; 9] = [
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
];

/// Verbs that alone on a first line mean HTTP (an HTTP/0.9-style request or a probe).
const BARE_HTTP_METHODS: [&str; 6] = ["GET", "POST", "HEAD", "PUT", "OPTIONS", "CONNECT"];

/// Classifies a first line (without its CR/LF).
pub fn classify(line: &[u8]) -> FirstLine {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_start();
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or("");
    let has_argument = words.next().is_some();
    if HTTP_METHODS.contains(&first)
        && text.trim_end().ends_with(|c: char| c.is_ascii_digit())
        && text.contains(" HTTP/")
    {
        return FirstLine::Http;
    }
    // A bare verb, as typed by hand or sent by a probe: nobody is called GET.
    if !has_argument && BARE_HTTP_METHODS.contains(&first) {
        return FirstLine::Http;
    }
    if text.starts_with('@') || (text.starts_with(':') && has_argument) {
        return FirstLine::Irc;
    }
    // A person whose nickname happens to be "nick" types just that; an IRC client always sends an argument.
    if has_argument
        && IRC_REGISTRATION
            .iter()
            .any(|command| first.eq_ignore_ascii_case(command))
    {
        return FirstLine::Irc;
    }
    FirstLine::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irc_registration_commands_mean_irc() {
        for line in [
            "CAP LS 302",
            "NICK alice",
            "USER a 0 * :A",
            "PASS secret",
            "nick alice",
            "@label=1 CAP LS",
        ] {
            assert_eq!(classify(line.as_bytes()), FirstLine::Irc, "{line}");
        }
    }

    #[test]
    fn anything_else_is_a_nickname() {
        for line in ["alice", "!alice", "小明", "nick", "Pass", "hello world"] {
            assert_eq!(classify(line.as_bytes()), FirstLine::Plain, "{line}");
        }
    }

    #[test]
    fn browsers_are_recognised() {
        assert_eq!(classify(b"GET / HTTP/1.1"), FirstLine::Http);
        assert_eq!(classify(b"HEAD /favicon.ico HTTP/1.0"), FirstLine::Http);
        for verb in ["GET", "POST", "HEAD", "PUT", "OPTIONS", "CONNECT", " GET "] {
            assert_eq!(classify(verb.as_bytes()), FirstLine::Http, "{verb}");
        }
        // Case matters in HTTP: a person may well be called Get.
        assert_eq!(classify(b"Get"), FirstLine::Plain);
    }
}
