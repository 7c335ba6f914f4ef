//! Accounts over real TCP: registration with REGISTER and NickServ, SASL
//! PLAIN success, failure and rate limit, 330 in WHOIS, the account caps,
//! and private history that follows the account across reconnects and restarts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod common;
mod history_support;

use accounts_support::{login_and_register, plain, sasl_plain};
use common::{Client, SERVER};
use history_support::{history_config, next_batch, texts};
use natterd::testing::TestServer;

async fn start() -> TestServer {
    TestServer::start_with(history_config()).await
}

#[tokio::test]
async fn cap_ls_offers_sasl_plain_and_account_registration() {
    let server = start().await;
    let mut client = Client::connect(&server).await;
    client.send("CAP LS 302");
    let ls = client.expect(|line| line.contains(" CAP * LS ")).await;
    for cap in [
        "sasl=PLAIN,EXTERNAL",
        "draft/account-registration=before-connect,custom-account-name",
        "account-tag",
        "account-notify",
        "extended-join",
    ] {
        assert!(
            ls.split([' ', ':']).any(|word| word == cap),
            "{cap} in {ls}"
        );
    }
}

#[tokio::test]
async fn register_before_connect_logs_in_and_whois_shows_the_account() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("CAP LS 302");
    alice.send("CAP REQ :draft/account-registration");
    alice.expect(|line| line.contains(" CAP * ACK ")).await;
    alice.send("NICK alice");
    alice.send("REGISTER * * sesame123");
    alice
        .expect_next(format!(":{SERVER} REGISTER SUCCESS alice :Account created"))
        .await;
    alice
        .expect_next(format!(
            ":{SERVER} 900 alice alice!*@127.0.0.1 alice :You are now logged in as alice"
        ))
        .await;
    alice.send("REGISTER * * sesame123");
    alice
        .expect_next(format!(
            ":{SERVER} FAIL REGISTER ALREADY_AUTHENTICATED alice :You are already logged in"
        ))
        .await;
    alice.send("USER alice 0 * :Alice");
    alice.send("CAP END");
    alice.expect_command("001").await;

    let mut bob = Client::register(&server, "bob").await;
    bob.send("WHOIS alice");
    bob.expect_next(format!(":{SERVER} 311 bob alice ~alice 127.0.0.1 * :Alice"))
        .await;
    bob.expect(|line| line.contains(" 330 ")).await;
    let transcript = bob.transcript.join("\n");
    assert!(
        transcript.contains(&format!(":{SERVER} 330 bob alice alice :is logged in as")),
        "{transcript}"
    );
    // Taken, and look-alikes too.
    for (name, code) in [
        ("alice", "ACCOUNT_EXISTS"),
        ("ALICE", "ACCOUNT_EXISTS"),
        ("bob", "WEAK_PASSWORD"),
    ] {
        let password = if name == "bob" { "123" } else { "sesame123" };
        bob.send(&format!("REGISTER {name} * {password}"));
        let fail = bob.expect(|line| line.contains(" FAIL REGISTER ")).await;
        assert!(
            fail.starts_with(&format!(":{SERVER} FAIL REGISTER {code} {name} :")),
            "{fail}"
        );
    }
}

