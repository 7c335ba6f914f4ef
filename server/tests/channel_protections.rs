//! Channels keep their protections with their history: the modes, key,
//! topic, bans and operators (by account) of an emptied registered channel
//! (`ChanServ REGISTER`, see chanserv.rs)
//! survive its emptiness and a restart, so whoever re-creates it is held to
//! them and does not become its operator or read its history without being
//! let in. An unregistered channel vanishes when it empties (or at a
//! restart), with the history it guarded, so nobody can lock a name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod common;
mod history_support;

use accounts_support::login_and_register;
use common::{Client, SERVER, command};
use history_support::{ALL_CAPS, next_batch, say_all, start_in, texts};
use natterd::testing::TestServer;

/// Sends a JOIN and returns the numeric (or JOIN) that answers it.
async fn try_join(client: &mut Client, line: &str) -> String {
    client.send(line);
    client
        .expect(|l| matches!(command(l).as_str(), "JOIN" | "471" | "473" | "474" | "475"))
        .await
}

/// Registers `channel` (which `client` operates) with ChanServ.
async fn register_channel(client: &mut Client, nick: &str, channel: &str) {
    client.send(&format!("PRIVMSG ChanServ :REGISTER {channel}"));
    client
        .expect_line(&format!(
            ":ChanServ!ChanServ@services. NOTICE {nick} :{channel} is now registered to {nick}."
        ))
        .await;
}

/// Registers the account `nick` through NickServ on a fresh connection.
async fn registered(server: &TestServer, nick: &str, caps: &[&str]) -> Client {
    let mut client = Client::register_with_caps(server, nick, caps).await;
    client.send("PRIVMSG NickServ :REGISTER sesame123");
    client.expect_command("900").await;
    client
}

#[tokio::test]
async fn an_emptied_registered_keyed_channel_keeps_its_key_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    // alice is logged in and registers #secret with ChanServ.
    let mut alice = registered(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    alice.join("#secret").await;
    register_channel(&mut alice, "alice", "#secret").await;
    alice.send("MODE #secret +k sesame");
    alice.expect(|l| command(l) == "MODE").await;
    bob.send("JOIN #secret sesame");
    bob.expect(|l| command(l) == "366").await;
    say_all(&mut alice, &mut bob, "#secret", &["the plan"]).await;
    alice.send("QUIT");
    bob.send("PART #secret");
    bob.expect(|l| command(l) == "PART").await;

    // The attack: the channel is empty; re-creating it must not work.
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    let refused = try_join(&mut mallory, "JOIN #secret").await;
    assert_eq!(
        refused,
        format!(":{SERVER} 475 mallory #secret :Cannot join channel (+k)")
    );
    mallory.send("CHATHISTORY LATEST #secret * 10");
    let fail = mallory.expect(|l| command(l) == "FAIL").await;
    assert!(fail.contains("INVALID_TARGET LATEST #secret"), "{fail}");
    drop(mallory);
    server.shutdown().await;

    let server = start_in(dir.path()).await;
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    let refused = try_join(&mut mallory, "JOIN #secret guess").await;
    assert_eq!(
        refused,
        format!(":{SERVER} 475 mallory #secret :Cannot join channel (+k)")
    );
    mallory.send("CHATHISTORY LATEST #secret * 10");
    let fail = mallory.expect(|l| command(l) == "FAIL").await;
    assert!(fail.contains("INVALID_TARGET LATEST #secret"), "{fail}");

    // Whoever knows the key could always join: they get in, and the history,
    // but the channel is alice's: bob does not operate it.
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    bob.send("JOIN #secret sesame");
    bob.expect(|l| command(l) == "366").await;
    let (_, backlog) = next_batch(&mut bob).await;
    assert_eq!(texts(&backlog), ["the plan"]);
    assert_eq!(bob.names("#secret").await, ["bob"]);
    bob.send("MODE #secret");
    let modes = bob.expect(|l| command(l) == "324").await;
    assert_eq!(modes, format!(":{SERVER} 324 bob #secret +ntk sesame"));
    server.shutdown().await;
}

