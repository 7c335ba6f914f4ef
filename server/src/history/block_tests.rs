//! Tests of the block format: round trips, limits, and damaged bodies.

use super::*;
use proptest::prelude::*;

/// An owned entry, so that proptest can generate them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owned {
    time_ms: i64,
    notice: bool,
    stray: bool,
    msgid: String,
    source: String,
    target: String,
    text: String,
}

impl Owned {
    fn entry(&self) -> BlockEntry<'_> {
        BlockEntry {
            time_ms: self.time_ms,
            kind: if self.notice {
                MessageKind::Notice
            } else {
                MessageKind::Privmsg
            },
            stray: self.stray,
            msgid: self.msgid.as_str().into(),
            source: &self.source,
            target: &self.target,
            text: &self.text,
        }
    }
}

fn sample(time_ms: i64, text: &str) -> Owned {
    Owned {
        time_ms,
        notice: false,
        stray: false,
        msgid: format!("id-{time_ms}"),
        source: "alice!al@10.0.0.1".into(),
        target: "#rust".into(),
        text: text.into(),
    }
}

/// A format 1 body, as natterd wrote them before format 2 (schema version 11).
fn encode_v1(messages: &[Owned]) -> Vec<u8> {
    let mut body = vec![FORMAT_VERSION_1];
    let base_ms = messages[0].time_ms;
    put_varint(&mut body, zigzag(base_ms));
    for message in messages {
        body.push(
            (u8::from(message.notice) * FLAG_NOTICE) | (u8::from(message.stray) * FLAG_STRAY),
        );
        put_varint(&mut body, zigzag(message.time_ms.wrapping_sub(base_ms)));
        let fields = [
            &message.msgid,
            &message.source,
            &message.target,
            &message.text,
        ];
        for field in fields {
            put_varint(&mut body, field.len() as u64);
        }
        for field in fields {
            body.extend_from_slice(field.as_bytes());
        }
    }
    body
}

fn encode(messages: &[Owned]) -> BlockBuilder {
    let mut builder = BlockBuilder::new();
    for message in messages {
        builder.push(&message.entry());
    }
    builder
}

fn decode(body: &[u8]) -> Result<Vec<BlockEntry<'_>>, BlockError> {
    entries(body)?.collect()
}

#[test]
fn a_block_gives_back_its_messages_in_push_order_with_their_bounds() {
    let messages = [
        sample(1_700_000_000_500, "second in time, first pushed"),
        sample(1_700_000_000_100, "replayed: older"),
        Owned {
            notice: true,
            stray: true,
            ..sample(1_700_000_003_000, "a notice, é 日本")
        },
    ];
    let builder = encode(&messages);
    assert_eq!(builder.count(), 3);
    assert_eq!(builder.first_ms(), 1_700_000_000_100);
    assert_eq!(builder.last_ms(), 1_700_000_003_000);
    let decoded = decode(builder.body()).unwrap();
    let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
    assert_eq!(decoded, expected);
}

#[test]
fn a_cleared_builder_starts_a_new_block_with_its_own_base_time() {
    let mut builder = encode(&[sample(5_000, "old block")]);
    builder.clear();
    assert!(builder.is_empty());
    assert_eq!(builder.body(), &[] as &[u8]);
    let message = sample(-7, "before the epoch still round-trips");
    builder.push(&message.entry());
    assert_eq!(decode(builder.body()).unwrap(), vec![message.entry()]);
    assert_eq!((builder.first_ms(), builder.last_ms()), (-7, -7));
}

#[test]
fn a_block_is_full_at_the_message_limit_or_the_byte_limit() {
    let mut builder = BlockBuilder::new();
    let message = sample(1, "x");
    for _ in 0..MAX_MESSAGES - 1 {
        builder.push(&message.entry());
    }
    assert!(!builder.is_full());
    builder.push(&message.entry());
    assert!(builder.is_full());

    let big = sample(1, &"y".repeat(MAX_BYTES / 4));
    let mut builder = BlockBuilder::new();
    for _ in 0..3 {
        builder.push(&big.entry());
    }
    assert!(!builder.is_full());
    builder.push(&big.entry());
    assert!(builder.is_full());
}

