//! What the server reports about a channel itself: topic and mode changes,
//! including member prefixes (op, voice) granted or taken by MODE.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::LineKind;

impl Chat {
    /// A topic change (or clearing) in a channel we are in.
    pub(super) fn on_topic(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(channel), Some(topic)) = (msg.arg(0), msg.arg(1)) else {
            return;
        };
        let nick = msg.source_nick().unwrap_or("someone").to_owned();
        let Some(index) = self.buffers.find(channel, self.session.casemapping) else {
            return;
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.topic = (!topic.is_empty()).then(|| topic.to_owned());
        }
        let text = if topic.is_empty() {
            format!("{nick} cleared the topic")
        } else {
            format!("{nick} changed the topic to: {topic}")
        };
        self.push_event(index, time, LineKind::Event, &text);
    }

    /// A mode change: member prefixes update; the change is noted.
    pub(super) fn on_mode(&mut self, msg: &Message, time: DateTime<Utc>) {
        let Some(target) = msg.arg(0) else {
            return;
        };
        let by = msg.source_nick().unwrap_or("server").to_owned();
        let changes = msg.params.get(1..).unwrap_or_default().join(" ");
        if !self.session.is_channel(target) {
            self.push_event(
                0,
                time,
                LineKind::Event,
                &format!("{by} sets mode {changes} on {target}"),
            );
            return;
        }
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(target, casemapping) else {
            return;
        };
        let modes = msg.arg(1).unwrap_or_default().to_owned();
        let mut params = msg.params.iter().skip(2);
        let mut adding = true;
        for mode in modes.chars() {
            match mode {
                '+' => adding = true,
                '-' => adding = false,
                _ => {
                    if let Some(prefix) = self.session.prefix_for_mode(mode) {
                        let Some(nick) = params.next() else { break };
                        let order = self.session.prefix_chars.clone();
                        if let Some(buffer) = self.buffers.get_mut(index) {
                            buffer
                                .members
                                .set_prefix(nick, prefix, adding, &order, casemapping);
                        }
                    } else if "beIk".contains(mode) || (adding && "lfjL".contains(mode)) {
                        params.next();
                    }
                }
            }
        }
        self.push_event(
            index,
            time,
            LineKind::Event,
            &format!("{by} sets mode {changes}"),
        );
    }
}
