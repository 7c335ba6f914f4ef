//! `App::update` tests for incoming IRC: membership, messages, whispers,
//! notifications, server-time, reconnects and lag.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, TimeZone, Utc};
use natter::app::{App, ConnectionState, Settings};
use natter::chat::buffers::{BufferKind, LineKind};
use natter::event::{AppEvent, Effect, NetEvent};
use support::*;

#[test]
fn registration_joins_lobby_and_configured_channels_and_shows_lobby() {
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.channels = vec!["#lobby".into(), "#rust".into()];
    let mut app = App::new(settings, (100, 30), t0());
    let effects = connect(&mut app);
    assert!(
        sent(&effects).contains(&"JOIN #lobby,#rust".to_owned()),
        "{effects:?}"
    );
    assert_eq!(app.chat.connection, ConnectionState::Online);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":alice!a@h JOIN #rust");
    assert_eq!(active_name(&app), "#lobby");
}

#[test]
fn reconnect_rejoins_every_channel_we_were_in() {
    let mut app = app();
    submit(&mut app, "/join #rust");
    line(&mut app, ":alice!a@h JOIN #rust");
    let retry_at = app.chat.now + Duration::seconds(4);
    net(
        &mut app,
        NetEvent::Disconnected {
            reason: "connection reset".into(),
            retry_at,
        },
    );
    assert!(matches!(
        app.chat.connection,
        ConnectionState::Disconnected { .. }
    ));
    assert!(app.chat.sidebar_members().is_empty());
    assert!(
        last(&app).contains("Retrying in 4s (at 09:30:04)"),
        "{}",
        last(&app)
    );
    let effects = connect(&mut app);
    assert!(
        sent(&effects).contains(&"JOIN #lobby,#rust".to_owned()),
        "{effects:?}"
    );
}

#[test]
fn unreachable_server_says_when_it_retries_and_what_to_do() {
    let mut app = fresh();
    let retry_at = app.chat.now + Duration::seconds(2);
    net(
        &mut app,
        NetEvent::Connecting {
            address: "chat.lan:6667".into(),
            attempt: 1,
        },
    );
    net(
        &mut app,
        NetEvent::Disconnected {
            reason: "connection refused".into(),
            retry_at,
        },
    );
    let text = last(&app);
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("Retrying in 2s"), "{text}");
    assert!(text.contains("natterd"), "{text}");
}

#[test]
fn server_time_sets_the_timestamp() {
    let mut app = app();
    line(
        &mut app,
        "@time=2026-11-21T23:59:00.000Z :bob!b@h PRIVMSG #lobby :late",
    );
    let line = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(
        line.time,
        Utc.with_ymd_and_hms(2026, 11, 21, 23, 59, 0).unwrap()
    );
}

#[test]
fn a_new_day_gets_a_separator() {
    let mut app = app();
    app.update(AppEvent::Tick(t0() + Duration::days(1)));
    line(&mut app, ":bob!b@h PRIVMSG #lobby :morning");
    let lines = &app.chat.buffers.active().lines;
    let separator = &lines[lines.len() - 2];
    assert_eq!(separator.kind, LineKind::DaySeparator);
    assert_eq!(separator.text(), "Monday 23 November 2026");
}

#[test]
fn a_whisper_opens_a_private_buffer_marks_it_and_rings() {
    let mut app = app();
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :psst");
    assert_eq!(effects, vec![Effect::Bell]);
    assert_eq!(active_name(&app), "#lobby");
    let bob = &app.chat.buffers.all()[index_of(&app, "bob")];
    assert_eq!(bob.kind, BufferKind::Private);
    assert_eq!((bob.unread, bob.mentions), (1, 1));
    assert_eq!(bob.lines.back().unwrap().text(), "psst");
}

#[test]
fn the_bell_can_be_turned_off() {
    let mut app = app();
    app.chat.settings.bell = false;
    assert!(line(&mut app, ":bob!b@h PRIVMSG alice :psst").is_empty());
}

#[test]
fn no_bell_for_a_mention_in_the_visible_buffer() {
    let mut app = app();
    assert!(line(&mut app, ":bob!b@h PRIVMSG #lobby :hi alice!").is_empty());
    assert!(app.chat.buffers.active().lines.back().unwrap().highlight);
}

