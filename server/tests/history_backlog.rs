//! The backlog on join over TCP: a chathistory batch for IRC clients with
//! `batch`, `@time` lines with only `server-time`, time-prefixed lines between
//! NOTICEs for plain IRC clients, readable lines for plain (nc) users; it ends
//! exactly where live delivery begins, even for messages not yet committed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, SERVER, command, parse, prefix};
use history_support::{ALL_CAPS, Seen, history_config, next_batch, say_all, start, tag, text};
use natterd::testing::TestServer;

/// alice and the watcher who saw what she said, both still connected.
///
/// The watcher must outlive the test: dropped early, its connection could be
/// noticed closed only after the next joiner was in #lobby, which then got
/// the watcher's QUIT before its backlog (four tests here failed that way
/// under load).
struct Lobby {
    alice: Client,
    _watcher: Client,
}

/// alice (all caps) says `bodies` in #lobby, watched by a server-time observer.
async fn lobby_with(server: &TestServer, bodies: &[&str]) -> (Lobby, Vec<Seen>) {
    let mut alice = Client::register_with_caps(server, "alice", ALL_CAPS).await;
    let mut watcher = Client::register_with_caps(server, "watcher", ALL_CAPS).await;
    alice.join("#lobby").await;
    watcher.join("#lobby").await;
    let seen = say_all(&mut alice, &mut watcher, "#lobby", bodies).await;
    let lobby = Lobby {
        alice,
        _watcher: watcher,
    };
    (lobby, seen)
}

/// The clock text natterd writes for plain and tag-less clients.
fn clock(time: &str) -> String {
    let time = chrono::DateTime::parse_from_rfc3339(time).unwrap();
    time.with_timezone(&chrono::Local)
        .format("[%H:%M]")
        .to_string()
}

#[tokio::test]
async fn irc_with_batch_gets_a_chathistory_batch_with_original_times() {
    let server = start().await;
    let (_lobby, seen) = lobby_with(&server, &["one", "two", "\u{1}ACTION waves\u{1}"]).await;
    let mut bob = Client::register_with_caps(&server, "bob", &["batch", "server-time"]).await;
    bob.send("JOIN #lobby");
    bob.expect_command("366").await;
    let (open, lines) = next_batch(&mut bob).await;
    let id = parse(&open).arg(0).unwrap()[1..].to_string();
    assert_eq!(open, format!(":{SERVER} BATCH +{id} chathistory #lobby"));
    let wanted: Vec<String> = seen
        .iter()
        .map(|s| {
            let mut line = common::parse(&format!(
                "@batch={id};time={};msgid={} :{} PRIVMSG #lobby :{}",
                s.time,
                s.msgid,
                prefix("alice"),
                s.text
            ));
            line.tags.sort_by(|a, b| a.key.cmp(&b.key));
            line.to_wire()
        })
        .collect();
    let got: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut line = parse(l);
            line.tags.sort_by(|a, b| a.key.cmp(&b.key));
            line.to_wire()
        })
        .collect();
    assert_eq!(got, wanted);
    assert!(bob.sync().await.is_empty());
}

#[tokio::test]
async fn irc_with_server_time_only_gets_timed_original_lines() {
    let server = start().await;
    let (_lobby, seen) = lobby_with(&server, &["one", "two"]).await;
    let mut bob = Client::register_with_caps(&server, "bob", &["server-time"]).await;
    bob.join("#lobby").await;
    let lines = bob.sync().await;
    let wanted: Vec<String> = seen
        .iter()
        .map(|s| {
            format!(
                "@time={} :{} PRIVMSG #lobby {}",
                s.time,
                prefix("alice"),
                s.text
            )
        })
        .collect();
    assert_eq!(lines, wanted);
}

#[tokio::test]
async fn irc_without_tags_gets_time_prefixed_lines_between_notices() {
    let server = start().await;
    let (_lobby, seen) = lobby_with(&server, &["hello there", "\u{1}ACTION waves\u{1}"]).await;
    let mut bob = Client::member(&server, "bob", "#lobby").await;
    let lines = bob.sync().await;
    assert_eq!(
        lines,
        [
            format!(":{SERVER} NOTICE #lobby :*** Earlier messages in #lobby:"),
            format!(
                ":{} PRIVMSG #lobby :{} hello there",
                prefix("alice"),
                clock(&seen[0].time)
            ),
            format!(
                ":{} PRIVMSG #lobby :\u{1}ACTION {} waves\u{1}",
                prefix("alice"),
                clock(&seen[1].time)
            ),
            format!(":{SERVER} NOTICE #lobby :*** End of earlier messages."),
        ]
    );
}

