//! Rendering that was wrong before: placeholders that did not fit the
//! buffer, truncation without a marker, help tables at 80x24 and 60
//! columns, wide characters at overlay borders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

#[test]
fn the_server_buffer_does_not_invite_messages_it_refuses() {
    let mut app = app();
    app.update(natter::event::AppEvent::Key(
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('1'),
            crossterm::event::KeyModifiers::ALT,
        ),
    ));
    assert_eq!(active_name(&app), "chat.lan:6667");
    let screen = screen_text(&app, 80, 24);
    assert!(!screen.contains("type a message"), "{screen}");
    assert!(screen.contains("/join #room to chat"), "{screen}");
}

#[test]
fn a_parted_channel_offers_no_whisper_hints() {
    let mut app = app();
    line(&mut app, ":alice!a@h PART #lobby");
    let screen = screen_text(&app, 80, 24);
    assert!(!screen.contains("whisper"), "{screen}");
    assert!(screen.contains("not joined"), "{screen}");
    assert!(screen.contains("/join #lobby to chat here"), "{screen}");
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn long_nicks_are_cut_with_a_marker_in_messages_and_the_sidebar() {
    let mut app = app();
    let long = "averyveryverylongnickname";
    line(&mut app, &format!(":{long}!x@h JOIN #lobby"));
    line(&mut app, &format!(":{long}!x@h PRIVMSG #lobby :hi there"));
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("<averyveryverylo…> hi there"), "{screen}");
    assert!(screen.contains(" averyveryverylon…"), "{screen}");
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn tabs_that_overflow_the_bar_are_counted_with_their_activity() {
    let mut app = app();
    for room in [
        "#alpha", "#bravo", "#charlie", "#delta", "#echo", "#foxtrot",
    ] {
        line(&mut app, &format!(":alice!a@h JOIN {room}"));
    }
    line(&mut app, ":bob!b@h PRIVMSG #foxtrot :alice: look here");
    let screen = screen_text(&app, 60, 24);
    let bar = screen.lines().next().unwrap().to_owned();
    assert!(bar.trim_end().ends_with("4!›"), "{bar}");
    // Showing the last tab hides the first ones behind a left mark.
    alt(&mut app, crossterm::event::KeyCode::Char('8'));
    let screen = screen_text(&app, 60, 24);
    let bar = screen.lines().next().unwrap().to_owned();
    assert!(bar.starts_with("‹"), "{bar}");
    assert!(bar.contains("8:#foxtrot"), "{bar}");
    insta::assert_snapshot!(render(&app, 60, 24).backend());
}

#[test]
fn clicking_an_overflow_mark_shows_the_nearest_hidden_buffer() {
    let mut app = app();
    for room in [
        "#alpha", "#bravo", "#charlie", "#delta", "#echo", "#foxtrot",
    ] {
        line(&mut app, &format!(":alice!a@h JOIN {room}"));
    }
    app.update(natter::event::AppEvent::Resize {
        width: 60,
        height: 24,
    });
    alt(&mut app, crossterm::event::KeyCode::Char('2'));
    let shown_before = active_name(&app);
    click(&mut app, 59, 0);
    assert_ne!(active_name(&app), shown_before);
    let screen = screen_text(&app, 60, 24);
    let bar = screen.lines().next().unwrap().to_owned();
    assert!(bar.contains(&active_name(&app)), "{bar}");
}

/// Every entry of the F1 help, key and description, reads whole at `width`
/// columns: wrapped inside its column, never cut.
fn help_reads_whole_at(width: u16) {
    let keys = natter::view::keymap::KeyMap::default();
    let inner = width.min(96) - 4;
    let (key_width, rows) = natter::ui::help::help_display_rows(&keys, inner);
    let joined_keys: String = rows.iter().map(|(k, _)| format!("{k} ")).collect();
    let joined_what: String = rows.iter().map(|(_, w)| format!("{w} ")).collect();
    for (key, what) in natter::ui::help::help_rows(&keys) {
        for word in what.split_whitespace() {
            assert!(joined_what.contains(word), "{word} of {what:?} at {width}");
        }
        for word in key.split_whitespace() {
            assert!(joined_keys.contains(word), "{word} of {key:?} at {width}");
        }
    }
    for (key, what) in &rows {
        assert!(unicode_width::UnicodeWidthStr::width(key.as_str()) < usize::from(key_width));
        assert!(
            unicode_width::UnicodeWidthStr::width(what.as_str()) <= usize::from(inner - key_width)
        );
    }
}

#[test]
fn the_help_overlay_wraps_inside_its_columns_at_80_and_60() {
    help_reads_whole_at(80);
    help_reads_whole_at(60);
    let mut app = app();
    key(&mut app, crossterm::event::KeyCode::F(1));
    insta::assert_snapshot!("help_80x24", render(&app, 80, 24).backend());
    insta::assert_snapshot!("help_60x24", render(&app, 60, 24).backend());
}

#[test]
fn slash_help_keeps_its_table_when_it_wraps() {
    let mut app = app();
    submit(&mut app, "/help");
    let screen = screen_text(&app, 80, 24);
    // "/ANYTHING" wraps at 80x24 (the sidebar takes 20 columns): its second
    // row starts under the description column, not at the left edge.
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows
        .iter()
        .position(|r| r.contains("/ANYTHING ARGS"))
        .unwrap_or_else(|| panic!("the /ANYTHING row is on screen: {screen}"));
    let column = rows[at].find("other commands").unwrap();
    let next = rows[at + 1];
    assert_eq!(
        next[..column].trim(),
        "",
        "the continuation of /ANYTHING starts left of its column: {next:?}"
    );
    assert!(!next[column..].starts_with(' '), "{next:?}");
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn a_wide_character_across_an_overlay_edge_leaves_the_border_whole() {
    let mut app = app();
    // The topic row starts at column 1: 漢 covers columns 1-2, and the
    // help box's left border is at column 2 in a 100-column terminal.
    line(
        &mut app,
        ":srv 332 alice #lobby :漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字",
    );
    key(&mut app, crossterm::event::KeyCode::F(1));
    let screen = screen_text(&app, 100, 24);
    let topic_row = screen.lines().nth(1).unwrap();
    assert!(topic_row.starts_with("  │"), "{topic_row:?}");
    assert!(topic_row.trim_end().ends_with('│'), "{topic_row:?}");
    insta::assert_snapshot!(render(&app, 100, 24).backend());
}