#[test]
fn mentions_in_hidden_channels_count_and_ring() {
    let mut app = app();
    alt(&mut app, crossterm::event::KeyCode::Char('1'));
    let effects = line(&mut app, ":bob!b@h PRIVMSG #lobby :ALICE: lunch?");
    assert_eq!(effects, vec![Effect::Bell]);
    let lobby = &app.chat.buffers.all()[index_of(&app, "#lobby")];
    assert_eq!((lobby.unread, lobby.mentions), (1, 1));
    assert!(line(&mut app, ":bob!b@h PRIVMSG #lobby :malice is not a mention").is_empty());
}

#[test]
fn highlight_words_count_as_mentions() {
    let mut app = app();
    app.chat.settings.highlights = vec!["pizza".into()];
    line(&mut app, ":bob!b@h PRIVMSG #lobby :Pizza time");
    assert!(app.chat.buffers.active().lines.back().unwrap().highlight);
}

#[test]
fn joins_parts_and_quits_update_members_and_show_dimmed_lines() {
    let mut app = app();
    line(&mut app, ":dave!d@host JOIN #lobby");
    assert_eq!(sidebar(&app), vec!["@carol", "+bob", "alice", "dave"]);
    assert_eq!(last(&app), "dave (d@host) joined #lobby");
    assert_eq!(
        app.chat.buffers.active().lines.back().unwrap().kind,
        LineKind::Joined
    );
    line(&mut app, ":dave!d@host PART #lobby :later");
    assert_eq!(last(&app), "dave left #lobby (later)");
    line(&mut app, ":bob!b@h QUIT :Quit: bye");
    assert_eq!(last(&app), "bob quit (Quit: bye)");
    assert_eq!(sidebar(&app), vec!["@carol", "alice"]);
}

#[test]
fn nick_changes_rename_members_and_private_buffers() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG alice :hi");
    line(&mut app, ":bob!b@h NICK robert");
    assert_eq!(sidebar(&app), vec!["@carol", "+robert", "alice"]);
    assert_eq!(last(&app), "bob is now known as robert");
    assert_eq!(kind_of(&app, "robert"), BufferKind::Private);
}

#[test]
fn kick_removes_the_member_and_kicking_us_leaves_the_channel() {
    let mut app = app();
    line(&mut app, ":carol!c@h KICK #lobby bob :spam");
    assert_eq!(sidebar(&app), vec!["@carol", "alice"]);
    line(&mut app, ":carol!c@h KICK #lobby alice :bye");
    assert!(!app.chat.buffers.active().joined);
    assert_eq!(last(&app), "You were kicked from #lobby by carol (bye)");
}

#[test]
fn mode_changes_move_operators_to_the_top() {
    let mut app = app();
    line(&mut app, ":carol!c@h MODE #lobby +o-v alice bob");
    assert_eq!(sidebar(&app), vec!["@alice", "@carol", "bob"]);
    assert_eq!(last(&app), "carol sets mode +o-v alice bob");
}

#[test]
fn multi_prefix_and_userhost_in_names_are_understood() {
    let mut app = app();
    line(&mut app, ":srv 353 alice = #lobby :@+dave!d@h alice!a@h");
    line(&mut app, ":srv 366 alice #lobby :End");
    let dave = app
        .chat
        .buffers
        .active()
        .members
        .get("dave", app.chat.session.casemapping)
        .unwrap();
    assert_eq!(dave.prefixes, "@+");
}

#[test]
fn away_notify_and_who_replies_track_away_members() {
    let mut app = app();
    line(&mut app, ":bob!b@h AWAY :lunch");
    assert!(app.chat.is_away("bob"));
    line(&mut app, ":bob!b@h AWAY");
    assert!(!app.chat.is_away("bob"));
    line(&mut app, ":srv 352 alice #lobby c h srv carol G :0 Carol");
    assert!(app.chat.is_away("carol"));
}

#[test]
fn joining_with_away_notify_asks_who() {
    let mut app = app();
    let effects = line(&mut app, ":alice!a@h JOIN #rust");
    assert_eq!(sent(&effects), vec!["WHO #rust"]);
}

#[test]
fn taken_nick_after_registration_explains() {
    let mut app = app();
    line(&mut app, ":srv 433 alice bob :Nickname is already in use");
    assert_eq!(
        last(&app),
        "The nick bob is already in use; choose another with /nick"
    );
}

