//! `natterd channel list` and `natterd channel forget`: what the server
//! remembers of registered channels, and a way for the admin to make it
//! forget one (a squatted name, a channel nobody operates any more).

use crate::channels::ChannelRecord;
use crate::history::{History, HistoryConfig, offline};
use natter_protocol::formatting::{strip_controls, strip_formatting};
use std::io::Write;
use std::path::Path;

/// One line of `natterd channel list`: name, modes (the key itself is not
/// shown), limit, founder (`-`: unregistered), bans, operator accounts and
/// topic, tab-separated. Nothing
/// from the network reaches the terminal as an escape sequence.
pub fn describe(record: &ChannelRecord) -> String {
    let clean = |text: &str| strip_controls(&strip_formatting(text));
    let mut modes = format!("+{}", record.flags);
    if record.key.is_some() {
        modes.push('k');
    }
    if let Some(limit) = record.limit {
        modes.push_str(&format!("l {limit}"));
    }
    let operators: Vec<String> = record.operators.iter().map(|op| clean(op)).collect();
    let operators = if operators.is_empty() {
        "-".to_string()
    } else {
        operators.join(",")
    };
    let founder = record
        .founder
        .as_ref()
        .map_or_else(|| "-".to_string(), |founder| clean(&founder.name));
    let topic = record
        .topic
        .as_ref()
        .map_or_else(String::new, |topic| clean(&topic.text));
    format!(
        "{}\t{modes}\tfounder:{founder}\tbans:{}\toperators:{operators}\t{topic}",
        clean(&record.name),
        record.bans.len(),
    )
    .trim_end()
    .to_string()
}

/// Prints every stored channel; works while natterd runs (one snapshot).
pub fn list(data_dir: &Path, out: &mut dyn Write) -> anyhow::Result<usize> {
    let channels = offline::channels(data_dir)?;
    for (_, record) in &channels {
        writeln!(out, "{}", describe(record))?;
    }
    Ok(channels.len())
}

/// What `natterd channel forget` did.
#[derive(Debug, PartialEq, Eq)]
pub struct Forgotten {
    /// The stored state that was forgotten, if there was one.
    pub record: Option<ChannelRecord>,
    /// Messages of its history deleted (`None`: history kept).
    pub deleted: Option<u64>,
}

/// Forgets the stored state of the channel `folded` and, unless
/// `keep_history`, deletes its history (which would otherwise be served to
/// whoever creates the channel next). Needs natterd stopped: the running
/// server holds the states in memory and the data directory's lock.
pub async fn forget(
    data_dir: &Path,
    config: &HistoryConfig,
    folded: &str,
    keep_history: bool,
) -> anyhow::Result<Forgotten> {
    // Opening would create the database: a mistyped --data-dir must not
    // end in "forgotten" over a new, empty one.
    offline::existing_database(data_dir)?;
    let history = History::open(data_dir, config).map_err(|error| {
        anyhow::anyhow!("{error} (stop natterd first: it keeps channel states in memory)")
    })?;
    let states = history.channel_states();
    let record = states.get(folded);
    states.put(folded, None);
    let deleted = if keep_history {
        None
    } else {
        let count = offline::count_channel(data_dir, folded)?;
        history.forget_channel_history(folded);
        Some(count)
    };
    history.flush().await?;
    history.shutdown().await?;
    Ok(Forgotten { record, deleted })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::{RecordedBan, RecordedTopic};

    #[test]
    fn a_listed_channel_hides_its_key_and_escape_sequences() {
        let record = ChannelRecord {
            name: "#club".into(),
            created_ms: 1,
            flags: "inst".into(),
            key: Some("sesame".into()),
            limit: Some(5),
            topic: Some(RecordedTopic {
                text: "members \u{1b}[31monly".into(),
                set_by: "alice!a@h".into(),
                set_at_ms: 2,
            }),
            bans: vec![RecordedBan {
                mask: "m!*@*".into(),
                set_by: "alice!a@h".into(),
                set_at_ms: 3,
            }],
            operators: ["alice".to_string(), "bob".to_string()].into(),
            founder: Some(crate::channels::Founder {
                account: "alice".into(),
                name: "Alice".into(),
                registered_ms: 4,
            }),
        };
        let line = describe(&record);
        assert_eq!(
            line,
            "#club\t+instkl 5\tfounder:Alice\tbans:1\toperators:alice,bob\tmembers [31monly"
        );
        assert!(!line.contains("sesame"));
    }
}
