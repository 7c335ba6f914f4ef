//! ChanServ: channels are registered explicitly by a logged-in operator, as
//! on ergo and Atheme. Creating a channel while logged in registers nothing
//! (so whoever creates `#lobby` first does not own it); a registered channel
//! keeps its state and gives its founder `+o`; only the founder drops it; an
//! account founds at most `[accounts] max_channels_per_account`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, SERVER, command};
use history_support::{ALL_CAPS, history_config_in, next_batch, say_all, start_in, texts};
use natterd::testing::TestServer;
use std::path::Path;

/// A ChanServ notice to `nick`.
fn notice(nick: &str, text: &str) -> String {
    format!(":ChanServ!ChanServ@services. NOTICE {nick} :{text}")
}

/// The next NOTICE from ChanServ (channel traffic in between is skipped).
async fn next_notice(client: &mut Client) -> String {
    client
        .expect(|l| l.starts_with(":ChanServ!ChanServ@services. NOTICE "))
        .await
}

/// Sends `line` to ChanServ and expects exactly `answer` back.
async fn ask(client: &mut Client, nick: &str, line: &str, answer: &str) {
    client.send(&format!("PRIVMSG ChanServ :{line}"));
    assert_eq!(next_notice(client).await, notice(nick, answer));
}

/// Registers the account `nick` through NickServ on a fresh connection.
async fn logged_in(server: &TestServer, nick: &str) -> Client {
    let mut client = Client::register_with_caps(server, nick, ALL_CAPS).await;
    client.send("PRIVMSG NickServ :REGISTER sesame123");
    client.expect_command("900").await;
    client
}

fn stored_channels(dir: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(dir.join("history.db")).unwrap();
    db.prepare("SELECT folded FROM channel_state ORDER BY folded")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The design flaw this replaces: a logged-in creator no longer owns a
/// channel (such as the default room) just by creating it.
#[tokio::test]
async fn creating_a_channel_while_logged_in_registers_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut dora = logged_in(&server, "dora").await;
    dora.join("#lobby").await;
    dora.send("MODE #lobby +i");
    dora.expect(|l| command(l) == "MODE").await;
    ask(
        &mut dora,
        "dora",
        "INFO #lobby",
        "#lobby is not registered.",
    )
    .await;
    dora.send("PART #lobby");
    dora.expect(|l| command(l) == "PART").await;

    let mut mallory = Client::register(&server, "mallory").await;
    mallory.join("#lobby").await;
    assert_eq!(mallory.names("#lobby").await, ["@mallory"]);
    mallory.send("PART #lobby");
    mallory.expect(|l| command(l) == "PART").await;
    // dora comes back: nothing makes her its operator.
    let mut carol = Client::register(&server, "carol").await;
    carol.join("#lobby").await;
    dora.join("#lobby").await;
    assert_eq!(carol.names("#lobby").await, ["@carol", "dora"]);
    server.shutdown().await;
    assert!(stored_channels(dir.path()).is_empty());
}

#[tokio::test]
async fn a_logged_in_operator_registers_a_channel_and_it_outlives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    bob.join("#club").await;
    ask(
        &mut bob,
        "bob",
        "REGISTER #club",
        "Log in to an account first: /msg NickServ IDENTIFY <password>.",
    )
    .await;
    let mut alice = logged_in(&server, "alice").await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #nowhere",
        "#nowhere does not exist; join it first.",
    )
    .await;
    alice.join("#club").await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #club",
        "You must be a channel operator of #club to register it.",
    )
    .await;
    bob.send("MODE #club +o alice");
    alice.expect(|l| command(l) == "MODE").await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #CLUB",
        "#club is now registered to alice.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #club",
        "#club is already registered to alice.",
    )
    .await;
    bob.send("PRIVMSG ChanServ :INFO #club");
    assert_eq!(
        next_notice(&mut bob).await,
        notice("bob", "Information on #club:")
    );
    bob.expect_next(notice("bob", "Founder    : alice")).await;
    let registered = bob.recv_line().await;
    assert!(
        registered.starts_with(&notice("bob", "Registered : 20")) && registered.ends_with(" UTC"),
        "{registered}"
    );
    bob.expect_next(notice("bob", "Operators  : (none besides the founder)"))
        .await;

    alice.send("MODE #club +k sesame");
    alice.expect(|l| command(l) == "MODE").await;
    say_all(&mut alice, &mut bob, "#club", &["members only"]).await;
    alice.send("QUIT");
    bob.send("QUIT");
    bob.expect(|l| l.starts_with("ERROR")).await;
    server.shutdown().await;

    let server = start_in(dir.path()).await;
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    mallory.send("JOIN #club");
    mallory
        .expect_next(format!(
            ":{SERVER} 475 mallory #club :Cannot join channel (+k)"
        ))
        .await;
    // The founder gets in without the key and is its operator.
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.send("PRIVMSG NickServ :IDENTIFY sesame123");
    alice.expect_command("900").await;
    alice.send("JOIN #club");
    alice.expect(|l| command(l) == "366").await;
    let (_, backlog) = next_batch(&mut alice).await;
    assert_eq!(texts(&backlog), ["members only"]);
    assert_eq!(alice.names("#club").await, ["@alice"]);
    server.shutdown().await;
}

