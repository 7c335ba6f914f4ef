//! IRC queries and line handling over real TCP: WHOIS, ISON, USERHOST,
//! PING/PONG, ADMIN, LINKS, STATS, unknown commands, and tolerant parsing
//! (bare LF, lowercase commands, extra spaces).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, SERVER, command, parse, prefix, start, test_config};
use natterd::testing::TestServer;

#[tokio::test]
async fn whois_answers_311_319_312_317_318() {
    let server = start().await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    alice.join("#b").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("WHOIS alice");
    bob.expect_next(format!(
        ":{SERVER} 311 bob alice ~alice 127.0.0.1 * :alice tester"
    ))
    .await;
    let channels = parse(&bob.recv_line().await);
    assert_eq!(channels.command, "319");
    let mut listed: Vec<&str> = channels.params[2].split(' ').collect();
    listed.sort_unstable();
    assert_eq!(listed, ["@#a", "@#b"]);
    let whois_server = parse(&bob.recv_line().await);
    assert_eq!(whois_server.command, "312");
    assert_eq!(whois_server.params[..3], ["bob", "alice", SERVER]);
    let idle = parse(&bob.recv_line().await);
    assert_eq!(idle.command, "317");
    assert_eq!(idle.params[1], "alice");
    assert!(idle.params[2].parse::<u64>().is_ok());
    assert!(idle.params[3].parse::<i64>().unwrap() > 1_600_000_000);
    assert_eq!(idle.params[4], "seconds idle, signon time");
    bob.expect_next(format!(":{SERVER} 318 bob alice :End of /WHOIS list"))
        .await;
}

#[tokio::test]
async fn whois_shows_301_when_away_and_401_for_unknown() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("AWAY :out for lunch");
    alice.expect_command("306").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("WHOIS ALICE");
    let reply = bob.lines_until(|l| command(l) == "318").await;
    assert!(
        reply.contains(&format!(":{SERVER} 301 bob alice :out for lunch")),
        "{reply:?}"
    );
    bob.send("WHOIS nobody");
    bob.expect_next(format!(":{SERVER} 401 bob nobody :No such nick/channel"))
        .await;
    bob.expect_next(format!(":{SERVER} 318 bob nobody :End of /WHOIS list"))
        .await;
    bob.send("WHOIS");
    bob.expect_next(format!(":{SERVER} 431 bob :No nickname given"))
        .await;
}

#[tokio::test]
async fn ison_and_userhost() {
    let server = start().await;
    let _alice = Client::register(&server, "alice").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("AWAY :busy");
    bob.expect_command("306").await;
    bob.send("ISON alice nobody BOB");
    bob.expect_next(format!(":{SERVER} 303 bob :alice bob"))
        .await;
    bob.send("ISON nobody");
    bob.expect_next(format!(":{SERVER} 303 bob :")).await;
    bob.send("USERHOST alice bob nobody");
    bob.expect_next(format!(
        ":{SERVER} 302 bob :alice=+~alice@127.0.0.1 bob=-~bob@127.0.0.1"
    ))
    .await;
    bob.send("ISON");
    bob.expect_next(format!(":{SERVER} 461 bob ISON :Not enough parameters"))
        .await;
}

#[tokio::test]
async fn ping_gets_pong_and_409_without_origin() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("PING :token with spaces");
    alice
        .expect_next(format!(":{SERVER} PONG {SERVER} :token with spaces"))
        .await;
    alice.send("PING abc");
    alice
        .expect_next(format!(":{SERVER} PONG {SERVER} abc"))
        .await;
    alice.send("PING");
    alice
        .expect_next(format!(":{SERVER} 409 alice :No origin specified"))
        .await;
    // PING works before registration too (some clients check the link first).
    let mut early = Client::connect(&server).await;
    early.send("NICK early");
    early.send("PING x");
    early
        .expect_next(format!(":{SERVER} PONG {SERVER} x"))
        .await;
    // An unsolicited PONG is accepted silently.
    alice.send("PONG :whatever");
    assert!(alice.sync().await.is_empty());
}

#[tokio::test]
async fn unknown_command_gets_421() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("FROBNICATE now");
    alice
        .expect_next(format!(":{SERVER} 421 alice FROBNICATE :Unknown command"))
        .await;
}