#[tokio::test]
async fn plain_users_get_readable_lines_with_the_time() {
    let server = start().await;
    let (_lobby, seen) = lobby_with(&server, &["hi", "\u{1}ACTION waves\u{1}"]).await;
    let mut carol = Client::connect(&server).await;
    carol.name = "carol".into();
    carol.send("carol");
    carol
        .expect(|line| line.starts_with("*** Online in #lobby"))
        .await;
    let lines = carol
        .lines_until(|line| line.starts_with("*** Type & for help"))
        .await;
    assert_eq!(
        lines,
        [
            "*** Earlier messages in #lobby:".to_string(),
            format!("{} alice: hi", clock(&seen[0].time)),
            format!("{} * alice waves", clock(&seen[1].time)),
            "*** End of earlier messages.".to_string(),
        ]
    );
}

#[tokio::test]
async fn nothing_said_means_no_backlog_lines() {
    let server = start().await;
    let mut bob = Client::member(&server, "bob", "#empty").await;
    assert!(bob.sync().await.is_empty());
}

#[tokio::test]
async fn the_backlog_has_the_last_n_messages() {
    let mut config = history_config();
    config.history.replay_on_join = 2;
    let server = TestServer::start_with(config).await;
    let (_lobby, _seen) = lobby_with(&server, &["a", "b", "c", "d"]).await;
    let mut bob = Client::register_with_caps(&server, "bob", &["batch", "server-time"]).await;
    bob.send("JOIN #lobby");
    let (_, lines) = next_batch(&mut bob).await;
    let texts: Vec<String> = lines.iter().map(|l| text(l)).collect();
    assert_eq!(texts, ["c", "d"]);
}

#[tokio::test]
async fn uncommitted_messages_are_in_the_backlog_and_live_ones_are_not_repeated() {
    // history_config's commit interval is an hour: "just said" is not
    // committed unless the join flushes it.
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.join("#lobby").await;
    alice.send("PRIVMSG #lobby :just said");
    alice.sync().await;
    let mut bob =
        Client::register_with_caps(&server, "bob", &["batch", "server-time", "message-tags"]).await;
    bob.send("JOIN #lobby");
    // Said while bob's join is being answered: either before the join (then
    // in the backlog) or after it (then live), never both.
    alice.send("PRIVMSG #lobby :said meanwhile");
    alice.sync().await;
    let lines = bob.sync().await;
    let count = |body: &str| {
        lines
            .iter()
            .filter(|l| command(l) == "PRIVMSG" && text(l) == body)
            .count()
    };
    assert_eq!(count("just said"), 1, "{lines:?}");
    assert_eq!(count("said meanwhile"), 1, "{lines:?}");
    let in_batch: Vec<String> = lines
        .iter()
        .filter(|l| command(l) == "PRIVMSG" && tag(l, "batch").is_some())
        .map(|l| text(l))
        .collect();
    assert_eq!(in_batch[0], "just said", "{lines:?}");
}

#[tokio::test]
async fn a_rejoin_does_not_repeat_what_was_seen_live_but_shows_it_as_history() {
    let server = start().await;
    let (mut lobby, _) = lobby_with(&server, &["first"]).await;
    let mut bob = Client::register_with_caps(&server, "bob", &["batch", "server-time"]).await;
    bob.send("JOIN #lobby");
    let (_, backlog) = next_batch(&mut bob).await;
    assert_eq!(
        backlog.iter().map(|l| text(l)).collect::<Vec<_>>(),
        ["first"]
    );
    lobby.alice.send("PRIVMSG #lobby :second");
    let live = bob.expect(|line| command(line) == "PRIVMSG").await;
    assert_eq!(text(&live), "second");
    bob.send("PART #lobby");
    bob.send("JOIN #lobby");
    let (_, again) = next_batch(&mut bob).await;
    assert_eq!(
        again.iter().map(|l| text(l)).collect::<Vec<_>>(),
        ["first", "second"]
    );
}