#[tokio::test]
async fn sasl_plain_succeeds_fails_and_is_rate_limited() {
    let mut config = history_config();
    config.accounts.max_failures_per_connection = 2;
    let server = TestServer::start_with(config).await;
    let mut owner = Client::connect(&server).await;
    owner.send("CAP LS 302");
    owner.send("REGISTER carol * sesame123");
    owner.expect(|line| line.contains(" 900 ")).await;

    let mut client = Client::connect(&server).await;
    client.send("CAP LS 302");
    client.send("CAP REQ sasl");
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send("NICK carol");
    let lines = sasl_plain(&mut client, "carol", "wrong-one").await;
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            ":{SERVER} 904 carol :SASL authentication failed: Invalid account name or password"
        )
    );
    sasl_plain(&mut client, "carol", "wrong-two").await;
    // The connection has used its failures: even the right password is refused.
    let lines = sasl_plain(&mut client, "carol", "sesame123").await;
    assert!(
        lines.last().unwrap().contains(
            " 904 carol :SASL authentication failed: Too many failed logins; try again in "
        ),
        "{lines:?}"
    );

    let mut fresh = Client::connect(&server).await;
    fresh.send("CAP REQ sasl");
    fresh.expect(|line| line.contains(" CAP * ACK ")).await;
    fresh.send("AUTHENTICATE SCRAM-SHA-256");
    fresh
        .expect_next(format!(
            ":{SERVER} 908 * PLAIN,EXTERNAL :are available SASL mechanisms"
        ))
        .await;
    fresh
        .expect_next(format!(":{SERVER} 904 * :SASL authentication failed"))
        .await;
    fresh.send("AUTHENTICATE PLAIN");
    fresh.expect_next("AUTHENTICATE +").await;
    fresh.send("AUTHENTICATE *");
    fresh
        .expect_next(format!(":{SERVER} 906 * :SASL authentication aborted"))
        .await;
    fresh.send("AUTHENTICATE PLAIN");
    fresh.expect_next("AUTHENTICATE +").await;
    fresh.send(&format!("AUTHENTICATE {}", plain("carol", "sesame123")));
    fresh
        .expect_next(format!(
            ":{SERVER} 900 * *!*@127.0.0.1 carol :You are now logged in as carol"
        ))
        .await;
    fresh
        .expect_next(format!(":{SERVER} 903 * :SASL authentication successful"))
        .await;
    fresh.send("AUTHENTICATE PLAIN");
    fresh
        .expect_next(format!(
            ":{SERVER} 907 * :You have already authenticated using SASL"
        ))
        .await;
}

#[tokio::test]
async fn nickserv_registers_identifies_changes_password_and_drops() {
    let server = start().await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("PRIVMSG NickServ :REGISTER hunter22");
    let notice = bob
        .expect(|line| line.contains("NOTICE bob :Account bob registered"))
        .await;
    assert!(
        notice.starts_with(":NickServ!NickServ@services. NOTICE bob :"),
        "{notice}"
    );
    bob.expect_next(format!(
        ":{SERVER} 900 bob bob!~bob@127.0.0.1 bob :You are now logged in as bob"
    ))
    .await;
    bob.send("PRIVMSG NickServ :SET PASSWORD hunter33");
    bob.expect_next(":NickServ!NickServ@services. NOTICE bob :Your password is changed.")
        .await;
    bob.send("PRIVMSG NickServ :INFO");
    let info = bob
        .expect(|line| line.contains("NOTICE bob :Account bob was registered on "))
        .await;
    assert!(info.ends_with(" UTC."), "{info}");

    let mut other = Client::register(&server, "robert").await;
    // The short form tries the account named like the nick (after a rename
    // to Guest<N>, not the user's own): the answer says so and how to name one.
    other.send("PRIVMSG NickServ :IDENTIFY hunter33");
    other
        .expect_next(
            ":NickServ!NickServ@services. NOTICE robert :Invalid account name or password. \
             That tried the account named like your nick, robert; \
             for another account: /msg NickServ IDENTIFY <account> <password>.",
        )
        .await;
    other.send("PRIVMSG NickServ :IDENTIFY bob hunter22");
    other
        .expect_next(
            ":NickServ!NickServ@services. NOTICE robert :Invalid account name or password.",
        )
        .await;
    other.send("PRIVMSG NickServ :IDENTIFY bob hunter33");
    other
        .expect_next(":NickServ!NickServ@services. NOTICE robert :You are now logged in as bob.")
        .await;
    other.expect_command("900").await;
    other.send("PRIVMSG NickServ :DROP");
    other.expect_command("901").await;
    other
        .expect_next(
            ":NickServ!NickServ@services. NOTICE robert :Account bob is dropped; its nick is free.",
        )
        .await;
    other.send("PRIVMSG NickServ :INFO bob");
    other
        .expect_next(":NickServ!NickServ@services. NOTICE robert :bob is not a registered account.")
        .await;
    // A look-alike of a registered account is refused.
    other.send("PRIVMSG NickServ :REGISTER hunter44");
    other.expect_command("900").await;
    other.send("QUIT");
    other.closed().await;
    let mut mallory = Client::register(&server, "mallory").await;
    mallory.send("NICK r0bert");
    mallory
        .expect_next(format!(
            ":{SERVER} 433 mallory r0bert :Nickname is already in use: it looks like the registered account robert"
        ))
        .await;
    // Nobody may pose as the service.
    mallory.send("NICK NickServ");
    mallory
        .expect_next(format!(
            ":{SERVER} 433 mallory NickServ :Nickname is reserved for services"
        ))
        .await;
}

