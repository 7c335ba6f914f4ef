//! Property tests of the hub: any sequence of registrations, joins, parts,
//! nick changes, messages and quits keeps its invariants. Each channel's
//! member list matches the channel set of each of its clients; a channel
//! message reaches exactly the channel's members at that moment (no
//! non-member ever gets one); and every member sees a channel's messages in
//! the one order the hub gave them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use natterd::Config;
use natterd::context::Context;
use natterd::hub::SayRequest;
use natterd::hub::client::ClientId;
use natterd::hub::event::MessageKind;
use natterd::net::outbound::Outbound;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const CHANNELS: [&str; 3] = ["#a", "#b", "#C"];
const NICKS: [&str; 6] = ["ann", "bob", "cy", "dee", "eve", "fay"];

#[derive(Debug, Clone)]
enum Op {
    Register(usize),
    Join(usize, usize),
    Part(usize, usize),
    Nick(usize, usize),
    Say(usize, usize),
    Whisper(usize, usize),
    Quit(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..NICKS.len();
    let channel = 0..CHANNELS.len();
    prop_oneof![
        2 => who.clone().prop_map(Op::Register),
        4 => (who.clone(), channel.clone()).prop_map(|(w, c)| Op::Join(w, c)),
        1 => (who.clone(), channel.clone()).prop_map(|(w, c)| Op::Part(w, c)),
        1 => (who.clone(), 0..NICKS.len()).prop_map(|(w, n)| Op::Nick(w, n)),
        5 => (who.clone(), channel).prop_map(|(w, c)| Op::Say(w, c)),
        1 => (who.clone(), 0..NICKS.len()).prop_map(|(w, n)| Op::Whisper(w, n)),
        1 => who.prop_map(Op::Quit),
    ]
}

/// One simulated connection and what the model says it must receive.
struct Slot {
    id: ClientId,
    nick: String,
    outbound: Arc<Outbound>,
    expected: Vec<String>,
}

struct World {
    context: Arc<Context>,
    runtime: tokio::runtime::Runtime,
    /// Connections by slot number (the op's `who`); `None` when not connected.
    slots: Vec<Option<Slot>>,
    /// Gone connections, kept to check what they received.
    gone: Vec<Slot>,
    /// The model: channel (as first joined) -> member slots.
    members: BTreeMap<usize, BTreeSet<usize>>,
    counter: usize,
}

impl World {
    fn new() -> World {
        let mut config = Config::default();
        config.history.enabled = false;
        World {
            context: Arc::new(Context::new(config, None, None)),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            slots: (0..NICKS.len()).map(|_| None).collect(),
            gone: Vec::new(),
            members: BTreeMap::new(),
            counter: 0,
        }
    }

    fn nick_taken(&self, nick: &str) -> bool {
        self.slots
            .iter()
            .flatten()
            .any(|slot| slot.nick.eq_ignore_ascii_case(nick))
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Register(who) => self.register(who),
            Op::Join(who, c) => {
                let Some(slot) = &self.slots[who] else { return };
                let joined = self
                    .context
                    .hub
                    .with(|hub| hub.join(slot.id, CHANNELS[c], None));
                let member = self.members.get(&c).is_some_and(|m| m.contains(&who));
                assert_eq!(joined.is_ok(), !member, "{op:?}: {joined:?}");
                self.members.entry(c).or_default().insert(who);
            }
            Op::Part(who, c) => {
                let Some(slot) = &self.slots[who] else { return };
                let parted = self
                    .context
                    .hub
                    .with(|hub| hub.part(slot.id, CHANNELS[c], None));
                let member = self.members.get(&c).is_some_and(|m| m.contains(&who));
                assert_eq!(parted.is_ok(), member, "{op:?}: {parted:?}");
                self.leave(who, c);
            }
            Op::Nick(who, n) => {
                let Some(slot) = &self.slots[who] else { return };
                let wanted = format!("{}{}", NICKS[n], who);
                let free = !self.nick_taken(&wanted) || slot.nick == wanted;
                let id = slot.id;
                let changed = self.context.hub.with(|hub| hub.change_nick(id, &wanted));
                assert_eq!(changed.is_ok(), free, "{op:?}: {changed:?}");
                if let (Ok(()), Some(slot)) = (changed, &mut self.slots[who]) {
                    slot.nick = wanted;
                }
            }
            Op::Say(who, c) => self.say(who, CHANNELS[c].to_string(), Some(c)),
            Op::Whisper(who, n) => {
                if let Some(target) = self.slots[n].as_ref().map(|s| s.nick.clone()) {
                    self.say(who, target, None);
                }
            }
            Op::Quit(who) => {
                let Some(slot) = self.slots[who].take() else {
                    return;
                };
                self.context.hub.with(|hub| hub.quit(slot.id, "bye"));
                for c in 0..CHANNELS.len() {
                    self.leave(who, c);
                }
                self.gone.push(slot);
            }
        }
    }

