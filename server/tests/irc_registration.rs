//! IRC registration over real TCP: NICK/USER, the welcome burst, CAP, PASS,
//! and the errors a client gets before and during registration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, SERVER, command, parse, start, test_config};
use natterd::testing::TestServer;

#[tokio::test]
async fn welcome_burst_is_001_to_005_then_lusers_then_422() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice Liddell");
    alice
        .expect_next(format!(
            ":{SERVER} 001 alice :Welcome to the natter IRC Network alice!~alice@127.0.0.1"
        ))
        .await;
    let yourhost = alice.recv_line().await;
    assert!(
        yourhost.starts_with(&format!(
            ":{SERVER} 002 alice :Your host is {SERVER}, running version "
        )),
        "{yourhost}"
    );
    let created = alice.recv_line().await;
    assert!(
        created.starts_with(&format!(":{SERVER} 003 alice :This server was created ")),
        "{created}"
    );
    let myinfo = common::parse(&alice.recv_line().await);
    assert_eq!(myinfo.command, "004");
    assert_eq!(myinfo.params[0], "alice");
    assert_eq!(myinfo.params[1], SERVER);
    assert_eq!(myinfo.params[3], "iow");
    assert_eq!(myinfo.params[4], "biklmnostv");

    let mut tokens = Vec::new();
    let mut line = alice.recv_line().await;
    while command(&line) == "005" {
        let message = common::parse(&line);
        assert_eq!(
            message.params.last().map(String::as_str),
            Some("are supported by this server")
        );
        tokens.extend(message.params[1..message.params.len() - 1].iter().cloned());
        line = alice.recv_line().await;
    }
    for wanted in [
        "CHANTYPES=#",
        "PREFIX=(ov)@+",
        "CHANMODES=b,k,l,imnst",
        "NICKLEN=30",
        "CHANNELLEN=50",
        "TOPICLEN=390",
        "CASEMAPPING=rfc8265",
        "NETWORK=natter",
        "UTF8ONLY",
    ] {
        assert!(tokens.iter().any(|t| t == wanted), "{wanted} in {tokens:?}");
    }

    assert_eq!(
        line,
        format!(":{SERVER} 251 alice :There are 1 users and 0 invisible on 1 servers")
    );
    let mut lusers = vec![line];
    loop {
        let line = alice.recv_line().await;
        if command(&line) == "422" {
            assert_eq!(line, format!(":{SERVER} 422 alice :MOTD File is missing"));
            break;
        }
        lusers.push(line);
    }
    let codes: Vec<String> = lusers.iter().map(|l| command(l)).collect();
    for code in ["251", "252", "253", "254", "255"] {
        assert!(codes.iter().any(|c| c == code), "{code} in {lusers:?}");
    }
    assert!(lusers.contains(&format!(
        ":{SERVER} 255 alice :I have 1 clients and 0 servers"
    )));
}

#[tokio::test]
async fn lusers_counts_users_and_channels() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#one").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("MODE bob +i");
    bob.expect_line(":bob MODE bob +i").await;
    alice.send("LUSERS");
    assert_eq!(
        alice.expect_command("251").await,
        format!(":{SERVER} 251 alice :There are 1 users and 1 invisible on 1 servers")
    );
    assert_eq!(
        alice.expect_command("254").await,
        format!(":{SERVER} 254 alice 1 :channels formed")
    );
    assert_eq!(
        alice.expect_command("255").await,
        format!(":{SERVER} 255 alice :I have 2 clients and 0 servers")
    );
}

#[tokio::test]
async fn motd_file_is_sent_as_375_372_376() {
    let dir = tempfile::tempdir().unwrap();
    let motd = dir.path().join("motd.txt");
    std::fs::write(&motd, "Welcome to the LAN\nBe nice\n").unwrap();
    let mut config = test_config();
    config.server.motd_file = Some(motd);
    let server = TestServer::start_with(config).await;
    let mut alice = Client::connect(&server).await;
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    assert_eq!(
        alice.expect_command("375").await,
        format!(":{SERVER} 375 alice :- {SERVER} Message of the day - ")
    );
    alice
        .expect_next(format!(":{SERVER} 372 alice :- Welcome to the LAN"))
        .await;
    alice
        .expect_next(format!(":{SERVER} 372 alice :- Be nice"))
        .await;
    alice
        .expect_next(format!(":{SERVER} 376 alice :End of /MOTD command."))
        .await;
    alice.send("MOTD");
    alice.expect_command("375").await;
    alice.expect_command("376").await;
}

#[tokio::test]
async fn cap_ls_302_lists_every_capability_and_registration_waits_for_cap_end() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("CAP LS 302");
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    let ls = parse(&alice.recv_line().await);
    assert_eq!(ls.params[..2], ["*", "LS"]);
    let offered: Vec<&str> = ls.params[2].split(' ').collect();
    for cap in [
        "away-notify",
        "cap-notify",
        "echo-message",
        "message-tags",
        "multi-prefix",
        "server-time",
        "userhost-in-names",
    ] {
        assert!(offered.contains(&cap), "{cap} in {offered:?}");
    }
    // No welcome while negotiating.
    let before = alice.sync().await;
    assert!(before.is_empty(), "{before:?}");
    alice.send("CAP REQ :server-time multi-prefix");
    alice
        .expect_next(format!(":{SERVER} CAP alice ACK :server-time multi-prefix"))
        .await;
    alice.send("CAP LIST");
    alice
        .expect_next(format!(
            ":{SERVER} CAP alice LIST :cap-notify multi-prefix server-time"
        ))
        .await;
    alice.send("CAP END");
    alice.expect_command("001").await;
    alice.end_of_motd().await;
    alice.send("CAP LIST");
    let list = common::parse(&alice.expect_command("CAP").await);
    assert_eq!(
        list.params,
        ["alice", "LIST", "cap-notify multi-prefix server-time"]
    );
}

