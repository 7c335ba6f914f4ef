//! The plain (nc) dialect over real TCP: choosing a nickname by the first
//! line, the seeds' commands, and plain and IRC users talking to each other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, SERVER, command, parse, prefix, start};

/// A plain user's IRC-visible prefix (`~` + nick as the username).
fn plain_prefix(nick: &str) -> String {
    prefix(nick)
}

#[tokio::test]
async fn a_quiet_client_is_prompted_with_a_valid_irc_notice() {
    let server = start().await;
    let mut person = Client::connect(&server).await;
    let prompt = person.recv_line().await;
    let message = parse(&prompt);
    assert_eq!(message.source.as_deref(), Some(SERVER));
    assert_eq!(message.command, "NOTICE");
    assert_eq!(message.params[0], "*");
    assert!(message.params[1].contains("nickname"), "{prompt}");
    person.send("!alice");
    person
        .expect_next("*** Welcome to natter, alice! You are in #lobby.")
        .await;
    person.expect_next("*** Online in #lobby (1): alice").await;
    person
        .expect_next(
            "*** Type & for help, # to see who is online, text@nick to whisper, exit to leave.",
        )
        .await;
}

#[tokio::test]
async fn a_word_that_looks_like_a_command_is_still_a_nickname() {
    let server = start().await;
    let mut person = Client::connect(&server).await;
    person.send("nick");
    person
        .expect_next("*** Welcome to natter, nick! You are in #lobby.")
        .await;
}

#[tokio::test]
async fn taken_or_invalid_nickname_asks_again() {
    let server = start().await;
    let _alice = Client::register(&server, "alice").await;
    let mut person = Client::connect(&server).await;
    person.send("Alice");
    person
        .expect_next("*** The nickname Alice is taken. Choose another nickname:")
        .await;
    person.send("no spaces please");
    let refusal = person.recv_line().await;
    assert!(
        refusal.starts_with("*** \"no spaces please\" can't be used: ")
            && refusal.ends_with("Choose another nickname:"),
        "{refusal}"
    );
    person.send("");
    person.expect_next("*** Choose a nickname:").await;
    person.send("bob");
    person
        .expect_next("*** Welcome to natter, bob! You are in #lobby.")
        .await;
}

#[tokio::test]
async fn an_http_request_gets_400_and_is_closed() {
    let server = start().await;
    let mut browser = Client::connect(&server).await;
    browser.send("GET / HTTP/1.1");
    browser.send("Host: localhost");
    browser.send("");
    let response = browser.closed().await;
    assert_eq!(response[0], "HTTP/1.1 400 Bad Request", "{response:?}");
    let length: usize = response
        .iter()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    let blank = response.iter().position(|l| l.is_empty()).unwrap();
    let body: usize = response[blank + 1..].iter().map(|l| l.len() + 1).sum();
    assert_eq!(body, length, "{response:?}");
    // It never became a user.
    let mut alice = Client::register(&server, "alice").await;
    alice.send("ISON GET");
    alice.expect_next(format!(":{SERVER} 303 alice :")).await;
}

#[tokio::test]
async fn broadcast_joins_nick_changes_and_leaving_read_like_the_seeds() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut bob = Client::plain(&server, "bob").await;
    alice.expect_next("* bob joined #lobby").await;
    bob.send("hello all");
    alice.expect_next("bob: hello all").await;
    bob.assert_no_line_within(QUIET).await;
    bob.send("/nick robert");
    bob.expect_next("*** You are now known as robert.").await;
    alice.expect_next("* bob is now known as robert").await;
    bob.send("/me waves");
    alice.expect_next("* robert waves").await;
    bob.send("exit");
    alice.expect_next("* robert quit (Quit)").await;
    bob.closed().await;
    let mut carol = Client::plain(&server, "carol").await;
    alice.expect_next("* carol joined #lobby").await;
    carol.send("/quit see you");
    alice.expect_next("* carol quit (Quit: see you)").await;
    let last = carol.closed().await;
    assert_eq!(last, ["*** Bye!"]);
}