#[tokio::test]
async fn account_notify_extended_join_and_account_tag() {
    let server = start().await;
    let caps = ["account-notify", "extended-join", "account-tag"];
    let mut watcher = Client::register_with_caps(&server, "watcher", &caps).await;
    watcher.join("#room").await;
    let mut dave = Client::member(&server, "dave", "#room").await;
    watcher
        .expect_next(":dave!~dave@127.0.0.1 JOIN #room * :dave tester")
        .await;
    dave.send("PRIVMSG NickServ :REGISTER correcthorse");
    dave.expect_command("900").await;
    watcher
        .expect_next("@account=dave :dave!~dave@127.0.0.1 ACCOUNT dave")
        .await;
    dave.send("PRIVMSG #room :hi");
    watcher
        .expect_next("@account=dave :dave!~dave@127.0.0.1 PRIVMSG #room :hi")
        .await;
    let _erin = login_and_register(&server, "erin", "dave", "correcthorse", &[]).await;
    let mut erin = _erin;
    erin.join("#room").await;
    watcher
        .expect_next("@account=dave :erin!~erin@127.0.0.1 JOIN #room dave :erin tester")
        .await;
}

/// natterd reuses a sender's source from one message to the next
/// (`Client::shared_source`), but never past a change: the first message
/// after a nick change, and after a login, shows the new nick and account.
#[tokio::test]
async fn each_message_carries_the_senders_nick_and_account_as_they_are_then() {
    let server = start().await;
    let mut watcher = Client::register_with_caps(&server, "watcher", &["account-tag"]).await;
    watcher.join("#room").await;
    let mut dave = Client::member(&server, "dave", "#room").await;
    watcher.expect_command("JOIN").await;
    dave.send("PRIVMSG #room :one");
    watcher
        .expect_next(":dave!~dave@127.0.0.1 PRIVMSG #room :one")
        .await;
    dave.send("NICK davy");
    watcher.expect_command("NICK").await;
    dave.send("PRIVMSG #room :two");
    watcher
        .expect_next(":davy!~dave@127.0.0.1 PRIVMSG #room :two")
        .await;
    dave.send("PRIVMSG NickServ :REGISTER correcthorse");
    dave.expect_command("900").await;
    dave.send("PRIVMSG #room :three");
    watcher
        .expect_next("@account=davy :davy!~dave@127.0.0.1 PRIVMSG #room :three")
        .await;
}

#[tokio::test]
async fn whispers_follow_accounts_across_reconnects_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config();
    config.server.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(dir.path().to_path_buf());
    let caps = ["batch", "draft/chathistory", "server-time", "message-tags"];
    let server = TestServer::start_exact(config.clone(), dir.path().to_path_buf()).await;
    for (name, password) in [("alice", "alicepass"), ("bob", "bobpass1")] {
        let mut owner = Client::connect(&server).await;
        owner.send("CAP LS 302");
        owner.send(&format!("REGISTER {name} * {password}"));
        owner.expect(|line| line.contains(" 900 ")).await;
    }
    let mut alice = login_and_register(&server, "alice", "alice", "alicepass", &caps).await;
    let mut bob = login_and_register(&server, "bob", "bob", "bobpass1", &caps).await;
    alice.send("PRIVMSG bob :our secret");
    bob.expect(|line| line.contains("our secret")).await;
    server.shutdown().await;

    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    // An impostor on the nick sees nothing...
    let mut impostor = Client::register_with_caps(&server, "alice_", &caps).await;
    impostor.send("CHATHISTORY LATEST bob * 10");
    let (_, lines) = next_batch(&mut impostor).await;
    assert!(lines.is_empty(), "{lines:?}");
    // ...while alice, logged in under another nick, reads it.
    let mut alice = login_and_register(&server, "alice2", "alice", "alicepass", &caps).await;
    alice.send("CHATHISTORY LATEST bob * 10");
    let (_, lines) = next_batch(&mut alice).await;
    assert_eq!(texts(&lines), ["our secret"]);
    alice.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10");
    let (_, lines) = next_batch(&mut alice).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" TARGETS bob "), "{lines:?}");
}

