//! `App::update` tests for every key and mouse action.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use natter::app::Overlay;
use natter::event::{AppEvent, Effect};
use support::*;

fn selected(app: &natter::app::App) -> Option<String> {
    app.chat
        .selected_member_index()
        .map(|i| app.chat.sidebar_members()[i].nick.clone())
}

#[test]
fn alt_down_and_up_move_the_sidebar_selection_and_wrap() {
    let mut app = app();
    assert_eq!(sidebar(&app), vec!["@carol", "+bob", "alice"]);
    alt(&mut app, KeyCode::Down);
    assert_eq!(selected(&app).as_deref(), Some("carol"));
    alt(&mut app, KeyCode::Down);
    assert_eq!(selected(&app).as_deref(), Some("bob"));
    alt(&mut app, KeyCode::Up);
    alt(&mut app, KeyCode::Up);
    assert_eq!(selected(&app).as_deref(), Some("alice"));
}

#[test]
fn alt_enter_opens_a_private_buffer_with_the_selected_member() {
    let mut app = app();
    alt(&mut app, KeyCode::Down);
    alt(&mut app, KeyCode::Down);
    alt(&mut app, KeyCode::Enter);
    assert_eq!(active_name(&app), "bob");
    let effects = submit(&mut app, "psst");
    assert_eq!(sent(&effects), vec!["PRIVMSG bob psst"]);
}

#[test]
fn alt_enter_on_ourselves_or_nothing_explains() {
    let mut app = app();
    alt(&mut app, KeyCode::Enter);
    assert!(last(&app).starts_with("No member selected"));
    alt(&mut app, KeyCode::Up);
    alt(&mut app, KeyCode::Enter);
    assert!(last(&app).starts_with("That's you"));
    assert_eq!(active_name(&app), "#lobby");
}

#[test]
fn f2_focuses_the_sidebar_for_arrows_and_enter() {
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    assert!(app.view.sidebar_focused);
    assert_eq!(selected(&app).as_deref(), Some("carol"));
    key(&mut app, KeyCode::Down);
    assert_eq!(selected(&app).as_deref(), Some("bob"));
    key(&mut app, KeyCode::Enter);
    assert!(!app.view.sidebar_focused);
    assert_eq!(active_name(&app), "bob");
}

#[test]
fn esc_leaves_sidebar_focus_and_typing_goes_to_the_input() {
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::Esc);
    assert!(!app.view.sidebar_focused);
    key(&mut app, KeyCode::F(2));
    type_text(&mut app, "hi");
    assert!(!app.view.sidebar_focused);
    assert_eq!(app.view.input.text(), "hi");
}

#[test]
fn clicking_a_member_selects_then_a_second_click_whispers() {
    let mut app = app();
    let sidebar = app.areas().sidebar.unwrap();
    // Row 0 of the sidebar is its title; members start below it.
    click(&mut app, sidebar.x + 3, sidebar.y + 2);
    assert_eq!(selected(&app).as_deref(), Some("bob"));
    assert_eq!(active_name(&app), "#lobby");
    click(&mut app, sidebar.x + 3, sidebar.y + 2);
    assert_eq!(active_name(&app), "bob");
}

#[test]
fn clicking_a_tab_shows_that_buffer() {
    let mut app = app();
    click(&mut app, 2, 0);
    assert_eq!(app.chat.buffers.active_index(), 0);
}

#[test]
fn ctrl_n_ctrl_p_and_alt_arrows_cycle_buffers() {
    let mut app = app();
    submit(&mut app, "/query bob");
    assert_eq!(active_name(&app), "bob");
    ctrl(&mut app, 'n');
    assert_eq!(app.chat.buffers.active_index(), 0);
    ctrl(&mut app, 'p');
    assert_eq!(active_name(&app), "bob");
    alt(&mut app, KeyCode::Left);
    assert_eq!(active_name(&app), "#lobby");
    alt(&mut app, KeyCode::Right);
    assert_eq!(active_name(&app), "bob");
}

