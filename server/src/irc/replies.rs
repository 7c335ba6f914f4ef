//! Multi-line replies several commands share: NAMES, topic, and splitting
//! long lists so no line exceeds IRC's 512 bytes.

use super::IrcSession;
use crate::hub::Names;
use crate::session::Connection;
use natter_protocol::numeric;

/// Room for a reply's fixed part (`:server 353 nick = #chan :`) plus CRLF.
const LINE_BUDGET: usize = 510;

/// Joins words into as few space-separated chunks as fit after `fixed_length` bytes.
pub fn chunk_words(words: &[String], fixed_length: usize) -> Vec<String> {
    let budget = LINE_BUDGET.saturating_sub(fixed_length).max(64);
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        if !current.is_empty() && current.len() + 1 + word.len() > budget {
            chunks.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

impl IrcSession {
    /// RPL_NAMREPLY lines for one channel (RPL_ENDOFNAMES is the caller's:
    /// one per NAMES command, however many channels it names).
    pub(crate) fn send_names(&self, connection: &mut Connection, names: &Names) {
        let all_prefixes = self.caps.has("multi-prefix");
        let with_host = self.caps.has("userhost-in-names");
        let symbol = if names.secret { "@" } else { "=" };
        let entries: Vec<String> = names
            .members
            .iter()
            .map(|member| {
                let prefix = member.membership.prefixes(all_prefixes);
                if with_host {
                    format!("{prefix}{}!{}@{}", member.nick, member.user, member.host)
                } else {
                    format!("{prefix}{}", member.nick)
                }
            })
            .collect();
        let fixed =
            self.context.server_name().len() + self.target().len() + names.channel.len() + 16;
        for chunk in chunk_words(&entries, fixed) {
            self.reply(
                connection,
                numeric::RPL_NAMREPLY,
                [symbol, names.channel.as_str(), chunk.as_str()],
            );
        }
    }

    /// RPL_ENDOFNAMES.
    pub(crate) fn end_of_names(&self, connection: &mut Connection, channel: &str) {
        self.reply(
            connection,
            numeric::RPL_ENDOFNAMES,
            [channel, "End of /NAMES list"],
        );
    }

    /// RPL_TOPIC + RPL_TOPICWHOTIME, or RPL_NOTOPIC when `always` and there is none.
    pub(crate) fn send_topic(
        &self,
        connection: &mut Connection,
        channel: &str,
        topic: Option<&crate::hub::channel::Topic>,
        always: bool,
    ) {
        match topic {
            Some(topic) => {
                self.reply(
                    connection,
                    numeric::RPL_TOPIC,
                    [channel, topic.text.as_str()],
                );
                let set_at = topic.set_at.timestamp().to_string();
                self.reply(
                    connection,
                    numeric::RPL_TOPICWHOTIME,
                    [channel, topic.set_by.as_str(), set_at.as_str()],
                );
            }
            None if always => self.reply(
                connection,
                numeric::RPL_NOTOPIC,
                [channel, "No topic is set"],
            ),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_the_budget_and_keep_every_word() {
        let words: Vec<String> = (0..200).map(|i| format!("nick{i:03}")).collect();
        let chunks = chunk_words(&words, 100);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.len() <= LINE_BUDGET - 100));
        let rejoined: Vec<&str> = chunks.iter().flat_map(|c| c.split(' ')).collect();
        assert_eq!(rejoined.len(), 200);
    }
}
