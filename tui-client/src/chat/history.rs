//! Chat history from the server (IRCv3 `batch` and `draft/chathistory`).
//!
//! Messages of a `chathistory` batch are collected until the batch ends and
//! then placed by time: a backlog older than everything in the buffer goes
//! above it (with its own day separators), anything newer below, as live
//! lines would. Scrolling to the top of a buffer asks for the messages before
//! its oldest one (`CHATHISTORY BEFORE`), one request per buffer at a time;
//! the answer goes above without moving the view (the view is anchored to its
//! bottom line, see `geometry::scroll`), and an empty answer marks the start of history.

use natter_protocol::Message;

use super::Chat;
use super::buffers::{BufferKind, ChatLine, LineKind};
use crate::event::Effect;

/// How far back a buffer's history has been loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Older {
    /// Older messages may exist: scrolling to the top asks for them.
    Unknown,
    /// A request for older messages is on its way.
    Loading,
    /// The server has nothing older: the buffer begins at the start of history.
    Complete,
    /// The scrollback cap is reached: nothing older is loaded.
    Full,
    /// The server refused the request; asking again waits for a reconnect.
    Unavailable,
}

/// A `chathistory` batch being received.
#[derive(Debug, Clone, Default)]
pub struct HistoryBatch {
    /// Folded name of the buffer whose request this batch answers.
    pub answers: Option<String>,
    /// The lines collected so far, each with the name of its buffer.
    pub lines: Vec<(String, ChatLine)>,
    /// Lines added to the answering buffer by earlier parts of the batch.
    pub added: usize,
}

/// Messages asked for per request when the server does not say its maximum.
const DEFAULT_REQUEST_LIMIT: usize = 50;
/// Lines a batch may collect before they are placed anyway, so a server that
/// never ends its batch cannot grow memory without bound.
const MAX_BATCH_LINES: usize = 10_000;

impl Chat {
    /// Whether the server can send older messages on request.
    pub fn history_supported(&self) -> bool {
        let session = &self.session;
        session.registered
            && session.has_cap("batch")
            && (session.has_cap("draft/chathistory") || session.has_cap("chathistory"))
    }

    /// Sends `CHATHISTORY BEFORE` for buffer `index` unless it is not a
    /// conversation, a request is already on its way, history is complete,
    /// the scrollback is full, or the server has no history.
    pub fn request_older(&mut self, index: usize) {
        if !self.history_supported() {
            return;
        }
        let max_lines = self.buffers.max_lines;
        let Some(buffer) = self.buffers.get_mut(index) else {
            return;
        };
        let conversation = match buffer.kind {
            BufferKind::Channel => buffer.joined,
            BufferKind::Private => true,
            BufferKind::Server => false,
        };
        if !conversation || buffer.older != Older::Unknown {
            return;
        }
        let room = max_lines.saturating_sub(buffer.lines.len());
        if room == 0 {
            buffer.older = Older::Full;
            return;
        }
        let Some(selector) = self.oldest_reference(index) else {
            return;
        };
        let limit = match self.session.history_limit {
            Some(0) | None => DEFAULT_REQUEST_LIMIT,
            Some(max) => max,
        }
        .min(room);
        let Some(buffer) = self.buffers.get_mut(index) else {
            return;
        };
        buffer.older = Older::Loading;
        let target = buffer.name.clone();
        let mut request = Message::new("CHATHISTORY").with_params([
            "BEFORE".to_owned(),
            target.clone(),
            selector,
            limit.to_string(),
        ]);
        if self.session.has_cap("labeled-response") {
            self.session.labels_issued += 1;
            let label = format!("natter-h{}", self.session.labels_issued);
            let folded = self.session.casemapping.fold(&target);
            self.session.history_labels.insert(label.clone(), folded);
            request = request.with_tag("label", Some(label));
        }
        self.emit(Effect::Send(request));
    }

