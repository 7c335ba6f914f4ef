//! End to end: natterd in-process, four natter clients in tmux. What alice
//! types appears on bob's screen; a whisper sent with the sidebar keys alone
//! reaches bob and not carol; dave, joining late, sees the backlog and
//! scrolls up to the start of history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux;
mod tools;

use std::time::{Duration, Instant};

use natterd::testing::TestServer;
use tmux::{PATIENCE, POLL, Tmux};

/// natterd without TLS: with it (natterd's default) natter would follow
/// IRCv3 STS to TLS, which e2e_tls.rs and sts_net.rs test.
async fn plaintext_server() -> TestServer {
    let mut config = natterd::config::Config::default();
    config.tls.bind = None;
    TestServer::start_with(config).await
}

/// The nick the sidebar marks as selected (`│>` then a prefix or space).
fn selected(screen: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        let (_, rest) = line.split_once("│>")?;
        Some(
            rest.trim_start_matches(['@', '+', ' '])
                .trim_end()
                .to_owned(),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_chats_with_bob_and_whispers_him_through_the_sidebar() {
    let dir = tempfile::tempdir().unwrap();
    let tmux_config = dir.path().join("tmux.conf");
    let Some(tmux) = Tmux::new(dir.path(), &tmux_config) else {
        return;
    };
    let server = plaintext_server().await;
    let client_config = dir.path().join("natter.toml");
    std::fs::write(&client_config, "").unwrap();
    let natter = env!("CARGO_BIN_EXE_natter");
    for nick in ["alice", "bob", "carol"] {
        let command = format!(
            "{natter} {} --nick {nick} --config {}",
            server.addr,
            client_config.display()
        );
        tmux.start(&tmux_config, nick, &command);
    }
    for nick in ["alice", "bob", "carol"] {
        tmux.wait_for(nick, "all three in the sidebar", |s| {
            s.contains("connected") && s.contains("3 members") && s.contains("[#lobby]")
        })
        .await;
    }

    tmux.type_line("alice", "hello from alice 你好 👋");
    tmux.wait_for("bob", "alice's message", |s| {
        s.contains("hello from alice 你好")
    })
    .await;

    // Select bob with Alt+Down only, then Alt+Enter opens the private buffer.
    for _ in 0..6 {
        let before = selected(&tmux.screen("alice"));
        if before.as_deref() == Some("bob") {
            break;
        }
        tmux.keys("alice", &["M-Down"]);
        tmux.wait_for("alice", "the selection to move", |s| selected(s) != before)
            .await;
    }
    let screen = tmux.screen("alice");
    assert_eq!(selected(&screen).as_deref(), Some("bob"), "{screen}");
    tmux.keys("alice", &["M-Enter"]);
    tmux.wait_for("alice", "the private buffer with bob", |s| {
        s.contains("[bob]")
    })
    .await;
    tmux.type_line("alice", "psst secret 42");
    tmux.wait_for("alice", "her own whisper", |s| s.contains("psst secret 42"))
        .await;

    // bob gets a marked tab; Alt+A jumps to it.
    tmux.wait_for("bob", "a whisper tab from alice", |s| {
        s.contains(":alice 1!")
    })
    .await;
    tmux.keys("bob", &["M-a"]);
    tmux.wait_for("bob", "the whisper", |s| {
        s.contains("psst secret 42") && s.contains("[alice]")
    })
    .await;

    // A public line after the whisper: once carol has it, she would have had the whisper too.
    tmux.type_line("alice", "/msg #lobby after the whisper");
    tmux.wait_for("carol", "the public line", |s| {
        s.contains("after the whisper")
    })
    .await;
    tmux.keys("carol", &["M-a"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let carol = tmux.screen("carol");
    assert!(!carol.contains("psst"), "carol saw the whisper:\n{carol}");
    assert!(
        !carol.contains(":alice"),
        "carol got a private buffer from alice:\n{carol}"
    );

    // dave, joining late, gets the backlog; scrolling up finds its start.
    let command = format!(
        "{natter} {} --nick dave --config {}",
        server.addr,
        client_config.display()
    );
    tmux.start(&tmux_config, "dave", &command);
    tmux.wait_for("dave", "the backlog", |s| {
        s.contains("── earlier messages ──")
            && s.contains("hello from alice 你好")
            && s.contains("after the whisper")
    })
    .await;
    tmux.keys("dave", &["PageUp"]);
    tmux.wait_for("dave", "the start of history", |s| {
        s.contains("── start of history ──")
    })
    .await;
    assert!(!tmux.screen("dave").contains("psst"));

    tmux.keys("alice", &["C-c"]);
    drop(tmux);
    server.shutdown().await;
}

/// The newer client features in a real terminal: a rebound key from
/// config.toml, searching scrollback that is off screen, and ignoring
/// someone, with the list saved beside the config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_rebinds_help_searches_scrollback_and_ignores_bob() {
    let dir = tempfile::tempdir().unwrap();
    let tmux_config = dir.path().join("tmux.conf");
    let Some(tmux) = Tmux::new(dir.path(), &tmux_config) else {
        return;
    };
    let server = plaintext_server().await;
    let natter = env!("CARGO_BIN_EXE_natter");
    for nick in ["alice", "bob"] {
        let config = dir.path().join(nick).join("config.toml");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        // bob only produces lines, fast: no typing notifications to pace.
        let typing = if nick == "bob" {
            "typing = false\n"
        } else {
            ""
        };
        std::fs::write(&config, format!("{typing}[keys]\nhelp = \"F5\"\n")).unwrap();
        let command = format!(
            "{natter} {} --nick {nick} --config {}",
            server.addr,
            config.display()
        );
        tmux.start(&tmux_config, nick, &command);
    }
    for nick in ["alice", "bob"] {
        tmux.wait_for(nick, "both in the sidebar", |s| {
            s.contains("connected") && s.contains("2 members")
        })
        .await;
    }

    // The rebound key opens the help (F1 no longer does).
    tmux.keys("alice", &["F1"]);
    tmux.keys("alice", &["F5"]);
    tmux.wait_for("alice", "the help on F5", |s| s.contains("natter help"))
        .await;
    tmux.keys("alice", &["Escape"]);

    tmux.type_line("bob", "the secret word is banana");
    for i in 0..40 {
        tmux.type_line("bob", &format!("filler {i}"));
    }
    tmux.wait_for("alice", "the last filler", |s| s.contains("filler 39"))
        .await;
    let screen = tmux.screen("alice");
    assert!(
        !screen.contains("banana"),
        "banana should be off screen:\n{screen}"
    );
    tmux.keys("alice", &["C-f"]);
    tmux.run(&["send-keys", "-t", "alice", "-l", "banana"]);
    tmux.keys("alice", &["Enter"]);
    tmux.wait_for("alice", "the match brought into view", |s| {
        s.contains("the secret word is banana") && s.contains("[search] banana")
    })
    .await;
    tmux.keys("alice", &["Escape"]);
    tmux.wait_for("alice", "the newest lines again", |s| {
        s.contains("filler 39") && !s.contains("[search]")
    })
    .await;

    tmux.type_line("alice", "/ignore bob");
    tmux.wait_for("alice", "the ignore confirmed", |s| {
        s.contains("Ignoring bob!*@*")
    })
    .await;
    tmux.type_line("bob", "you cannot see this");
    tmux.type_line("bob", "/me waves");
    tmux.wait_for("alice", "two hidden messages counted", |s| {
        s.contains("2 ignored hidden")
    })
    .await;
    let screen = tmux.screen("alice");
    assert!(!screen.contains("you cannot see this"), "{screen}");
    let saved = std::fs::read_to_string(dir.path().join("alice").join("ignores.txt")).unwrap();
    assert!(saved.lines().any(|l| l == "bob!*@*"), "{saved}");
    server.shutdown().await;
}

/// Two networks at once in one natter (natterd and ngircd, the second from
/// `servers` in config.toml), switching with Ctrl+X; and a link bob sends,
/// opened with Alt+U through the configured opener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_chats_on_natterd_and_ngircd_at_once_and_opens_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let tmux_config = dir.path().join("tmux.conf");
    let Some(tmux) = Tmux::new(dir.path(), &tmux_config) else {
        return;
    };
    let Some(ngircd) = tools::ngircd::Ngircd::start() else {
        return;
    };
    let server = plaintext_server().await;
    let natter = env!("CARGO_BIN_EXE_natter");
    let opened = dir.path().join("opened.txt");
    let alice_config = dir.path().join("alice.toml");
    // The opener writes its arguments to a file: what a browser would get.
    std::fs::write(
        &alice_config,
        format!(
            "typing = false\nservers = [\"127.0.0.1:{}\"]\nopener = [\"sh\", \"-c\", \"printf '%s|' \\\"$@\\\" > '{}'\", \"sh\"]\n[theme]\nlink = {{ fg = \"201\" }}\n",
            ngircd.port,
            opened.display()
        ),
    )
    .unwrap();
    let plain_config = dir.path().join("plain.toml");
    std::fs::write(&plain_config, "typing = false\n").unwrap();
    tmux.start(
        &tmux_config,
        "alice",
        &format!(
            "{natter} {} --nick alice --config {}",
            server.addr,
            alice_config.display()
        ),
    );
    tmux.start(
        &tmux_config,
        "bob",
        &format!(
            "{natter} {} --nick bob --config {}",
            server.addr,
            plain_config.display()
        ),
    );
    tmux.start(
        &tmux_config,
        "carol",
        &format!(
            "{natter} 127.0.0.1:{} --nick carol --config {}",
            ngircd.port,
            plain_config.display()
        ),
    );
    tmux.wait_for("alice", "natterd's #lobby and the ngircd group", |s| {
        s.contains("2 members") && s.contains("[#lobby]") && s.contains("⇄ ")
    })
    .await;
    tmux.wait_for("carol", "carol in ngircd's #lobby", |s| {
        s.contains("connected") && s.contains("[#lobby]")
    })
    .await;

    // A link on natterd, opened only when alice asks.
    let link = "https://example.com/natter?e2e=1&x=$(id)";
    tmux.type_line("bob", &format!("release notes: {link}"));
    tmux.wait_for("alice", "bob's link", |s| s.contains("example.com/natter"))
        .await;
    assert!(!opened.exists(), "a link opened by itself");
    // The link is drawn in the colour config.toml gave it, underlined.
    let styled = tmux.run(&["capture-pane", "-e", "-p", "-t", "alice"]);
    let styled = String::from_utf8_lossy(&styled.stdout);
    assert!(
        styled.contains("38;5;201") && styled.contains("https://example.com/natter"),
        "{styled:?}"
    );
    tmux.keys("alice", &["M-u"]);
    tmux.wait_for("alice", "the link picker", |s| s.contains("links ·"))
        .await;
    tmux.keys("alice", &["Enter"]);
    let start = Instant::now();
    while !std::fs::read_to_string(&opened).is_ok_and(|s| s.ends_with('|')) {
        assert!(start.elapsed() < PATIENCE, "the opener never ran");
        tokio::time::sleep(POLL).await;
    }
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        format!("{link}|")
    );

    // The other network: Ctrl+X shows it; alice and carol talk there.
    tmux.keys("alice", &["C-x"]);
    tmux.wait_for("alice", "ngircd's #lobby with carol", |s| {
        s.contains("2 members") && s.contains("carol") && s.contains("127.0.0.1:")
    })
    .await;
    tmux.type_line("alice", "hello ngircd");
    tmux.wait_for("carol", "alice's line on ngircd", |s| {
        s.contains("hello ngircd")
    })
    .await;
    tmux.type_line("carol", "hi alice, carol here");
    tmux.wait_for("alice", "carol's answer", |s| s.contains("carol here"))
        .await;
    // bob, on natterd, got nothing of it; natterd's network is still there.
    tmux.type_line("bob", "alice: still on natterd?");
    tmux.wait_for(
        "alice",
        "a mention from the other network in its group",
        |s| s.lines().next().is_some_and(|bar| bar.contains("!")),
    )
    .await;
    tmux.keys("alice", &["C-x"]);
    tmux.wait_for("alice", "natterd's #lobby again", |s| {
        s.contains("still on natterd?") && s.contains("bob")
    })
    .await;
    tmux.type_line("alice", "yes, both at once");
    tmux.wait_for("bob", "alice on natterd", |s| s.contains("both at once"))
        .await;
    assert!(!tmux.screen("bob").contains("hello ngircd"));
    server.shutdown().await;
}
