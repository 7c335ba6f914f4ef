//! IRC MODE over real TCP: user mode i, channel queries (324/329, ban list),
//! and every channel mode with its effect.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, SERVER, command, parse, prefix, start};
use natterd::testing::TestServer;

/// alice (operator) and bob in `channel`, JOIN traffic consumed.
async fn op_and_member(server: &TestServer, channel: &str) -> (Client, Client) {
    let mut alice = Client::register(server, "alice").await;
    alice.join(channel).await;
    let mut bob = Client::register(server, "bob").await;
    bob.join(channel).await;
    alice.expect_command("JOIN").await;
    (alice, bob)
}

/// alice sets `modes` on #a; both see the same MODE line.
async fn set_mode(alice: &mut Client, others: &mut [&mut Client], modes: &str, announced: &str) {
    alice.send(&format!("MODE #a {modes}"));
    let line = format!(":{} MODE #a {announced}", prefix("alice"));
    alice.expect_next(&line).await;
    for other in others {
        other.expect_next(&line).await;
    }
}

#[tokio::test]
async fn user_mode_query_and_invisible() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    let _bob = Client::register(&server, "bob").await;
    alice.send("MODE alice");
    alice.expect_next(format!(":{SERVER} 221 alice +")).await;
    alice.send("MODE alice +i");
    alice.expect_next(":alice MODE alice +i").await;
    alice.send("MODE alice");
    alice.expect_next(format!(":{SERVER} 221 alice +i")).await;
    alice.send("MODE alice +i");
    assert!(alice.sync().await.is_empty(), "no-op changes are silent");
    alice.send("MODE bob +i");
    alice
        .expect_next(format!(
            ":{SERVER} 502 alice :Can't change mode for other users"
        ))
        .await;
    alice.send("MODE nobody");
    alice
        .expect_next(format!(":{SERVER} 401 alice nobody :No such nick/channel"))
        .await;
    alice.send("MODE alice +z");
    alice
        .expect_next(format!(":{SERVER} 501 alice :Unknown MODE flag"))
        .await;
    alice.send("MODE alice -i");
    alice.expect_next(":alice MODE alice -i").await;
}

#[tokio::test]
async fn channel_mode_query_answers_324_and_329_and_ban_list() {
    let server = start().await;
    let (mut alice, _bob) = op_and_member(&server, "#a").await;
    alice.send("MODE #a");
    alice
        .expect_next(format!(":{SERVER} 324 alice #a +nt"))
        .await;
    let created = parse(&alice.recv_line().await);
    assert_eq!(created.command, "329");
    assert_eq!(created.params[..2], ["alice", "#a"]);
    assert!(created.params[2].parse::<i64>().unwrap() > 1_600_000_000);
    alice.send("MODE #a b");
    alice
        .expect_next(format!(":{SERVER} 368 alice #a :End of channel ban list"))
        .await;
    alice.send("MODE #a +b troll!*@*");
    alice
        .expect_next(format!(":{} MODE #a +b troll!*@*", prefix("alice")))
        .await;
    alice.send("MODE #a +b");
    let ban = parse(&alice.recv_line().await);
    assert_eq!(ban.command, "367");
    assert_eq!(
        ban.params[..4],
        ["alice", "#a", "troll!*@*", &prefix("alice")]
    );
    alice
        .expect_next(format!(":{SERVER} 368 alice #a :End of channel ban list"))
        .await;
    alice.send("MODE #nowhere");
    alice
        .expect_next(format!(":{SERVER} 403 alice #nowhere :No such channel"))
        .await;
}

#[tokio::test]
async fn only_operators_change_modes_and_unknown_letters_get_472() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    bob.send("MODE #a -t");
    bob.expect_next(format!(":{SERVER} 482 bob #a :You're not channel operator"))
        .await;
    alice.send("MODE #a +z");
    alice
        .expect_next(format!(":{SERVER} 472 alice z :is unknown mode char to me"))
        .await;
    alice.send("MODE #a +o nobody");
    alice
        .expect_next(format!(":{SERVER} 401 alice nobody :No such nick/channel"))
        .await;
    let _carol = Client::register(&server, "carol").await;
    alice.send("MODE #a +o carol");
    alice
        .expect_next(format!(
            ":{SERVER} 441 alice carol #a :They aren't on that channel"
        ))
        .await;
    // Operator rights can be given.
    set_mode(&mut alice, &mut [&mut bob], "+o bob", "+o bob").await;
    bob.send("MODE #a -t");
    let line = format!(":{} MODE #a -t", prefix("bob"));
    bob.expect_next(&line).await;
    alice.expect_next(&line).await;
    bob.send("NAMES #a");
    bob.expect_next(format!(":{SERVER} 353 bob = #a :@alice @bob"))
        .await;
}

#[tokio::test]
async fn moderated_channel_needs_voice_to_speak() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    set_mode(&mut alice, &mut [&mut bob], "+m", "+m").await;
    bob.send("PRIVMSG #a :can I talk?");
    let refused = parse(&bob.recv_line().await);
    assert_eq!(refused.command, "404");
    assert_eq!(refused.params[..2], ["bob", "#a"]);
    alice.assert_no_line_within(QUIET).await;
    set_mode(&mut alice, &mut [&mut bob], "+v bob", "+v bob").await;
    bob.send("PRIVMSG #a :now I can");
    alice
        .expect_next(format!(":{} PRIVMSG #a :now I can", prefix("bob")))
        .await;
    bob.send("NAMES #a");
    bob.expect_next(format!(":{SERVER} 353 bob = #a :@alice +bob"))
        .await;
}