#[test]
fn alt_digits_jump_to_a_buffer() {
    let mut app = app();
    alt(&mut app, KeyCode::Char('1'));
    assert_eq!(app.chat.buffers.active_index(), 0);
    alt(&mut app, KeyCode::Char('2'));
    assert_eq!(active_name(&app), "#lobby");
    alt(&mut app, KeyCode::Char('9'));
    assert_eq!(active_name(&app), "#lobby");
}

#[test]
fn alt_a_jumps_to_a_whisper_before_plain_unread() {
    let mut app = app();
    submit(&mut app, "/join #rust");
    line(&mut app, ":alice!a@h JOIN #rust");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :just chatting");
    line(&mut app, ":dave!d@h PRIVMSG alice :a secret");
    alt(&mut app, KeyCode::Char('a'));
    assert_eq!(active_name(&app), "dave");
    alt(&mut app, KeyCode::Char('a'));
    assert_eq!(active_name(&app), "#lobby");
    assert_eq!(app.chat.buffers.active().unread, 0);
}

#[test]
fn page_up_scrolls_and_new_lines_are_counted_below() {
    let mut app = app();
    for i in 0..100 {
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :line {i}"));
    }
    key(&mut app, KeyCode::PageUp);
    assert!(app.chat.buffers.active().scroll.is_some());
    line(&mut app, ":bob!b@h PRIVMSG #lobby :fresh");
    assert_eq!(app.chat.buffers.active().unseen_below, 1);
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::PageDown);
    assert!(app.chat.buffers.active().scroll.is_none());
}

#[test]
fn esc_and_ctrl_end_return_to_the_newest_lines() {
    let mut app = app();
    for i in 0..100 {
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :line {i}"));
    }
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::Esc);
    assert!(app.chat.buffers.active().scroll.is_none());
    key(&mut app, KeyCode::PageUp);
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::End,
        KeyModifiers::CONTROL,
    )));
    assert!(app.chat.buffers.active().scroll.is_none());
}

#[test]
fn page_up_stops_at_the_top() {
    let mut app = app();
    for i in 0..30 {
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :line {i}"));
    }
    for _ in 0..20 {
        key(&mut app, KeyCode::PageUp);
    }
    let screen = screen_text(&app, 100, 30);
    assert!(screen.contains("You joined #lobby"), "{screen}");
}

#[test]
fn mouse_wheel_scrolls() {
    let mut app = app();
    for i in 0..100 {
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :line {i}"));
    }
    mouse(&mut app, MouseEventKind::ScrollUp, 10, 10);
    assert!(app.chat.buffers.active().scroll.is_some());
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 10);
    assert!(app.chat.buffers.active().scroll.is_none());
}

#[test]
fn tab_completes_recent_speakers_first_and_cycles() {
    let mut app = app();
    line(&mut app, ":srv 353 alice = #lobby :alice +bob @carol bobby");
    line(&mut app, ":srv 366 alice #lobby :End");
    line(&mut app, ":bobby!b@h PRIVMSG #lobby :hi");
    type_text(&mut app, "bo");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "bobby: ");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "bob: ");
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.view.input.text(), "bobby: ");
}

#[test]
fn tab_in_mid_line_adds_a_space_and_completes_channels() {
    let mut app = app();
    type_text(&mut app, "ask ca");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "ask carol ");
    type_text(&mut app, "in #lo");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "ask carol in #lobby ");
}

#[test]
fn up_and_down_browse_history() {
    let mut app = app();
    submit(&mut app, "first");
    submit(&mut app, "second");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.view.input.text(), "second");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.view.input.text(), "first");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.view.input.text(), "");
}