/// A message fits while the block's times stay within MAX_SPAN_MS, on
/// either side, whatever the order they come in (hist12, for readers that
/// bound their walk by it).
#[test]
fn a_message_fits_while_the_block_spans_at_most_max_span_ms() {
    let mut builder = BlockBuilder::new();
    assert!(builder.fits(i64::MIN) && builder.fits(i64::MAX));
    builder.push(&sample(10_000, "first").entry());
    builder.push(&sample(12_000, "later").entry());
    assert!(builder.fits(10_000 + MAX_SPAN_MS));
    assert!(!builder.fits(10_001 + MAX_SPAN_MS) && !builder.fits(i64::MAX));
    assert!(builder.fits(12_000 - MAX_SPAN_MS));
    assert!(!builder.fits(11_999 - MAX_SPAN_MS) && !builder.fits(i64::MIN));
}

#[test]
fn damaged_bodies_are_errors_that_say_where() {
    assert_eq!(decode(&[]).unwrap_err(), BlockError::Empty);
    assert_eq!(decode(&[3, 0]).unwrap_err(), BlockError::UnknownVersion(3));
    let body = encode(&[sample(10, "hello")]).body().to_vec();
    let truncated = &body[..body.len() - 1];
    assert!(matches!(
        decode(truncated).unwrap_err(),
        BlockError::Damaged {
            what: "ends inside a text",
            ..
        }
    ));
    let mut not_utf8 = body.clone();
    let last = not_utf8.len() - 1;
    not_utf8[last] = 0xff;
    assert!(matches!(
        decode(&not_utf8).unwrap_err(),
        BlockError::Damaged {
            what: "text is not UTF-8",
            ..
        }
    ));
    let mut bad_flags = body.clone();
    bad_flags[2] = 0x80 | FLAG_STRAY; // after the version byte and a one-byte base
    assert!(matches!(
        decode(&bad_flags).unwrap_err(),
        BlockError::Damaged {
            offset: 3,
            what: "unknown flag bits"
        }
    ));
    let overlong = [
        FORMAT_VERSION,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0x7f,
    ];
    assert!(matches!(
        decode(&overlong).unwrap_err(),
        BlockError::Damaged {
            what: "number too large",
            ..
        }
    ));
}

/// Whispers as the bench sends them: this server's msgids, one pair.
fn whispers(count: usize) -> Vec<Owned> {
    (0..count)
        .map(|n| {
            let time_ms = 1_700_000_000_000 + n as i64;
            let (from, to) = if n % 3 == 0 {
                ("bob", "alice")
            } else {
                ("alice", "bob")
            };
            Owned {
                msgid: crate::history::model::msgid_from(time_ms as u64, 0x1234_5678 * n as u128),
                source: format!("{from}!~{from}@127.0.0.1"),
                target: to.into(),
                ..sample(time_ms, &format!("message {n} with some text in it"))
            }
        })
        .collect()
}

#[test]
fn format_1_blocks_are_still_read() {
    let messages = whispers(5);
    let body = encode_v1(&messages);
    let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
    assert_eq!(decode(&body).unwrap(), expected);
}

/// Format 2 stores a msgid made here as 12 bytes, and a source or target
/// seen recently in the block as a one-byte reference.
#[test]
fn format_2_stores_made_msgids_as_bits_and_repeated_names_as_references() {
    let messages = whispers(100);
    let builder = encode(&messages);
    let decoded = decode(builder.body()).unwrap();
    assert!(
        decoded
            .iter()
            .all(|entry| matches!(entry.msgid, EntryMsgid::Made(_)))
    );
    let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
    assert_eq!(decoded, expected);
    // The last entry: 4 lengths, a 22-character msgid and both names in format 1; a
    // 1-byte id delta, 11 random bytes, two 1-byte references and a text length in format 2.
    let v2_entry = builder.body().len() - encode(&messages[..99]).body().len();
    let v1_entry = encode_v1(&messages).len() - encode_v1(&messages[..99]).len();
    let last = &messages[99];
    assert_eq!(
        v1_entry - v2_entry,
        11 + last.source.len() + last.target.len()
    );
    assert!(builder.body().len() * 10 < encode_v1(&messages).len() * 8);
}