#[tokio::test]
async fn pass_logs_in_to_the_nicks_account_when_the_server_has_no_password() {
    let server = start().await;
    let mut owner = Client::connect(&server).await;
    owner.send("CAP LS 302");
    owner.send("REGISTER frank * frankpass");
    owner.expect(|line| line.contains(" 900 ")).await;
    let mut frank = Client::connect(&server).await;
    frank.send("PASS frankpass");
    frank.send("NICK frank");
    frank.send("USER frank 0 * :Frank");
    frank
        .expect_next(format!(
            ":{SERVER} 900 frank frank!~frank@127.0.0.1 frank :You are now logged in as frank"
        ))
        .await;
    frank.expect_command("001").await;
    let mut wrong = Client::connect(&server).await;
    wrong.send("PASS guess");
    wrong.send("NICK frank2");
    wrong.send("USER f 0 * :f");
    wrong
        .expect_next(format!(
            ":{SERVER} NOTICE frank2 :PASS did not log you in: Invalid account name or password"
        ))
        .await;
    wrong.expect_command("001").await;
}

#[tokio::test]
async fn whox_shows_who_is_logged_in_as_whom() {
    let server = start().await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("PRIVMSG NickServ :REGISTER hunter22");
    bob.expect_command("900").await;
    bob.join("#room").await;
    let mut carol = Client::register(&server, "carol").await;
    carol.join("#room").await;
    carol.send("WHO #room %tcnfa,7");
    carol
        .expect_next(format!(":{SERVER} 354 carol 7 #room bob H@ bob"))
        .await;
    carol
        .expect_next(format!(":{SERVER} 354 carol 7 #room carol H 0"))
        .await;
    carol
        .expect_next(format!(":{SERVER} 315 carol #room :End of WHO list"))
        .await;
    // Every field, in the standard order whatever order they were asked in.
    carol.send("WHO bob %rolaidfnshuc");
    carol
        .expect_next(format!(
            ":{SERVER} 354 carol * ~bob 127.0.0.1 127.0.0.1 {SERVER} bob H 0 0 bob n/a :bob tester"
        ))
        .await;
}

/// draft/account-registration: ACCOUNT_EXISTS for a nick someone else is
/// using (the spec's wording: "a nick that is not available as a new
/// account's name"), also when the client's own NICK was refused for it;
/// NEED_NICK only before any NICK.
#[tokio::test]
async fn register_grabs_no_nick_from_under_its_holder() {
    let server = start().await;
    let _root = Client::register(&server, "root").await;
    let mut bar = Client::connect(&server).await;
    bar.send("CAP LS 302");
    bar.send("REGISTER * * shivarampassphrase");
    bar.expect_line(&format!(
        ":{SERVER} FAIL REGISTER NEED_NICK * :Choose a nickname first, or name the account"
    ))
    .await;
    bar.send("NICK root");
    bar.expect_command("433").await;
    bar.send("REGISTER * * shivarampassphrase");
    bar.expect_next(format!(
        ":{SERVER} FAIL REGISTER ACCOUNT_EXISTS root :root is in use by someone else; choose another nick"
    ))
    .await;
    bar.send("REGISTER Root * shivarampassphrase");
    bar.expect_next(format!(
        ":{SERVER} FAIL REGISTER ACCOUNT_EXISTS Root :Root is in use by someone else; choose another name"
    ))
    .await;
    // Once bar has a nick of its own, `*` is that nick.
    bar.send("NICK bar");
    bar.send("REGISTER * * shivarampassphrase");
    bar.expect_next(format!(":{SERVER} REGISTER SUCCESS bar :Account created"))
        .await;
}

#[tokio::test]
async fn register_before_connect_can_be_turned_off() {
    let mut config = history_config();
    config.accounts.register_before_connect = false;
    let server = TestServer::start_with(config).await;
    let mut bar = Client::connect(&server).await;
    bar.send("CAP LS 302");
    let ls = bar.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(
        ls.split([' ', ':'])
            .any(|word| word == "draft/account-registration=custom-account-name"),
        "{ls}"
    );
    bar.send("NICK bar");
    bar.send("REGISTER * * shivarampassphrase");
    bar.expect_next(format!(
        ":{SERVER} FAIL REGISTER COMPLETE_CONNECTION_REQUIRED * :Register your account once you are connected"
    ))
    .await;
    bar.send("USER bar 0 * :Bar");
    bar.send("CAP END");
    bar.expect_command("001").await;
    bar.send("REGISTER * * shivarampassphrase");
    bar.expect_line(&format!(":{SERVER} REGISTER SUCCESS bar :Account created"))
        .await;
}
