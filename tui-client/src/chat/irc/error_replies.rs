//! 4xx and 5xx error replies, placed in the buffer they are about and, for
//! the channel operator errors, worded as what to do next.

use chrono::{DateTime, Utc};
use natter_protocol::Message;
use natter_protocol::numeric::{
    ERR_CHANOPRIVSNEEDED, ERR_ERRONEUSNICKNAME, ERR_NICKCOLLISION, ERR_NICKNAMEINUSE,
    ERR_NOTONCHANNEL, ERR_UNAVAILRESOURCE, ERR_UNKNOWNMODE, ERR_USERNOTINCHANNEL,
    ERR_USERONCHANNEL,
};

use crate::chat::Chat;
use crate::chat::buffers::LineKind;
use crate::text::clean;

impl Chat {
    /// 4xx/5xx: an error line in the buffer the reply is about, if open.
    pub(crate) fn on_error_reply(&mut self, msg: &Message, time: DateTime<Utc>) {
        let trailing = msg.params.last().cloned().unwrap_or_default();
        let subject = msg.arg(1).unwrap_or_default().to_owned();
        let nick_refused = matches!(
            msg.command.as_str(),
            ERR_ERRONEUSNICKNAME | ERR_NICKNAMEINUSE | ERR_NICKCOLLISION | ERR_UNAVAILRESOURCE
        );
        if nick_refused && !self.session.registered {
            let text = format!("{subject}: {trailing}; trying another nick");
            self.push_event(0, time, LineKind::Info, &text);
            return;
        }
        if msg.command == ERR_NICKNAMEINUSE {
            self.error(format!(
                "The nick {subject} is already in use; choose another with /nick"
            ));
            return;
        }
        let index = self.error_buffer(msg);
        let text = channel_error_text(msg).unwrap_or_else(|| {
            let middle = msg
                .params
                .get(1..msg.params.len().saturating_sub(1))
                .unwrap_or_default()
                .join(" ");
            if middle.is_empty() {
                trailing
            } else {
                format!("{middle}: {trailing}")
            }
        });
        self.push_event(index, time, LineKind::Error, &text);
    }

    /// The buffer an error is about: the first open channel it names, else
    /// the first open buffer it names (a private chat), else the visible one.
    fn error_buffer(&self, msg: &Message) -> usize {
        let casemapping = self.session.casemapping;
        let named = msg
            .params
            .get(1..msg.params.len().saturating_sub(1))
            .unwrap_or_default();
        let open = |name: &String| self.buffers.find(name, casemapping);
        named
            .iter()
            .filter(|name| self.session.is_channel(name))
            .find_map(open)
            .or_else(|| named.iter().find_map(open))
            .unwrap_or_else(|| self.buffers.active_index())
    }
}

/// The channel operator errors as sentences that say what to do next.
fn channel_error_text(msg: &Message) -> Option<String> {
    let arg = |i: usize| clean(msg.arg(i).unwrap_or_default());
    let text = match msg.command.as_str() {
        ERR_CHANOPRIVSNEEDED => format!(
            "You are not an operator of {}: only operators can do that (ask one to /op you)",
            arg(1)
        ),
        ERR_USERNOTINCHANNEL => format!("{} is not in {}", arg(1), arg(2)),
        ERR_NOTONCHANNEL => format!("You are not in {0}: /join {0} first", arg(1)),
        ERR_USERONCHANNEL => format!("{} is already in {}", arg(1), arg(2)),
        ERR_UNKNOWNMODE => format!("The server does not know the mode {}", arg(1)),
        _ => return None,
    };
    Some(text)
}