#[tokio::test]
async fn member_list_and_help() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let _bob = Client::register(&server, "bob").await;
    let mut carol = Client::plain(&server, "carol").await;
    alice.expect_next("* carol joined #lobby").await;
    carol.send("#");
    carol
        .expect_next("*** Online in #lobby (2): alice, carol")
        .await;
    carol.send("&");
    carol.expect_next("*** natter help ***").await;
    let help = carol.lines_until(|l| l.starts_with("Tip:")).await;
    assert!(help.iter().any(|l| l.contains("text@nick")), "{help:?}");
    carol.send("/frobnicate");
    carol
        .expect_next("*** Unknown command /frobnicate. Type & for help.")
        .await;
}

#[tokio::test]
async fn whisper_with_at_and_msg_reaches_only_that_nick() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut bob = Client::plain(&server, "bob").await;
    let mut carol = Client::plain(&server, "carol").await;
    alice.expect_next("* bob joined #lobby").await;
    alice.expect_next("* carol joined #lobby").await;
    bob.expect_next("* carol joined #lobby").await;
    bob.send("meet me at five@alice");
    alice.expect_next("[whisper] bob: meet me at five").await;
    bob.expect_next("-> alice: meet me at five").await;
    carol.assert_no_line_within(QUIET).await;
    bob.send("/msg alice second secret");
    alice.expect_next("[whisper] bob: second secret").await;
    bob.expect_next("-> alice: second secret").await;
    carol.assert_no_line_within(QUIET).await;
    // An address whose "nick" is offline is ordinary text.
    bob.send("mail me at bob@example");
    alice.expect_next("bob: mail me at bob@example").await;
    carol.expect_next("bob: mail me at bob@example").await;
    bob.send("/msg nobody hi");
    bob.expect_next("*** No one called nobody is online. Type # to see who is.")
        .await;
}

#[tokio::test]
async fn irc_and_plain_users_see_and_whisper_each_other() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("JOIN #lobby");
    carol
        .expect_next(format!(":{} JOIN #lobby", prefix("carol")))
        .await;
    carol
        .expect_next(format!(":{SERVER} 353 carol = #lobby :@alice carol"))
        .await;
    carol.expect_command("366").await;
    alice.expect_next("* carol joined #lobby").await;

    alice.send("hi carol");
    carol
        .expect_next(format!(
            ":{} PRIVMSG #lobby :hi carol",
            plain_prefix("alice")
        ))
        .await;
    carol.send("PRIVMSG #lobby :hi alice");
    alice.expect_next("carol: hi alice").await;
    carol.send("PRIVMSG alice :psst");
    alice.expect_next("[whisper] carol: psst").await;
    alice.send("psst back@carol");
    carol
        .expect_next(format!(
            ":{} PRIVMSG carol :psst back",
            plain_prefix("alice")
        ))
        .await;
    alice.send("/me smiles");
    carol
        .expect_next(format!(
            ":{} PRIVMSG #lobby :\u{1}ACTION smiles\u{1}",
            plain_prefix("alice")
        ))
        .await;
    carol.send("WHOIS alice");
    let whois = carol.lines_until(|l| command(l) == "318").await;
    assert!(
        whois.contains(&format!(
            ":{SERVER} 311 carol alice ~alice 127.0.0.1 * :alice (plain)"
        )),
        "{whois:?}"
    );
    alice.send("/nick alicia");
    carol
        .expect_next(format!(":{} NICK alicia", plain_prefix("alice")))
        .await;
    alice.send("exit");
    carol
        .expect_next(":alicia!~alice@127.0.0.1 QUIT :Quit")
        .await;
}

