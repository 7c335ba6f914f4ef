//! Behaviours that were wrong before: stale topics, silent nick changes,
//! shutdown noise, unknown commands, commands irssi users expect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

fn topic(app: &natter::app::App, channel: &str) -> Option<String> {
    app.chat.buffers.all()[index_of(app, channel)].topic.clone()
}

#[test]
fn a_rejoin_forgets_the_topic_the_server_no_longer_has() {
    let mut app = app();
    line(&mut app, ":srv 332 alice #lobby :old news");
    assert_eq!(topic(&app, "#lobby").as_deref(), Some("old news"));
    // The server restarted: we rejoin and it sends no 332.
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":srv 366 alice #lobby :End of NAMES");
    assert_eq!(topic(&app, "#lobby"), None);
}

#[test]
fn parting_forgets_the_topic() {
    let mut app = app();
    line(&mut app, ":srv 332 alice #lobby :old news");
    line(&mut app, ":alice!a@h PART #lobby");
    assert_eq!(topic(&app, "#lobby"), None);
    // Out of the channel, /topic asks the server instead of answering stale.
    assert_eq!(sent(&submit(&mut app, "/topic")), vec!["TOPIC #lobby"]);
}

#[test]
fn a_taken_nick_is_explained_in_the_current_buffer() {
    let mut app = fresh();
    net(
        &mut app,
        natter::event::NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    line(&mut app, ":srv 433 * alice :Nickname is already in use");
    line(&mut app, ":srv 001 alice_ :Welcome");
    let wanted = "The nick alice is taken: you are alice_ for now (try /nick alice later).";
    assert!(texts(&app).iter().any(|t| t == wanted), "{:?}", texts(&app));
}

#[test]
fn our_own_nick_change_reads_you_are_now_known_as_where_we_look() {
    let mut app = app();
    line(&mut app, ":alice!a@h NICK alicia");
    assert_eq!(active_name(&app), "#lobby");
    assert_eq!(last(&app), "You are now known as alicia");
    submit(&mut app, "/query bob");
    line(&mut app, ":alicia!a@h NICK ali");
    assert_eq!(last(&app), "You are now known as ali");
}

#[test]
fn a_server_shutdown_shows_one_line_not_a_quit_per_member() {
    let mut app = app();
    line(&mut app, ":bob!b@h QUIT :Server shutting down");
    line(&mut app, ":carol!c@h QUIT :Server shutting down");
    line(&mut app, "ERROR :Server shutting down");
    let lines = texts(&app);
    let said: Vec<&String> = lines
        .iter()
        .filter(|t| t.contains("shutting down"))
        .collect();
    assert_eq!(said, vec!["The server is shutting down."]);
    assert!(!lines.iter().any(|t| t.contains("quit")), "{lines:?}");
    assert_eq!(sidebar(&app), vec!["alice"]);
}

#[test]
fn a_person_quitting_with_shutdown_words_is_still_a_person_quitting() {
    let mut app = app();
    line(&mut app, ":bob!b@h QUIT :Quit: shutting down my laptop");
    assert_eq!(last(&app), "bob quit (Quit: shutting down my laptop)");
}

#[test]
fn notice_ctcp_and_version_commands() {
    let mut app = app();
    assert_eq!(
        sent(&submit(&mut app, "/notice #lobby heads up")),
        vec!["NOTICE #lobby :heads up"]
    );
    assert_eq!(last(&app), "alice: heads up");
    assert_eq!(
        sent(&submit(&mut app, "/ctcp bob time")),
        vec!["PRIVMSG bob \u{1}TIME\u{1}"]
    );
    assert_eq!(last(&app), "CTCP TIME sent to bob");
    assert_eq!(
        sent(&submit(&mut app, "/version bob")),
        vec!["PRIVMSG bob \u{1}VERSION\u{1}"]
    );
    assert_eq!(sent(&submit(&mut app, "/version")), vec!["VERSION"]);
    line(
        &mut app,
        ":bob!b@h NOTICE alice :\u{1}VERSION irssi 1.4\u{1}",
    );
    assert_eq!(last(&app), "CTCP VERSION reply from bob: irssi 1.4");
}

#[test]
fn timestamps_follow_a_daylight_saving_change_without_a_restart() {
    use chrono::{FixedOffset, TimeZone, Utc};
    use natter::app::{App, Settings};
    use natter::settings::Zone;
    use std::sync::Arc;
    // Central Europe on 29 March 2026: 01:00 UTC, clocks go from +1 to +2.
    let switch = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.zone = Zone::Rule(Arc::new(move |t| {
        let hours = if t < switch { 1 } else { 2 };
        FixedOffset::east_opt(hours * 3600).unwrap()
    }));
    let mut app = App::new(settings, (80, 24), switch - chrono::Duration::minutes(5));
    connect(&mut app);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(
        &mut app,
        "@time=2026-03-29T00:58:00.000Z :bob!b@h PRIVMSG #lobby :before",
    );
    line(
        &mut app,
        "@time=2026-03-29T01:02:00.000Z :bob!b@h PRIVMSG #lobby :after",
    );
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("01:58 <bob> before"), "{screen}");
    assert!(screen.contains("03:02 <bob> after"), "{screen}");
}

#[test]
fn a_silent_server_is_not_blamed_as_missing() {
    let mut app = fresh();
    net(
        &mut app,
        natter::event::NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    let retry_at = app.chat.now + chrono::Duration::seconds(2);
    net(
        &mut app,
        natter::event::NetEvent::Disconnected {
            reason:
                "the server accepted the connection but did not answer the registration within 30 s"
                    .into(),
            retry_at,
        },
    );
    let text = last(&app);
    assert!(text.contains("did not answer the registration"), "{text}");
    assert!(!text.contains("Is the server running"), "{text}");
}

#[test]
fn a_permanent_failure_says_so_and_waits_for_reconnect() {
    let mut app = fresh();
    net(
        &mut app,
        natter::event::NetEvent::Failed {
            reason: "cannot find the host chat.lan".into(),
        },
    );
    assert_eq!(
        last(&app),
        "Cannot connect: cannot find the host chat.lan. natter will not retry by itself: type /reconnect to try again."
    );
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("cannot connect · /reconnect"), "{screen}");
    let effects = submit(&mut app, "/reconnect");
    assert_eq!(effects, vec![natter::event::Effect::Reconnect]);
}
