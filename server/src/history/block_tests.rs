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
            msgid: &self.msgid,
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
    assert_eq!(decode(&[2, 0]).unwrap_err(), BlockError::UnknownVersion(2));
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

#[test]
fn a_damaged_block_fails_an_sqlite_read_with_the_reason() {
    let error: rusqlite::Error = BlockError::UnknownVersion(9).into();
    assert!(error.to_string().contains("format version 9"), "{error}");
}

fn owned() -> impl Strategy<Value = Owned> {
    (
        any::<i64>(),
        any::<bool>(),
        any::<bool>(),
        ".{0,40}",
        ".{0,40}",
        ".{0,20}",
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
    fn any_bytes_decode_to_entries_or_an_error_never_a_panic(
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
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
