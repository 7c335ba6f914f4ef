//! IRC channel commands over real TCP: JOIN, PART, NAMES, TOPIC, KICK,
//! INVITE, LIST and WHO, with the numerics each one answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, SERVER, command, parse, prefix, start};

#[tokio::test]
async fn first_joiner_is_operator_and_join_is_followed_by_names() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("JOIN #a");
    alice
        .expect_next(format!(":{} JOIN #a", prefix("alice")))
        .await;
    alice
        .expect_next(format!(":{SERVER} 353 alice = #a :@alice"))
        .await;
    alice
        .expect_next(format!(":{SERVER} 366 alice #a :End of /NAMES list"))
        .await;

    let mut bob = Client::register(&server, "bob").await;
    bob.send("JOIN #A");
    bob.expect_next(format!(":{} JOIN #a", prefix("bob"))).await;
    bob.expect_next(format!(":{SERVER} 353 bob = #a :@alice bob"))
        .await;
    bob.expect_next(format!(":{SERVER} 366 bob #a :End of /NAMES list"))
        .await;
    alice
        .expect_next(format!(":{} JOIN #a", prefix("bob")))
        .await;
    // Joining again changes nothing and says nothing.
    bob.send("JOIN #a");
    assert!(bob.sync().await.is_empty());
}

#[tokio::test]
async fn join_sends_the_topic_before_the_names() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    alice.send("TOPIC #a :Plans for the weekend");
    alice
        .expect_line(&format!(
            ":{} TOPIC #a :Plans for the weekend",
            prefix("alice")
        ))
        .await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("JOIN #a");
    bob.expect_command("JOIN").await;
    bob.expect_next(format!(":{SERVER} 332 bob #a :Plans for the weekend"))
        .await;
    let whotime = parse(&bob.recv_line().await);
    assert_eq!(whotime.command, "333");
    assert_eq!(whotime.params[..3], ["bob", "#a", &prefix("alice")]);
    assert!(whotime.params[3].parse::<i64>().unwrap() > 1_600_000_000);
    assert_eq!(command(&bob.recv_line().await), "353");
    assert_eq!(command(&bob.recv_line().await), "366");
}

#[tokio::test]
async fn join_several_channels_with_keys() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#locked").await;
    alice.send("MODE #locked +k sesame");
    alice
        .expect_line(&format!(":{} MODE #locked +k sesame", prefix("alice")))
        .await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("JOIN #locked");
    bob.expect_next(format!(
        ":{SERVER} 475 bob #locked :Cannot join channel (+k)"
    ))
    .await;
    bob.send("JOIN #locked wrong");
    assert_eq!(command(&bob.recv_line().await), "475");
    bob.send("JOIN #locked,#open,#third sesame");
    bob.expect_next(format!(":{} JOIN #locked", prefix("bob")))
        .await;
    bob.expect(|l| command(l) == "366" && l.contains("#locked"))
        .await;
    bob.expect_next(format!(":{} JOIN #open", prefix("bob")))
        .await;
    bob.expect(|l| command(l) == "366" && l.contains("#open"))
        .await;
    bob.expect_next(format!(":{} JOIN #third", prefix("bob")))
        .await;
    bob.expect(|l| command(l) == "366" && l.contains("#third"))
        .await;
}

#[tokio::test]
async fn join_0_parts_every_channel() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    bob.join("#b").await;
    alice.expect_command("JOIN").await;
    bob.send("JOIN 0");
    let mut parts = vec![bob.recv_line().await, bob.recv_line().await];
    parts.sort();
    assert_eq!(
        parts,
        [
            format!(":{} PART #a", prefix("bob")),
            format!(":{} PART #b", prefix("bob"))
        ]
    );
    alice
        .expect_next(format!(":{} PART #a", prefix("bob")))
        .await;
    bob.send("NAMES #a");
    bob.expect_next(format!(":{SERVER} 353 bob = #a :@alice"))
        .await;
}

#[tokio::test]
async fn join_invalid_channel_name_gets_476_with_the_reason() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("JOIN lobby");
    alice
        .expect_next(format!(
            ":{SERVER} 476 alice lobby :Bad Channel Mask: channel names start with '#', as in #lobby"
        ))
        .await;
    alice.send(&format!("JOIN #,#ok,#{}", "x".repeat(60)));
    alice
        .expect_next(format!(
            ":{SERVER} 476 alice # :Bad Channel Mask: channel name is empty: add a name after '#', as in #lobby"
        ))
        .await;
    alice
        .expect_next(format!(":{} JOIN #ok", prefix("alice")))
        .await;
    alice.expect_command("366").await;
    alice
        .expect_next(format!(
            ":{SERVER} 476 alice #{} :Bad Channel Mask: channel name is too long: use at most 50 bytes",
            "x".repeat(60)
        ))
        .await;
    alice.send("JOIN");
    alice
        .expect_next(format!(":{SERVER} 461 alice JOIN :Not enough parameters"))
        .await;
}

