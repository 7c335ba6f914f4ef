//! CHATHISTORY (IRCv3 `draft/chathistory`): LATEST, BEFORE, AFTER, AROUND,
//! BETWEEN and TARGETS, with `msgid=` and `timestamp=` selectors.
//!
//! Who may read what:
//! - a private conversation only by its two participants, who are identities,
//!   not nicks: an account when logged in, else one connection. The
//!   conversation is always built from the requester's own identity, so asking
//!   for `bob` means "my conversation with whoever is bob now" (or, when no
//!   `bob` is online, with whoever I last whispered as `bob`), and whoever
//!   takes a nick later never reads its owner's whispers or partners;
//! - a channel only by its current members, as ergo does. Secret or not, a
//!   non-member (or a channel that does not exist) gets the same
//!   `FAIL CHATHISTORY INVALID_TARGET`, which reveals nothing: the only way to
//!   read a channel's past is to join it, which +i/+k/+b already govern, and
//!   joining shows the backlog anyway.
//!
//! A `limit` of 0 or above `CHATHISTORY=` (ISUPPORT) is served as that maximum.
//! Before reading, the store is flushed so that what was just said is included.

use super::super::IrcSession;
use super::super::encode::format_time;
use super::super::replay::Occasion;
use crate::history::{Anchor, Conversation, History, HistoryQuery, Selection};
use crate::session::Connection;
use chrono::{DateTime, Utc};
use natter_protocol::{Message, is_channel_name, is_valid_nick};

/// Handles `CHATHISTORY <subcommand> ...`.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let _timer = crate::metrics::ChathistoryTimer::start();
    let Some(history) = session.context.history.clone() else {
        session.reply(
            connection,
            natter_protocol::numeric::ERR_UNKNOWNCOMMAND,
            ["CHATHISTORY", "History is disabled on this server"],
        );
        return;
    };
    let Some(subcommand) = message.arg(0).map(str::to_ascii_uppercase) else {
        fail(
            session,
            connection,
            "NEED_MORE_PARAMS",
            &["*"],
            "Missing parameters",
        );
        return;
    };
    let request = match parse(session, &subcommand, &message.params[1..]) {
        Ok(request) => request,
        Err(failure) => {
            let context: Vec<&str> = std::iter::once(subcommand.as_str())
                .chain(failure.context.iter().map(String::as_str))
                .collect();
            fail(session, connection, failure.code, &context, &failure.text);
            return;
        }
    };
    if let Err(error) = history.flush().await {
        crate::warn_throttled!(%error, "CHATHISTORY: recent messages could not be committed first");
    }
    match request {
        Request::Messages {
            target,
            selection,
            limit,
        } => {
            messages(
                session,
                connection,
                &history,
                &subcommand,
                &target,
                selection,
                limit,
            )
            .await
        }
        Request::Targets { from, to, limit } => {
            targets(session, connection, &history, from, to, limit).await
        }
    }
}

/// A parsed request.
enum Request {
    Messages {
        target: String,
        selection: Selection,
        limit: usize,
    },
    Targets {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    },
}

/// A `FAIL` to send instead of an answer.
struct Failure {
    code: &'static str,
    context: Vec<String>,
    text: String,
}

impl Failure {
    fn missing() -> Failure {
        Failure {
            code: "NEED_MORE_PARAMS",
            context: Vec::new(),
            text: "Missing parameters".to_string(),
        }
    }

    fn invalid(param: &str, text: &str) -> Failure {
        Failure {
            code: "INVALID_PARAMS",
            context: vec![param.to_string()],
            text: text.to_string(),
        }
    }
}

