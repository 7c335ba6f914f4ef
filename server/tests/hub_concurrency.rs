//! The hub under real concurrency (no sockets): several OS threads say into
//! one shared channel and their own channels at once while another thread
//! joins, parts and renames a client in the shared channel. Every member of
//! the shared channel must see its messages in one and the same order, each
//! sender's messages in the order sent, every channel's messages exactly once,
//! and the churning client an in-order subset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use natterd::Config;
use natterd::context::Context;
use natterd::hub::SayRequest;
use natterd::hub::client::ClientId;
use natterd::hub::event::MessageKind;
use natterd::net::outbound::{Outbound, Stop};
use std::sync::Arc;

const SENDERS: usize = 4;
const MESSAGES: usize = 400;

struct Member {
    id: ClientId,
    outbound: Arc<Outbound>,
}

fn register(context: &Context, nick: &str) -> Member {
    let outbound = Arc::new(Outbound::new(16 << 20));
    let id = context.next_client_id();
    let new = hub_support::new_client(nick, outbound.clone());
    context.hub.with(|hub| hub.register(id, new)).unwrap();
    Member { id, outbound }
}

fn join(context: &Context, member: &Member, channel: &str) {
    context
        .hub
        .with(|hub| hub.join(member.id, channel, None))
        .unwrap();
}

/// Everything queued for `member`, as lines.
fn received(member: &Member) -> Vec<String> {
    member.outbound.close(None);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut bytes = Vec::new();
    runtime.block_on(member.outbound.run_writer(&mut bytes));
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn only(lines: &[String], prefix: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with(prefix))
        .cloned()
        .collect()
}

#[test]
fn concurrent_senders_keep_one_order_per_channel() {
    let mut config = Config::default();
    config.history.enabled = false;
    let context = Arc::new(Context::new(config, None, None));
    let observer = register(&context, "observer");
    join(&context, &observer, "#shared");
    let senders: Vec<Member> = (0..SENDERS)
        .map(|t| {
            let sender = register(&context, &format!("sender{t}"));
            join(&context, &sender, "#shared");
            join(&context, &sender, &format!("#own{t}"));
            sender
        })
        .collect();
    let own_observers: Vec<Member> = (0..SENDERS)
        .map(|t| {
            let member = register(&context, &format!("watcher{t}"));
            join(&context, &member, &format!("#own{t}"));
            member
        })
        .collect();
    let churner = register(&context, "churner");

    std::thread::scope(|scope| {
        for (t, sender) in senders.iter().enumerate() {
            let context = &context;
            scope.spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                for n in 0..MESSAGES {
                    for target in ["#shared".to_string(), format!("#own{t}")] {
                        let request = SayRequest {
                            kind: MessageKind::Privmsg,
                            target,
                            text: format!("s{t}:{n}"),
                            client_tags: Vec::new(),
                        };
                        runtime
                            .block_on(context.hub.say(sender.id, request))
                            .unwrap();
                    }
                }
            });
        }
        let context = &context;
        let churner = &churner;
        scope.spawn(move || {
            for round in 0..200 {
                join(context, churner, "#shared");
                let nick = format!("churner{}", round % 2);
                context
                    .hub
                    .with(|hub| hub.change_nick(churner.id, &nick))
                    .unwrap();
                context
                    .hub
                    .with(|hub| hub.part(churner.id, "#shared", None))
                    .unwrap();
            }
        });
    });

    // The observer saw every #shared message once; its order is the channel's.
    let order = only(&received(&observer), "#shared ");
    assert_eq!(order.len(), SENDERS * MESSAGES, "every message once");
    for t in 0..SENDERS {
        let mine: Vec<String> = only(&order, &format!("#shared s{t}:"));
        let sent: Vec<String> = (0..MESSAGES).map(|n| format!("#shared s{t}:{n}")).collect();
        assert_eq!(mine, sent, "sender{t}'s messages in the order sent");
    }
    // Every other member saw the same order, less its own messages.
    for (t, sender) in senders.iter().enumerate() {
        let expected: Vec<String> = order
            .iter()
            .filter(|l| !l.starts_with(&format!("#shared s{t}:")))
            .cloned()
            .collect();
        assert_eq!(
            only(&received(sender), "#shared "),
            expected,
            "sender{t} sees the channel's one order"
        );
    }
    for (t, watcher) in own_observers.iter().enumerate() {
        let sent: Vec<String> = (0..MESSAGES).map(|n| format!("#own{t} s{t}:{n}")).collect();
        assert_eq!(received(watcher), sent, "#own{t} complete and in order");
    }
    // The churner got an in-order subset of the channel's order.
    let mut rest = order.iter();
    for line in received(&churner) {
        assert!(
            rest.any(|l| *l == line),
            "{line} out of the channel's order"
        );
    }
}

/// At shutdown the hub tells every registered client's queue (their
/// sessions wait on it, not on the server's token), and a client that
/// registers afterwards is told at once: none is left waiting.
#[tokio::test]
async fn shutdown_reaches_every_queue_even_one_registered_after_it() {
    let mut config = Config::default();
    config.history.enabled = false;
    let context = Arc::new(Context::new(config, None, None));
    let before = register(&context, "before");
    context.hub.with(|hub| hub.shut_down());
    let after = register(&context, "after");
    for member in [&before, &after] {
        let stop = std::future::poll_fn(|cx| member.outbound.poll_stop(cx)).await;
        assert_eq!(stop, Stop::ShutDown);
    }
}