#[tokio::test]
async fn part_with_reason_and_its_errors() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    alice.expect_command("JOIN").await;
    bob.send("PART #a :see you later");
    let part = format!(":{} PART #a :see you later", prefix("bob"));
    bob.expect_next(&part).await;
    alice.expect_next(&part).await;
    bob.send("PART #a");
    bob.expect_next(format!(":{SERVER} 442 bob #a :You're not on that channel"))
        .await;
    bob.send("PART #nowhere");
    bob.expect_next(format!(":{SERVER} 403 bob #nowhere :No such channel"))
        .await;
    // The last member leaving removes the channel.
    alice.send("PART #a");
    alice
        .expect_next(format!(":{} PART #a", prefix("alice")))
        .await;
    alice.send("PART #a");
    assert_eq!(command(&alice.recv_line().await), "403");
}

#[tokio::test]
async fn names_with_multi_prefix_and_userhost_in_names() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    alice.send("MODE #a +v alice");
    alice.expect_command("MODE").await;
    let mut plain = Client::member(&server, "bob", "#a").await;
    plain.send("NAMES #a");
    plain
        .expect_next(format!(":{SERVER} 353 bob = #a :@alice bob"))
        .await;
    let mut multi = Client::register_with_caps(&server, "carol", &["multi-prefix"]).await;
    multi.join("#a").await;
    multi.send("NAMES #a");
    multi
        .expect_next(format!(":{SERVER} 353 carol = #a :@+alice bob carol"))
        .await;
    let mut hosts = Client::register_with_caps(&server, "dave", &["userhost-in-names"]).await;
    hosts.join("#a").await;
    hosts.send("NAMES #a");
    hosts
        .expect_next(format!(
            ":{SERVER} 353 dave = #a :@{} {} {} {}",
            prefix("alice"),
            prefix("bob"),
            prefix("carol"),
            prefix("dave")
        ))
        .await;
    hosts
        .expect_next(format!(":{SERVER} 366 dave #a :End of /NAMES list"))
        .await;
    hosts.send("NAMES #unknown");
    hosts
        .expect_next(format!(":{SERVER} 366 dave #unknown :End of /NAMES list"))
        .await;
}

#[tokio::test]
async fn topic_get_set_and_permissions() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    alice.send("TOPIC #a");
    alice
        .expect_next(format!(":{SERVER} 331 alice #a :No topic is set"))
        .await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    alice.expect_command("JOIN").await;
    alice.send("TOPIC #a :Board games tonight");
    let topic = format!(":{} TOPIC #a :Board games tonight", prefix("alice"));
    alice.expect_next(&topic).await;
    bob.expect_next(&topic).await;
    bob.send("TOPIC #a");
    bob.expect_next(format!(":{SERVER} 332 bob #a :Board games tonight"))
        .await;
    assert_eq!(command(&bob.recv_line().await), "333");
    // New channels are +t: only operators set the topic.
    bob.send("TOPIC #a :mine now");
    bob.expect_next(format!(":{SERVER} 482 bob #a :You're not channel operator"))
        .await;
    alice.send("MODE #a -t");
    alice.expect_command("MODE").await;
    bob.expect_line(&format!(":{} MODE #a -t", prefix("alice")))
        .await;
    bob.send("TOPIC #a :mine now");
    bob.expect_next(format!(":{} TOPIC #a :mine now", prefix("bob")))
        .await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send("TOPIC #a :outsider");
    carol
        .expect_next(format!(
            ":{SERVER} 442 carol #a :You're not on that channel"
        ))
        .await;
    carol.send("TOPIC #nowhere");
    carol
        .expect_next(format!(":{SERVER} 403 carol #nowhere :No such channel"))
        .await;
}

#[tokio::test]
async fn kick_by_operator_and_its_errors() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    let mut carol = Client::member(&server, "carol", "#a").await;
    bob.expect_command("JOIN").await;
    alice.sync().await;

    bob.send("KICK #a carol :you too");
    bob.expect_next(format!(":{SERVER} 482 bob #a :You're not channel operator"))
        .await;
    alice.send("KICK #a dave");
    alice
        .expect_next(format!(
            ":{SERVER} 441 alice dave #a :They aren't on that channel"
        ))
        .await;
    alice.send("KICK #a bob :please behave");
    let kick = format!(":{} KICK #a bob :please behave", prefix("alice"));
    alice.expect_next(&kick).await;
    bob.expect_next(&kick).await;
    carol.expect_next(&kick).await;
    bob.send("PRIVMSG #a :still here?");
    assert_eq!(command(&bob.recv_line().await), "404");
    alice.send("KICK #a carol");
    alice
        .expect_next(format!(":{} KICK #a carol alice", prefix("alice")))
        .await;
    bob.send("KICK #a alice");
    bob.expect_next(format!(":{SERVER} 442 bob #a :You're not on that channel"))
        .await;
}

