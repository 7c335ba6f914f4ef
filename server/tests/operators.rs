//! IRC operators over real TCP: OPER (381 and +o, 464, 491, 461, the failure
//! limit), what +o shows (WHOIS 313, WHO `*`, LUSERS 252, 221), giving it up
//! with MODE -o, KILL, WALLOPS to +w users, INFO, and the operators-only
//! STATS letters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, SERVER, command, parse, prefix, same, test_config};
use natterd::Config;
use natterd::operators::OperatorConfig;
use natterd::testing::TestServer;

const PASSWORD: &str = "operpassword";

/// A config with operator `root` (any host), `lan` (only from 192.168.1.*)
/// and `ident` (only for the username carol, from 127.0.0.1).
fn config_with_operators() -> Config {
    let hash = natterd::accounts::password::hash(PASSWORD).unwrap();
    let mut config = test_config();
    config.accounts.max_failures_per_connection = 3;
    config.operators = vec![
        OperatorConfig {
            name: "root".into(),
            password: Some(hash.clone()),
            ..OperatorConfig::default()
        },
        OperatorConfig {
            name: "lan".into(),
            password: Some(hash.clone()),
            host: Some("192.168.1.*".into()),
            ..OperatorConfig::default()
        },
        OperatorConfig {
            name: "ident".into(),
            password: Some(hash),
            host: Some("*carol@127.0.0.1".into()),
            ..OperatorConfig::default()
        },
    ];
    config
}

async fn start() -> TestServer {
    TestServer::start_with(config_with_operators()).await
}

/// Registers `nick` and opers it up as `root`.
async fn oper(server: &TestServer, nick: &str) -> Client {
    let mut client = Client::register(server, nick).await;
    client.send(&format!("OPER root {PASSWORD}"));
    client
        .expect_next(format!(":{SERVER} 381 {nick} :You are now an IRC operator"))
        .await;
    client.expect_next(format!(":{nick} MODE {nick} +o")).await;
    client
}

#[tokio::test]
async fn oper_gives_381_and_plus_o_which_whois_who_lusers_and_umode_show() {
    let server = start().await;
    let mut alice = oper(&server, "alice").await;
    alice.send("MODE alice");
    alice.expect_next(format!(":{SERVER} 221 alice +o")).await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("WHOIS alice");
    let whois = bob.lines_until(|l| command(l) == "318").await;
    assert!(
        whois.contains(&format!(":{SERVER} 313 bob alice :is an IRC operator")),
        "{whois:?}"
    );
    bob.send("WHOIS bob");
    let whois = bob.lines_until(|l| command(l) == "318").await;
    assert!(!whois.iter().any(|l| command(l) == "313"), "{whois:?}");
    bob.send("WHO alice");
    let who = parse(&bob.expect_command("352").await);
    assert_eq!(who.params[6], "H*");
    bob.send("LUSERS");
    bob.expect_line(&format!(":{SERVER} 252 bob 1 :operator(s) online"))
        .await;
    alice.send("OPER root operpassword");
    alice
        .expect_next(format!(
            ":{SERVER} 381 alice :You are already an IRC operator"
        ))
        .await;
}

#[tokio::test]
async fn mode_can_give_up_operator_status_but_never_grant_it() {
    let server = start().await;
    let mut alice = oper(&server, "alice").await;
    alice.send("MODE alice -o");
    alice.expect_next(":alice MODE alice -o").await;
    alice.send("MODE alice +o");
    let before_pong = alice.sync().await;
    assert!(before_pong.is_empty(), "{before_pong:?}");
    alice.send("MODE alice");
    alice.expect_next(format!(":{SERVER} 221 alice +")).await;
    alice.send("KILL alice");
    alice
        .expect_next(format!(
            ":{SERVER} 481 alice :Permission Denied- You're not an IRC operator"
        ))
        .await;
    alice.send("LUSERS");
    alice
        .expect_line(&format!(":{SERVER} 252 alice 0 :operator(s) online"))
        .await;
}

/// The username of a `user@host` mask is the one given with USER at
/// registration (the hub's; the session keeps none once registered).
#[tokio::test]
async fn an_operator_mask_with_a_username_matches_the_registered_username() {
    let server = start().await;
    let mut carol = Client::register(&server, "carol").await;
    carol.send(&format!("OPER ident {PASSWORD}"));
    carol
        .expect_next(format!(":{SERVER} 381 carol :You are now an IRC operator"))
        .await;
    let mut dave = Client::register(&server, "dave").await;
    dave.send(&format!("OPER ident {PASSWORD}"));
    dave.expect_next(format!(":{SERVER} 491 dave :No O-lines for your host"))
        .await;
}

#[tokio::test]
async fn wrong_password_is_464_unknown_name_or_host_491_and_failures_are_limited() {
    let server = start().await;
    let mut mallory = Client::register(&server, "mallory").await;
    mallory.send("OPER root");
    mallory
        .expect_next(format!(":{SERVER} 461 mallory OPER :Not enough parameters"))
        .await;
    mallory.send("OPER root guess");
    mallory
        .expect_next(format!(":{SERVER} 464 mallory :Password incorrect"))
        .await;
    mallory.send(&format!("OPER nobody {PASSWORD}"));
    mallory
        .expect_next(format!(":{SERVER} 491 mallory :No O-lines for your host"))
        .await;
    // `lan` is only for 192.168.1.*; this connection is from 127.0.0.1.
    mallory.send(&format!("OPER lan {PASSWORD}"));
    mallory
        .expect_next(format!(":{SERVER} 491 mallory :No O-lines for your host"))
        .await;
    // Three failures on this connection: now even the right password is refused.
    mallory.send(&format!("OPER root {PASSWORD}"));
    let refused = mallory.expect_command("464").await;
    assert!(
        refused.starts_with(&format!(
            ":{SERVER} 464 mallory :Too many failed attempts; try again in "
        )),
        "{refused}"
    );
    mallory.send("MODE mallory");
    mallory
        .expect_next(format!(":{SERVER} 221 mallory +"))
        .await;
}