    fn register(&mut self, who: usize) {
        if self.slots[who].is_some() {
            return;
        }
        let nick = format!("{}{}", NICKS[who], who);
        if self.nick_taken(&nick) {
            return;
        }
        let outbound = Arc::new(Outbound::new(1 << 20));
        let id = self.context.next_client_id();
        let new = hub_support::new_client(&nick, outbound.clone());
        self.context.hub.with(|hub| hub.register(id, new)).unwrap();
        self.slots[who] = Some(Slot {
            id,
            nick,
            outbound,
            expected: Vec::new(),
        });
    }

    fn leave(&mut self, who: usize, c: usize) {
        if let Some(members) = self.members.get_mut(&c) {
            members.remove(&who);
            if members.is_empty() {
                self.members.remove(&c);
            }
        }
    }

    /// Says a fresh text to `target`; `channel` is its index when it is one.
    fn say(&mut self, who: usize, target: String, channel: Option<usize>) {
        let Some(slot) = &self.slots[who] else { return };
        self.counter += 1;
        let text = format!("m{}", self.counter);
        let request = SayRequest {
            kind: MessageKind::Privmsg,
            target: target.clone(),
            text: text.clone(),
            client_tags: Vec::new(),
        };
        let said = self
            .runtime
            .block_on(self.context.hub.say(slot.id, request));
        let recipients: Vec<usize> = match channel {
            // Channels are +n: only members may speak in them.
            Some(c) => match self.members.get(&c) {
                Some(members) if members.contains(&who) => {
                    assert!(said.is_ok(), "{target}: {said:?}");
                    members.iter().copied().filter(|&m| m != who).collect()
                }
                _ => {
                    assert!(said.is_err(), "a non-member spoke in {target}");
                    Vec::new()
                }
            },
            None => {
                assert!(said.is_ok(), "{target}: {said:?}");
                // A whisper to oneself arrives too, as in IRC.
                (0..self.slots.len())
                    .filter(|&n| self.slots[n].as_ref().is_some_and(|s| s.nick == target))
                    .collect()
            }
        };
        for n in recipients {
            if let Some(slot) = &mut self.slots[n] {
                slot.expected.push(format!("{target} {text}"));
            }
        }
    }

    /// The hub's member lists and each client's channel set agree with the model.
    fn check_membership(&self) {
        self.context.hub.with(|hub| {
            for (c, name) in CHANNELS.iter().enumerate() {
                let model: BTreeSet<ClientId> = self
                    .members
                    .get(&c)
                    .map(|m| {
                        m.iter()
                            .filter_map(|&w| self.slots[w].as_ref().map(|s| s.id))
                            .collect()
                    })
                    .unwrap_or_default();
                let actual: BTreeSet<ClientId> = hub
                    .channel(name)
                    .map(|channel| channel.members.keys().copied().collect())
                    .unwrap_or_default();
                assert_eq!(actual, model, "members of {name}");
                for slot in self.slots.iter().flatten() {
                    let client = hub.client(slot.id).expect("registered client is known");
                    let in_channel = client.channels.contains(&hub.fold(name));
                    assert_eq!(
                        in_channel,
                        model.contains(&slot.id),
                        "{} in {name}",
                        slot.nick
                    );
                }
            }
            for slot in &self.gone {
                assert!(
                    hub.client(slot.id).is_none(),
                    "{} quit but is known",
                    slot.nick
                );
            }
        });
    }

    /// Everything each connection received, exactly what the model expects, in order.
    fn check_deliveries(self) {
        let World {
            runtime,
            slots,
            gone,
            ..
        } = self;
        for slot in slots.into_iter().flatten().chain(gone) {
            slot.outbound.close(None);
            let mut received = Vec::new();
            runtime.block_on(slot.outbound.run_writer(&mut received));
            let received = String::from_utf8(received).unwrap();
            let received: Vec<&str> = received.lines().collect();
            assert_eq!(received, slot.expected, "what {} received", slot.nick);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Failures are printed minimised; no regression files beside the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn hub_invariants_hold_for_any_sequence(ops in proptest::collection::vec(op(), 1..80)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op);
            world.check_membership();
        }
        world.check_deliveries();
    }
}