#[test]
fn errors_land_in_the_channel_they_are_about() {
    let mut app = app();
    alt(&mut app, crossterm::event::KeyCode::Char('1'));
    line(
        &mut app,
        ":srv 482 alice #lobby :You're not channel operator",
    );
    let lobby = &app.chat.buffers.all()[index_of(&app, "#lobby")];
    assert_eq!(
        lobby.lines.back().unwrap().text(),
        "You are not an operator of #lobby: only operators can do that (ask one to /op you)"
    );
    line(&mut app, ":srv 404 alice #lobby :Cannot send to channel");
    let lobby = &app.chat.buffers.all()[index_of(&app, "#lobby")];
    assert_eq!(
        lobby.lines.back().unwrap().text(),
        "#lobby: Cannot send to channel"
    );
}

#[test]
fn lag_is_measured_with_ping_and_pong() {
    let mut app = app();
    let later = app.chat.now + Duration::seconds(31);
    let effects = app.update(AppEvent::Tick(later));
    let ping = sent(&effects);
    assert_eq!(ping.len(), 1);
    let token = ping[0].trim_start_matches("PING ").to_owned();
    let message = natter_protocol::Message::parse(&format!(":srv PONG srv :{token}")).unwrap();
    net(
        &mut app,
        NetEvent::Line {
            message,
            received_at: later + Duration::milliseconds(42),
        },
    );
    assert_eq!(app.chat.session.lag_ms, Some(42));
}

#[test]
fn ctcp_version_is_answered_and_not_shown() {
    let mut app = app();
    let before = app.chat.buffers.all().len();
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :\u{1}VERSION\u{1}");
    assert_eq!(
        sent(&effects),
        vec![format!(
            "NOTICE bob :\u{1}VERSION natter {}\u{1}",
            env!("CARGO_PKG_VERSION")
        )]
    );
    assert_eq!(app.chat.buffers.all().len(), before);
}

#[test]
fn actions_from_others_are_shown_as_actions() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG #lobby :\u{1}ACTION dances\u{1}");
    let line = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(
        (line.kind, line.text().as_str()),
        (LineKind::Action, "dances")
    );
}

#[test]
fn server_notices_go_to_the_server_buffer() {
    let mut app = app();
    line(
        &mut app,
        ":irc.lan NOTICE alice :*** Server restarting soon",
    );
    assert_eq!(
        app.chat.buffers.all()[0].lines.back().unwrap().text(),
        "*** Server restarting soon"
    );
}

#[test]
fn formatting_codes_become_styles_and_controls_vanish() {
    let mut app = app();
    line(
        &mut app,
        ":bob!b@h PRIVMSG #lobby :\u{2}bold\u{2} \u{3}4red\u{3} \u{1b}[2Jgone\u{7}",
    );
    let line = app.chat.buffers.active().lines.back().unwrap();
    assert!(!line.text().contains('\u{1b}'));
    assert!(!line.text().contains('\u{7}'));
    assert!(line.body.iter().any(|run| {
        run.text == "bold"
            && run
                .style
                .add_modifier
                .contains(ratatui::style::Modifier::BOLD)
    }));
    assert!(
        line.body
            .iter()
            .any(|run| run.text == "red" && run.style.fg.is_some())
    );
}

#[test]
fn scrollback_is_capped() {
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.scrollback_lines = 100;
    let mut app = App::new(settings, (100, 30), t0());
    connect(&mut app);
    line(&mut app, ":alice!a@h JOIN #lobby");
    for i in 0..250 {
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :{i}"));
    }
    assert_eq!(app.chat.buffers.active().lines.len(), 100);
    assert_eq!(last(&app), "bob: 249");
}

#[test]
fn ticks_redraw_only_when_something_visible_changes() {
    let mut app = app();
    app.take_needs_redraw();
    app.update(AppEvent::Tick(t0() + Duration::milliseconds(500)));
    assert!(!app.take_needs_redraw());
    app.update(AppEvent::Tick(t0() + Duration::seconds(61)));
    assert!(app.take_needs_redraw());
}

#[test]
fn joining_lists_ourselves_until_names_arrives() {
    let mut app = app();
    submit(&mut app, "/join #rust");
    line(&mut app, ":alice!a@h JOIN #rust");
    assert_eq!(sidebar(&app), vec!["alice"]);
    line(&mut app, ":srv 353 alice = #rust :@alice bob");
    line(&mut app, ":srv 366 alice #rust :End");
    assert_eq!(sidebar(&app), vec!["@alice", "bob"]);
}