#[tokio::test]
async fn bare_lf_lowercase_commands_and_extra_spaces_are_accepted() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send_bytes(b"nick alice\nuser alice 0 * :Alice Tester\n");
    alice.expect_command("001").await;
    alice.end_of_motd().await;
    alice.send_bytes(b"join   #a\n");
    alice
        .expect_next(format!(":{} JOIN #a", prefix("alice")))
        .await;
    alice.expect_command("366").await;
    let mut bob = Client::member(&server, "bob", "#a").await;
    alice.expect_command("JOIN").await;
    alice.send_bytes(b"privmsg   #a    :spaced   out  \r\n");
    bob.expect_next(format!(":{} PRIVMSG #a :spaced   out  ", prefix("alice")))
        .await;
    alice.send("Privmsg bob hi");
    bob.expect_next(format!(":{} PRIVMSG bob hi", prefix("alice")))
        .await;
    // Empty lines are ignored.
    alice.send_bytes(b"\r\n\n");
    assert!(alice.sync().await.is_empty());
}

#[tokio::test]
async fn version_and_time_answer() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("VERSION");
    let version = parse(&alice.recv_line().await);
    assert_eq!(version.command, "351");
    assert_eq!(version.params[2], SERVER);
    alice.send("TIME");
    let time = parse(&alice.recv_line().await);
    assert_eq!(time.command, "391");
    assert_eq!(time.params[1], SERVER);
}

#[tokio::test]
async fn who_finds_an_invisible_user_by_exact_nick_but_not_by_mask() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("MODE alice +i");
    alice.expect_command("MODE").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("WHO Alice");
    bob.expect_next(format!(
        ":{SERVER} 352 bob * ~alice 127.0.0.1 {SERVER} alice H :0 alice tester"
    ))
    .await;
    bob.expect_next(format!(":{SERVER} 315 bob Alice :End of WHO list"))
        .await;
    bob.send("WHO ali*");
    bob.expect_next(format!(":{SERVER} 315 bob ali* :End of WHO list"))
        .await;
}

/// WHOWAS lists who went by a nick, most recent first (a quit and a rename
/// both count), each as 314 then 312; a count limits it; an unknown nick gets
/// 406; every request ends with one 369; no nick is 431.
#[tokio::test]
async fn whowas_lists_past_holders_of_a_nick_most_recent_first() {
    let server = start().await;
    let mut asker = Client::register(&server, "asker").await;
    let mut first = Client::register(&server, "Bob").await;
    first.send("QUIT :bye");
    first.closed().await;
    let mut second = Client::connect(&server).await;
    second.send("NICK bob");
    second.send("USER second 0 * :Second Bob");
    second.expect_command("001").await;
    second.send("NICK robert");
    second.expect_command("NICK").await;
    asker.sync().await;

    asker.send("WHOWAS BOB");
    asker
        .expect_next(format!(
            ":{SERVER} 314 asker bob ~second 127.0.0.1 * :Second Bob"
        ))
        .await;
    let left = parse(&asker.recv_line().await);
    assert_eq!(left.command, "312");
    assert_eq!(left.params[..3], ["asker", "bob", SERVER]);
    assert!(left.params[3].ends_with(" UTC"), "{left:?}");
    asker
        .expect_next(format!(
            ":{SERVER} 314 asker Bob ~Bob 127.0.0.1 * :Bob tester"
        ))
        .await;
    assert_eq!(command(&asker.recv_line().await), "312");
    asker
        .expect_next(format!(":{SERVER} 369 asker BOB :End of WHOWAS"))
        .await;

    asker.send("WHOWAS bob 1");
    asker
        .expect_next(format!(
            ":{SERVER} 314 asker bob ~second 127.0.0.1 * :Second Bob"
        ))
        .await;
    assert_eq!(command(&asker.recv_line().await), "312");
    asker
        .expect_next(format!(":{SERVER} 369 asker bob :End of WHOWAS"))
        .await;

    asker.send("WHOWAS nobody");
    asker
        .expect_next(format!(
            ":{SERVER} 406 asker nobody :There was no such nickname"
        ))
        .await;
    asker
        .expect_next(format!(":{SERVER} 369 asker nobody :End of WHOWAS"))
        .await;

    asker.send("WHOWAS");
    asker
        .expect_next(format!(":{SERVER} 431 asker :No nickname given"))
        .await;
}