#[tokio::test]
async fn invalid_utf8_from_a_plain_user_is_relayed_with_replacement_characters() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut carol = Client::member(&server, "carol", "#lobby").await;
    alice.expect_next("* carol joined #lobby").await;
    alice.send_bytes(b"caf\xe9 au lait\r\n");
    let line = carol.recv_raw().await;
    let text = String::from_utf8(line).expect("valid UTF-8 for IRC users");
    assert_eq!(
        text,
        format!(
            ":{} PRIVMSG #lobby :caf\u{FFFD} au lait",
            plain_prefix("alice")
        )
    );
    let mut bob = Client::plain(&server, "bob").await;
    alice.expect_next("* bob joined #lobby").await;
    alice.send_bytes(b"\xff\xfe\r\n");
    let raw = bob.recv_raw().await;
    assert_eq!(String::from_utf8(raw).unwrap(), "alice: \u{FFFD}\u{FFFD}");
}

#[tokio::test]
async fn invalid_utf8_from_an_irc_user_is_refused_and_not_relayed() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut carol = Client::member(&server, "carol", "#lobby").await;
    alice.expect_next("* carol joined #lobby").await;
    carol.send_bytes(b"PRIVMSG #lobby :caf\xe9\r\n");
    let fail = parse(&carol.recv_line().await);
    assert_eq!(fail.command, "FAIL");
    assert_eq!(fail.params[..2], ["PRIVMSG", "INVALID_UTF8"]);
    alice.assert_no_line_within(QUIET).await;
    carol.send("PRIVMSG #lobby :still connected");
    alice.expect_next("carol: still connected").await;
}

#[tokio::test]
async fn formatting_and_terminal_escapes_never_reach_plain_users() {
    let server = start().await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut carol = Client::member(&server, "carol", "#lobby").await;
    alice.expect_next("* carol joined #lobby").await;
    carol.send("PRIVMSG #lobby :\u{2}bold\u{2} \u{3}04red\u{3} \u{1b}[2Jgone \u{1b}]0;title\u{7}x");
    let raw = alice.recv_raw().await;
    assert!(
        raw.iter().all(|&b| b >= 0x20 && b != 0x7f),
        "control bytes reached a plain user: {raw:?}"
    );
    let text = String::from_utf8(raw).unwrap();
    assert!(text.starts_with("carol: bold red "), "{text}");
    carol.send("TOPIC #lobby :\u{1b}[31mred topic");
    // carol is not an operator of #lobby (alice created it), so ask alice's channel instead.
    carol.expect_command("482").await;
    carol.send("PART #lobby :\u{1b}[2Jbye");
    let part = alice.recv_raw().await;
    assert!(!part.contains(&0x1b), "{part:?}");
}

#[tokio::test]
async fn plain_users_are_asked_for_the_server_password() {
    let mut config = common::test_config();
    config.server.password = Some("sesame".into());
    let server = natterd::testing::TestServer::start_with(config).await;
    let mut wrong = Client::connect(&server).await;
    wrong.send("alice");
    wrong
        .expect_next("*** This server needs a password. Password:")
        .await;
    wrong.send("guess");
    wrong.expect_next("*** Wrong password.").await;
    assert_eq!(wrong.closed().await, ["*** Bye!"]);
    let mut right = Client::connect(&server).await;
    right.send("alice");
    right
        .expect_next("*** This server needs a password. Password:")
        .await;
    right.send("sesame");
    right
        .expect_next("*** Welcome to natter, alice! You are in #lobby.")
        .await;
}

#[tokio::test]
async fn a_plain_user_sees_being_kicked_and_topics() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    let mut bob = Client::plain(&server, "bob").await;
    alice.expect_command("JOIN").await;
    alice.send("TOPIC #lobby :Games night");
    bob.expect_next("* alice set the topic of #lobby: Games night")
        .await;
    alice.send("KICK #lobby bob :too loud");
    bob.expect_next("* bob was kicked from #lobby by alice (too loud)")
        .await;
}
