//! Tab completion of nicks (recent speakers first) and channel names.

use super::View;
use crate::chat::Chat;
use crate::chat::buffers::BufferKind;
use crate::chat::commands::COMMAND_HELP;

/// A completion in progress: Tab again cycles through `candidates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Byte offset where the completed word starts.
    pub start: usize,
    /// Candidates in offer order.
    pub candidates: Vec<String>,
    /// The candidate shown now.
    pub index: usize,
    /// What follows the candidate (`": "` at the start of a line, else `" "`).
    pub suffix: String,
}

/// Commands offered when completing a word that starts the line with `/`:
/// every command `/help` lists, alphabetically.
fn command_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = COMMAND_HELP
        .iter()
        .filter_map(|(usage, _)| usage.split_whitespace().next())
        .filter(|name| name.starts_with('/') && !name.starts_with("//"))
        .filter(|name| name[1..].chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

impl View {
    /// Completes the word before the cursor, or cycles to the next (or with
    /// `backwards`, the previous) candidate.
    pub fn complete(&mut self, chat: &Chat, backwards: bool) {
        if let Some(mut completion) = self.completion.take() {
            let n = completion.candidates.len();
            completion.index = if backwards {
                (completion.index + n - 1) % n
            } else {
                (completion.index + 1) % n
            };
            self.apply_completion(&completion);
            self.completion = Some(completion);
            return;
        }
        let text = self.input.text();
        let cursor = self.input.cursor();
        let start = text[..cursor].rfind(char::is_whitespace).map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
        let prefix = &text[start..cursor];
        let candidates = self.candidates(chat, prefix);
        if candidates.is_empty() {
            return;
        }
        let is_channel = chat.session.is_channel(prefix);
        let suffix = if start == 0 && !is_channel && !prefix.starts_with('/') {
            ": "
        } else {
            " "
        };
        let completion = Completion {
            start,
            index: if backwards { candidates.len() - 1 } else { 0 },
            candidates,
            suffix: suffix.to_owned(),
        };
        self.apply_completion(&completion);
        self.completion = Some(completion);
    }

    fn apply_completion(&mut self, completion: &Completion) {
        let Some(candidate) = completion.candidates.get(completion.index) else {
            return;
        };
        let end = self.input.cursor();
        let replacement = format!("{candidate}{}", completion.suffix);
        self.input
            .replace_range(completion.start..end, &replacement);
    }

    /// Nicks (or channels) starting with `prefix`: recent speakers in the
    /// current buffer first, most recent first, then the rest alphabetically.
    fn candidates(&self, chat: &Chat, prefix: &str) -> Vec<String> {
        let casemapping = chat.session.casemapping;
        let folded_prefix = casemapping.fold(prefix);
        if prefix.starts_with('/') && self.input.text()[..self.input.cursor()] == *prefix {
            return command_names()
                .into_iter()
                .filter(|c| c.starts_with(&prefix.to_ascii_lowercase()))
                .map(str::to_owned)
                .collect();
        }
        if chat.session.is_channel(prefix) {
            return chat
                .buffers
                .all()
                .iter()
                .filter(|b| b.kind == BufferKind::Channel)
                .filter(|b| casemapping.fold(&b.name).starts_with(&folded_prefix))
                .map(|b| b.name.clone())
                .collect();
        }
        let buffer = chat.buffers.active();
        let mut nicks: Vec<String> = match buffer.kind {
            BufferKind::Channel => buffer
                .members
                .sorted("", casemapping)
                .iter()
                .map(|m| m.nick.clone())
                .collect(),
            BufferKind::Private => vec![buffer.name.clone()],
            BufferKind::Server => Vec::new(),
        };
        nicks.retain(|nick| {
            casemapping.fold(nick).starts_with(&folded_prefix) && !chat.session.is_me(nick)
        });
        let recency = |nick: &String| {
            let folded = casemapping.fold(nick);
            buffer
                .recent_speakers
                .iter()
                .rev()
                .position(|speaker| *speaker == folded)
                .unwrap_or(usize::MAX)
        };
        nicks.sort_by_key(|nick| (recency(nick), casemapping.fold(nick)));
        nicks
    }
}
