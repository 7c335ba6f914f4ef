//! PRIVMSG and NOTICE: chat lines, actions, whispers and CTCP queries,
//! routed to the right buffer (or into a chathistory batch).

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::{BufferKind, ChatLine, LineKind};
use crate::event::Effect;

impl Chat {
    /// A PRIVMSG or NOTICE: shown in its buffer, collected into a history
    /// batch, or (CTCP) answered.
    pub(super) fn on_text(&mut self, msg: &Message, time: DateTime<Utc>) {
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
        if from_user && !own && self.drop_if_ignored(msg, target) {
            return;
        }

        let Some((kind, body_text)) = self.chat_body(text, &nick, is_notice, own, replayed) else {
            return;
        };
        let sender = Sender {
            nick: &nick,
            from_user,
            own,
            is_notice,
        };
        let Some((index, whisper)) = self.text_destination(target, &sender) else {
            return;
        };
        let highlight = !own && (whisper || (from_user && self.mentions_me(&body_text)));
        if from_user && !replayed {
            self.typing_ended(index, &nick);
        }
        if !is_notice && let Some(buffer) = self.buffers.get_mut(index) {
            buffer.note_speaker(self.session.casemapping.fold(&nick));
        }
        let shown_nick = if from_user { nick.as_str() } else { source };
        let mut line = ChatLine::new(time, kind, shown_nick, Chat::body(&body_text));
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
            let title = if whisper {
                format!("{nick} whispers")
            } else {
                format!("{nick} in {target}")
            };
            self.alert(visible, title, &body_text);
        }
    }

    /// The kind and text of the line `text` shows as, or `None` for a CTCP
    /// query or reply (answered here unless replayed from history).
    fn chat_body(
        &mut self,
        text: &str,
        nick: &str,
        is_notice: bool,
        own: bool,
        replayed: bool,
    ) -> Option<(LineKind, String)> {
        match natter_protocol::parse_ctcp(text) {
            Some(ctcp) if ctcp.command.eq_ignore_ascii_case("ACTION") => {
                Some((LineKind::Action, ctcp.args.to_owned()))
            }
            Some(ctcp) => {
                if !replayed {
                    let command = ctcp.command.to_ascii_uppercase();
                    self.on_ctcp(nick, &command, ctcp.args, is_notice, own);
                }
                None
            }
            None if is_notice => Some((LineKind::Notice, text.to_owned())),
            None => Some((LineKind::Message, text.to_owned())),
        }
    }

    /// The buffer a message to `target` belongs in, and whether it is a
    /// whisper to us; `None` when it was for a channel we just closed.
    fn text_destination(&mut self, target: &str, sender: &Sender<'_>) -> Option<(usize, bool)> {
        let channel = target.trim_start_matches(|c| self.session.prefix_chars.contains(c));
        let casemapping = self.session.casemapping;
        if self.session.is_channel(channel)
            && self.session.closing.contains(&casemapping.fold(channel))
        {
            // The buffer was closed; this was on its way before our PART.
            return None;
        }
        let destination = if self.session.is_channel(channel) {
            (
                self.buffers
                    .ensure(BufferKind::Channel, channel, casemapping),
                false,
            )
        } else if sender.own {
            (
                self.buffers
                    .ensure(BufferKind::Private, target, casemapping),
                false,
            )
        } else if !sender.from_user || target == "*" {
            (0, false)
        } else if sender.is_notice {
            let index = self
                .buffers
                .find(sender.nick, casemapping)
                .unwrap_or_else(|| self.buffers.active_index());
            (index, false)
        } else {
            (
                self.buffers
                    .ensure(BufferKind::Private, sender.nick, casemapping),
                true,
            )
        };
        Some(destination)
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
}

/// Who sent a PRIVMSG or NOTICE, as routing needs to know.
struct Sender<'a> {
    /// The sender's nick (or server name).
    nick: &'a str,
    /// A user sent it, not the server.
    from_user: bool,
    /// We sent it (an echo or a replayed line of ours).
    own: bool,
    /// A NOTICE rather than a PRIVMSG.
    is_notice: bool,
}