#[tokio::test]
async fn only_the_founder_drops_and_a_dropped_channel_vanishes_with_its_guarded_history() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = logged_in(&server, "alice").await;
    alice.join("#club").await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #club",
        "#club is now registered to alice.",
    )
    .await;
    alice.send("MODE #club +i");
    alice.expect(|l| command(l) == "MODE").await;
    alice.send("PRIVMSG #club :for members");
    alice.send("PART #club");
    alice.expect(|l| command(l) == "PART").await;

    let mut bob = logged_in(&server, "bob").await;
    ask(
        &mut bob,
        "bob",
        "DROP #club",
        "Only the founder of #club (alice) can drop it.",
    )
    .await;
    ask(
        &mut bob,
        "bob",
        "DROP #elsewhere",
        "#elsewhere is not registered.",
    )
    .await;
    let mut guest = Client::register(&server, "guest").await;
    ask(
        &mut guest,
        "guest",
        "DROP #club",
        "Log in to an account first: /msg NickServ IDENTIFY <password>.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "DROP #club",
        "#club is no longer registered.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "INFO #club",
        "#club is not registered.",
    )
    .await;

    // Gone: mallory creates it afresh, operates it, and reads nothing of its +i past.
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    mallory.join("#club").await;
    assert_eq!(mallory.names("#club").await, ["@mallory"]);
    mallory.send("CHATHISTORY LATEST #club * 10");
    let (_, replay) = next_batch(&mut mallory).await;
    assert!(texts(&replay).is_empty(), "{replay:?}");

    // Dropping a live channel leaves it to its members, unregistered.
    ask(
        &mut mallory,
        "mallory",
        "REGISTER #club",
        "Log in to an account first: /msg NickServ IDENTIFY <password>.",
    )
    .await;
    bob.join("#live").await;
    ask(
        &mut bob,
        "bob",
        "REGISTER #live",
        "#live is now registered to bob.",
    )
    .await;
    ask(
        &mut bob,
        "bob",
        "DROP #live",
        "#live is no longer registered.",
    )
    .await;
    bob.send("PART #live");
    bob.expect(|l| command(l) == "PART").await;
    bob.join("#live").await;
    assert_eq!(bob.names("#live").await, ["@bob"]);
    ask(&mut bob, "bob", "INFO #live", "#live is not registered.").await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_account_registers_at_most_the_configured_number_of_channels() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config_in(dir.path());
    config.accounts.max_channels_per_account = 2;
    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    let mut alice = logged_in(&server, "alice").await;
    for channel in ["#one", "#two", "#three"] {
        alice.join(channel).await;
    }
    ask(
        &mut alice,
        "alice",
        "REGISTER #one",
        "#one is now registered to alice.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #two",
        "#two is now registered to alice.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #three",
        "You already founded as many channels as this server allows (2).",
    )
    .await;
    // Dropping one makes room.
    ask(
        &mut alice,
        "alice",
        "DROP #one",
        "#one is no longer registered.",
    )
    .await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #three",
        "#three is now registered to alice.",
    )
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn info_hides_a_secret_channel_from_outsiders_and_help_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = logged_in(&server, "alice").await;
    alice.join("#hidden").await;
    ask(
        &mut alice,
        "alice",
        "REGISTER #hidden",
        "#hidden is now registered to alice.",
    )
    .await;
    let mut bob = logged_in(&server, "bob").await;
    bob.join("#hidden").await;
    alice.send("MODE #hidden +so bob");
    bob.expect(|l| command(l) == "MODE").await;
    alice.send("PRIVMSG ChanServ :INFO #hidden");
    assert_eq!(
        next_notice(&mut alice).await,
        notice("alice", "Information on #hidden:")
    );
    alice
        .expect_next(notice("alice", "Founder    : alice"))
        .await;
    alice.recv_line().await;
    alice.expect_next(notice("alice", "Operators  : bob")).await;
    let mut mallory = Client::register(&server, "mallory").await;
    ask(
        &mut mallory,
        "mallory",
        "INFO #hidden",
        "#hidden is not registered.",
    )
    .await;
    ask(
        &mut mallory,
        "mallory",
        "INFO",
        "Syntax: INFO <#channel>. Try: /msg ChanServ HELP",
    )
    .await;
    ask(
        &mut mallory,
        "mallory",
        "FROB #x",
        "Unknown command FROB. Try: /msg ChanServ HELP",
    )
    .await;
    mallory.send("PRIVMSG ChanServ :HELP");
    let help = mallory
        .lines_until(|l| l.contains("The founder gets +o"))
        .await;
    assert!(
        help.iter().any(|l| l.contains("REGISTER <#channel>")),
        "{help:?}"
    );
    server.shutdown().await;
}