#[test]
fn format_2_references_reach_back_the_last_16_names_only() {
    // 20 senders to one channel, each twice: the second round is 4 names behind
    // once the ring has wrapped; every entry still decodes to its own name.
    let messages: Vec<Owned> = (0..40)
        .map(|n| Owned {
            source: format!("nick{}!u@h", n % 20),
            ..sample(n as i64, "hi")
        })
        .collect();
    let builder = encode(&messages);
    let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
    assert_eq!(decode(builder.body()).unwrap(), expected);
}

#[test]
fn damaged_format_2_references_and_msgids_are_errors() {
    // version, base 0, flags 0, delta 0, msgid "" , source: reference to slot 0 (none yet)
    let body = [FORMAT_VERSION, 0, 0, 0, 0, 1];
    assert!(matches!(
        decode(&body).unwrap_err(),
        BlockError::Damaged {
            offset: 6,
            what: "reference to no recent string"
        }
    ));
    // A made msgid with more than 84 random bits.
    let mut body = vec![FORMAT_VERSION, 0, FLAG_MADE_MSGID, 0, 0];
    body.extend_from_slice(&[0xff; RANDOM_BYTES]);
    body.extend_from_slice(&[0, 0, 0]);
    assert!(matches!(
        decode(&body).unwrap_err(),
        BlockError::Damaged {
            what: "msgid out of range",
            ..
        }
    ));
}

#[test]
fn a_damaged_block_fails_an_sqlite_read_with_the_reason() {
    let error: rusqlite::Error = BlockError::UnknownVersion(9).into();
    assert!(error.to_string().contains("format version 9"), "{error}");
}

/// A msgid: any text, or one this server made (stored as bits in format 2).
fn msgid() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        (0..1u64 << 48, 0..1u128 << 84)
            .prop_map(|(millis, random)| crate::history::model::msgid_from(millis, random)),
    ]
}

/// A source or target: any text, or one of a few that repeat (references in format 2).
fn name(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!(".{{0,{max}}}")).unwrap(),
        (0..20u8).prop_map(|n| format!("n{n}")),
    ]
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        any::<i64>(),
        any::<bool>(),
        any::<bool>(),
        msgid(),
        name(40),
        name(20),
        ".{0,300}",
    )
        .prop_map(
            |(time_ms, notice, stray, msgid, source, target, text)| Owned {
                time_ms,
                notice,
                stray,
                msgid,
                source,
                target,
                text,
            },
        )
}

proptest! {
    #[test]
    fn any_messages_round_trip(messages in proptest::collection::vec(owned(), 1..20)) {
        let builder = encode(&messages);
        let decoded = decode(builder.body()).unwrap();
        let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
        prop_assert_eq!(decoded, expected);
        prop_assert_eq!(builder.first_ms(), messages.iter().map(|m| m.time_ms).min().unwrap());
        prop_assert_eq!(builder.last_ms(), messages.iter().map(|m| m.time_ms).max().unwrap());
    }

    #[test]
    fn any_messages_round_trip_in_format_1(messages in proptest::collection::vec(owned(), 1..20)) {
        let body = encode_v1(&messages);
        let decoded = decode(&body).unwrap();
        let expected: Vec<BlockEntry<'_>> = messages.iter().map(Owned::entry).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn any_bytes_decode_to_entries_or_an_error_never_a_panic(
        version in 0..4u8,
        mut body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        if let Some(first) = body.first_mut() {
            // Mostly a known version, so the entries are decoded.
            *first = if version == 0 { *first } else { version.min(2) };
        }
        if let Ok(decoded) = entries(&body) {
            let results: Vec<_> = decoded.collect();
            // After the first error nothing more is yielded.
            if let Some(first_error) = results.iter().position(Result::is_err) {
                prop_assert_eq!(first_error, results.len() - 1);
            }
        }
    }

    #[test]
    fn a_cut_body_never_yields_more_than_the_whole(
        messages in proptest::collection::vec(owned(), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let builder = encode(&messages);
        let body = builder.body();
        let at = cut.index(body.len());
        let prefix_ok = entries(&body[..at]).map(|e| e.filter(Result::is_ok).count()).unwrap_or(0);
        prop_assert!(prefix_ok <= messages.len());
    }
}
