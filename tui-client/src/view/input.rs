//! The input line editor: cursor by grapheme, word and line kills with a
//! one-slot kill ring, and history of sent lines.

use unicode_segmentation::UnicodeSegmentation;

/// The text being typed and where the cursor is.
#[derive(Debug, Clone, Default)]
pub struct InputLine {
    text: String,
    /// Byte offset of the cursor, always on a grapheme boundary.
    cursor: usize,
    /// The last killed text, for Ctrl+Y.
    kill_ring: String,
    history: Vec<String>,
    /// Position while browsing history; `None` when editing a fresh line.
    history_index: Option<usize>,
    /// The unfinished line, kept while browsing history.
    draft: String,
}

const HISTORY_LIMIT: usize = 500;

impl InputLine {
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte offset of the cursor.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text and puts the cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
    }

    /// Inserts text at the cursor.
    pub fn insert(&mut self, text: &str) {
        self.text.insert_str(self.cursor, text);
        self.cursor += text.len();
    }

    /// Replaces the byte range with `text`, cursor after it (completion).
    pub fn replace_range(&mut self, range: std::ops::Range<usize>, text: &str) {
        self.text.replace_range(range.clone(), text);
        self.cursor = range.start + text.len();
    }

    fn previous_boundary(&self) -> usize {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map_or(self.cursor, |g| self.cursor + g.len())
    }

    /// Moves one grapheme left.
    pub fn left(&mut self) {
        self.cursor = self.previous_boundary();
    }

    /// Moves one grapheme right.
    pub fn right(&mut self) {
        self.cursor = self.next_boundary();
    }

    /// Moves to the start (Home, Ctrl+A).
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Moves to the end (End, Ctrl+E).
    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }

    /// Deletes the grapheme before the cursor (Backspace).
    pub fn backspace(&mut self) {
        let start = self.previous_boundary();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes the grapheme under the cursor (Delete).
    pub fn delete(&mut self) {
        let end = self.next_boundary();
        self.text.replace_range(self.cursor..end, "");
    }

    fn word_start_before_cursor(&self) -> usize {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8())
    }

    fn word_end_after_cursor(&self) -> usize {
        let after = &self.text[self.cursor..];
        let skipped = after.len() - after.trim_start().len();
        let rest = &after[skipped..];
        let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.cursor + skipped + word
    }

    /// Moves to the start of the previous word (Ctrl+Left, Alt+B).
    pub fn word_left(&mut self) {
        self.cursor = self.word_start_before_cursor();
    }

    /// Moves past the end of the next word (Ctrl+Right, Alt+F).
    pub fn word_right(&mut self) {
        self.cursor = self.word_end_after_cursor();
    }

    /// Kills the word before the cursor (Ctrl+W).
    pub fn kill_word(&mut self) {
        let start = self.word_start_before_cursor();
        self.kill(start..self.cursor);
    }

    /// Kills from the start of the line to the cursor (Ctrl+U).
    pub fn kill_to_start(&mut self) {
        self.kill(0..self.cursor);
    }

    /// Kills from the cursor to the end (Ctrl+K).
    pub fn kill_to_end(&mut self) {
        self.kill(self.cursor..self.text.len());
    }

    fn kill(&mut self, range: std::ops::Range<usize>) {
        if range.is_empty() {
            return;
        }
        self.kill_ring = self.text[range.clone()].to_owned();
        self.text.replace_range(range.clone(), "");
        self.cursor = range.start;
    }

    /// Inserts the last killed text (Ctrl+Y).
    pub fn yank(&mut self) {
        let killed = self.kill_ring.clone();
        self.insert(&killed);
    }

    /// Takes the text out for sending, remembering it in history.
    pub fn submit(&mut self) -> String {
        let text = std::mem::take(&mut self.text);
        self.cursor = 0;
        self.history_index = None;
        self.draft.clear();
        // A password typed into /login or /register is not kept.
        if !text.trim().is_empty()
            && secret_start(&text).is_none()
            && self.history.last() != Some(&text)
        {
            self.history.push(text.clone());
            if self.history.len() > HISTORY_LIMIT {
                self.history.remove(0);
            }
        }
        text
    }

    /// Clears the text without touching history.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
        self.history_index = None;
    }

    /// Shows the previous history entry (Up).
    pub fn history_previous(&mut self) {
        let index = match self.history_index {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.text.clone();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(i) => i - 1,
        };
        self.history_index = Some(index);
        let entry = self.history[index].clone();
        self.set_text(&entry);
    }

    /// Shows the next history entry, or the draft after the last (Down).
    pub fn history_next(&mut self) {
        let Some(index) = self.history_index else {
            return;
        };
        if index + 1 < self.history.len() {
            self.history_index = Some(index + 1);
            let entry = self.history[index + 1].clone();
            self.set_text(&entry);
        } else {
            self.history_index = None;
            let draft = std::mem::take(&mut self.draft);
            self.set_text(&draft);
        }
    }
}