fn parse(session: &IrcSession, subcommand: &str, args: &[String]) -> Result<Request, Failure> {
    let arg = |index: usize| {
        args.get(index)
            .map(String::as_str)
            .filter(|a| !a.is_empty())
            .ok_or_else(Failure::missing)
    };
    let max = session.context.config.history.chathistory_limit.max(1);
    let selection = match subcommand {
        "TARGETS" => {
            let from = timestamp_only(arg(0)?)?;
            let to = timestamp_only(arg(1)?)?;
            let limit = limit(arg(2)?, max)?;
            return Ok(Request::Targets { from, to, limit });
        }
        "LATEST" => match arg(1)? {
            "*" => Selection::Latest { since: None },
            other => Selection::Latest {
                since: Some(anchor(other)?),
            },
        },
        "BEFORE" => Selection::Before(anchor(arg(1)?)?),
        "AFTER" => Selection::After(anchor(arg(1)?)?),
        "AROUND" => Selection::Around(anchor(arg(1)?)?),
        "BETWEEN" => Selection::Between(anchor(arg(1)?)?, anchor(arg(2)?)?),
        other => {
            return Err(Failure {
                code: "UNKNOWN_COMMAND",
                context: Vec::new(),
                text: format!(
                    "Unknown command {other}: use LATEST, BEFORE, AFTER, AROUND, BETWEEN or TARGETS"
                ),
            });
        }
    };
    let target = arg(0)?.to_string();
    let limit_index = if subcommand == "BETWEEN" { 3 } else { 2 };
    let limit = limit(arg(limit_index)?, max)?;
    Ok(Request::Messages {
        target,
        selection,
        limit,
    })
}

/// `msgid=…` or `timestamp=…`.
fn anchor(param: &str) -> Result<Anchor, Failure> {
    if let Some(msgid) = param.strip_prefix("msgid=").filter(|m| !m.is_empty()) {
        return Ok(Anchor::MsgId(msgid.to_string()));
    }
    if param.starts_with("timestamp=") {
        return timestamp_only(param).map(Anchor::Timestamp);
    }
    Err(Failure::invalid(
        param,
        "Expected msgid=<id> or timestamp=YYYY-MM-DDThh:mm:ss.sssZ",
    ))
}

/// `timestamp=YYYY-MM-DDThh:mm:ss.sssZ` (any RFC 3339 time is accepted).
fn timestamp_only(param: &str) -> Result<DateTime<Utc>, Failure> {
    param
        .strip_prefix("timestamp=")
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| Failure::invalid(param, "Expected timestamp=YYYY-MM-DDThh:mm:ss.sssZ"))
}

fn limit(param: &str, max: usize) -> Result<usize, Failure> {
    match param.parse::<usize>() {
        Ok(0) => Ok(max),
        Ok(limit) => Ok(limit.min(max)),
        Err(_) => Err(Failure::invalid(param, "The limit must be a number")),
    }
}

/// Sends `FAIL CHATHISTORY <code> <context...> :<text>`.
fn fail(
    session: &IrcSession,
    connection: &mut Connection,
    code: &str,
    context: &[&str],
    text: &str,
) {
    let line = session
        .server_message("FAIL")
        .with_params(["CHATHISTORY", code])
        .with_params(context.iter().copied())
        .with_param(text);
    connection.send(&line);
}

/// The history store failed to answer: logged (throttled, as a client can
/// ask again and again) and told as `MESSAGE_ERROR`.
fn storage_failed(
    session: &IrcSession,
    connection: &mut Connection,
    context: &[&str],
    error: &dyn std::fmt::Display,
) {
    crate::warn_throttled!(%error, "CHATHISTORY failed");
    fail(
        session,
        connection,
        "MESSAGE_ERROR",
        context,
        "Messages could not be retrieved",
    );
}

/// What a `CHATHISTORY` target names for this client.
enum Named {
    /// A conversation it may read, and the name to show it under.
    Readable(Conversation, String),
    /// A private conversation with someone not online now: `viewer`'s key,
    /// to look the partner up among the viewer's own conversations.
    OfflinePartner(String),
    /// Nothing it may read.
    Unreadable,
}

