//! Numeric replies: welcome and ISUPPORT, NAMES, topics, WHOIS and WHO and
//! away confirmations; channel replies and errors are dispatched to
//! `irc::channel_replies` and `irc::error_replies`.

use chrono::{DateTime, Utc};
use natter_protocol::Message;
use natter_protocol::numeric::{
    ERR_NOMOTD, ERR_SASLABORTED, ERR_SASLALREADY, ERR_SASLFAIL, ERR_SASLTOOLONG,
    ERR_UNKNOWNCOMMAND, RPL_AWAY, RPL_BANLIST, RPL_CHANNELMODEIS, RPL_CREATED, RPL_CREATIONTIME,
    RPL_ENDOFBANLIST, RPL_ENDOFMOTD, RPL_ENDOFNAMES, RPL_ENDOFWHO, RPL_ENDOFWHOIS, RPL_GLOBALUSERS,
    RPL_INVITING, RPL_ISUPPORT, RPL_LIST, RPL_LISTEND, RPL_LISTSTART, RPL_LOCALUSERS, RPL_LOGGEDIN,
    RPL_LOGGEDOUT, RPL_MOTD, RPL_MOTDSTART, RPL_NAMREPLY, RPL_NOTOPIC, RPL_NOWAWAY, RPL_TOPIC,
    RPL_TOPICWHOTIME, RPL_UNAWAY, RPL_WELCOME, RPL_WHOISACCOUNT, RPL_WHOISACTUALLY,
    RPL_WHOISCERTFP, RPL_WHOISCHANNELS, RPL_WHOISHOST, RPL_WHOISIDLE, RPL_WHOISOPERATOR,
    RPL_WHOISSECURE, RPL_WHOISSERVER, RPL_WHOISSPECIAL, RPL_WHOISUSER, RPL_WHOREPLY, RPL_YOURHOST,
};

use super::Chat;
use super::buffers::LineKind;
use super::members::Member;

/// RPL_STATSCONN (highest connection count), which natter-protocol does not name.
const RPL_STATSCONN: &str = "250";

impl Chat {
    pub(crate) fn on_numeric(&mut self, msg: &Message, time: DateTime<Utc>) {
        let trailing = msg.params.last().cloned().unwrap_or_default();
        match msg.command.as_str() {
            RPL_WELCOME => {
                self.on_welcome(msg);
                self.push_event(0, time, LineKind::Info, &trailing);
            }
            RPL_ISUPPORT => {
                let tokens = msg.params.len().saturating_sub(2);
                for token in msg.params.iter().skip(1).take(tokens) {
                    self.session.apply_isupport(token);
                }
            }
            RPL_YOURHOST | RPL_CREATED | RPL_STATSCONN | RPL_LOCALUSERS | RPL_GLOBALUSERS
            | RPL_MOTDSTART | RPL_MOTD | RPL_ENDOFMOTD | ERR_NOMOTD => {
                self.push_event(0, time, LineKind::Info, &trailing);
            }
            RPL_NAMREPLY => self.on_names_reply(msg),
            RPL_ENDOFNAMES => self.on_names_end(msg),
            RPL_NOTOPIC | RPL_TOPIC | RPL_TOPICWHOTIME => self.on_topic_reply(msg, time),
            RPL_UNAWAY => {
                self.session.away = false;
                let me = self.session.casemapping.fold(&self.session.nick);
                self.away_nicks.remove(&me);
                self.info("You are no longer marked as away");
            }
            RPL_NOWAWAY => {
                self.session.away = true;
                let me = self.session.casemapping.fold(&self.session.nick);
                self.away_nicks.insert(me);
                self.info("You are marked as away (/back to return)");
            }
            RPL_WHOREPLY => self.on_who_reply(msg),
            RPL_LISTSTART | RPL_LIST | RPL_LISTEND => self.on_list_reply(msg, time),
            RPL_CHANNELMODEIS | RPL_CREATIONTIME | RPL_INVITING | RPL_BANLIST
            | RPL_ENDOFBANLIST => self.on_channel_reply(msg, time),
            RPL_ENDOFWHO | RPL_ENDOFWHOIS => {}
            RPL_AWAY | RPL_WHOISUSER | RPL_WHOISSERVER | RPL_WHOISOPERATOR | RPL_WHOISIDLE
            | RPL_WHOISCHANNELS | RPL_WHOISSPECIAL | RPL_WHOISACCOUNT | RPL_WHOISACTUALLY
            | RPL_WHOISHOST | RPL_WHOISSECURE | RPL_WHOISCERTFP => self.on_whois_reply(msg, time),
            ERR_UNKNOWNCOMMAND if msg.arg(1).is_some_and(|c| c.eq_ignore_ascii_case("WHO")) => {}
            // Logged in (SASL, PASS, NickServ) or out, SASL failures: the server's sentence, where the user looks.
            RPL_LOGGEDIN | RPL_LOGGEDOUT | ERR_SASLFAIL | ERR_SASLTOOLONG | ERR_SASLABORTED
            | ERR_SASLALREADY => {
                match msg.command.as_str() {
                    RPL_LOGGEDIN => self.session.account = msg.arg(2).map(str::to_owned),
                    RPL_LOGGEDOUT => self.session.account = None,
                    _ => {}
                }
                self.info(msg.params.last().cloned().unwrap_or_default());
            }
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
            RPL_AWAY => {
                // Also sent when whispering someone away: show it with them.
                let index = self
                    .buffers
                    .find(&nick, self.session.casemapping)
                    .unwrap_or_else(|| self.buffers.active_index());
                let text = format!("{nick} is away: {trailing}");
                self.push_event(index, time, LineKind::Info, &text);
                return;
            }
            RPL_WHOISUSER => format!("{nick} is {}@{} ({trailing})", p(2), p(3)),
            RPL_WHOISSERVER => format!("{nick} is on {} ({trailing})", p(2)),
            RPL_WHOISCHANNELS => format!("{nick} is in {trailing}"),
            RPL_WHOISACCOUNT => format!("{nick} is logged in as {}", p(2)),
            RPL_WHOISIDLE => {
                let idle = p(2).parse::<i64>().unwrap_or(0);
                let signon = p(3)
                    .parse::<i64>()
                    .ok()
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
                    .map(|t| {
                        self.settings
                            .zone
                            .local(t)
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
            RPL_NOTOPIC => {
                if let Some(buffer) = found.and_then(|i| self.buffers.get_mut(i)) {
                    buffer.topic = None;
                }
                format!("No topic is set for {channel}")
            }
            RPL_TOPIC => {
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
                        self.settings
                            .zone
                            .local(t)
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
