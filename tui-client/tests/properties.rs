//! Property tests: wrapping, splitting and editing hold their promises for
//! any text, including CJK, emoji, combining marks and control characters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, NetEvent};
use natter::text::{self, StyledText};
use natter::view::input::InputLine;
use natter_protocol::Message;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;

/// Text mixing ASCII, spaces, CJK, emoji (with modifiers and ZWJ), combining
/// marks and controls.
fn mixed_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-z]{1,8}",
        Just(" ".to_owned()),
        "[你好世界漢字]{1,4}",
        Just("👍🏽".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("\u{1b}[2J".to_owned()),
        Just("\u{3}4,5".to_owned()),
        Just("\t".to_owned()),
    ];
    proptest::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn row_width(row: &[StyledText]) -> usize {
    row.iter().map(|r| text::width(&r.text)).sum()
}

proptest! {
    #[test]
    fn width_and_clusters_agree_with_full_segmentation(input in prop_oneof!["[ -~]{0,80}", "[\\x00-\\x7f]{0,40}", mixed_text()]) {
        use unicode_segmentation::UnicodeSegmentation;
        let tables: Vec<&str> = input.graphemes(true).collect();
        let fast: Vec<&str> = text::clusters(&input).collect();
        prop_assert_eq!(&fast, &tables);
        let widths: usize = tables.iter().map(|g| {
            if g.contains(char::is_control) { 0 } else { unicode_width::UnicodeWidthStr::width(*g) }
        }).sum();
        prop_assert_eq!(text::width(&input), widths);
    }

    #[test]
    fn wrapped_rows_fit_and_keep_every_visible_character(input in mixed_text(), width in 2usize..60) {
        let runs = text::parse_irc_text(&input);
        let rows = text::wrap(&runs, width, width);
        for row in &rows {
            prop_assert!(row_width(row) <= width, "row {:?} wider than {}", row, width);
        }
        let joined: String = rows.iter().flatten().map(|r| r.text.as_str()).collect();
        let original: String = runs.iter().map(|r| r.text.as_str()).collect();
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(strip(&joined), strip(&original));
    }

    #[test]
    fn split_pieces_fit_and_rejoin(input in mixed_text(), max in 16usize..120) {
        let pieces = text::split_by_bytes(&input, max);
        for piece in &pieces {
            prop_assert!(piece.len() <= max);
        }
        // Whitespace at a break is dropped on purpose; nothing else is.
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        prop_assert_eq!(strip(&pieces.concat()), strip(&input));
    }

    #[test]
    fn editing_never_breaks_a_grapheme(input in mixed_text(), ops in proptest::collection::vec(0u8..12, 0..40)) {
        let mut line = InputLine::default();
        line.set_text(&input);
        for op in ops {
            match op {
                0 => line.left(),
                1 => line.right(),
                2 => line.backspace(),
                3 => line.delete(),
                4 => line.home(),
                5 => line.end(),
                6 => line.kill_word(),
                7 => line.kill_to_start(),
                8 => line.kill_to_end(),
                9 => line.yank(),
                10 => line.word_left(),
                _ => line.insert("漢"),
            }
            prop_assert!(line.text().is_char_boundary(line.cursor()));
        }
    }

    #[test]
    fn any_message_at_any_size_renders_without_control_characters(
        input in mixed_text(),
        width in 1u16..120,
        height in 1u16..40,
    ) {
        let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let mut app = App::new(Settings::new("alice", "h:6667"), (width, height), now);
        let feed = |app: &mut App, raw: &str| {
            if let Ok(message) = Message::parse(raw) {
                app.update(AppEvent::Net(NetEvent::Line { message, received_at: now }));
            }
        };
        feed(&mut app, ":s 001 alice :hi");
        feed(&mut app, ":alice!a@h JOIN #lobby");
        let safe: String = input.chars().filter(|c| *c != '\r' && *c != '\n' && *c != '\0').collect();
        feed(&mut app, &format!(":bob!b@h PRIVMSG #lobby :{safe}"));
        app.update(AppEvent::Paste(input.clone()));
        app.update(AppEvent::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)));
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| natter::ui::draw(&app, frame)).unwrap();
        for cell in terminal.backend().buffer().content() {
            prop_assert!(!cell.symbol().chars().any(char::is_control));
        }
    }
}

#[test]
fn styled_runs_keep_their_style_through_wrapping() {
    let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
    let runs = vec![
        StyledText::new("plain ", Style::new()),
        StyledText::new("bold words here", bold),
    ];
    let rows = text::wrap(&runs, 8, 8);
    assert!(
        rows.iter()
            .flatten()
            .filter(|r| r.text.contains("bold"))
            .all(|r| r.style == bold)
    );
}