/// The conversation `target` names for this client.
fn conversation_for(session: &IrcSession, connection: &Connection, target: &str) -> Named {
    let id = connection.id;
    let max_nick = session.context.config.limits.nick_length;
    session.context.hub.read(|hub| {
        let Some(viewer) = hub.client(id).map(|client| client.identity().key()) else {
            return Named::Unreadable;
        };
        if is_channel_name(target) {
            match hub.channel(target) {
                Some(channel) if channel.members.contains_key(&id) => Named::Readable(
                    Conversation::channel(hub.fold(target)),
                    channel.name.clone(),
                ),
                _ => Named::Unreadable,
            }
        } else if is_valid_nick(target, max_nick) {
            match hub.client_by_nick(target) {
                Some(partner) => Named::Readable(
                    Conversation::private(viewer, partner.identity().key()),
                    target.to_string(),
                ),
                None => Named::OfflinePartner(viewer),
            }
        } else {
            Named::Unreadable
        }
    })
}

/// Resolves [`Named::OfflinePartner`] through the viewer's own history.
async fn readable(
    session: &IrcSession,
    connection: &Connection,
    history: &History,
    target: &str,
) -> Result<Option<(Conversation, String)>, crate::history::HistoryError> {
    match conversation_for(session, connection, target) {
        Named::Readable(conversation, shown) => Ok(Some((conversation, shown))),
        Named::Unreadable => Ok(None),
        Named::OfflinePartner(viewer) => {
            let casemapping = session.context.hub.read(|hub| hub.settings.casemapping);
            let partner = history
                .private_partner(&viewer, target, casemapping)
                .await?;
            // No partner yet: an empty conversation of the viewer's own.
            let partner = partner.unwrap_or_else(|| format!("nobody:{target}"));
            Ok(Some((
                Conversation::private(viewer, partner),
                target.to_string(),
            )))
        }
    }
}

async fn messages(
    session: &mut IrcSession,
    connection: &mut Connection,
    history: &History,
    subcommand: &str,
    target: &str,
    selection: Selection,
    limit: usize,
) {
    let named = match readable(session, connection, history, target).await {
        Ok(named) => named,
        Err(error) => return storage_failed(session, connection, &[subcommand, target], &error),
    };
    let Some((conversation, shown)) = named else {
        fail(
            session,
            connection,
            "INVALID_TARGET",
            &[subcommand, target],
            "Messages could not be retrieved: not a channel you are in, nor a nickname",
        );
        return;
    };
    if let Conversation::Channel(folded) = &conversation {
        // In a cluster: what other nodes recorded before this one followed it.
        let folded = crate::hub::Folded::from_folded(folded.clone());
        session.context.hub.history_ready(&folded).await;
    }
    let query = HistoryQuery {
        conversation,
        selection,
        limit,
    };
    match history.query(query).await {
        Ok(found) => session.send_history(connection, &shown, &found, Occasion::Request),
        Err(error) => storage_failed(session, connection, &[subcommand, target], &error),
    }
}

async fn targets(
    session: &mut IrcSession,
    connection: &mut Connection,
    history: &History,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) {
    let id = connection.id;
    let (viewer, channels) = session.context.hub.read(|hub| match hub.client(id) {
        Some(client) => (
            client.identity().key(),
            client.channels.iter().map(ToString::to_string).collect(),
        ),
        None => (String::new(), Vec::new()),
    });
    let found = match history.targets(&viewer, &channels, from, to, limit).await {
        Ok(found) => found,
        Err(error) => {
            crate::warn_throttled!(%error, "CHATHISTORY TARGETS failed");
            fail(
                session,
                connection,
                "MESSAGE_ERROR",
                &["TARGETS", "*"],
                "Targets could not be retrieved",
            );
            return;
        }
    };
    let batch = session.caps.has("batch").then(|| session.new_batch_id());
    if let Some(id) = &batch {
        let open = session
            .server_message("BATCH")
            .with_params([format!("+{id}").as_str(), "draft/chathistory-targets"]);
        connection.send(&open);
    }
    for (name, latest) in found {
        let mut line = session.server_message("CHATHISTORY").with_params([
            "TARGETS",
            name.as_str(),
            format_time(latest).as_str(),
        ]);
        if let Some(id) = &batch {
            line = line.with_tag("batch", Some(id.clone()));
        }
        connection.send(&line);
    }
    if let Some(id) = batch {
        connection.send(&session.server_message("BATCH").with_param(format!("-{id}")));
    }
}
