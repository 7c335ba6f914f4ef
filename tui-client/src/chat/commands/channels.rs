//! Channel commands: /join, /part, /close, /topic, /names and /list.

use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::BufferKind;
use crate::event::Effect;

impl Chat {
    /// /join: joins channels, switching to the first once joined.
    pub(super) fn cmd_join(&mut self, args: &str) {
        let mut parts = args.split_whitespace();
        let Some(list) = parts.next() else {
            self.error("Usage: /join #ROOM[,#ROOM2] [KEY]");
            return;
        };
        let channels: Vec<String> = list
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| {
                if self.session.is_channel(c) {
                    c.to_owned()
                } else {
                    format!("#{c}")
                }
            })
            .collect();
        let casemapping = self.session.casemapping;
        if let Some(first) = channels.first() {
            match self.buffers.find(first, casemapping) {
                Some(index) if self.buffers.get(index).is_some_and(|b| b.joined) => {
                    self.switch_to(index);
                }
                _ => {
                    self.session.switch_on_join.insert(casemapping.fold(first));
                }
            }
        }
        let mut message = Message::new("JOIN").with_param(channels.join(","));
        if let Some(key) = parts.next() {
            message = message.with_param(key);
        }
        self.emit(Effect::Send(message));
    }

    /// The channel named first in `args`, or the visible one.
    pub(super) fn channel_arg<'a>(&self, args: &'a str) -> (Option<String>, &'a str) {
        let first = args.split_whitespace().next().unwrap_or_default();
        if self.session.is_channel(first) {
            let rest = args[first.len()..].trim();
            return (Some(first.to_owned()), rest);
        }
        let buffer = self.buffers.active();
        let here = (buffer.kind == BufferKind::Channel).then(|| buffer.name.clone());
        (here, args)
    }

    /// /part: leaves a channel but keeps its buffer.
    pub(super) fn cmd_part(&mut self, args: &str) {
        let (channel, reason) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /part #ROOM [REASON] (or use it inside a channel)");
            return;
        };
        let mut message = Message::new("PART").with_param(channel);
        if !reason.is_empty() {
            message = message.with_param(reason);
        }
        self.emit(Effect::Send(message));
    }

    /// /close: leaves (if needed) and closes the visible buffer.
    pub(super) fn cmd_close(&mut self) {
        let index = self.buffers.active_index();
        let buffer = self.buffers.active();
        match buffer.kind {
            BufferKind::Server => {
                self.error("The server buffer stays open; use /quit to leave natter.");
            }
            BufferKind::Channel => {
                if buffer.joined && self.session.registered {
                    let folded = self.session.casemapping.fold(&buffer.name);
                    self.session.closing.insert(folded);
                    let part = Message::new("PART").with_param(buffer.name.clone());
                    self.emit(Effect::Send(part));
                }
                self.buffers.remove(index);
            }
            BufferKind::Private => self.buffers.remove(index),
        }
    }

    /// /topic: shows the topic, or sets it when text follows.
    pub(super) fn cmd_topic(&mut self, args: &str) {
        let (channel, text) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /topic [#ROOM] [NEW TOPIC]");
            return;
        };
        if text.is_empty() {
            let buffer = self
                .buffers
                .find(&channel, self.session.casemapping)
                .and_then(|i| self.buffers.get(i));
            // Only while we are in the channel do we hear every change; out
            // of it, what we knew may be stale: ask the server.
            match buffer.filter(|b| b.joined).map(|b| b.topic.clone()) {
                Some(Some(topic)) => self.info(format!("Topic of {channel}: {topic}")),
                Some(None) => self.info(format!("No topic is set for {channel}")),
                None => self.emit(Effect::Send(Message::new("TOPIC").with_param(channel))),
            }
            return;
        }
        let message = Message::new("TOPIC").with_param(channel).with_param(text);
        self.emit(Effect::Send(message));
    }

    /// /names: asks the server for a channel's members.
    pub(super) fn cmd_names(&mut self, args: &str) {
        let (channel, _) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /names #ROOM (or use it inside a channel)");
            return;
        };
        let folded = self.session.casemapping.fold(&channel);
        self.session.names_requested.insert(folded);
        self.emit(Effect::Send(Message::new("NAMES").with_param(channel)));
    }

    /// /list: asks for the server's channels (or only those named); the
    /// replies are shown in the server buffer, which comes to the front.
    pub(super) fn cmd_list(&mut self, args: &str) {
        self.session.listed_channels = 0;
        self.switch_to(0);
        let message = Message::new("LIST").with_params(args.split_whitespace().take(2));
        self.emit(Effect::Send(message));
    }
}