#[tokio::test]
async fn no_external_messages_can_be_turned_off() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("PRIVMSG #a :from outside");
    assert_eq!(command(&carol.recv_line().await), "404");
    set_mode(&mut alice, &mut [&mut bob], "-n", "-n").await;
    carol.send("PRIVMSG #a :from outside");
    bob.expect_next(format!(":{} PRIVMSG #a :from outside", prefix("carol")))
        .await;
}

#[tokio::test]
async fn key_limit_and_their_removal() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    set_mode(&mut alice, &mut [&mut bob], "+kl secret 2", "+kl secret 2").await;
    alice.send("MODE #a");
    alice
        .expect_next(format!(":{SERVER} 324 alice #a +ntkl secret 2"))
        .await;
    alice.expect_command("329").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("MODE #a");
    carol
        .expect_next(format!(":{SERVER} 324 carol #a +ntkl * 2"))
        .await;
    carol.expect_command("329").await;
    carol.send("JOIN #a");
    carol
        .expect_next(format!(":{SERVER} 475 carol #a :Cannot join channel (+k)"))
        .await;
    carol.send("JOIN #a secret");
    carol
        .expect_next(format!(":{SERVER} 471 carol #a :Cannot join channel (+l)"))
        .await;
    set_mode(&mut alice, &mut [&mut bob], "-l", "-l").await;
    carol.send("JOIN #a secret");
    carol
        .expect_next(format!(":{} JOIN #a", prefix("carol")))
        .await;
    carol.expect_command("366").await;
    alice.expect_command("JOIN").await;
    bob.expect_command("JOIN").await;
    set_mode(&mut alice, &mut [&mut bob, &mut carol], "-k secret", "-k *").await;
}

#[tokio::test]
async fn ban_blocks_joining_and_speaking() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    set_mode(&mut alice, &mut [&mut bob], "+b bob!*@*", "+b bob!*@*").await;
    bob.send("PRIVMSG #a :am I banned?");
    let refused = parse(&bob.recv_line().await);
    assert_eq!(refused.command, "404");
    alice.assert_no_line_within(QUIET).await;
    let mut carol = Client::register(&server, "carol").await;
    set_mode(&mut alice, &mut [&mut bob], "+b carol", "+b carol!*@*").await;
    carol.send("JOIN #a");
    carol
        .expect_next(format!(":{SERVER} 474 carol #a :Cannot join channel (+b)"))
        .await;
    set_mode(&mut alice, &mut [&mut bob], "-b carol!*@*", "-b carol!*@*").await;
    carol.join("#a").await;
}

#[tokio::test]
async fn secret_channel_is_hidden_from_outsiders() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    set_mode(&mut alice, &mut [&mut bob], "+s", "+s").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("LIST");
    carol.expect_command("321").await;
    carol
        .expect_next(format!(":{SERVER} 323 carol :End of /LIST"))
        .await;
    carol.send("WHOIS alice");
    let whois = carol.lines_until(|l| command(l) == "318").await;
    assert!(
        !whois.iter().any(|l| command(l) == "319"),
        "secret channels are not listed: {whois:?}"
    );
    carol.send("NAMES #a");
    carol
        .expect_next(format!(":{SERVER} 366 carol #a :End of /NAMES list"))
        .await;
    bob.send("NAMES #a");
    bob.expect_next(format!(":{SERVER} 353 bob @ #a :@alice bob"))
        .await;
}

#[tokio::test]
async fn invite_only_channel() {
    let server = start().await;
    let (mut alice, mut bob) = op_and_member(&server, "#a").await;
    set_mode(&mut alice, &mut [&mut bob], "+i", "+i").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("JOIN #a");
    carol
        .expect_next(format!(":{SERVER} 473 carol #a :Cannot join channel (+i)"))
        .await;
    alice.send("INVITE carol #a");
    alice
        .expect_next(format!(":{SERVER} 341 alice carol #a"))
        .await;
    carol
        .expect_next(format!(":{} INVITE carol #a", prefix("alice")))
        .await;
    carol.join("#a").await;
    // An invitation is good for one join.
    carol.send("PART #a");
    carol.expect_command("PART").await;
    carol.send("JOIN #a");
    carol.expect_command("473").await;
}

#[tokio::test]
async fn malformed_key_gets_525_naming_the_channel() {
    let server = start().await;
    let (mut alice, _bob) = op_and_member(&server, "#a").await;
    alice.send("MODE #a +k");
    alice
        .expect_next(format!(":{SERVER} 525 alice #a :Key is not well-formed"))
        .await;
    alice.send("MODE #a +k :has space");
    alice
        .expect_next(format!(":{SERVER} 525 alice #a :Key is not well-formed"))
        .await;
    alice.send("MODE #a");
    alice
        .expect_next(format!(":{SERVER} 324 alice #a +nt"))
        .await;
}