#[tokio::test]
async fn help_explains_a_command_lists_them_all_and_says_524_for_the_rest() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("HELP join");
    alice
        .expect_next(format!(
            ":{SERVER} 704 alice JOIN :JOIN <#channel>[,<#channel>...] [<key>[,<key>...]] | JOIN 0"
        ))
        .await;
    alice
        .expect_next(format!(
            ":{SERVER} 705 alice JOIN :Joins channels (creating them; the first member is operator). JOIN 0"
        ))
        .await;
    alice
        .expect_next(format!(":{SERVER} 706 alice JOIN :leaves every channel."))
        .await;

    // HELPOP is the same command; two lines are a start and an end.
    alice.send("HELPOP Time");
    alice
        .expect_next(format!(":{SERVER} 704 alice TIME :TIME"))
        .await;
    alice
        .expect_next(format!(
            ":{SERVER} 706 alice TIME :Shows the server's clock."
        ))
        .await;

    // Without a subject: the index, every line of it about "index".
    alice.send("HELP");
    let mut index = vec![alice.recv_line().await];
    while command(index.last().unwrap()) != "706" {
        index.push(alice.recv_line().await);
    }
    assert_eq!(
        index[0],
        format!(
            ":{SERVER} 704 alice index :natterd understands these commands; HELP <command> explains one:"
        )
    );
    let listed: Vec<String> = index[1..index.len() - 1]
        .iter()
        .map(|line| {
            let message = parse(line);
            assert_eq!(message.command, "705", "{line}");
            assert_eq!(message.params[..2], ["alice", "index"]);
            message.params[2].clone()
        })
        .collect();
    let listed = listed.join(" ");
    for name in [
        "PRIVMSG",
        "CHATHISTORY",
        "WHOWAS",
        "OPER",
        "HELP",
        "NICKSERV",
    ] {
        assert!(
            listed.split(' ').any(|word| word == name),
            "{name}: {listed}"
        );
    }
    assert_eq!(
        index.last().unwrap(),
        &format!(":{SERVER} 706 alice index :End of HELP")
    );

    alice.send("HELP FROBNICATE");
    alice
        .expect_next(format!(
            ":{SERVER} 524 alice FROBNICATE :No help available on this topic"
        ))
        .await;
}

#[tokio::test]
async fn admin_tells_the_configured_texts_or_the_defaults_and_402_for_another_server() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("ADMIN");
    alice
        .expect_next(format!(":{SERVER} 256 alice {SERVER} :Administrative info"))
        .await;
    alice
        .expect_next(format!(
            ":{SERVER} 257 alice :A natter chat server on this local network"
        ))
        .await;
    alice
        .expect_next(format!(
            ":{SERVER} 258 alice :Run by whoever started natterd on this host"
        ))
        .await;
    alice
        .expect_next(format!(":{SERVER} 259 alice :No contact address given"))
        .await;
    // This server by name or mask, or one of its users, is here; others are not.
    alice.send("ADMIN natter.*");
    alice
        .expect_next(format!(":{SERVER} 256 alice {SERVER} :Administrative info"))
        .await;
    alice.sync().await;
    alice.send("ADMIN alice");
    alice
        .expect_next(format!(":{SERVER} 256 alice {SERVER} :Administrative info"))
        .await;
    alice.sync().await;
    alice.send("ADMIN irc.example.org");
    alice
        .expect_next(format!(
            ":{SERVER} 402 alice irc.example.org :No such server"
        ))
        .await;
    assert!(alice.sync().await.is_empty());

    let mut config = test_config();
    config.admin.location = "Room 4.12, Lab building".into();
    config.admin.organisation = "The robotics group".into();
    config.admin.email = "chat-admin@lab.example".into();
    let server = TestServer::start_with(config).await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("ADMIN");
    let lines = bob.sync().await;
    assert_eq!(
        lines,
        [
            format!(":{SERVER} 256 bob {SERVER} :Administrative info"),
            format!(":{SERVER} 257 bob :Room 4.12, Lab building"),
            format!(":{SERVER} 258 bob :The robotics group"),
            format!(":{SERVER} 259 bob chat-admin@lab.example"),
        ]
    );
}