    /// `msgid=…` of the oldest message in buffer `index` that has one, else
    /// `timestamp=…` of its oldest message (as MSGREFTYPES allows).
    fn oldest_reference(&self, index: usize) -> Option<String> {
        let buffer = self.buffers.get(index)?;
        let allows = |kind: &str| {
            self.session
                .msgref_types
                .as_ref()
                .is_none_or(|types| types.iter().any(|t| t.eq_ignore_ascii_case(kind)))
        };
        if allows("msgid")
            && let Some(msgid) = buffer.lines.iter().find_map(|line| line.msgid.as_deref())
        {
            return Some(format!("msgid={msgid}"));
        }
        if !allows("timestamp") {
            return None;
        }
        let said = |line: &&ChatLine| {
            matches!(
                line.kind,
                LineKind::Message | LineKind::Action | LineKind::Notice
            )
        };
        let time = buffer
            .lines
            .iter()
            .find(said)
            .or(buffer.lines.front())
            .map_or(self.now, |line| line.time);
        Some(format!(
            "timestamp={}",
            time.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ))
    }

    /// `BATCH +id chathistory target` opens a batch; `BATCH -id` places it.
    pub(crate) fn on_batch(&mut self, msg: &Message) {
        let Some(reference) = msg.arg(0) else {
            return;
        };
        if let Some(id) = reference.strip_prefix('+') {
            let kind = msg.arg(1).unwrap_or_default();
            if kind == "chathistory" || kind.ends_with("/chathistory") {
                let target = msg.arg(2).unwrap_or_default();
                let answers = self.request_answered_by(msg.tag_value("label"), target);
                let batch = HistoryBatch {
                    answers,
                    ..HistoryBatch::default()
                };
                self.session.history_batches.insert(id.to_owned(), batch);
            }
        } else if let Some(id) = reference.strip_prefix('-')
            && let Some(batch) = self.session.history_batches.remove(id)
        {
            self.finish_batch(batch);
        }
    }

    /// Which waiting buffer (folded name) a history batch for `target` answers.
    fn request_answered_by(&mut self, label: Option<&str>, target: &str) -> Option<String> {
        if let Some(label) = label {
            return self.session.history_labels.remove(label);
        }
        if self.session.has_cap("labeled-response") {
            // Our requests are labelled: an unlabelled batch is a backlog.
            return None;
        }
        // Without labels, the first history batch for a waiting buffer answers it.
        let folded = self.session.casemapping.fold(target);
        let index = self.buffers.find(target, self.session.casemapping)?;
        let waiting = self.buffers.get(index)?.older == Older::Loading;
        let taken = self
            .session
            .history_batches
            .values()
            .any(|batch| batch.answers.as_deref() == Some(folded.as_str()));
        (waiting && !taken).then_some(folded)
    }

    /// Whether `msg` belongs to an open history batch, and which.
    pub(crate) fn history_batch_of(&self, msg: &Message) -> Option<String> {
        msg.tag_value("batch")
            .filter(|id| self.session.history_batches.contains_key(*id))
            .map(str::to_owned)
    }

    /// Keeps `line` of buffer `index` with its batch until the batch ends.
    pub(crate) fn collect_history(&mut self, batch_id: &str, index: usize, line: ChatLine) {
        let Some(name) = self.buffers.get(index).map(|b| b.name.clone()) else {
            return;
        };
        let Some(batch) = self.session.history_batches.get_mut(batch_id) else {
            return;
        };
        batch.lines.push((name, line));
        if batch.lines.len() >= MAX_BATCH_LINES {
            let lines = std::mem::take(&mut batch.lines);
            let answers = batch.answers.clone();
            let added = self.place_history(answers.as_deref(), lines);
            if let Some(batch) = self.session.history_batches.get_mut(batch_id) {
                batch.added += added;
            }
        }
    }

    /// Places a finished batch and settles the request it answers: nothing
    /// new means the start of history.
    fn finish_batch(&mut self, batch: HistoryBatch) {
        let added = batch.added + self.place_history(batch.answers.as_deref(), batch.lines);
        if let Some(folded) = batch.answers {
            self.settle_request(&folded, added);
        }
    }

