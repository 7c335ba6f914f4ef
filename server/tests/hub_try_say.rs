//! `Hub::try_say`, the message path that never waits (no sockets): it does
//! what `say` does when nothing needs waiting for, and when something would
//! (the history queue full, `sync = "full"`) it does nothing at all, so that
//! the caller can hand the message to `say` instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use natterd::Config;
use natterd::context::Context;
use natterd::history::{History, SyncMode};
use natterd::hub::client::ClientId;
use natterd::hub::event::MessageKind;
use natterd::hub::{SayError, SayRequest};
use natterd::net::outbound::Outbound;
use natterd::net::writer::Writer;
use std::sync::Arc;

fn register(context: &Context, nick: &str) -> (ClientId, Arc<Outbound>) {
    let outbound = Arc::new(Outbound::new(1 << 20));
    let id = context.next_client_id();
    let new = hub_support::new_client(nick, outbound.clone());
    context.hub.with(|hub| hub.register(id, new)).unwrap();
    (id, outbound)
}

fn whisper(target: &str, text: &str) -> SayRequest {
    SayRequest {
        kind: MessageKind::Privmsg,
        target: target.into(),
        text: text.into(),
        client_tags: Vec::new(),
    }
}

/// Everything queued for a client so far, as lines (the queue is closed).
fn received(outbound: &Outbound) -> Vec<String> {
    outbound.close(None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut bytes = Vec::new();
    runtime.block_on(outbound.run_writer(&mut bytes));
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn context_with_history(dir: &std::path::Path, sync: SyncMode) -> (Context, History) {
    let mut config = Config::default();
    config.history.sync = sync;
    config.history.queue_capacity = 1;
    let history = History::open(dir, &config.history).unwrap();
    (Context::new(config, None, Some(history.clone())), history)
}

#[test]
fn without_history_it_delivers_and_runs_the_callers_look_under_the_same_lock() {
    let mut config = Config::default();
    config.history.enabled = false;
    let context = Context::new(config, None, None);
    let (alice, _) = register(&context, "alice");
    let (_, bob) = register(&context, "bob");
    let (nick, said) = context
        .hub
        .try_say(alice, whisper("bob", "hi"), |hub| {
            hub.client(alice).map(|client| client.nick.clone())
        })
        .expect("nothing to wait for");
    assert_eq!(nick.as_deref(), Some("alice"));
    let outcome = said.unwrap();
    assert_eq!(outcome.recipient("bob"), "bob");
    assert_eq!(
        outcome.renamed_recipient, None,
        "named exactly: nothing copied"
    );
    let (_, said) = context
        .hub
        .try_say(alice, whisper("BOB", "hi again"), |_| ())
        .expect("nothing to wait for");
    assert_eq!(said.unwrap().recipient("BOB"), "bob");
    let (_, said) = context
        .hub
        .try_say(alice, whisper("nobody", "hi"), |_| ())
        .expect("nothing to wait for");
    assert_eq!(said.unwrap_err(), SayError::NoSuchNick);
    assert_eq!(received(&bob), ["bob hi", "BOB hi again"]);
}

#[test]
fn with_the_history_queue_full_it_does_nothing_until_there_is_room() {
    let dir = tempfile::tempdir().unwrap();
    let (context, history) = context_with_history(dir.path(), SyncMode::Batched);
    let (alice, _) = register(&context, "alice");
    let (_, bob) = register(&context, "bob");
    // The queue's one place, taken.
    let held = history.try_reserve().expect("an empty queue has room");
    let mut looked = false;
    let tried = context
        .hub
        .try_say(alice, whisper("bob", "first"), |_| looked = true);
    assert!(tried.is_none());
    assert!(!looked, "nothing runs when it would have to wait");
    drop(held);
    let (_, said) = context
        .hub
        .try_say(alice, whisper("bob", "second"), |_| ())
        .expect("room again");
    said.unwrap();
    assert_eq!(received(&bob), ["bob second"]);
}

#[test]
fn with_every_message_committed_before_delivery_it_leaves_the_message_to_say() {
    let dir = tempfile::tempdir().unwrap();
    let (context, _history) = context_with_history(dir.path(), SyncMode::Full);
    let (alice, _) = register(&context, "alice");
    let (_, bob) = register(&context, "bob");
    assert!(
        context
            .hub
            .try_say(alice, whisper("bob", "hi"), |_| ())
            .is_none()
    );
    assert_eq!(received(&bob), Vec::<String>::new());
}

/// A message that waits for its commit (`sync = "full"`) is delivered to
/// those still members once it is committed: the membership is checked
/// again then (a message delivered at once is routed and delivered under
/// one hold of the hub's lock, so it needs no second look).
#[test]
fn a_member_who_parts_while_a_message_awaits_its_commit_does_not_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let (context, _history) = context_with_history(dir.path(), SyncMode::Full);
    let (alice, _) = register(&context, "alice");
    let (bob, bob_queue) = register(&context, "bob");
    let (carol, carol_queue) = register(&context, "carol");
    context.hub.with(|hub| {
        for id in [alice, bob, carol] {
            hub.join(id, "#room", None).unwrap();
        }
    });
    let mut overflowed = Vec::new();
    let (_, pending) = context
        .hub
        .read(|hub| hub.begin_say(alice, whisper("#room", "committed"), None, &mut overflowed))
        .unwrap();
    let (prepared, _commit) = pending.expect("full sync waits for the commit");
    context
        .hub
        .with(|hub| hub.part(bob, "#room", None))
        .unwrap();
    context
        .hub
        .read(|hub| hub.finish_say(*prepared, &mut overflowed));
    let got = |lines: Vec<String>| lines.iter().any(|line| line.contains("committed"));
    assert!(got(received(&carol_queue)));
    assert!(
        !got(received(&bob_queue)),
        "bob left before it was delivered"
    );
    assert!(overflowed.is_empty());
}

/// Two clients whispering each other from two threads at once, each
/// echoing its own: the pair's order locks (taken lower id first, so
/// opposite directions cannot deadlock) give both sides one order.
#[test]
fn whispers_both_ways_at_once_reach_both_sides_in_one_order() {
    let mut config = Config::default();
    config.history.enabled = false;
    let context = Context::new(config, None, None);
    let (alice, alice_queue) = register(&context, "alice");
    let (bob, bob_queue) = register(&context, "bob");
    context.hub.with(|hub| {
        for id in [alice, bob] {
            let mut format = hub.client(id).unwrap().format;
            format.echo_own_messages = true;
            hub.set_format(id, format);
        }
    });
    const EACH: usize = 2_000;
    std::thread::scope(|scope| {
        for (from, to) in [(alice, "bob"), (bob, "alice")] {
            let context = &context;
            scope.spawn(move || {
                for n in 0..EACH {
                    let (_, said) = context
                        .hub
                        .try_say(from, whisper(to, &format!("{n}")), |_| ())
                        .expect("nothing to wait for");
                    said.unwrap();
                }
            });
        }
    });
    let (seen_by_alice, seen_by_bob) = (received(&alice_queue), received(&bob_queue));
    assert_eq!(seen_by_alice.len(), 2 * EACH);
    assert_eq!(seen_by_alice, seen_by_bob);
}

/// A channel message's lines are marked as a channel's: a member's writer
/// woken for them waits once for more (the channel's other senders are read
/// first), while a whisper is written at once.
#[test]
fn a_channel_line_lets_its_writer_wait_once_and_a_whisper_does_not() {
    let mut config = Config::default();
    config.history.enabled = false;
    let context = Context::new(config, None, None);
    let (alice, _) = register(&context, "alice");
    let (bob, bob_queue) = register(&context, "bob");
    context.hub.with(|hub| {
        for id in [alice, bob] {
            hub.join(id, "#room", None).unwrap();
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut bytes = Vec::new();
    let mut writer = Writer::new(&mut bytes);
    let mut poll_once = || {
        runtime.block_on(async {
            let drive = std::future::poll_fn(|cx| writer.poll_drive(cx, &bob_queue));
            assert!(futures::poll!(std::pin::pin!(drive)).is_pending());
        });
        bob_queue.queued_bytes()
    };
    assert_eq!(poll_once(), 0, "the join's lines are written at once");
    let said = context
        .hub
        .try_say(alice, whisper("#room", "hi all"), |_| ());
    said.expect("nothing to wait for").1.unwrap();
    assert!(poll_once() > 0, "the channel's line waits once");
    assert_eq!(poll_once(), 0, "and is written the next time");
    let said = context.hub.try_say(alice, whisper("bob", "hi bob"), |_| ());
    said.expect("nothing to wait for").1.unwrap();
    assert_eq!(poll_once(), 0, "a whisper is written at once");
    drop(writer);
    let text = String::from_utf8(bytes).unwrap();
    let (all, only_bob) = (text.find("hi all").unwrap(), text.find("hi bob").unwrap());
    assert!(all < only_bob, "{text}");
}
