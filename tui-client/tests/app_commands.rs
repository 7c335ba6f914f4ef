//! `App::update` tests for every slash command and the seeds' shortcuts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use natter::app::Overlay;
use natter::chat::buffers::BufferKind;
use natter::event::Effect;
use support::*;

#[test]
fn plain_text_goes_to_the_visible_channel_and_is_echoed_locally() {
    let mut app = app();
    let effects = submit(&mut app, "hello everyone");
    assert_eq!(sent(&effects), vec!["PRIVMSG #lobby :hello everyone"]);
    assert_eq!(last(&app), "alice: hello everyone");
    assert!(app.chat.buffers.active().lines.back().unwrap().own);
    assert!(app.view.input.is_empty());
}

#[test]
fn with_echo_message_the_server_echo_is_the_only_copy() {
    let mut app = app();
    line(&mut app, ":srv CAP alice ACK :echo-message");
    let effects = submit(&mut app, "hi");
    assert_eq!(sent(&effects), vec!["PRIVMSG #lobby hi"]);
    assert_ne!(last(&app), "alice: hi");
    line(&mut app, ":alice!a@h PRIVMSG #lobby :hi");
    assert_eq!(last(&app), "alice: hi");
    assert_eq!(app.chat.buffers.active().unread, 0);
}

#[test]
fn msg_and_w_whisper_without_switching() {
    let mut app = app();
    let effects = submit(&mut app, "/msg bob are you there?");
    assert_eq!(sent(&effects), vec!["PRIVMSG bob :are you there?"]);
    assert_eq!(active_name(&app), "#lobby");
    assert_eq!(last(&app), "→ bob: are you there?");
    assert_eq!(kind_of(&app, "bob"), BufferKind::Private);
    let effects = submit(&mut app, "/w carol yo");
    assert_eq!(sent(&effects), vec!["PRIVMSG carol yo"]);
}

#[test]
fn msg_without_text_explains_usage() {
    let mut app = app();
    let effects = submit(&mut app, "/msg bob");
    assert!(sent(&effects).is_empty());
    assert!(last(&app).contains("Usage: /msg NICK TEXT"));
}

#[test]
fn query_opens_and_shows_a_private_buffer() {
    let mut app = app();
    let effects = submit(&mut app, "/query bob hello");
    assert_eq!(active_name(&app), "bob");
    assert_eq!(sent(&effects), vec!["PRIVMSG bob hello"]);
    assert_eq!(last(&app), "alice: hello");
    let effects = submit(&mut app, "more");
    assert_eq!(sent(&effects), vec!["PRIVMSG bob more"]);
}

#[test]
fn me_sends_a_ctcp_action() {
    let mut app = app();
    let effects = submit(&mut app, "/me waves");
    assert_eq!(
        sent(&effects),
        vec!["PRIVMSG #lobby :\u{1}ACTION waves\u{1}"]
    );
    let line = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(line.kind, natter::chat::buffers::LineKind::Action);
    assert_eq!(line.text(), "waves");
}

#[test]
fn nick_sends_nick_and_the_reply_renames_us() {
    let mut app = app();
    let effects = submit(&mut app, "/nick alicia");
    assert_eq!(sent(&effects), vec!["NICK alicia"]);
    let effects = line(&mut app, ":alice!a@h NICK :alicia");
    assert_eq!(app.chat.session.nick, "alicia");
    assert!(effects.contains(&Effect::SetNick("alicia".into())));
    assert_eq!(sidebar(&app), vec!["@carol", "+bob", "alicia"]);
}

#[test]
fn join_adds_a_hash_and_switches_when_joined() {
    let mut app = app();
    let effects = submit(&mut app, "/join rust,#music");
    assert_eq!(sent(&effects), vec!["JOIN #rust,#music"]);
    line(&mut app, ":alice!a@h JOIN #music");
    assert_eq!(active_name(&app), "#lobby");
    line(&mut app, ":alice!a@h JOIN #rust");
    assert_eq!(active_name(&app), "#rust");
}

