//! Display text: sanitising, IRC formatting, widths, wrapping, splitting.

use super::*;

fn plain(text: &str) -> Vec<StyledText> {
    vec![StyledText::new(text, Style::default())]
}

fn row_text(row: &Row) -> String {
    row.iter().map(|run| run.text.as_str()).collect()
}

#[test]
fn clean_removes_escape_and_c1_controls() {
    assert_eq!(clean("a\u{1b}[2Jb\u{9b}c\u{7}"), "a[2Jbc");
}

#[test]
fn wide_characters_count_two_cells() {
    assert_eq!(width("你好"), 4);
    assert_eq!(width("hi😀"), 4);
    assert_eq!(width("e\u{301}"), 1);
}

#[test]
fn wrap_breaks_at_spaces() {
    let rows = wrap(&plain("hello brave new world"), 11, 11);
    let texts: Vec<String> = rows.iter().map(row_text).collect();
    assert_eq!(texts, vec!["hello brave", "new world"]);
}

#[test]
fn wrap_never_splits_a_wide_character_across_rows() {
    let rows = wrap(&plain("你好世界你好"), 5, 5);
    for row in &rows {
        assert!(width(&row_text(row)) <= 5);
    }
    let joined: String = rows.iter().map(row_text).collect();
    assert_eq!(joined, "你好世界你好");
    assert_eq!(rows.len(), 3);
}

#[test]
fn wrap_breaks_long_words_inside() {
    let rows = wrap(&plain("abcdefghij"), 4, 4);
    let texts: Vec<String> = rows.iter().map(row_text).collect();
    assert_eq!(texts, vec!["abcd", "efgh", "ij"]);
}

#[test]
fn wrap_uses_first_and_rest_widths() {
    let rows = wrap(&plain("aa bb cc dd"), 5, 2);
    let texts: Vec<String> = rows.iter().map(row_text).collect();
    assert_eq!(texts, vec!["aa bb", "cc", "dd"]);
}

#[test]
fn split_by_bytes_keeps_characters_whole() {
    let text = "ü".repeat(100);
    let pieces = split_by_bytes(&text, 33);
    assert!(pieces.iter().all(|p| p.len() <= 33));
    assert_eq!(pieces.concat(), text);
}

#[test]
fn split_by_bytes_prefers_spaces() {
    let pieces = split_by_bytes("aaaa bbbb cccc dddd", 16);
    assert_eq!(pieces, vec!["aaaa bbbb cccc", "dddd"]);
}

#[test]
fn urls_become_underlined_linked_runs() {
    let runs = parse_irc_text("see \x02https://a.example/\x02x now");
    let linked: Vec<(&str, Option<&str>)> = runs
        .iter()
        .map(|run| (run.text.as_str(), run.link.as_deref()))
        .collect();
    assert_eq!(
        linked,
        vec![
            ("see ", None),
            ("https://a.example/", Some("https://a.example/x")),
            ("x", Some("https://a.example/x")),
            (" now", None),
        ]
    );
    assert!(runs[1].style.add_modifier.contains(Modifier::BOLD));
    assert!(!runs[2].style.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn a_url_that_fits_a_row_is_never_broken() {
    let runs = parse_irc_text("look at https://example.com/page please");
    let texts: Vec<String> = wrap(&runs, 24, 24).iter().map(row_text).collect();
    assert_eq!(
        texts,
        vec!["look at ", "https://example.com/page", "please"]
    );
    // Wide characters inside a URL do not make it breakable.
    let runs = parse_irc_text("ab https://例え.jp/パス");
    let texts: Vec<String> = wrap(&runs, 20, 20).iter().map(row_text).collect();
    assert_eq!(texts, vec!["ab ", "https://例え.jp/パス"]);
    // Longer than a row: cut where it must, every piece still linked.
    let runs = parse_irc_text("https://example.com/a/long/path");
    let rows = wrap(&runs, 12, 12);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().flatten().all(|run| run.link.is_some()));
}

#[test]
fn truncate_respects_wide_graphemes() {
    assert_eq!(truncate("你好世界", 5), "你好");
}