/// The lock hole: without an account, `+i`/`+k` and leaving must not keep a
/// channel name (or its history) from everyone forever.
#[tokio::test]
async fn an_unregistered_channel_vanishes_when_empty_with_the_history_it_guarded() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut squatter = Client::register_with_caps(&server, "squatter", ALL_CAPS).await;
    let mut friend = Client::register_with_caps(&server, "friend", ALL_CAPS).await;
    squatter.join("#locked").await;
    squatter.send("MODE #locked +kb sesame mallory!*@*");
    squatter.expect(|l| command(l) == "MODE").await;
    friend.send("JOIN #locked sesame");
    friend.expect(|l| command(l) == "366").await;
    say_all(&mut squatter, &mut friend, "#locked", &["behind the key"]).await;
    // An open channel's history is anyone's to read, and stays.
    squatter.join("#open").await;
    friend.join("#open").await;
    say_all(&mut squatter, &mut friend, "#open", &["said in the open"]).await;
    squatter.send("MODE #open +i");
    squatter.expect(|l| command(l) == "MODE").await;
    squatter.send("MODE #open -i");
    squatter.expect(|l| command(l) == "MODE").await;
    squatter.send("QUIT");
    friend.send("JOIN 0");
    friend
        .expect(|l| command(l) == "PART" && l.contains("#open"))
        .await;

    // mallory (even the banned one) creates #locked afresh, operates it, reads nothing.
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    let joined = try_join(&mut mallory, "JOIN #locked").await;
    assert!(joined.ends_with(" JOIN #locked"), "{joined}");
    assert_eq!(mallory.names("#locked").await, ["@mallory"]);
    mallory.send("MODE #locked");
    let modes = mallory.expect(|l| command(l) == "324").await;
    assert_eq!(modes, format!(":{SERVER} 324 mallory #locked +nt"));
    mallory.send("CHATHISTORY LATEST #locked * 10");
    let (_, replayed) = next_batch(&mut mallory).await;
    assert_eq!(texts(&replayed), Vec::<String>::new());
    mallory.send("TOPIC #locked :mine now");
    mallory.expect(|l| command(l) == "TOPIC").await;
    mallory.send("PRIVMSG #locked :new life");
    mallory.sync().await;

    mallory.send("JOIN #open");
    mallory.expect(|l| command(l) == "366").await;
    let (_, backlog) = next_batch(&mut mallory).await;
    assert_eq!(texts(&backlog), ["said in the open"]);
    server.shutdown().await;

    let mut kept: Vec<String> = Vec::new();
    natterd::history::offline::export(dir.path(), "#locked", None, |message| {
        kept.push(message.text);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        kept,
        ["new life"],
        "the guarded history is deleted from disk"
    );
    let db = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
    let stored: i64 = db
        .query_row("SELECT count(*) FROM channel_state", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored, 0, "no unregistered channel is remembered");
}

#[tokio::test]
async fn an_unregistered_keyed_channel_does_not_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    alice.join("#keyed").await;
    alice.send("MODE #keyed +k sesame");
    alice.expect(|l| command(l) == "MODE").await;
    bob.send("JOIN #keyed sesame");
    bob.expect(|l| command(l) == "366").await;
    say_all(&mut alice, &mut bob, "#keyed", &["before the restart"]).await;
    // natterd stops with both still in #keyed.
    server.shutdown().await;

    let server = start_in(dir.path()).await;
    let mut carol = Client::register_with_caps(&server, "carol", ALL_CAPS).await;
    let joined = try_join(&mut carol, "JOIN #keyed").await;
    assert!(joined.ends_with(" JOIN #keyed"), "{joined}");
    assert_eq!(carol.names("#keyed").await, ["@carol"]);
    carol.send("CHATHISTORY LATEST #keyed * 10");
    let (_, replayed) = next_batch(&mut carol).await;
    assert_eq!(texts(&replayed), Vec::<String>::new());
    server.shutdown().await;
}