#[test]
fn part_leaves_the_visible_channel_with_a_reason() {
    let mut app = app();
    let effects = submit(&mut app, "/part bye all");
    assert_eq!(sent(&effects), vec!["PART #lobby :bye all"]);
    line(&mut app, ":alice!a@h PART #lobby :bye all");
    assert!(!app.chat.buffers.active().joined);
    assert!(app.chat.sidebar_members().is_empty());
    let effects = submit(&mut app, "anyone?");
    assert!(sent(&effects).is_empty());
    assert!(last(&app).contains("You are not in #lobby"));
}

#[test]
fn topic_shows_or_sets() {
    let mut app = app();
    line(&mut app, ":srv 332 alice #lobby :Welcome to the lobby");
    let effects = submit(&mut app, "/topic");
    assert!(sent(&effects).is_empty());
    assert_eq!(last(&app), "Topic of #lobby: Welcome to the lobby");
    let effects = submit(&mut app, "/topic lunch at noon");
    assert_eq!(sent(&effects), vec!["TOPIC #lobby :lunch at noon"]);
    line(&mut app, ":carol!c@h TOPIC #lobby :lunch at noon");
    assert_eq!(
        app.chat.buffers.active().topic.as_deref(),
        Some("lunch at noon")
    );
}

#[test]
fn names_asks_the_server_and_prints_the_reply() {
    let mut app = app();
    let effects = submit(&mut app, "/names");
    assert_eq!(sent(&effects), vec!["NAMES #lobby"]);
    line(&mut app, ":srv 353 alice = #lobby :alice +bob @carol dave");
    line(&mut app, ":srv 366 alice #lobby :End of NAMES");
    assert_eq!(last(&app), "4 members in #lobby: @carol, +bob, alice, dave");
}

#[test]
fn hash_alone_lists_members_like_the_seeds() {
    let mut app = app();
    let effects = submit(&mut app, "#");
    assert!(sent(&effects).is_empty());
    assert_eq!(last(&app), "3 members in #lobby: @carol, +bob, alice");
}

#[test]
fn ampersand_alone_shows_help_like_the_seeds() {
    let mut app = app();
    let effects = submit(&mut app, "&");
    assert!(sent(&effects).is_empty());
    let all = texts(&app).join("\n");
    assert!(all.contains("/msg NICK TEXT"));
    assert!(all.contains("TEXT@NICK"));
}

#[test]
fn text_at_member_whispers_them() {
    let mut app = app();
    let effects = submit(&mut app, "see you at 5@bob");
    assert_eq!(sent(&effects), vec!["PRIVMSG bob :see you at 5"]);
    assert_eq!(last(&app), "→ bob: see you at 5");
}

#[test]
fn text_at_non_member_is_ordinary_text() {
    let mut app = app();
    let effects = submit(&mut app, "mail me at me@example.org");
    assert_eq!(
        sent(&effects),
        vec!["PRIVMSG #lobby :mail me at me@example.org"]
    );
}

#[test]
fn whois_sends_whois_and_shows_replies() {
    let mut app = app();
    let effects = submit(&mut app, "/whois bob");
    assert_eq!(sent(&effects), vec!["WHOIS bob"]);
    line(&mut app, ":srv 311 alice bob ~bob host.lan * :Bob B");
    assert_eq!(last(&app), "bob is ~bob@host.lan (Bob B)");
}

#[test]
fn away_and_back() {
    let mut app = app();
    assert_eq!(sent(&submit(&mut app, "/away lunch")), vec!["AWAY lunch"]);
    line(
        &mut app,
        ":srv 306 alice :You have been marked as being away",
    );
    assert!(app.chat.session.away);
    assert_eq!(sent(&submit(&mut app, "/back")), vec!["AWAY"]);
    line(
        &mut app,
        ":srv 305 alice :You are no longer marked as being away",
    );
    assert!(!app.chat.session.away);
}

#[test]
fn quit_asks_the_loop_to_quit_with_the_reason() {
    let mut app = app();
    let effects = submit(&mut app, "/quit see you");
    assert_eq!(effects, vec![Effect::Quit("see you".into())]);
    assert!(app.chat.quitting);
}

