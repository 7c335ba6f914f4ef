//! What a registered plain user types: text for the room, the seeds'
//! shortcuts (`#`, `&`, `text@nick`, `exit`) and slash commands.

use super::encode::{clean, line};
use super::{PlainSession, notice, split};
use crate::hub::event::MessageKind;
use crate::hub::{NickChangeError, SayError, SayRequest};
use crate::session::{Close, Connection, Flow};
use natter_protocol::{Nick, is_valid_nick};

/// The help text `&` shows.
const HELP: &str = include_str!("../../../assets/help-plain.txt");

impl PlainSession {
    pub(super) async fn chat(&mut self, connection: &mut Connection, text: &str) -> Flow {
        let text = text.trim_end();
        if text.trim().is_empty() {
            return Flow::Continue;
        }
        match text.trim() {
            "#" | "/who" | "/names" => {
                self.list_members(connection);
                return Flow::Continue;
            }
            "&" | "/help" => {
                for help_line in HELP.lines() {
                    connection.send_raw(line(help_line));
                }
                return Flow::Continue;
            }
            "exit" => return Flow::Close(Close::Quit(String::new())),
            _ => {}
        }
        if let Some(command) = text.strip_prefix('/') {
            return self.slash_command(connection, command).await;
        }
        if let Some((body, nick)) = text.rsplit_once('@') {
            let body = body.trim();
            let online = is_valid_nick(nick, self.context.config.limits.nick_length)
                && self
                    .context
                    .hub
                    .read(|hub| hub.client_by_nick(nick).is_some());
            if online && !body.is_empty() {
                self.whisper(connection, nick, body).await;
                return Flow::Continue;
            }
        }
        let channel = self.channel();
        self.say(connection, MessageKind::Privmsg, &channel, text)
            .await;
        Flow::Continue
    }

    pub(super) async fn slash_command(
        &mut self,
        connection: &mut Connection,
        command: &str,
    ) -> Flow {
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        let rest = rest.trim();
        match name.to_ascii_lowercase().as_str() {
            "quit" | "exit" => return Flow::Close(Close::Quit(rest.to_string())),
            "msg" | "w" | "whisper" => match rest.split_once(' ') {
                Some((nick, body)) if !body.trim().is_empty() => {
                    if self
                        .context
                        .hub
                        .read(|hub| hub.client_by_nick(nick).is_some())
                    {
                        self.whisper(connection, nick, body.trim()).await;
                    } else {
                        notice(
                            connection,
                            &format!(
                                "No one called {} is online. Type # to see who is.",
                                clean(nick)
                            ),
                        );
                    }
                }
                _ => notice(connection, "Usage: /msg nick text"),
            },
            "me" if !rest.is_empty() => {
                let channel = self.channel();
                self.say(
                    connection,
                    MessageKind::Privmsg,
                    &channel,
                    &natter_protocol::action(rest),
                )
                .await;
            }
            "nick" if !rest.is_empty() => self.change_nick(connection, rest).await,
            "join" => self.rejoin(connection).await,
            "login" => self.login_command(connection, rest).await,
            "register" => self.register_command(connection, rest).await,
            _ => notice(
                connection,
                &format!("Unknown command /{}. Type & for help.", clean(name)),
            ),
        }
        Flow::Continue
    }

    pub(super) async fn whisper(&mut self, connection: &mut Connection, nick: &str, body: &str) {
        if let Some(outcome) = self.say(connection, MessageKind::Privmsg, nick, body).await {
            let recipient = outcome.recipient(nick);
            connection.send_raw(line(&format!("-> {recipient}: {body}")));
            if let Some((nick, away)) = outcome.away {
                notice(connection, &format!("{nick} is away: {}", clean(&away)));
            }
        }
    }

    /// Says `text`, split into several messages when IRC recipients could not
    /// receive it whole (actions are sent as they are).
    pub(super) async fn say(
        &mut self,
        connection: &mut Connection,
        kind: MessageKind,
        target: &str,
        text: &str,
    ) -> Option<crate::hub::SayOutcome> {
        if natter_protocol::is_action(text).is_some() {
            return self.say_one(connection, kind, target, text).await;
        }
        let envelope = format!(
            ":{}!{}@{} {} {target} :",
            self.nick,
            crate::username::unverified(&self.nick),
            connection.host(),
            kind.command()
        );
        let budget = natter_protocol::LINE_BODY_MAX.saturating_sub(envelope.len());
        let mut outcome = None;
        for piece in split::split_text(text, budget) {
            outcome = Some(self.say_one(connection, kind, target, piece).await?);
        }
        outcome
    }

    pub(super) async fn say_one(
        &mut self,
        connection: &mut Connection,
        kind: MessageKind,
        target: &str,
        text: &str,
    ) -> Option<crate::hub::SayOutcome> {
        let id = connection.id;
        let request = SayRequest {
            kind,
            target: target.to_string(),
            text: text.to_string(),
            client_tags: Vec::new(),
        };
        match self.context.hub.say(id, request).await {
            Ok(outcome) => Some(outcome),
            Err(SayError::NoSuchNick) => {
                notice(
                    connection,
                    &format!("No one called {} is online.", clean(target)),
                );
                None
            }
            Err(SayError::NoSuchChannel) => {
                notice(connection, &format!("{target} does not exist any more."));
                None
            }
            Err(SayError::CannotSendToChannel(why)) => {
                notice(connection, &format!("Your message was not sent: {why}."));
                None
            }
            Err(SayError::Unreachable(nick)) => {
                notice(connection, &crate::hub::unreachable_text(&clean(&nick)));
                None
            }
        }
    }

    pub(super) async fn change_nick(&mut self, connection: &mut Connection, wanted: &str) {
        if let Err(error) = Nick::parse(wanted, self.context.config.limits.nick_length) {
            notice(
                connection,
                &format!("\"{}\" can't be used: {error}.", clean(wanted)),
            );
            return;
        }
        let id = connection.id;
        let changed = match self.context.claim_nick(wanted, id).await {
            Ok(()) => {
                let changed = self.context.hub.with(|hub| hub.change_nick(id, wanted));
                if changed.is_err() {
                    self.context.release_nick(wanted, id);
                }
                changed
            }
            Err(taken) => Err(NickChangeError::InUse(taken)),
        };
        match changed {
            Ok(()) => {
                self.nick = wanted.to_string();
                notice(connection, &format!("You are now known as {wanted}."));
                self.warn_if_unowned(connection);
            }
            Err(NickChangeError::InUse(taken)) => {
                notice(connection, &super::registration::taken_text(wanted, &taken))
            }
        }
    }
}