    /// Marks the buffer `folded` as no longer waiting, `added` lines richer.
    fn settle_request(&mut self, folded: &str, added: usize) {
        let max_lines = self.buffers.max_lines;
        let Some(index) = self.buffers.find(folded, self.session.casemapping) else {
            return;
        };
        if let Some(buffer) = self.buffers.get_mut(index)
            && buffer.older == Older::Loading
        {
            buffer.older = if added == 0 {
                Older::Complete
            } else if buffer.lines.len() >= max_lines {
                Older::Full
            } else {
                Older::Unknown
            };
        }
    }

    /// Puts history lines in their buffers: an answer to a request above the
    /// oldest line, a backlog above when older than the buffer, else below.
    /// Returns the lines added to the buffer `answers`.
    fn place_history(&mut self, answers: Option<&str>, lines: Vec<(String, ChatLine)>) -> usize {
        let casemapping = self.session.casemapping;
        let mut groups: Vec<(String, Vec<ChatLine>)> = Vec::new();
        for (name, line) in lines {
            match groups.iter_mut().find(|(n, _)| casemapping.eq(n, &name)) {
                Some((_, group)) => group.push(line),
                None => groups.push((name, vec![line])),
            }
        }
        let mut added = 0;
        for (name, mut group) in groups {
            let Some(index) = self.buffers.find(&name, casemapping) else {
                continue;
            };
            let answering = answers.is_some_and(|a| casemapping.fold(&name) == a);
            let front_time = self
                .buffers
                .get(index)
                .and_then(|b| b.lines.front())
                .map(|line| line.time);
            let above = match front_time {
                _ if answering => group.len(),
                None => 0,
                Some(front) => group.iter().take_while(|l| l.time < front).count(),
            };
            let below = group.split_off(above);
            let kept = self.buffers.prepend(index, group);
            let pushed = below.len();
            for line in below {
                self.push_at(index, line);
            }
            if answering {
                added += kept + pushed;
            }
        }
        added
    }

    /// `ACK` to a labelled request: no answer at all, so nothing older.
    pub(crate) fn on_ack(&mut self, msg: &Message) {
        if let Some(folded) = msg
            .tag_value("label")
            .and_then(|label| self.session.history_labels.remove(label))
        {
            self.settle_request(&folded, 0);
        }
    }

    /// `FAIL CHATHISTORY CODE SUBCOMMAND TARGET :text`: stop asking that
    /// buffer until the next connection (the FAIL itself is shown).
    pub(crate) fn on_history_failure(&mut self, msg: &Message) {
        let casemapping = self.session.casemapping;
        let folded = match msg.tag_value("label") {
            Some(label) => self.session.history_labels.remove(label),
            None => msg.arg(3).map(|target| casemapping.fold(target)),
        };
        let waiting: Vec<usize> = (0..self.buffers.len())
            .filter(|&i| {
                self.buffers.get(i).is_some_and(|b| {
                    b.older == Older::Loading
                        && folded
                            .as_ref()
                            .is_none_or(|f| casemapping.fold(&b.name) == *f)
                })
            })
            .collect();
        for index in waiting {
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.older = Older::Unavailable;
            }
        }
    }

    /// On a lost connection: place what half-received batches hold and let
    /// buffers ask again on the next connection.
    pub(crate) fn reset_history_requests(&mut self) {
        let batches: Vec<HistoryBatch> = self
            .session
            .history_batches
            .drain()
            .map(|(_, batch)| batch)
            .collect();
        for batch in batches {
            self.place_history(None, batch.lines);
        }
        for index in 0..self.buffers.len() {
            if let Some(buffer) = self.buffers.get_mut(index)
                && matches!(buffer.older, Older::Loading | Older::Unavailable)
            {
                buffer.older = Older::Unknown;
            }
        }
    }
}
