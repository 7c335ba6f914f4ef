//! Registration and connection upkeep: capability changes, the welcome
//! (which joins the configured channels) and lag probes.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use crate::chat::buffers::BufferKind;
use crate::chat::{Chat, ConnectionState, DEFAULT_CHANNEL};
use crate::event::Effect;

/// How often the client measures lag with a PING.
const LAG_PROBE_SECONDS: i64 = 30;

impl Chat {
    /// CAP ACK/DEL: keeps the set of enabled capabilities current.
    pub(super) fn on_cap(&mut self, msg: &Message) {
        let sub = msg.arg(1).unwrap_or_default().to_ascii_uppercase();
        let list = msg.params.last().cloned().unwrap_or_default();
        match sub.as_str() {
            "ACK" => {
                for cap in list.split_whitespace() {
                    match cap.strip_prefix('-') {
                        Some(removed) => {
                            self.session.caps.remove(removed);
                        }
                        None => {
                            let name = cap.split('=').next().unwrap_or(cap);
                            self.session.caps.insert(name.to_owned());
                        }
                    }
                }
            }
            "DEL" => {
                for cap in list.split_whitespace() {
                    self.session.caps.remove(cap);
                }
            }
            _ => {}
        }
    }

    /// Sends a lag probe every `LAG_PROBE_SECONDS` while registered.
    pub(crate) fn probe_lag(&mut self) {
        if !self.session.registered {
            return;
        }
        let due = self
            .session
            .last_probe
            .is_none_or(|last| (self.now - last).num_seconds() >= LAG_PROBE_SECONDS);
        if !due || self.session.lag_probe.is_some() {
            return;
        }
        let token = format!("natter-lag-{}", self.now.timestamp_millis());
        self.session.lag_probe = Some((token.clone(), self.now));
        self.session.last_probe = Some(self.now);
        self.emit(Effect::Send(Message::new("PING").with_param(token)));
    }

    /// The answer to our lag probe, if it carries our token.
    pub(super) fn on_pong(&mut self, msg: &Message, received_at: DateTime<Utc>) {
        let token = msg.params.last().map(String::as_str).unwrap_or_default();
        if let Some((expected, sent)) = &self.session.lag_probe
            && expected == token
        {
            self.session.lag_ms = Some((received_at - *sent).num_milliseconds().max(0));
            self.session.lag_probe = None;
        }
    }

    /// 001: registered; joins the configured and previously joined channels.
    pub(crate) fn on_welcome(&mut self, msg: &Message) {
        let first_time = !self
            .buffers
            .all()
            .iter()
            .any(|b| b.kind == BufferKind::Channel);
        self.session.registered = true;
        // A suffixed nick (alice_) is not remembered for the next
        // connection: that one asks for the chosen nick again.
        if let Some(nick) = msg.arg(0) {
            let wanted = std::mem::replace(&mut self.session.nick, nick.to_owned());
            if !self.session.is_me(&wanted) {
                // The network task picked another nick because ours was taken.
                self.info(format!(
                    "The nick {wanted} is taken: you are {nick} for now (try /nick {wanted} later)."
                ));
            }
        }
        self.connection = ConnectionState::Online;
        // Measure lag at the next tick, then every LAG_PROBE_SECONDS.
        self.session.last_probe = None;
        let mut channels: Vec<String> = self.settings.channels.clone();
        for buffer in self.buffers.all() {
            let listed = channels
                .iter()
                .any(|c| self.session.casemapping.eq(c, &buffer.name));
            if buffer.kind == BufferKind::Channel && buffer.joined && !listed {
                channels.push(buffer.name.clone());
            }
        }
        if first_time && self.buffers.active_index() == 0 {
            let first = channels
                .first()
                .cloned()
                .unwrap_or_else(|| DEFAULT_CHANNEL.to_owned());
            let folded = self.session.casemapping.fold(&first);
            self.session.switch_on_join.insert(folded);
        }
        self.send_joins(&channels);
    }

    /// Sends JOIN for `channels`, several per line but within line limits.
    pub(crate) fn send_joins(&mut self, channels: &[String]) {
        let mut batch: Vec<&str> = Vec::new();
        let mut length = 0;
        for channel in channels {
            if length + channel.len() > 400 && !batch.is_empty() {
                self.emit(Effect::Send(
                    Message::new("JOIN").with_param(batch.join(",")),
                ));
                batch.clear();
                length = 0;
            }
            length += channel.len() + 1;
            batch.push(channel);
        }
        if !batch.is_empty() {
            self.emit(Effect::Send(
                Message::new("JOIN").with_param(batch.join(",")),
            ));
        }
    }
}