#[tokio::test]
async fn links_lists_this_server_with_its_description_filtered_by_mask() {
    let mut config = test_config();
    config.server.description = "The lab's chat".into();
    let server = TestServer::start_with(config).await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("LINKS");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{SERVER} 364 alice {SERVER} {SERVER} :0 The lab's chat"),
            format!(":{SERVER} 365 alice * :End of /LINKS list"),
        ]
    );
    alice.send("LINKS NATTER.*");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{SERVER} 364 alice {SERVER} {SERVER} :0 The lab's chat"),
            format!(":{SERVER} 365 alice NATTER.* :End of /LINKS list"),
        ]
    );
    alice.send("LINKS *.example.org");
    assert_eq!(
        alice.sync().await,
        [format!(
            ":{SERVER} 365 alice *.example.org :End of /LINKS list"
        )]
    );
    alice.send("LINKS natter.local *");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{SERVER} 364 alice {SERVER} {SERVER} :0 The lab's chat"),
            format!(":{SERVER} 365 alice * :End of /LINKS list"),
        ]
    );
    alice.send("LINKS irc.example.org *");
    assert_eq!(
        alice.sync().await,
        [format!(
            ":{SERVER} 402 alice irc.example.org :No such server"
        )]
    );
}

#[tokio::test]
async fn stats_u_and_m_answer_anyone_o_l_c_only_operators_and_every_answer_ends_219() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("STATS u");
    let lines = alice.sync().await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    let uptime = parse(&lines[0]);
    assert_eq!(uptime.command, "242");
    let text = uptime.params[1].strip_prefix("Server Up ").unwrap();
    let (days, clock) = text.split_once(" days ").unwrap();
    assert!(days.parse::<u64>().is_ok(), "{text}");
    let clock: Vec<&str> = clock.split(':').collect();
    assert_eq!(clock.len(), 3, "{text}");
    assert!(clock[1].len() == 2 && clock[2].len() == 2, "{text}");
    assert_eq!(
        lines[1],
        format!(":{SERVER} 219 alice u :End of /STATS report")
    );

    // Counted so far on this server: alice's NICK and USER, STATS twice,
    // PING once (the sync above); this STATS and the bytes of each line.
    alice.send("STATS m");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{SERVER} 212 alice NICK 1 10 0"),
            format!(":{SERVER} 212 alice PING 1 16 0"),
            format!(":{SERVER} 212 alice STATS 2 14 0"),
            format!(":{SERVER} 212 alice USER 1 28 0"),
            format!(":{SERVER} 219 alice m :End of /STATS report"),
        ]
    );

    for letter in ["o", "l", "c"] {
        alice.send(&format!("STATS {letter}"));
        assert_eq!(
            alice.sync().await,
            [
                format!(":{SERVER} 481 alice :Permission Denied- You're not an IRC operator"),
                format!(":{SERVER} 219 alice {letter} :End of /STATS report"),
            ]
        );
    }
    alice.send("STATS z");
    assert_eq!(
        alice.sync().await,
        [format!(":{SERVER} 219 alice z :End of /STATS report")]
    );
    alice.send("STATS");
    assert_eq!(
        alice.sync().await,
        [format!(":{SERVER} 461 alice STATS :Not enough parameters")]
    );
    alice.send("STATS u irc.example.org");
    assert_eq!(
        alice.sync().await,
        [format!(
            ":{SERVER} 402 alice irc.example.org :No such server"
        )]
    );
}

#[tokio::test]
async fn a_reply_echoing_an_overlong_parameter_is_cut_to_one_512_byte_line() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    let long = "x".repeat(500);
    alice.send(&format!("WHOIS {long}"));
    let lines = alice.sync().await;
    let fixed = format!(":{SERVER} 401 alice  :No such nick/channel").len();
    assert_eq!(
        lines[0],
        format!(
            ":{SERVER} 401 alice {} :No such nick/channel",
            &long[..510 - fixed]
        )
    );
    for line in &lines {
        assert!(line.len() <= 510, "{} bytes: {line}", line.len());
    }
    // Numerics, and the FAIL lines and service notices sent another way.
    alice.send(&format!("FROBNICATE{long}"));
    alice.send(&format!("REGISTER {} * password1", &long[..480]));
    let lines = alice.sync().await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].starts_with(&format!(":{SERVER} FAIL REGISTER ")),
        "{lines:?}"
    );
    for line in lines {
        assert!(line.len() <= 510, "{} bytes: {line}", line.len());
    }
    // STATS names the letter alone in its 219, as modern ircdocs writes it.
    alice.send(&format!("STATS z{long}"));
    assert_eq!(
        alice.sync().await,
        [format!(":{SERVER} 219 alice z :End of /STATS report")]
    );
}