/// Commands whose arguments are a password (and maybe an account name).
const SECRET_COMMANDS: [&str; 3] = ["register", "login", "identify"];

/// Where the secret part of `text` starts (the byte after `/login`), when it
/// is a command carrying a password: the input line draws it masked and its
/// history does not keep it.
pub fn secret_start(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('/')?;
    let name = rest.split(' ').next().unwrap_or_default();
    SECRET_COMMANDS
        .iter()
        .any(|command| name.eq_ignore_ascii_case(command))
        .then_some(1 + name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> InputLine {
        let mut input = InputLine::default();
        input.set_text(text);
        input
    }

    #[test]
    fn cursor_moves_by_grapheme() {
        let mut input = line("a👍🏽é");
        input.left();
        assert_eq!(&input.text()[input.cursor()..], "é");
        input.left();
        assert_eq!(&input.text()[input.cursor()..], "👍🏽é");
        input.backspace();
        assert_eq!(input.text(), "👍🏽é");
        input.delete();
        assert_eq!(input.text(), "é");
    }

    #[test]
    fn kills_and_yank() {
        let mut input = line("hello big world");
        input.kill_word();
        assert_eq!(input.text(), "hello big ");
        input.home();
        input.kill_to_end();
        assert_eq!(input.text(), "");
        input.yank();
        assert_eq!(input.text(), "hello big ");
        input.left();
        input.kill_to_start();
        assert_eq!(input.text(), " ");
    }

    #[test]
    fn word_motion() {
        let mut input = line("one two three");
        input.word_left();
        assert_eq!(input.cursor(), 8);
        input.word_left();
        assert_eq!(input.cursor(), 4);
        input.word_right();
        assert_eq!(input.cursor(), 7);
    }

    #[test]
    fn history_keeps_the_draft() {
        let mut input = InputLine::default();
        input.set_text("first");
        input.submit();
        input.set_text("second");
        input.submit();
        input.set_text("draft");
        input.history_previous();
        assert_eq!(input.text(), "second");
        input.history_previous();
        assert_eq!(input.text(), "first");
        input.history_previous();
        assert_eq!(input.text(), "first");
        input.history_next();
        input.history_next();
        assert_eq!(input.text(), "draft");
    }

    #[test]
    fn passwords_are_masked_from_the_command_on_and_never_kept_in_history() {
        assert_eq!(secret_start("/login secret"), Some(6));
        assert_eq!(secret_start("/REGISTER secret"), Some(9));
        assert_eq!(secret_start("/identify alice secret"), Some(9));
        assert_eq!(secret_start("/logout"), None);
        assert_eq!(secret_start("/loginx a"), None);
        assert_eq!(secret_start("login secret"), None);
        let mut input = InputLine::default();
        input.set_text("/login hunter22");
        input.submit();
        input.set_text("hello");
        input.submit();
        input.history_previous();
        assert_eq!(input.text(), "hello");
        input.history_previous();
        assert_eq!(
            input.text(),
            "hello",
            "the /login line is not in the history"
        );
    }
}
