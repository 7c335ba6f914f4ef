//! A node's members of a channel as envelopes that each fit.

use super::{Envelope, Event, MAX_WIRE_BYTES, RosterMember, WireError};

/// `members` of `channel` on `node` as roster envelopes that each fit
/// [`MAX_WIRE_BYTES`]; the last is marked complete (one empty, complete
/// envelope when there are no members).
pub fn roster_chunks(
    node: &str,
    incarnation: u64,
    channel: &str,
    members: &[RosterMember],
) -> Result<Vec<Envelope>, WireError> {
    let envelope = |members: Vec<RosterMember>, complete| {
        Envelope::new(
            node,
            incarnation,
            Event::Roster {
                channel: channel.to_string(),
                members,
                complete,
            },
        )
    };
    // Room for the envelope around the members, with margin.
    let budget = MAX_WIRE_BYTES - envelope(Vec::new(), false).encode()?.len() - 64;
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for member in members {
        let bytes = serde_json::to_vec(member)?.len() + 1;
        if !current.is_empty() && size + bytes > budget {
            chunks.push(envelope(std::mem::take(&mut current), false));
            size = 0;
        }
        size += bytes;
        current.push(member.clone());
    }
    chunks.push(envelope(current, true));
    for chunk in &chunks {
        chunk.encode()?;
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::wire::Source;
    use crate::cluster::wire::fixtures::alice;

    #[test]
    fn long_rosters_come_in_chunks_that_each_fit() {
        let members: Vec<RosterMember> = (0..2000)
            .map(|index| RosterMember {
                member: Source {
                    nick: format!("member{index}"),
                    ..alice()
                },
                realname: "a fairly long real name for size".into(),
                away: None,
            })
            .collect();
        let chunks = roster_chunks("node-a", 1, "#big", &members).unwrap();
        assert!(chunks.len() > 1);
        let mut seen = Vec::new();
        for (index, chunk) in chunks.iter().enumerate() {
            assert!(chunk.encode().unwrap().len() <= MAX_WIRE_BYTES);
            let Event::Roster {
                members, complete, ..
            } = &chunk.event
            else {
                panic!("not a roster");
            };
            assert_eq!(*complete, index == chunks.len() - 1);
            seen.extend(members.iter().cloned());
        }
        assert_eq!(seen, members);
        let empty = roster_chunks("node-a", 1, "#big", &[]).unwrap();
        assert!(matches!(
            &empty[..],
            [Envelope { event: Event::Roster { members, complete: true, .. }, .. }] if members.is_empty()
        ));
    }
}
