//! Numeric replies: welcome and ISUPPORT, NAMES, topics, WHOIS and WHO,
//! away confirmations, and errors placed in the buffer they are about.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use super::App;
use super::buffers::LineKind;
use super::members::Member;

impl App {
    pub(crate) fn on_numeric(&mut self, msg: &Message, time: DateTime<Utc>) {
        let trailing = msg.params.last().cloned().unwrap_or_default();
        match msg.command.as_str() {
            "001" => {
                self.on_welcome(msg);
                self.push_event(0, time, LineKind::Info, &trailing);
            }
            "005" => {
                let tokens = msg.params.len().saturating_sub(2);
                for token in msg.params.iter().skip(1).take(tokens) {
                    self.session.apply_isupport(token);
                }
            }
            "002" | "003" | "250" | "265" | "266" | "375" | "372" | "376" | "422" => {
                self.push_event(0, time, LineKind::Info, &trailing);
            }
            "353" => self.on_names_reply(msg),
            "366" => self.on_names_end(msg),
            "331" | "332" | "333" => self.on_topic_reply(msg, time),
            "305" => {
                self.session.away = false;
                let me = self.session.casemapping.fold(&self.session.nick);
                self.away_nicks.remove(&me);
                self.info("You are no longer marked as away");
            }
            "306" => {
                self.session.away = true;
                let me = self.session.casemapping.fold(&self.session.nick);
                self.away_nicks.insert(me);
                self.info("You are marked as away (/back to return)");
            }
            "352" => self.on_who_reply(msg),
            "315" | "318" => {}
            "301" | "311" | "312" | "313" | "317" | "319" | "320" | "330" | "338" | "378"
            | "671" | "276" => self.on_whois_reply(msg, time),
            "421" if msg.arg(1).is_some_and(|c| c.eq_ignore_ascii_case("WHO")) => {}
            command if command.starts_with('4') || command.starts_with('5') => {
                self.on_error_reply(msg, time);
            }
            _ => {
                let all = msg.params.get(1..).unwrap_or_default().join(" ");
                self.push_event(0, time, LineKind::Info, &all);
            }
        }
    }

    /// WHOIS replies (and 301 away) as sentences in the visible buffer.
    fn on_whois_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let trailing = msg.params.last().cloned().unwrap_or_default();
        let p = |i: usize| msg.arg(i).unwrap_or_default().to_owned();
        let nick = p(1);
        let text = match msg.command.as_str() {
            "301" => {
                // Also sent when whispering someone away: show it with them.
                let index = self
                    .buffers
                    .find(&nick, self.session.casemapping)
                    .unwrap_or_else(|| self.buffers.active_index());
                let text = format!("{nick} is away: {trailing}");
                self.push_event(index, time, LineKind::Info, &text);
                return;
            }
            "311" => format!("{nick} is {}@{} ({trailing})", p(2), p(3)),
            "312" => format!("{nick} is on {} ({trailing})", p(2)),
            "319" => format!("{nick} is in {trailing}"),
            "317" => {
                let idle = p(2).parse::<i64>().unwrap_or(0);
                let signon = p(3)
                    .parse::<i64>()
                    .ok()
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                    .map(|t| {
                        t.with_timezone(&self.settings.utc_offset)
                            .format(", connected since %Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default();
                format!("{nick} has been idle {}{signon}", idle_text(idle))
            }
            _ => {
                let middle = msg
                    .params
                    .get(1..msg.params.len().saturating_sub(1))
                    .unwrap_or_default()
                    .join(" ");
                format!("{middle}: {trailing}")
            }
        };
        self.info(text);
    }

    /// 4xx/5xx: an error line in the buffer the reply is about, if open.
    fn on_error_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let trailing = msg.params.last().cloned().unwrap_or_default();
        let subject = msg.arg(1).unwrap_or_default().to_owned();
        let nick_refused = matches!(msg.command.as_str(), "432" | "433" | "436" | "437");
        if nick_refused && !self.session.registered {
            let text = format!("{subject}: {trailing}; trying another nick");
            self.push_event(0, time, LineKind::Info, &text);
            return;
        }
        if msg.command == "433" {
            self.error(format!(
                "The nick {subject} is already in use; choose another with /nick"
            ));
            return;
        }
        let index = self
            .buffers
            .find(&subject, self.session.casemapping)
            .unwrap_or_else(|| self.buffers.active_index());
        let middle = msg
            .params
            .get(1..msg.params.len().saturating_sub(1))
            .unwrap_or_default()
            .join(" ");
        let text = if middle.is_empty() {
            trailing
        } else {
            format!("{middle}: {trailing}")
        };
        self.push_event(index, time, LineKind::Error, &text);
    }

    fn on_names_reply(&mut self, msg: &Message) {
        let (Some(channel), Some(names)) = (msg.arg(2), msg.arg(3)) else {
            return;
        };
        let folded = self.session.casemapping.fold(channel);
        let members: Vec<Member> = names
            .split_whitespace()
            .map(|entry| {
                let (prefixes, nick) = self.session.split_prefixes(entry);
                Member {
                    nick: crate::text::clean(nick),
                    prefixes: prefixes.to_owned(),
                }
            })
            .collect();
        self.session
            .pending_names
            .entry(folded)
            .or_default()
            .extend(members);
    }

    fn on_names_end(&mut self, msg: &Message) {
        let Some(channel) = msg.arg(1) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let folded = casemapping.fold(channel);
        let collected = self
            .session
            .pending_names
            .remove(&folded)
            .unwrap_or_default();
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.clear();
            for member in collected {
                buffer.members.insert(member, casemapping);
            }
        }
        if self.session.names_requested.remove(&folded) {
            self.list_members(index);
        }
    }