#[tokio::test]
async fn invite_lets_a_user_into_an_invite_only_channel() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#club").await;
    alice.send("MODE #club +i");
    alice.expect_command("MODE").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("JOIN #club");
    bob.expect_next(format!(":{SERVER} 473 bob #club :Cannot join channel (+i)"))
        .await;
    alice.send("INVITE bob #club");
    alice
        .expect_next(format!(":{SERVER} 341 alice bob #club"))
        .await;
    bob.expect_next(format!(":{} INVITE bob #club", prefix("alice")))
        .await;
    bob.send("JOIN #club");
    bob.expect_next(format!(":{} JOIN #club", prefix("bob")))
        .await;
    alice.send("INVITE bob #club");
    assert_eq!(
        alice.expect_command("443").await,
        format!(":{SERVER} 443 alice bob #club :is already on channel")
    );
    alice.send("INVITE nobody #club");
    alice
        .expect_next(format!(":{SERVER} 401 alice nobody :No such nick/channel"))
        .await;
    // Ordinary members may not invite to a +i channel.
    let _carol = Client::register(&server, "carol").await;
    bob.sync().await;
    bob.send("INVITE carol #club");
    bob.expect_next(format!(
        ":{SERVER} 482 bob #club :You're not channel operator"
    ))
    .await;
}

#[tokio::test]
async fn list_shows_visible_channels_with_counts_and_topics() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#games").await;
    alice.send("TOPIC #games :Board games");
    alice.expect_command("TOPIC").await;
    alice.join("#hidden").await;
    alice.send("MODE #hidden +s");
    alice.expect_command("MODE").await;
    let mut bob = Client::member(&server, "bob", "#games").await;
    bob.join("#quiet").await;
    bob.send("LIST");
    bob.expect_next(format!(":{SERVER} 321 bob Channel :Users  Name"))
        .await;
    bob.expect_next(format!(":{SERVER} 322 bob #games 2 :Board games"))
        .await;
    bob.expect_next(format!(":{SERVER} 322 bob #quiet 1 :"))
        .await;
    bob.expect_next(format!(":{SERVER} 323 bob :End of /LIST"))
        .await;
    alice.sync().await;
    alice.send("LIST #hidden");
    assert_eq!(command(&alice.recv_line().await), "321");
    alice
        .expect_next(format!(":{SERVER} 322 alice #hidden 1 :"))
        .await;
    assert_eq!(command(&alice.recv_line().await), "323");
}

#[tokio::test]
async fn who_lists_channel_members_and_masks() {
    let server = start().await;
    let _alice = Client::member(&server, "alice", "#a").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    bob.send("AWAY :lunch");
    bob.expect_command("306").await;
    bob.send("WHO #a");
    bob.expect_next(format!(
        ":{SERVER} 352 bob #a ~alice 127.0.0.1 {SERVER} alice H@ :0 alice tester"
    ))
    .await;
    bob.expect_next(format!(
        ":{SERVER} 352 bob #a ~bob 127.0.0.1 {SERVER} bob G :0 bob tester"
    ))
    .await;
    bob.expect_next(format!(":{SERVER} 315 bob #a :End of WHO list"))
        .await;
    bob.send("WHO ali*");
    bob.expect_next(format!(
        ":{SERVER} 352 bob * ~alice 127.0.0.1 {SERVER} alice H :0 alice tester"
    ))
    .await;
    bob.expect_next(format!(":{SERVER} 315 bob ali* :End of WHO list"))
        .await;
    bob.assert_no_line_within(QUIET).await;
}

#[tokio::test]
async fn empty_topic_clears_it() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    alice.send("TOPIC #a :something");
    alice.expect_command("TOPIC").await;
    alice.send("TOPIC #a :");
    alice
        .expect_next(format!(":{} TOPIC #a :", prefix("alice")))
        .await;
    alice.send("TOPIC #a");
    alice
        .expect_next(format!(":{SERVER} 331 alice #a :No topic is set"))
        .await;
}

#[tokio::test]
async fn kick_several_victims_and_missing_parameters() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    let _bob = Client::member(&server, "bob", "#a").await;
    let _carol = Client::member(&server, "carol", "#a").await;
    alice.sync().await;
    alice.send("KICK #a bob,carol :out");
    alice
        .expect_next(format!(":{} KICK #a bob out", prefix("alice")))
        .await;
    alice
        .expect_next(format!(":{} KICK #a carol out", prefix("alice")))
        .await;
    alice.send("KICK #a");
    alice
        .expect_next(format!(":{SERVER} 461 alice KICK :Not enough parameters"))
        .await;
    alice.send("INVITE bob");
    alice
        .expect_next(format!(":{SERVER} 461 alice INVITE :Not enough parameters"))
        .await;
}