#[test]
fn editing_keys() {
    let mut app = app();
    type_text(&mut app, "hello wide 世界");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.view.input.text(), "hello wide 界");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    assert_eq!(app.view.input.text(), "ello wide 界");
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'w');
    assert_eq!(app.view.input.text(), "ello wide ");
    ctrl(&mut app, 'a');
    key(&mut app, KeyCode::Right);
    ctrl(&mut app, 'k');
    assert_eq!(app.view.input.text(), "e");
    ctrl(&mut app, 'y');
    assert_eq!(app.view.input.text(), "ello wide ");
    key(&mut app, KeyCode::End);
    ctrl(&mut app, 'u');
    assert_eq!(app.view.input.text(), "");
    type_text(&mut app, "one two");
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::Left,
        KeyModifiers::CONTROL,
    )));
    type_text(&mut app, "big ");
    assert_eq!(app.view.input.text(), "one big two");
    alt(&mut app, KeyCode::Backspace);
    assert_eq!(app.view.input.text(), "one two");
}

#[test]
fn ctrl_c_clears_then_quits() {
    let mut app = app();
    type_text(&mut app, "draft");
    let effects = ctrl(&mut app, 'c');
    assert!(sent(&effects).is_empty(), "{effects:?}");
    assert!(!effects.contains(&Effect::Quit("natter".into())));
    assert!(app.view.input.is_empty());
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit("natter".into())]);
}

#[test]
fn f1_and_question_mark_open_help_and_esc_closes() {
    let mut app = app();
    key(&mut app, KeyCode::F(1));
    assert_eq!(app.view.overlay, Some(Overlay::Help));
    type_text(&mut app, "x");
    assert!(
        app.view.input.is_empty(),
        "keys go to the overlay while it is open"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view.overlay, None);
    type_text(&mut app, "?");
    assert_eq!(app.view.overlay, Some(Overlay::Help));
    key(&mut app, KeyCode::Esc);
    type_text(&mut app, "why?");
    assert_eq!(app.view.input.text(), "why?");
    assert_eq!(app.view.overlay, None);
}

#[test]
fn ctrl_l_redraws() {
    let mut app = app();
    assert_eq!(ctrl(&mut app, 'l'), vec![Effect::Redraw]);
}

#[test]
fn paste_of_one_line_inserts_at_the_cursor() {
    let mut app = app();
    type_text(&mut app, "ab");
    key(&mut app, KeyCode::Left);
    app.update(AppEvent::Paste("XY\u{1b}[2J".into()));
    assert_eq!(app.view.input.text(), "aXY[2Jb");
}

#[test]
fn key_releases_are_ignored() {
    let mut app = app();
    app.update(AppEvent::Key(KeyEvent::new_with_kind(
        KeyCode::Char('x'),
        KeyModifiers::NONE,
        crossterm::event::KeyEventKind::Release,
    )));
    assert!(app.view.input.is_empty());
}

#[test]
fn resize_changes_the_layout_and_hides_the_sidebar_when_narrow() {
    let mut app = app();
    assert!(app.areas().sidebar.is_some());
    app.update(AppEvent::Resize {
        width: 40,
        height: 12,
    });
    assert!(app.areas().sidebar.is_none());
    assert_eq!(app.size, (40, 12));
}

#[test]
fn help_scrolls_when_it_does_not_fit() {
    let mut app = app();
    key(&mut app, KeyCode::F(1));
    let top = screen_text(&app, 80, 24);
    assert!(top.contains("Alt+Enter"), "{top}");
    for _ in 0..10 {
        key(&mut app, KeyCode::PageDown);
    }
    let bottom = screen_text(&app, 80, 24);
    assert!(bottom.contains("//TEXT"), "{bottom}");
    assert!(!bottom.contains("Alt+Enter"), "{bottom}");
    key(&mut app, KeyCode::Home);
    assert_eq!(app.view.help_scroll, 0);
}

#[test]
fn altgr_characters_are_typed() {
    let mut app = app();
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::Char('@'),
        KeyModifiers::CONTROL | KeyModifiers::ALT,
    )));
    assert_eq!(app.view.input.text(), "@");
}

#[test]
fn tab_completes_commands_at_the_start_of_the_line() {
    let mut app = app();
    type_text(&mut app, "/jo");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "/join ");
    ctrl(&mut app, 'u');
    type_text(&mut app, "/msg ca");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "/msg carol ");
}
