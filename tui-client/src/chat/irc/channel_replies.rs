//! Numeric replies about channels as readable lines: the LIST of channels
//! (in the server buffer), channel modes and creation time, the ban list
//! and invitations sent (in the channel's buffer when it is open).

use chrono::{DateTime, Utc};
use natter_protocol::Message;
use natter_protocol::numeric::{
    RPL_BANLIST, RPL_CHANNELMODEIS, RPL_CREATIONTIME, RPL_ENDOFBANLIST, RPL_INVITING, RPL_LIST,
    RPL_LISTEND, RPL_LISTSTART,
};

use crate::chat::Chat;
use crate::chat::buffers::LineKind;
use crate::text::clean;

impl Chat {
    /// 321, 322 and 323: a table of channels, members and topics in the
    /// server buffer.
    pub(crate) fn on_list_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let text = match msg.command.as_str() {
            RPL_LISTSTART => {
                self.session.listed_channels = 0;
                format!("{:<24} {:>7}  Topic", "Channel", "Members")
            }
            RPL_LIST => {
                self.session.listed_channels += 1;
                let channel = clean(msg.arg(1).unwrap_or_default());
                let members = clean(msg.arg(2).unwrap_or_default());
                let topic = msg.arg(3).unwrap_or_default();
                format!("{channel:<24} {members:>7}  {topic}")
            }
            RPL_LISTEND => match std::mem::take(&mut self.session.listed_channels) {
                0 => "No channels to list (create one with /join #name)".to_owned(),
                1 => "End of the channel list: 1 channel (/join #name to enter)".to_owned(),
                n => format!("End of the channel list: {n} channels (/join #name to enter)"),
            },
            _ => return,
        };
        self.push_event(0, time, LineKind::Info, &text);
    }

    /// 324, 329, 341, 367 and 368, shown in the channel's buffer if open,
    /// else in the visible one.
    pub(crate) fn on_channel_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let channel_position = if msg.command == RPL_INVITING { 2 } else { 1 };
        let channel = clean(msg.arg(channel_position).unwrap_or_default());
        let index = self
            .buffers
            .find(&channel, self.session.casemapping)
            .unwrap_or_else(|| self.buffers.active_index());
        let arg = |i: usize| clean(msg.arg(i).unwrap_or_default());
        let text = match msg.command.as_str() {
            RPL_CHANNELMODEIS => {
                let modes = msg.params.get(2..).unwrap_or_default().join(" ");
                if modes.trim_matches(['+', ' ']).is_empty() {
                    format!("No modes are set on {channel}")
                } else {
                    format!("Modes of {channel}: {}", clean(&modes))
                }
            }
            RPL_CREATIONTIME => match self.local_time(msg.arg(2), "%Y-%m-%d %H:%M") {
                Some(when) => format!("{channel} was created on {when}"),
                None => return,
            },
            RPL_INVITING => format!("You invited {} to {channel}", arg(1)),
            RPL_BANLIST => self.ban_entry(msg, &channel),
            RPL_ENDOFBANLIST => self.ban_list_end(&channel),
            _ => return,
        };
        self.push_event(index, time, LineKind::Info, &text);
    }

    /// One 367 line: the mask, who set it and when.
    fn ban_entry(&mut self, msg: &Message, channel: &str) -> String {
        let folded = self.session.casemapping.fold(channel);
        *self.session.listed_bans.entry(folded).or_default() += 1;
        let mask = clean(msg.arg(2).unwrap_or_default());
        let setter = msg.arg(3).map(|s| clean(s.split('!').next().unwrap_or(s)));
        let when = self.local_time(msg.arg(4), " on %Y-%m-%d %H:%M");
        match setter {
            Some(setter) => format!(
                "Banned in {channel}: {mask} (set by {setter}{})",
                when.unwrap_or_default()
            ),
            None => format!("Banned in {channel}: {mask}"),
        }
    }

    /// 368: how many bans there were.
    fn ban_list_end(&mut self, channel: &str) -> String {
        let folded = self.session.casemapping.fold(channel);
        match self.session.listed_bans.remove(&folded).unwrap_or(0) {
            0 => format!("No bans are set in {channel}"),
            1 => format!("End of the ban list of {channel}: 1 ban (/unban MASK lifts one)"),
            n => format!("End of the ban list of {channel}: {n} bans (/unban MASK lifts one)"),
        }
    }

    /// A Unix time from the server, in the user's time zone, formatted.
    fn local_time(&self, seconds: Option<&str>, format: &str) -> Option<String> {
        let seconds = seconds?.parse::<i64>().ok()?;
        let time = DateTime::<Utc>::from_timestamp(seconds, 0)?;
        Some(self.settings.zone.local(time).format(format).to_string())
    }
}
