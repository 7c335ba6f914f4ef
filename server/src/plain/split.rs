//! Splitting a plain user's long line into messages that fit IRC's 512 bytes.
//!
//! A plain user may type up to `line_length` bytes, but IRC recipients get
//! the text behind `:nick!user@host PRIVMSG #lobby :`, and the IRC encoder
//! cuts lines at 512 bytes. Rather than lose the end of what was typed, the
//! text is sent as several messages, split between words where possible.

/// Splits `text` into pieces of at most `max` bytes, on character boundaries,
/// preferring the last space in the second half of a piece.
pub fn split_text(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(16);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let mut end = max;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if let Some(space) = rest[..end].rfind(' ').filter(|&space| space >= end / 2) {
            end = space;
        }
        pieces.push(rest[..end].trim_end());
        rest = rest[end..].trim_start();
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_text("hello", 100), vec!["hello"]);
    }

    #[test]
    fn long_text_splits_between_words_and_keeps_every_word() {
        let text = "lorem ipsum dolor sit amet ".repeat(30);
        let pieces = split_text(text.trim(), 100);
        assert!(pieces.len() > 1);
        assert!(
            pieces
                .iter()
                .all(|p| p.len() <= 100 && !p.starts_with(' ') && !p.ends_with(' '))
        );
        assert_eq!(pieces.join(" "), text.trim());
    }

    #[test]
    fn never_splits_a_character() {
        let text = "小明".repeat(100);
        let pieces = split_text(&text, 50);
        assert!(pieces.iter().all(|p| p.len() <= 50));
        assert_eq!(pieces.concat(), text);
    }
}