#[tokio::test]
async fn invite_only_bans_and_topic_come_back_and_operators_by_account() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = registered(&server, "alice", ALL_CAPS).await;
    alice.join("#club").await;
    register_channel(&mut alice, "alice", "#club").await;
    alice.send("MODE #club +isb mallory");
    alice.expect(|l| command(l) == "MODE").await;
    alice.send("TOPIC #club :members only");
    let topic_set = alice.expect(|l| command(l) == "TOPIC").await;
    assert!(
        topic_set.ends_with("TOPIC #club :members only"),
        "{topic_set}"
    );
    alice.send("PRIVMSG #club :for members");
    alice.sync().await;
    alice.send("QUIT");
    server.shutdown().await;

    let server = start_in(dir.path()).await;
    let mut mallory = Client::register_with_caps(&server, "mallory", ALL_CAPS).await;
    let refused = try_join(&mut mallory, "JOIN #club").await;
    assert_eq!(
        refused,
        format!(":{SERVER} 473 mallory #club :Cannot join channel (+i)")
    );
    mallory.send("LIST");
    let listed = mallory.lines_until(|l| command(l) == "323").await;
    assert!(listed.iter().all(|l| !l.contains("#club")), "{listed:?}");

    // alice's account operates #club: she gets in past +i, and is its operator.
    let mut alice = login_and_register(&server, "alice", "alice", "sesame123", ALL_CAPS).await;
    alice.send("JOIN #club");
    let topic = alice.expect(|l| command(l) == "332").await;
    assert!(topic.ends_with("#club :members only"), "{topic}");
    let setter = alice.expect_command("333").await;
    assert!(
        setter.contains(" #club alice!~alice@127.0.0.1 "),
        "{setter}"
    );
    alice.expect(|l| command(l) == "366").await;
    let (_, backlog) = next_batch(&mut alice).await;
    assert_eq!(texts(&backlog), ["for members"]);
    assert_eq!(alice.names("#club").await, ["@alice"]);
    alice.send("MODE #club b");
    alice
        .expect(|l| command(l) == "367" && l.contains("#club mallory!*@*"))
        .await;

    // An invitation still gets mallory past +i, not past the ban.
    alice.send("INVITE mallory #club");
    mallory.expect(|l| command(l) == "INVITE").await;
    let joined = try_join(&mut mallory, "JOIN #club").await;
    assert!(joined.contains(" JOIN #club"), "{joined}");
    server.shutdown().await;
}

#[tokio::test]
async fn an_operator_account_is_opped_on_joining_and_others_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = registered(&server, "alice", &[]).await;
    alice.join("#team").await;
    register_channel(&mut alice, "alice", "#team").await;
    alice.send("PART #team");
    alice.expect(|l| command(l) == "PART").await;

    // The channel is remembered as alice's: bob re-creates it but does not operate it.
    let mut bob = Client::register(&server, "bob").await;
    bob.join("#team").await;
    assert_eq!(bob.names("#team").await, ["bob"]);
    bob.send("MODE #team +k mine");
    bob.expect(|l| command(l) == "482").await;

    alice.join("#team").await;
    bob.expect_next(format!(":{} JOIN #team", common::prefix("alice")))
        .await;
    bob.expect_next(":ChanServ!ChanServ@services. MODE #team +o alice")
        .await;
    assert_eq!(bob.names("#team").await, ["@alice", "bob"]);

    // alice gives bob operator status: bob has no account, nothing to
    // remember. Deopping herself does not unregister the channel: she founded it.
    alice.send("MODE #team +o bob");
    bob.expect(|l| command(l) == "MODE").await;
    alice.send("MODE #team -o alice");
    bob.expect_next(format!(":{} MODE #team -o alice", common::prefix("alice")))
        .await;
    alice.send("PART #team");
    bob.send("PART #team");
    bob.expect(|l| command(l) == "PART" && l.contains(":bob!"))
        .await;
    let mut carol = Client::register(&server, "carol").await;
    carol.join("#team").await;
    assert_eq!(carol.names("#team").await, ["carol"]);
    alice.join("#team").await;
    carol
        .expect_line(":ChanServ!ChanServ@services. MODE #team +o alice")
        .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_dropped_account_operates_nothing_and_plain_channels_are_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_in(dir.path()).await;
    let mut alice = registered(&server, "alice", &[]).await;
    alice.join("#team").await;
    register_channel(&mut alice, "alice", "#team").await;
    alice.send("PART #team");
    alice.expect(|l| command(l) == "PART").await;
    alice.send("PRIVMSG NickServ :DROP");
    alice.expect_command("901").await;
    alice.send("QUIT");

    // Someone who registers the name again does not inherit the channel.
    let mut heir = registered(&server, "alice", &[]).await;
    heir.join("#team").await;
    assert_eq!(heir.names("#team").await, ["@alice"]);

    // A channel with nothing to protect is forgotten: first in operates it.
    let mut bob = Client::register(&server, "bob").await;
    bob.join("#plain").await;
    bob.send("PART #plain");
    bob.expect(|l| command(l) == "PART").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.join("#plain").await;
    assert_eq!(carol.names("#plain").await, ["@carol"]);
    server.shutdown().await;
    let db = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
    let stored: Vec<String> = db
        .prepare("SELECT folded FROM channel_state ORDER BY folded")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // #team is live and unregistered (the heir created it afresh), #plain
    // never had anything: neither is kept.
    assert!(stored.is_empty(), "{stored:?}");
}
