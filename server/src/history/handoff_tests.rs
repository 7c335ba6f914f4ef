//! Tests of the hand-off buffer: its bounds, the waiting, the order of what
//! it carries, when it wakes the writer, and closing.

use super::*;
use crate::history::model::MessageKind;
use crate::history::records::{Between, Said};
use futures::FutureExt;

fn said(text: &str) -> ToRecord<'_> {
    ToRecord::Said(Said {
        msgid: "id",
        time: chrono::Utc::now(),
        kind: MessageKind::Privmsg,
        source: "alice!a@127.0.0.1",
        target: "#lobby",
        text,
        between: Between::Channel("#lobby"),
    })
}

fn texts(pending: &Pending) -> Vec<&str> {
    pending
        .records
        .iter()
        .map(|message| message.text())
        .collect()
}

#[test]
fn history_handoff_is_bounded_in_bytes_and_senders_wait_for_the_take() {
    let handoff = Handoff::new(1000, 400, 1000);
    let text = "x".repeat(100);
    let mut recorded = 0;
    while let Some(reserved) = handoff.try_reserve() {
        assert!(reserved);
        let _ = handoff.record(reserved, &said(&text), None).unwrap();
        recorded += 1;
        assert!(recorded < 10, "the byte bound never refused");
    }
    // Full at 400 bytes: 100 of text (plus msgid, source, key, entry) each.
    assert!((2..=4).contains(&recorded), "{recorded} recorded");
    let mut waiting = Box::pin(handoff.reserve());
    assert!((&mut waiting).now_or_never().is_none(), "no room yet");
    let mut taken = Pending::default();
    assert!(!handoff.take(&mut taken));
    assert_eq!(taken.records.len(), recorded);
    assert_eq!(
        waiting.now_or_never(),
        Some(true),
        "room again after the take"
    );
}

#[test]
fn history_handoff_glance_sees_both_bounds_reserved_room_and_the_take() {
    let handoff = Handoff::new(3, 1 << 20, 100);
    assert!(handoff.seems_to_have_room());
    assert_eq!(handoff.try_reserve(), Some(true));
    let _ = handoff.record(false, &said("unreserved"), None).unwrap();
    assert!(handoff.seems_to_have_room(), "one place left");
    let _ = handoff
        .place(false, Placed::new("#lobby", "id", 1))
        .unwrap();
    assert!(
        !handoff.seems_to_have_room(),
        "a reserved place, a message and a place fill it"
    );
    assert_eq!(handoff.try_reserve(), None, "the glance and the lock agree");
    handoff.release();
    assert!(handoff.seems_to_have_room(), "room given back");
    let _ = handoff.record(false, &said("third"), None).unwrap();
    assert!(!handoff.seems_to_have_room());
    let mut taken = Pending::default();
    handoff.take(&mut taken);
    assert_eq!(texts(&taken), ["unreserved", "third"]);
    assert!(handoff.seems_to_have_room(), "emptied by the take");

    let bytes = Handoff::new(1000, 400, 1000);
    let text = "x".repeat(100);
    let mut recorded = 0;
    while bytes.seems_to_have_room() {
        let _ = bytes.record(false, &said(&text), None).unwrap();
        recorded += 1;
        assert!(recorded < 10, "the byte bound never showed");
    }
    assert!((2..=4).contains(&recorded), "{recorded} recorded");
    assert_eq!(bytes.try_reserve(), None);
}

#[test]
fn history_handoff_counts_reserved_room_and_gives_back_unused_room() {
    let handoff = Handoff::new(2, 1 << 20, 100);
    assert_eq!(handoff.try_reserve(), Some(true));
    assert_eq!(handoff.try_reserve(), Some(true));
    assert_eq!(handoff.depth(), 2);
    assert_eq!(handoff.try_reserve(), None, "reserved room counts");
    let mut waiting = Box::pin(handoff.reserve());
    assert!((&mut waiting).now_or_never().is_none());
    handoff.release();
    assert_eq!(waiting.now_or_never(), Some(true));
    let _ = handoff.record(true, &said("one"), None).unwrap();
    let _ = handoff.record(true, &said("two"), None).unwrap();
    assert_eq!(handoff.depth(), 2);
    assert_eq!(handoff.try_reserve(), None, "recorded messages count");
}

#[test]
fn history_handoff_keeps_order_and_where_each_forget_falls() {
    let handoff = Handoff::new(100, 1 << 20, 100);
    let mut taken = Pending::default();
    for text in ["before", "also before"] {
        let _ = handoff.record(true, &said(text), None).unwrap();
    }
    let _ = handoff.forget("#lobby", 7).unwrap();
    let _ = handoff.record(true, &said("after"), None).unwrap();
    let _ = handoff.place(true, Placed::new("#lobby", "id", 3)).unwrap();
    handoff.take(&mut taken);
    assert_eq!(texts(&taken), ["before", "also before", "after"]);
    assert_eq!(taken.forgets.len(), 1);
    assert_eq!(
        (
            taken.forgets[0].before,
            taken.forgets[0].folded.as_str(),
            taken.forgets[0].cutoff
        ),
        (2, "#lobby", 7)
    );
    assert_eq!(taken.places, [Placed::new("#lobby", "id", 3)]);
    // The next take starts empty: positions count from it.
    let mut next = Pending::default();
    let _ = handoff.record(true, &said("later"), None).unwrap();
    let _ = handoff.forget("#lobby", 8).unwrap();
    handoff.take(&mut next);
    assert_eq!(texts(&next), ["later"]);
    assert_eq!(next.forgets[0].before, 1);
}

#[test]
fn history_handoff_wakes_an_idle_writer_once_and_a_busy_one_only_when_needed() {
    let handoff = Handoff::new(100, 1 << 20, 4);
    let mut taken = Pending::default();
    assert!(handoff.idle(), "nothing queued: the writer may sleep");
    let record = |text| handoff.record(true, &said(text), None).unwrap().0;
    assert!(record("first"), "the first message wakes an idle writer");
    assert!(!record("second"), "woken already");
    handoff.take(&mut taken);
    // Busy (a batch pending): messages wait for its commit interval...
    assert!(!record("a"));
    assert!(!record("b"));
    assert!(!record("c"));
    // ...unless enough are queued,
    assert!(record("d"));
    let mut next = Pending::default();
    handoff.take(&mut next);
    // or one waits for its commit.
    let (reply, _answer) = tokio::sync::oneshot::channel();
    assert!(
        handoff
            .record(true, &said("durable"), Some(reply))
            .unwrap()
            .0
    );
    // Something is queued: the writer must not go to sleep.
    assert!(!handoff.idle());
}

#[test]
fn history_handoff_refuses_everything_once_closed_and_hands_back_what_was_left() {
    let handoff = Handoff::new(100, 1 << 20, 100);
    let _ = handoff.record(true, &said("left"), None).unwrap();
    let left = handoff.close();
    assert_eq!(texts(&left), ["left"]);
    assert_eq!(handoff.try_reserve(), Some(false), "nothing to wait for");
    assert_eq!(
        handoff.record(false, &said("late"), None),
        Err(Refused::Closed)
    );
    assert_eq!(handoff.forget("#lobby", 1), Err(Refused::Closed));
    assert_eq!(handoff.depth(), 0);
}
