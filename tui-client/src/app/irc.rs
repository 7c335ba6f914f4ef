//! Applying incoming IRC messages to the app state: membership, messages,
//! nick changes, topics, modes, away state, capabilities and lag.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use super::buffers::{BufferKind, ChatLine, LineKind};
use super::members::Member;
use super::{App, ConnectionState, DEFAULT_CHANNEL};
use crate::event::Effect;

/// How often the client measures lag with a PING.
const LAG_PROBE_SECONDS: i64 = 30;

impl App {
    /// Applies one message from the server.
    pub(crate) fn handle_message(&mut self, msg: &Message, received_at: DateTime<Utc>) {
        let time = msg
            .tag_value("time")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(received_at, |t| t.with_timezone(&Utc));
        match msg.command.as_str() {
            "CAP" => self.on_cap(msg),
            "PONG" => self.on_pong(msg, received_at),
            "JOIN" => self.on_join(msg, time),
            "PART" => self.on_part(msg, time),
            "QUIT" => self.on_quit(msg, time),
            "NICK" => self.on_nick(msg, time),
            "PRIVMSG" | "NOTICE" => self.on_text(msg, time),
            "TOPIC" => self.on_topic(msg, time),
            "KICK" => self.on_kick(msg, time),
            "MODE" => self.on_mode(msg, time),
            "AWAY" => self.on_away_notify(msg),
            "BATCH" => self.on_batch(msg),
            "ACK" => self.on_ack(msg),
            "INVITE" => {
                let from = msg.source_nick().unwrap_or("someone").to_owned();
                let channel = msg.arg(1).unwrap_or_default().to_owned();
                self.info(format!(
                    "{from} invites you to {channel} (type /join {channel})"
                ));
            }
            "FAIL" | "WARN" | "NOTE" => {
                if msg.command == "FAIL" && msg.arg(0) == Some("CHATHISTORY") {
                    self.on_history_failure(msg);
                }
                // IRCv3 standard replies: COMMAND CODE [CONTEXT...] :description
                let command = msg.arg(0).unwrap_or_default().to_owned();
                let text = msg.params.last().cloned().unwrap_or_default();
                let kind = if msg.command == "FAIL" {
                    LineKind::Error
                } else {
                    LineKind::Info
                };
                let index = self.buffers.active_index();
                self.push_line(index, kind, "", &format!("{command}: {text}"));
            }
            "ERROR" => {
                let text = msg.params.last().cloned().unwrap_or_default();
                self.push_line(0, LineKind::Error, "", &format!("Server: {text}"));
            }
            command if command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit()) => {
                self.on_numeric(msg, time);
            }
            _ => {}
        }
    }

    /// Adds a line with explicit time, highlight and ownership.
    pub(crate) fn push_at(&mut self, index: usize, line: ChatLine) -> bool {
        self.buffers.push(index, line)
    }

    pub(crate) fn push_event(
        &mut self,
        index: usize,
        time: DateTime<Utc>,
        kind: LineKind,
        text: &str,
    ) {
        self.push_at(index, ChatLine::new(time, kind, "", App::body(text)));
    }

    fn on_cap(&mut self, msg: &Message) {
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

    fn on_pong(&mut self, msg: &Message, received_at: DateTime<Utc>) {
        let token = msg.params.last().map(String::as_str).unwrap_or_default();
        if let Some((expected, sent)) = &self.session.lag_probe
            && expected == token
        {
            self.session.lag_ms = Some((received_at - *sent).num_milliseconds().max(0));
            self.session.lag_probe = None;
        }
    }

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
            self.session.nick = nick.to_owned();
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

    fn on_join(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(nick), Some(channel)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        let casemapping = self.session.casemapping;
        if self.session.is_me(nick) {
            self.session.closing.remove(&casemapping.fold(channel));
            let index = self
                .buffers
                .ensure(BufferKind::Channel, channel, casemapping);
            let me = Member {
                nick: crate::text::clean(nick),
                prefixes: String::new(),
            };
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.joined = true;
                buffer.members.clear();
                // NAMES replaces this; until then the list is not empty.
                buffer.members.insert(me, casemapping);
            }
            if self
                .session
                .switch_on_join
                .remove(&casemapping.fold(channel))
            {
                self.switch_to(index);
            }
            self.push_event(
                index,
                time,
                LineKind::Joined,
                &format!("You joined {channel}"),
            );
            if self.session.has_cap("away-notify") {
                self.emit(Effect::Send(Message::new("WHO").with_param(channel)));
            }
            return;
        }
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.insert(
                Member {
                    nick: crate::text::clean(nick),
                    prefixes: String::new(),
                },
                casemapping,
            );
        }
        let host = user_host(msg.source.as_deref());
        self.push_event(
            index,
            time,
            LineKind::Joined,
            &format!("{nick}{host} joined {channel}"),
        );
    }

    fn on_part(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(nick), Some(channel)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        let reason = reason_suffix(msg.arg(1));
        if self.session.is_me(nick) {
            self.session.closing.remove(&casemapping.fold(channel));
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.joined = false;
                buffer.members.clear();
            }
            self.push_event(
                index,
                time,
                LineKind::Left,
                &format!("You left {channel}{reason}"),
            );
            return;
        }
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.remove(nick, casemapping);
        }
        self.push_event(
            index,
            time,
            LineKind::Left,
            &format!("{nick} left {channel}{reason}"),
        );
    }

    fn on_quit(&mut self, msg: &Message, time: DateTime<Utc>) {
        let Some(nick) = msg.source_nick() else {
            return;
        };
        let casemapping = self.session.casemapping;
        let text = format!("{nick} quit{}", reason_suffix(msg.arg(0)));
        for index in 0..self.buffers.len() {
            let Some(buffer) = self.buffers.get_mut(index) else {
                continue;
            };
            let affected = match buffer.kind {
                BufferKind::Channel => buffer.members.remove(nick, casemapping),
                BufferKind::Private => casemapping.eq(&buffer.name, nick),
                BufferKind::Server => false,
            };
            if affected {
                self.push_event(index, time, LineKind::Left, &text);
            }
        }
        self.away_nicks.remove(&casemapping.fold(nick));
    }

    fn on_nick(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(old), Some(new)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        let casemapping = self.session.casemapping;
        if self.session.is_me(old) {
            self.session.nick = new.to_owned();
            self.emit(Effect::SetNick(new.to_owned()));
            self.push_event(
                0,
                time,
                LineKind::Event,
                &format!("You are now known as {new}"),
            );
        }
        let (old_folded, new_folded) = (casemapping.fold(old), casemapping.fold(new));
        let text = format!("{old} is now known as {new}");
        for index in 0..self.buffers.len() {
            let Some(buffer) = self.buffers.get_mut(index) else {
                continue;
            };
            let affected = match buffer.kind {
                BufferKind::Channel => buffer.members.rename(old, new, casemapping),
                BufferKind::Private => casemapping.eq(&buffer.name, old),
                BufferKind::Server => false,
            };
            if !affected {
                continue;
            }
            if buffer.selected_member.as_deref() == Some(old_folded.as_str()) {
                buffer.selected_member = Some(new_folded.clone());
            }
            for speaker in &mut buffer.recent_speakers {
                if *speaker == old_folded {
                    speaker.clone_from(&new_folded);
                }
            }
            if buffer.kind == BufferKind::Private {
                self.buffers.rename(index, new);
            }
            self.push_event(index, time, LineKind::Event, &text);
        }
        if self.away_nicks.remove(&old_folded) {
            self.away_nicks.insert(new_folded);
        }
    }

    fn on_text(&mut self, msg: &Message, time: DateTime<Utc>) {
        let Some(target) = msg.arg(0) else {
            return;
        };
        if let Some(msgid) = msg.tag_value("msgid")
            && !self.first_sighting(msgid)
        {
            return;
        }
        let history_batch = self.history_batch_of(msg);
        let replayed = history_batch.is_some();
        let text = msg.arg(1).unwrap_or_default();
        let is_notice = msg.command == "NOTICE";
        let source = msg.source.as_deref().unwrap_or_default();
        let from_user = source.contains('!') || (!source.contains('.') && !source.is_empty());
        let nick = msg.source_nick().unwrap_or(source).to_owned();
        let own = from_user && self.session.is_me(&nick);

        let ctcp = natter_protocol::parse_ctcp(text);
        let (kind, body_text) = match ctcp {
            Some(ctcp) if ctcp.command.eq_ignore_ascii_case("ACTION") => {
                (LineKind::Action, ctcp.args.to_owned())
            }
            Some(ctcp) => {
                if !replayed {
                    let command = ctcp.command.to_ascii_uppercase();
                    self.on_ctcp(&nick, &command, ctcp.args, is_notice, own);
                }
                return;
            }
            None if is_notice => (LineKind::Notice, text.to_owned()),
            None => (LineKind::Message, text.to_owned()),
        };

        let channel = target.trim_start_matches(|c| self.session.prefix_chars.contains(c));
        let casemapping = self.session.casemapping;
        if self.session.is_channel(channel)
            && self.session.closing.contains(&casemapping.fold(channel))
        {
            // The buffer was closed; this was on its way before our PART.
            return;
        }
        let (index, whisper) = if self.session.is_channel(channel) {
            (
                self.buffers
                    .ensure(BufferKind::Channel, channel, casemapping),
                false,
            )
        } else if own {
            (
                self.buffers
                    .ensure(BufferKind::Private, target, casemapping),
                false,
            )
        } else if !from_user || target == "*" {
            (0, false)
        } else if is_notice {
            let index = self
                .buffers
                .find(&nick, casemapping)
                .unwrap_or_else(|| self.buffers.active_index());
            (index, false)
        } else {
            (
                self.buffers.ensure(BufferKind::Private, &nick, casemapping),
                true,
            )
        };
        let highlight = !own && (whisper || (from_user && self.mentions_me(&body_text)));
        if !is_notice && let Some(buffer) = self.buffers.get_mut(index) {
            buffer.note_speaker(casemapping.fold(&nick));
        }
        let shown_nick = if from_user { nick.as_str() } else { source };
        let mut line = ChatLine::new(time, kind, shown_nick, App::body(&body_text));
        line.highlight = highlight;
        line.own = own;
        line.replayed = replayed;
        line.msgid = msg.tag_value("msgid").map(str::to_owned);
        if let Some(batch) = history_batch {
            self.collect_history(&batch, index, line);
            return;
        }
        let visible = self.push_at(index, line);
        if highlight && !replayed {
            self.ring_if_hidden(visible);
        }
    }

    fn on_ctcp(&mut self, nick: &str, command: &str, rest: &str, is_notice: bool, own: bool) {
        if own {
            return;
        }
        if is_notice {
            self.info(format!("CTCP {command} reply from {nick}: {rest}"));
            return;
        }
        let reply = match command {
            "VERSION" => Some(format!("VERSION natter {}", env!("CARGO_PKG_VERSION"))),
            "PING" => Some(format!("PING {rest}")),
            "TIME" => Some(format!("TIME {}", self.now.to_rfc2822())),
            "CLIENTINFO" => Some("CLIENTINFO ACTION CLIENTINFO PING TIME VERSION".to_owned()),
            _ => None,
        };
        if let Some(reply) = reply {
            let (command, args) = reply.split_once(' ').unwrap_or((reply.as_str(), ""));
            let text = natter_protocol::ctcp::build(command, args);
            self.emit(Effect::Send(
                Message::new("NOTICE").with_param(nick).with_param(text),
            ));
        }
    }

    fn on_topic(&mut self, msg: &Message, time: DateTime<Utc>) {
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

    fn on_kick(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(channel), Some(victim)) = (msg.arg(0), msg.arg(1)) else {
            return;
        };
        let by = msg.source_nick().unwrap_or("someone").to_owned();
        let reason = reason_suffix(msg.arg(2));
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        if self.session.is_me(victim) {
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.joined = false;
                buffer.members.clear();
            }
            let text = format!("You were kicked from {channel} by {by}{reason}");
            self.push_event(index, time, LineKind::Error, &text);
            return;
        }
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.remove(victim, casemapping);
        }
        let text = format!("{victim} was kicked by {by}{reason}");
        self.push_event(index, time, LineKind::Left, &text);
    }

    fn on_mode(&mut self, msg: &Message, time: DateTime<Utc>) {
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

    fn on_away_notify(&mut self, msg: &Message) {
        let Some(nick) = msg.source_nick() else {
            return;
        };
        let folded = self.session.casemapping.fold(nick);
        if msg.arg(0).is_some_and(|m| !m.is_empty()) {
            self.away_nicks.insert(folded);
        } else {
            self.away_nicks.remove(&folded);
        }
    }
}

/// `" (user@host)"` from a full source, or nothing.
fn user_host(source: Option<&str>) -> String {
    source
        .and_then(|s| s.split_once('!'))
        .map(|(_, host)| format!(" ({})", crate::text::clean(host)))
        .unwrap_or_default()
}

fn reason_suffix(reason: Option<&str>) -> String {
    match reason {
        Some(text) if !text.is_empty() => format!(" ({text})"),
        _ => String::new(),
    }
}
