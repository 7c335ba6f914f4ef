//! What hostile users can make natterd send: nothing anyone says reaches a
//! plain (nc) user's terminal as a control or bidi character, on any path,
//! and names that would carry them are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, command, start, test_config};
use natterd::testing::TestServer;

/// Terminal attacks: ESC CSI clear screen, OSC 0 (title), OSC 52 (clipboard),
/// BEL, C1 CSI, DEL, and the bidi override and isolate that reorder text.
const PAYLOAD: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{7f}\u{202e}rev\u{2066}iso\u{2069}\u{200f}\u{61c}";

/// The characters no plain user may receive (CR LF only as line ends).
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\r' && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn assert_clean(received: &[u8]) {
    let text = String::from_utf8(received.to_vec()).expect("plain output is UTF-8");
    for line in text.split_terminator("\r\n") {
        if let Some(bad) = line
            .chars()
            .find(|&c| forbidden(c) || c == '\r' || c == '\n')
        {
            panic!("{bad:?} reached the plain user in {line:?}\nall:\n{text}");
        }
    }
    assert!(text.ends_with("\r\n"), "{text:?}");
}

#[tokio::test]
async fn no_control_or_bidi_character_reaches_a_plain_user_on_any_path() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    let mut carol = Client::member(&server, "carol", "#lobby").await;
    let mut dave = Client::member(&server, "dave", "#lobby").await;
    let mut erin = Client::member(&server, "erin", "#lobby").await;
    let mut bob = Client::plain(&server, "bob").await;
    alice
        .expect(|l| l.contains(" JOIN ") && l.contains("bob"))
        .await;
    // Text, action and notice.
    alice.send(&format!("PRIVMSG #lobby :hi {PAYLOAD}"));
    alice.send(&format!("PRIVMSG #lobby :\u{1}ACTION waves {PAYLOAD}\u{1}"));
    alice.send(&format!("NOTICE #lobby :note {PAYLOAD}"));
    alice.send(&format!("PRIVMSG bob :psst {PAYLOAD}"));
    // Modes with arguments (alice created #lobby, so she is its operator).
    // Keys are at most 23 bytes.
    alice.send("MODE #lobby +k k\u{1b}[2J\u{9b}\u{7}\u{202e}");
    alice.send(&format!("MODE #lobby +b *!*@{PAYLOAD}"));
    // Topic and kick reason.
    alice.send(&format!("TOPIC #lobby :topic {PAYLOAD}"));
    alice.send(&format!("KICK #lobby dave :out {PAYLOAD}"));
    // An invitation (channel names cannot carry the payload any more).
    carol.send("JOIN #side");
    carol.send("INVITE bob #side");
    // Part and quit reasons.
    carol.send(&format!("PART #lobby :bye {PAYLOAD}"));
    erin.send(&format!("QUIT :gone {PAYLOAD}"));
    erin.closed().await;
    dave.expect_command("KICK").await;
    alice.send("PRIVMSG #lobby :the end");
    let received = bob.raw_until(|line| line == "alice: the end").await;
    let text = String::from_utf8_lossy(&received);
    for path in [
        "alice: hi ",
        "* alice waves ",
        "-alice/#lobby- note ",
        "[whisper] alice: psst ",
        "* alice set mode +k k",
        "* alice set mode +b *!*@",
        "* alice set the topic of #lobby: topic ",
        "* dave was kicked from #lobby by alice (out ",
        "* carol invites you to #side",
        "* carol left #lobby (bye ",
        "* erin quit (Quit: gone ",
    ] {
        assert!(text.contains(path), "{path:?} missing from:\n{text}");
    }
    assert_clean(&received);
}

#[tokio::test]
async fn irc_users_receive_text_as_it_was_sent() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    alice.expect_command("JOIN").await;
    let text = format!("hi {}", PAYLOAD.replace('\u{7f}', ""));
    alice.send(&format!("PRIVMSG #a :{text}"));
    let line = bob.expect_command("PRIVMSG").await;
    assert_eq!(common::parse(&line).params[1], text);
}

#[tokio::test]
async fn the_backlog_reaches_a_plain_user_sanitised() {
    let mut config = test_config();
    config.history.enabled = true;
    let server = TestServer::start_with(config).await;
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    alice.send(&format!("PRIVMSG #lobby :earlier {PAYLOAD}"));
    alice.sync().await;
    let mut bob = Client::connect(&server).await;
    bob.send("bob");
    let received = bob
        .raw_until(|line| line.starts_with("*** Type & for help"))
        .await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.contains("alice: earlier "), "{text}");
    assert_clean(&received);
}

#[tokio::test]
async fn channel_names_with_control_or_bidi_characters_are_refused() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    for name in [
        "#a\u{1b}[2J",
        "#a\u{9b}b",
        "#a\u{202e}b",
        "#x\u{2066}y",
        "#x\u{200f}",
    ] {
        alice.send(&format!("JOIN {name}"));
        let refusal = common::parse(&alice.recv_line().await);
        assert_eq!(refusal.command, "476", "{refusal:?}");
        assert_eq!(refusal.params[1], name);
        assert!(
            refusal.params[2].starts_with("Bad Channel Mask: "),
            "{refusal:?}"
        );
    }
    alice.send("LIST");
    let listed = alice.lines_until(|l| command(l) == "323").await;
    assert!(listed.iter().all(|l| command(l) != "322"), "{listed:?}");
}