#[test]
fn server_notices_do_not_badge_the_server_tab() {
    let mut app = app();
    line(&mut app, ":irc.lan NOTICE alice :*** routine notice");
    assert_eq!(app.chat.buffers.all()[0].unread, 0);
}

#[test]
fn history_batches_are_shown_quietly_and_never_twice() {
    let mut app = app();
    alt(&mut app, crossterm::event::KeyCode::Char('1'));
    line(&mut app, ":srv BATCH +h1 chathistory #lobby");
    let effects = line(
        &mut app,
        "@batch=h1;time=2026-11-21T20:00:00.000Z;msgid=m1 :bob!b@h PRIVMSG #lobby :alice: old news",
    );
    assert!(effects.is_empty(), "no bell for history: {effects:?}");
    let effects = line(
        &mut app,
        "@batch=h1;msgid=m2 :bob!b@h PRIVMSG alice :\u{1}VERSION\u{1}",
    );
    assert!(
        effects.is_empty(),
        "no CTCP answers to history: {effects:?}"
    );
    line(&mut app, ":srv BATCH -h1");
    let lobby = &app.chat.buffers.all()[index_of(&app, "#lobby")];
    assert_eq!((lobby.unread, lobby.mentions), (0, 0));
    // Older than everything in the buffer: it goes above, under its day.
    let shown: Vec<String> = lobby.lines.iter().map(|l| l.text()).collect();
    assert_eq!(
        shown[..3],
        [
            "Saturday 21 November 2026",
            "alice: old news",
            "Sunday 22 November 2026"
        ]
    );
    assert!(lobby.lines[1].replayed);

    // After a reconnect the same backlog comes again: it is not repeated.
    let count = lobby.lines.len();
    line(&mut app, ":srv BATCH +h2 chathistory #lobby");
    line(
        &mut app,
        "@batch=h2;time=2026-11-21T20:00:00.000Z;msgid=m1 :bob!b@h PRIVMSG #lobby :alice: old news",
    );
    line(&mut app, ":srv BATCH -h2");
    assert_eq!(
        app.chat.buffers.all()[index_of(&app, "#lobby")].lines.len(),
        count
    );

    // Live messages still count.
    let effects = line(
        &mut app,
        "@msgid=m3 :bob!b@h PRIVMSG #lobby :alice: new news",
    );
    assert_eq!(effects, vec![Effect::Bell]);
}

#[test]
fn a_retry_under_a_second_away_reads_one_second() {
    let mut app = fresh();
    let retry_at = app.chat.now + Duration::milliseconds(800);
    net(
        &mut app,
        NetEvent::Disconnected {
            reason: "refused".into(),
            retry_at,
        },
    );
    assert!(last(&app).contains("Retrying in 1s"), "{}", last(&app));
}

#[test]
fn a_suffixed_nick_is_not_kept_for_the_next_connection() {
    let mut app = fresh();
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    let effects = line(&mut app, ":srv 001 alice_ :Welcome");
    assert_eq!(app.chat.session.nick, "alice_");
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SetNick(_))),
        "{effects:?}"
    );
}

#[test]
fn a_cjk_nick_is_mentioned_inside_a_sentence_without_spaces() {
    let mut app = App::new(Settings::new("小明", "chat.lan:6667"), (100, 30), t0());
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    line(&mut app, ":srv 001 小明 :Welcome");
    line(&mut app, ":小明!x@h JOIN #lobby");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :小明你好");
    assert!(app.chat.buffers.active().lines.back().unwrap().highlight);
}

#[test]
fn being_away_dims_ourselves_too() {
    let mut app = app();
    line(
        &mut app,
        ":srv 306 alice :You have been marked as being away",
    );
    assert!(app.chat.is_away("alice"));
    line(
        &mut app,
        ":srv 305 alice :You are no longer marked as being away",
    );
    assert!(!app.chat.is_away("alice"));
}

#[test]
fn standard_replies_are_shown() {
    let mut app = app();
    line(
        &mut app,
        ":srv FAIL CHATHISTORY INVALID_TARGET #nope :No such channel",
    );
    let last_line = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(last_line.kind, LineKind::Error);
    assert_eq!(last_line.text(), "CHATHISTORY: No such channel");
}