#[test]
fn help_lists_commands() {
    let mut app = app();
    submit(&mut app, "/help");
    let all = texts(&app).join("\n");
    for command in [
        "/msg", "/query", "/me", "/nick", "/join", "/part", "/topic", "/names", "/whois", "/away",
        "/back", "/quit", "/clear", "/close",
    ] {
        assert!(all.contains(command), "{command} missing");
    }
}

#[test]
fn clear_empties_the_buffer() {
    let mut app = app();
    submit(&mut app, "one");
    submit(&mut app, "/clear");
    assert!(app.chat.buffers.active().lines.is_empty());
}

#[test]
fn close_parts_a_channel_and_removes_its_buffer() {
    let mut app = app();
    let effects = submit(&mut app, "/close");
    assert_eq!(sent(&effects), vec!["PART #lobby"]);
    assert!(
        app.chat
            .buffers
            .find("#lobby", app.chat.session.casemapping)
            .is_none()
    );
    submit(&mut app, "/query bob");
    submit(&mut app, "/close");
    assert!(
        app.chat
            .buffers
            .find("bob", app.chat.session.casemapping)
            .is_none()
    );
    submit(&mut app, "/close");
    assert_eq!(app.chat.buffers.len(), 1);
    assert!(last(&app).contains("server buffer stays open"));
}

#[test]
fn raw_sends_a_line_verbatim() {
    let mut app = app();
    assert_eq!(
        sent(&submit(&mut app, "/raw MODE #lobby +t")),
        vec!["MODE #lobby +t"]
    );
}

#[test]
fn unknown_commands_go_to_the_server_as_typed() {
    let mut app = app();
    assert_eq!(sent(&submit(&mut app, "/frobnicate")), vec!["FROBNICATE"]);
    assert_eq!(
        sent(&submit(&mut app, "/knock #secret let me in")),
        vec!["KNOCK #secret let me in"]
    );
    assert!(sent(&submit(&mut app, "/@@@ x")).is_empty());
    assert_eq!(
        last(&app),
        "/@@@ is not a command natter or IRC knows. Type /help for the list."
    );
}

#[test]
fn double_slash_sends_a_literal_slash() {
    let mut app = app();
    assert_eq!(
        sent(&submit(&mut app, "//shrug")),
        vec!["PRIVMSG #lobby /shrug"]
    );
}

#[test]
fn typing_while_disconnected_keeps_the_text() {
    let mut app = fresh();
    let effects = submit(&mut app, "hello?");
    assert!(sent(&effects).is_empty());
    assert_eq!(app.view.input.text(), "hello?");
    assert!(last(&app).starts_with("Not connected"));
}

#[test]
fn long_messages_are_split_without_breaking_characters() {
    let mut app = app();
    let text = "你好世界 ".repeat(60);
    let effects = submit(&mut app, &text);
    let lines = sent(&effects);
    assert!(lines.len() >= 2, "{lines:?}");
    let mut rebuilt = String::new();
    for effect in &effects {
        if let Effect::Send(message) = effect
            && message.command == "PRIVMSG"
        {
            // What the server relays: ":alice!user@host " (user <= 10, host <= 63) + our line.
            let relayed = 1 + "alice".len() + 1 + 10 + 1 + 63 + 1 + message.to_wire().len();
            assert!(relayed <= 512, "{relayed}");
            rebuilt.push_str(message.arg(1).unwrap());
            rebuilt.push(' ');
        }
    }
    assert_eq!(
        rebuilt.split_whitespace().collect::<Vec<_>>(),
        text.split_whitespace().collect::<Vec<_>>()
    );
}

#[test]
fn server_buffer_refuses_chat_with_advice() {
    let mut app = app();
    support::alt(&mut app, crossterm::event::KeyCode::Char('1'));
    let effects = submit(&mut app, "hello");
    assert!(sent(&effects).is_empty());
    assert!(last(&app).contains("server buffer"));
}

#[test]
fn a_long_paste_asks_before_sending() {
    let mut app = app();
    app.update(natter::event::AppEvent::Paste(
        "one\ntwo\nthree\nfour\nfive".into(),
    ));
    let effects = key(&mut app, crossterm::event::KeyCode::Enter);
    assert!(sent(&effects).is_empty());
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::ConfirmPaste { .. })
    ));
    let effects = key(&mut app, crossterm::event::KeyCode::Char('y'));
    assert_eq!(sent(&effects).len(), 5);
    assert!(app.view.overlay.is_none());
}