#[tokio::test]
async fn kill_disconnects_the_victim_and_its_channels_see_it_quit() {
    let server = start().await;
    let mut alice = oper(&server, "alice").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    let mut carol = Client::member(&server, "carol", "#a").await;
    bob.expect_command("JOIN").await;
    bob.send("KILL carol :not an operator");
    bob.expect_next(format!(
        ":{SERVER} 481 bob :Permission Denied- You're not an IRC operator"
    ))
    .await;
    alice.send("KILL nobody :gone");
    alice
        .expect_next(format!(":{SERVER} 401 alice nobody :No such nick/channel"))
        .await;
    alice.send("KILL Bob :flooding");
    let last = bob.closed().await;
    assert_eq!(last.len(), 2, "{last:?}");
    assert!(
        same(
            &last[0],
            &format!(":{} KILL bob :flooding", prefix("alice"))
        ),
        "{last:?}"
    );
    assert_eq!(last[1], "ERROR :Killed (alice (flooding))");
    carol
        .expect_next(format!(
            ":{} QUIT :Killed (alice (flooding))",
            prefix("bob")
        ))
        .await;
    // The nickname is free at once.
    let _bob_again = Client::register(&server, "bob").await;
}

#[tokio::test]
async fn kill_without_a_reason_and_of_a_plain_user() {
    let server = start().await;
    let mut alice = oper(&server, "alice").await;
    let mut dave = Client::plain(&server, "dave").await;
    alice.send("KILL dave");
    let last = dave.closed().await;
    assert_eq!(
        last.last().map(String::as_str),
        Some("*** Disconnected: Killed (alice (No reason given)).")
    );
}

#[tokio::test]
async fn wallops_reaches_users_with_plus_w_only() {
    let server = start().await;
    let mut alice = oper(&server, "alice").await;
    let mut carol = Client::register(&server, "carol").await;
    let mut dave = Client::register(&server, "dave").await;
    carol.send("MODE carol +w");
    carol.expect_next(":carol MODE carol +w").await;
    dave.send("WALLOPS :hello");
    dave.expect_next(format!(
        ":{SERVER} 481 dave :Permission Denied- You're not an IRC operator"
    ))
    .await;
    alice.send("WALLOPS :maintenance at noon");
    carol
        .expect_next(format!(":{} WALLOPS :maintenance at noon", prefix("alice")))
        .await;
    // alice has no +w: no echo; dave has no +w: nothing.
    assert!(alice.sync().await.is_empty());
    dave.assert_no_line_within(QUIET).await;
    carol.send("MODE carol -w+i");
    carol.expect_next(":carol MODE carol -w+i").await;
    alice.send("MODE alice +w");
    alice.expect_next(":alice MODE alice +w").await;
    alice.send("WALLOPS :again");
    alice
        .expect_next(format!(":{} WALLOPS :again", prefix("alice")))
        .await;
    carol.assert_no_line_within(QUIET).await;
}

#[tokio::test]
async fn info_lists_371_lines_then_374_and_402_for_other_servers() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("INFO");
    let lines = alice.lines_until(|l| command(l) == "374").await;
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| command(l) == "371"), "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(":{SERVER} 371 alice :natterd-")),
        "{lines:?}"
    );
    alice.send(&format!("INFO {SERVER}"));
    alice.lines_until(|l| command(l) == "374").await;
    alice.send("INFO *.local");
    alice.lines_until(|l| command(l) == "374").await;
    alice.send("INFO elsewhere.example");
    alice
        .expect_next(format!(
            ":{SERVER} 402 alice elsewhere.example :No such server"
        ))
        .await;
}

#[test]
fn hash_password_prints_an_argon2id_hash_of_the_line_it_reads() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_natterd"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"operpassword\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let hash = stdout.trim_end();
    assert!(hash.starts_with("$argon2id$"), "{stdout:?}");
    assert!(!stdout.contains("operpassword"));
    assert!(natterd::accounts::password::verify(PASSWORD, hash));
    // The printed hash is what a block accepts.
    let text = format!("[[operators]]\nname = \"root\"\npassword = \"{hash}\"\n");
    let config = Config::parse(&text, std::path::Path::new("natterd.toml")).unwrap();
    assert_eq!(config.operators[0].password.as_deref(), Some(hash));
}

#[tokio::test]
async fn stats_o_lists_operator_names_and_host_masks_to_an_operator_and_l_c_are_empty_alone() {
    let server = start().await;
    let mut root = oper(&server, "root").await;
    root.send("STATS o");
    assert_eq!(
        root.sync().await,
        [
            format!(":{SERVER} 243 root O * * root"),
            format!(":{SERVER} 243 root O 192.168.1.* * lan"),
            format!(":{SERVER} 243 root O *carol@127.0.0.1 * ident"),
            format!(":{SERVER} 219 root o :End of /STATS report"),
        ]
    );
    // Without a cluster there is no NATS connection to describe.
    for letter in ["l", "c", "L"] {
        root.send(&format!("STATS {letter}"));
        assert_eq!(
            root.sync().await,
            [format!(":{SERVER} 219 root {letter} :End of /STATS report")]
        );
    }
}
