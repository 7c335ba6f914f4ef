//! The backlog on join: the last `history.replay_on_join` messages of a channel,
//! ending exactly where live delivery to the joiner began.
//!
//! The hub fixes the end under its lock at the moment of the join
//! ([`BacklogEnd`]): the channel's last stored message. Everything said later
//! reaches the joiner live, so nothing is shown twice; everything up to it was
//! queued for the store before the join, so after a [`History::flush`] it is
//! all there, even what was said a moment before. Each dialect formats the
//! result its own way.
//!
//! [`History::flush`]: crate::history::History::flush

use crate::context::Context;
use crate::history::{Anchor, Conversation, History, HistoryQuery, Selection, StoredMessage};
use crate::hub::BacklogEnd;
use chrono::{DateTime, Local, Utc};

/// The backlog for a joiner of the channel `folded` (empty when history is off,
/// `replay_on_join` is 0, or the store fails — which is logged).
pub async fn fetch(context: &Context, folded: &str, end: &BacklogEnd) -> Vec<StoredMessage> {
    let limit = context.config.history.replay_on_join;
    let Some(history) = context.history.as_ref().filter(|_| limit > 0) else {
        return Vec::new();
    };
    // In a cluster: what other nodes recorded while nobody here was in it.
    context
        .hub
        .history_ready(&crate::hub::Folded::from_folded(folded.to_string()))
        .await;
    if let Err(error) = history.flush().await {
        crate::warn_throttled!(%error, "backlog: the latest messages could not be committed first");
    }
    let selection = match end {
        BacklogEnd::Through { msgid, .. } => Selection::UpTo(Anchor::MsgId(msgid.clone())),
        BacklogEnd::Before(time) => Selection::Before(Anchor::Timestamp(*time)),
    };
    let messages = read(history, folded, selection, limit).await;
    match end {
        // The last message is missing from the store (left out when its queue
        // was full): end at the join's time instead.
        BacklogEnd::Through { joined_at, .. } if messages.is_empty() => {
            let selection = Selection::Before(Anchor::Timestamp(*joined_at));
            read(history, folded, selection, limit).await
        }
        _ => messages,
    }
}

async fn read(
    history: &History,
    folded: &str,
    selection: Selection,
    limit: usize,
) -> Vec<StoredMessage> {
    let query = HistoryQuery {
        conversation: Conversation::channel(folded),
        selection,
        limit,
    };
    match history.query(query).await {
        Ok(messages) => messages,
        Err(error) => {
            crate::warn_throttled!(%error, "backlog: history could not be read");
            Vec::new()
        }
    }
}

/// A message time for people reading text: `[14:03]` today, `[2026-11-20 14:03]`
/// on another day, in the server's local time zone (a LAN server usually shares
/// its users' zone; clients with `server-time` get exact UTC instead).
pub fn clock(time: DateTime<Utc>) -> String {
    clock_at(time, Utc::now())
}

fn clock_at(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = time.with_timezone(&Local);
    if local.date_naive() == now.with_timezone(&Local).date_naive() {
        local.format("[%H:%M]").to_string()
    } else {
        local.format("[%Y-%m-%d %H:%M]").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::history::{MessageKind, new_msgid};

    fn stored(text: &str, time: DateTime<Utc>) -> StoredMessage {
        StoredMessage {
            msgid: new_msgid(),
            time,
            conversation: Conversation::channel("#c"),
            kind: MessageKind::Privmsg,
            source: "a!a@h".into(),
            target: "#c".into(),
            text: text.into(),
        }
    }

    #[tokio::test]
    async fn backlog_ends_at_the_mark_or_at_the_join_when_the_mark_was_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.history.replay_on_join = 10;
        let history = History::open(dir.path(), &config.history).unwrap();
        let now = Utc::now();
        let earlier = [
            stored("one", now - chrono::Duration::seconds(3)),
            stored("two", now - chrono::Duration::seconds(2)),
            stored("later", now + chrono::Duration::seconds(5)),
        ];
        for message in &earlier {
            history.record(message.clone());
        }
        let context = Context::new(config, None, Some(history.clone()));
        let texts = |messages: Vec<StoredMessage>| -> Vec<String> {
            messages.into_iter().map(|m| m.text).collect()
        };
        let through_two = BacklogEnd::Through {
            msgid: earlier[1].msgid.clone(),
            joined_at: now,
        };
        assert_eq!(
            texts(fetch(&context, "#c", &through_two).await),
            ["one", "two"]
        );
        let lost = BacklogEnd::Through {
            msgid: "never-stored".into(),
            joined_at: now,
        };
        assert_eq!(texts(fetch(&context, "#c", &lost).await), ["one", "two"]);
        history.shutdown().await.unwrap();
    }

    #[test]
    fn clock_shows_the_date_only_for_other_days() {
        let now = Utc::now();
        let today = clock_at(now, now);
        assert_eq!(today.len(), "[14:03]".len(), "{today}");
        let old = clock_at(now - chrono::Duration::days(3), now);
        assert_eq!(old.len(), "[2026-11-20 14:03]".len(), "{old}");
    }
}