#[test]
fn a_refused_paste_goes_back_to_the_input_line() {
    let mut app = app();
    app.update(natter::event::AppEvent::Paste("1\n2\n3\n4\n".into()));
    key(&mut app, crossterm::event::KeyCode::Enter);
    let effects = key(&mut app, crossterm::event::KeyCode::Esc);
    assert!(sent(&effects).is_empty());
    assert_eq!(app.view.input.text(), "1\n2\n3\n4");
}

#[test]
fn a_short_paste_sends_each_line() {
    let mut app = app();
    app.update(natter::event::AppEvent::Paste("first\r\nsecond\r\n".into()));
    assert_eq!(app.view.input.text(), "first\nsecond");
    let effects = key(&mut app, crossterm::event::KeyCode::Enter);
    assert_eq!(
        sent(&effects),
        vec!["PRIVMSG #lobby first", "PRIVMSG #lobby second"]
    );
}

#[test]
fn whois_replies_read_as_sentences() {
    let mut app = app();
    submit(&mut app, "/whois bob");
    line(&mut app, ":srv 312 alice bob irc.lan :LAN server");
    assert_eq!(last(&app), "bob is on irc.lan (LAN server)");
    line(&mut app, ":srv 319 alice bob :@#rust #lobby");
    assert_eq!(last(&app), "bob is in @#rust #lobby");
    line(
        &mut app,
        ":srv 317 alice bob 95 1795306613 :seconds idle, signon time",
    );
    assert!(
        last(&app).starts_with("bob has been idle 1m 35s, connected since "),
        "{}",
        last(&app)
    );
    line(&mut app, ":srv 301 alice bob :lunch");
    assert_eq!(last(&app), "bob is away: lunch");
    line(&mut app, ":srv 330 alice bob bobby :is logged in as");
    assert_eq!(last(&app), "bob is logged in as bobby");
}

#[test]
fn login_and_sasl_failure_show_the_servers_sentence() {
    let mut app = app();
    line(
        &mut app,
        ":srv 900 alice alice!~alice@host alice :You are now logged in as alice",
    );
    assert_eq!(last(&app), "You are now logged in as alice");
    line(
        &mut app,
        ":srv 904 alice :SASL authentication failed: Invalid account name or password",
    );
    assert_eq!(
        last(&app),
        "SASL authentication failed: Invalid account name or password"
    );
}

#[test]
fn a_huge_paste_is_refused_and_kept() {
    let mut app = app();
    let text: Vec<String> = (0..250).map(|i| format!("line {i}")).collect();
    app.update(natter::event::AppEvent::Paste(text.join("\n")));
    key(&mut app, crossterm::event::KeyCode::Enter);
    let effects = key(&mut app, crossterm::event::KeyCode::Char('y'));
    assert!(sent(&effects).is_empty());
    assert!(last(&app).contains("250 lines"), "{}", last(&app));
    assert_eq!(app.view.input.text(), text.join("\n"));
}

#[test]
fn a_closed_channel_stays_closed_while_its_part_is_on_the_way() {
    let mut app = app();
    submit(&mut app, "/close");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :still talking");
    line(&mut app, ":dave!d@h JOIN #lobby");
    assert!(
        app.chat
            .buffers
            .find("#lobby", app.chat.session.casemapping)
            .is_none()
    );
    line(&mut app, ":alice!a@h PART #lobby");
    let effects = submit(&mut app, "/join #lobby");
    assert_eq!(sent(&effects), vec!["JOIN #lobby"]);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :welcome back");
    assert_eq!(active_name(&app), "#lobby");
    assert_eq!(last(&app), "bob: welcome back");
}

#[test]
fn a_topic_reply_for_another_channel_does_not_open_a_buffer() {
    let mut app = app();
    line(&mut app, ":srv 332 alice #elsewhere :their topic");
    assert!(
        app.chat
            .buffers
            .find("#elsewhere", app.chat.session.casemapping)
            .is_none()
    );
    assert_eq!(last(&app), "Topic of #elsewhere: their topic");
}