#[tokio::test]
async fn cap_req_with_an_unknown_capability_is_refused_as_a_whole() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("CAP REQ :server-time sasl");
    alice
        .expect_next(format!(":{SERVER} CAP * NAK :server-time sasl"))
        .await;
    alice.send("CAP LIST");
    alice.expect_next(format!(":{SERVER} CAP * LIST :")).await;
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    alice.send("CAP END");
    let welcome = alice.expect_command("001").await;
    assert!(
        !welcome.starts_with('@'),
        "server-time was not enabled: {welcome}"
    );
}

#[tokio::test]
async fn commands_before_registration_get_451() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("NICK alice");
    alice.send("JOIN #lobby");
    alice
        .expect_next(format!(":{SERVER} 451 alice :You have not registered"))
        .await;
    alice.send("PRIVMSG bob :hi");
    alice
        .expect_next(format!(":{SERVER} 451 alice :You have not registered"))
        .await;
    alice.send("USER alice 0 * :Alice");
    alice.expect_command("001").await;
}

#[tokio::test]
async fn unnamed_client_gets_451_addressed_to_star() {
    let server = start().await;
    let mut anon = Client::connect(&server).await;
    anon.send("USER a 0 * :A");
    anon.send("WHOIS x");
    anon.expect_next(format!(":{SERVER} 451 * :You have not registered"))
        .await;
}

#[tokio::test]
async fn right_password_is_welcomed() {
    let mut config = test_config();
    config.server.password = Some("sesame".into());
    let server = TestServer::start_with(config).await;
    let mut alice = Client::connect(&server).await;
    alice.send("PASS sesame");
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    alice.expect_command("001").await;
}

#[tokio::test]
async fn wrong_or_missing_password_gets_464_error_and_close() {
    let mut config = test_config();
    config.server.password = Some("sesame".into());
    let server = TestServer::start_with(config).await;
    for pass in [Some("PASS wrong"), None] {
        let mut alice = Client::connect(&server).await;
        if let Some(pass) = pass {
            alice.send(pass);
        }
        alice.send("NICK alice");
        alice.send("USER alice 0 * :Alice");
        alice
            .expect_next(format!(":{SERVER} 464 alice :Password incorrect"))
            .await;
        let rest = alice.closed().await;
        assert_eq!(rest.len(), 1, "{rest:?}");
        assert!(rest[0].starts_with("ERROR :"), "{rest:?}");
    }
    // The failed attempts did not take the nickname.
    let mut alice = Client::connect(&server).await;
    alice.send("PASS sesame");
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    alice.expect_command("001").await;
}

#[tokio::test]
async fn user_and_pass_after_registration_get_462() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("USER again 0 * :Again");
    alice
        .expect_next(format!(":{SERVER} 462 alice :You may not reregister"))
        .await;
    alice.send("PASS x");
    alice
        .expect_next(format!(":{SERVER} 462 alice :You may not reregister"))
        .await;
}

#[tokio::test]
async fn user_with_too_few_parameters_gets_461() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("USER alice 0");
    alice
        .expect_next(format!(":{SERVER} 461 * USER :Not enough parameters"))
        .await;
}

#[tokio::test]
async fn nick_errors_431_432_433() {
    let server = start().await;
    let _bob = Client::register(&server, "bob").await;
    let mut alice = Client::connect(&server).await;
    // A bare "NICK" as the very first line would be a plain user's nickname.
    alice.send("USER x 0 * :X");
    alice.send("NICK");
    alice
        .expect_next(format!(":{SERVER} 431 * :No nickname given"))
        .await;
    alice.send("NICK #bad");
    let erroneous = alice.recv_line().await;
    assert!(
        erroneous.starts_with(&format!(":{SERVER} 432 * #bad :Erroneous nickname")),
        "{erroneous}"
    );
    alice.send("NICK BOB");
    alice
        .expect_next(format!(":{SERVER} 433 * BOB :Nickname is already in use"))
        .await;
    alice.send("NICK 小明");
    assert_eq!(
        alice.expect_command("001").await,
        format!(":{SERVER} 001 小明 :Welcome to the natter IRC Network 小明!~x@127.0.0.1")
    );
    alice.send("NICK bob");
    assert_eq!(
        alice.expect_command("433").await,
        format!(":{SERVER} 433 小明 bob :Nickname is already in use")
    );
}

#[tokio::test]
async fn nick_too_long_is_erroneous() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send(&format!("NICK {}", "a".repeat(31)));
    assert_eq!(command(&alice.recv_line().await), "432");
}

#[tokio::test]
async fn nick_starting_with_a_digit_or_dash_is_erroneous() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    for nick in ["1abc", "-abc", "a b", "a,b"] {
        alice.send(&format!("NICK :{nick}"));
        assert_eq!(command(&alice.recv_line().await), "432", "{nick}");
    }
}

#[tokio::test]
async fn user_with_empty_realname_gets_461() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("USER alice 0 * :");
    alice
        .expect_next(format!(":{SERVER} 461 * USER :Not enough parameters"))
        .await;
}