    /// Prints the members of channel buffer `index` into it (the seeds' `#`).
    pub(crate) fn list_members(&mut self, index: usize) {
        let Some(buffer) = self.buffers.get(index) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let members = buffer
            .members
            .sorted(&self.session.prefix_chars, casemapping);
        let names: Vec<String> = members
            .iter()
            .map(|m| {
                let away = if self.is_away(&m.nick) { " (away)" } else { "" };
                format!(
                    "{}{}{away}",
                    m.top_prefix().map(String::from).unwrap_or_default(),
                    m.nick
                )
            })
            .collect();
        let text = format!(
            "{} members in {}: {}",
            names.len(),
            buffer.name,
            names.join(", ")
        );
        self.push_line(index, LineKind::Info, "", &text);
    }

    fn on_topic_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let Some(channel) = msg.arg(1) else {
            return;
        };
        // A reply about a channel we have no buffer for goes to the visible one.
        let found = self.buffers.find(channel, self.session.casemapping);
        let index = found.unwrap_or_else(|| self.buffers.active_index());
        let text = match msg.command.as_str() {
            "331" => {
                if let Some(buffer) = found.and_then(|i| self.buffers.get_mut(i)) {
                    buffer.topic = None;
                }
                format!("No topic is set for {channel}")
            }
            "332" => {
                let topic = msg.arg(2).unwrap_or_default().to_owned();
                if let Some(buffer) = found.and_then(|i| self.buffers.get_mut(i)) {
                    buffer.topic = Some(topic.clone());
                }
                if found.is_some() {
                    format!("Topic: {topic}")
                } else {
                    format!("Topic of {channel}: {topic}")
                }
            }
            _ => {
                let setter = msg.arg(2).unwrap_or_default();
                let setter = setter.split('!').next().unwrap_or(setter);
                let when = msg
                    .arg(3)
                    .and_then(|t| t.parse::<i64>().ok())
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                    .map(|t| {
                        t.with_timezone(&self.settings.utc_offset)
                            .format(" on %Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_default();
                format!("Topic set by {setter}{when}")
            }
        };
        self.push_event(index, time, LineKind::Info, &text);
    }

    fn on_who_reply(&mut self, msg: &Message) {
        let (Some(nick), Some(flags)) = (msg.arg(5), msg.arg(6)) else {
            return;
        };
        let folded = self.session.casemapping.fold(nick);
        if flags.starts_with('G') {
            self.away_nicks.insert(folded);
        } else {
            self.away_nicks.remove(&folded);
        }
    }
}

/// `90` -> `1m 30s`.
fn idle_text(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{}h {}m", s / 3600, (s % 3600) / 60),
    }
}
