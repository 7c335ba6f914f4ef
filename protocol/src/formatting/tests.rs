//! Formatting tests: styles, colours, and removal of control characters.

use super::*;

fn span(style: Style, text: &str) -> Span {
    Span {
        style,
        text: text.to_owned(),
    }
}

fn bold() -> Style {
    Style {
        bold: true,
        ..Style::default()
    }
}

fn colors(fg: Option<Color>, bg: Option<Color>) -> Style {
    Style {
        fg,
        bg,
        ..Style::default()
    }
}

#[test]
fn plain_text_is_one_plain_span() {
    assert_eq!(
        parse_formatting("hello"),
        vec![span(Style::default(), "hello")]
    );
    assert!(parse_formatting("").is_empty());
}

#[test]
fn bold_toggles() {
    assert_eq!(
        parse_formatting("a\x02b\x02c"),
        vec![
            span(Style::default(), "a"),
            span(bold(), "b"),
            span(Style::default(), "c"),
        ]
    );
}

#[test]
fn every_toggle_sets_its_flag() {
    type Flag = fn(&Style) -> bool;
    let cases: [(char, Flag); 6] = [
        (BOLD, |s| s.bold),
        (ITALIC, |s| s.italic),
        (UNDERLINE, |s| s.underline),
        (STRIKETHROUGH, |s| s.strikethrough),
        (MONOSPACE, |s| s.monospace),
        (REVERSE, |s| s.reverse),
    ];
    for (code, flag) in cases {
        let spans = parse_formatting(&format!("{code}x"));
        assert_eq!(spans.len(), 1);
        assert!(flag(&spans[0].style), "{code:?}");
        // The same code again toggles the flag off.
        let spans = parse_formatting(&format!("{code}x{code}y"));
        assert_eq!(spans.last().map(|span| span.style), Some(Style::default()));
    }
}

#[test]
fn reset_clears_everything() {
    assert_eq!(
        parse_formatting("\x02\x1D\x0304,05a\x0Fb"),
        vec![
            span(
                Style {
                    bold: true,
                    italic: true,
                    fg: Some(Color::Indexed(4)),
                    bg: Some(Color::Indexed(5)),
                    ..Style::default()
                },
                "a"
            ),
            span(Style::default(), "b"),
        ]
    );
}

#[test]
fn colour_with_foreground_and_background() {
    assert_eq!(
        parse_formatting("\x0312,4blue on red"),
        vec![span(
            colors(Some(Color::Indexed(12)), Some(Color::Indexed(4))),
            "blue on red"
        )]
    );
}

#[test]
fn foreground_only_keeps_background() {
    assert_eq!(
        parse_formatting("\x031,2a\x033b"),
        vec![
            span(
                colors(Some(Color::Indexed(1)), Some(Color::Indexed(2))),
                "a"
            ),
            span(
                colors(Some(Color::Indexed(3)), Some(Color::Indexed(2))),
                "b"
            ),
        ]
    );
}

#[test]
fn colour_takes_at_most_two_digits() {
    assert_eq!(
        parse_formatting("\x03100"),
        vec![span(colors(Some(Color::Indexed(10)), None), "0")]
    );
    assert_eq!(
        parse_formatting("\x0304,123"),
        vec![span(
            colors(Some(Color::Indexed(4)), Some(Color::Indexed(12))),
            "3"
        )]
    );
}

#[test]
fn comma_without_digit_is_text() {
    assert_eq!(
        parse_formatting("\x034,x"),
        vec![span(colors(Some(Color::Indexed(4)), None), ",x")]
    );
    // A comma right after \x03 is not a background: colours reset and the comma is text.
    assert_eq!(
        parse_formatting("\x034a\x03,5b"),
        vec![
            span(colors(Some(Color::Indexed(4)), None), "a"),
            span(Style::default(), ",5b"),
        ]
    );
}

#[test]
fn bare_colour_code_resets_colours() {
    assert_eq!(
        parse_formatting("\x034,5a\x03b"),
        vec![
            span(
                colors(Some(Color::Indexed(4)), Some(Color::Indexed(5))),
                "a"
            ),
            span(Style::default(), "b"),
        ]
    );
}

#[test]
fn colour_99_is_default() {
    assert_eq!(
        parse_formatting("\x034,99a"),
        vec![span(colors(Some(Color::Indexed(4)), None), "a")]
    );
}

#[test]
fn hex_colours() {
    assert_eq!(
        parse_formatting("\x04FF8000,00ff7fa\x04b"),
        vec![
            span(
                colors(Some(Color::Rgb(255, 128, 0)), Some(Color::Rgb(0, 255, 127))),
                "a"
            ),
            span(Style::default(), "b"),
        ]
    );
    // Not six hex digits: colours reset and the text stays.
    assert_eq!(
        parse_formatting("\x04FF80zz"),
        vec![span(Style::default(), "FF80zz")]
    );
}

#[test]
fn escape_sequences_lose_their_escape() {
    assert_eq!(strip_formatting("a\x1b[2Jb"), "a[2Jb");
    assert_eq!(
        parse_formatting("\x1b[31mred"),
        vec![span(Style::default(), "[31mred")]
    );
}

#[test]
fn osc_52_clipboard_write_loses_esc_and_bel() {
    let stripped = strip_formatting("\x1b]52;c;ZXZpbA==\x07after");
    assert_eq!(stripped, "]52;c;ZXZpbA==after");
    assert!(!stripped.contains(['\x1b', '\x07']));
}

#[test]
fn c1_controls_and_del_are_removed() {
    // U+009B is the single-character CSI; U+009D is OSC.
    assert_eq!(
        strip_formatting("a\u{9b}2Jb\u{9d}c\u{7f}d\u{80}\u{9f}"),
        "a2Jbcd"
    );
}

#[test]
fn other_c0_controls_are_removed_and_tab_becomes_space() {
    assert_eq!(
        strip_formatting("a\0b\x07c\x08d\re\nf\tg\x01h"),
        "abcdef gh"
    );
}

#[test]
fn no_span_text_ever_contains_a_control() {
    let all_controls: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    for span in parse_formatting(&format!("x{all_controls}y{all_controls}")) {
        assert!(!span.text.chars().any(char::is_control), "{:?}", span.text);
    }
}

#[test]
fn adjacent_equal_styles_merge() {
    assert_eq!(
        parse_formatting("a\x02\x02b\x1D\x1Dc"),
        vec![span(Style::default(), "abc")]
    );
}

#[test]
fn unicode_text_is_kept() {
    assert_eq!(strip_formatting("\x02小明\x02 Zoë 👋"), "小明 Zoë 👋");
}

#[test]
fn strip_formatting_removes_codes_and_colour_digits() {
    assert_eq!(
        strip_formatting("\x0304,12red\x03 \x02bold\x02 \x04FFFFFFwhite"),
        "red bold white"
    );
}

#[test]
fn strip_controls_keeps_formatting_codes() {
    assert_eq!(
        strip_controls("\x02bold\x02 \x0304red\x1b[2J\x07\tx\u{9b}"),
        "\x02bold\x02 \x0304red[2J x"
    );
}

#[test]
fn style_is_plain() {
    assert!(Style::default().is_plain());
    assert!(!bold().is_plain());
}
