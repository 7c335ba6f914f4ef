//! Several networks in one client: each has its own chat model (buffers,
//! session, connection state) fed by its own connection task; the visible
//! one is `App::chat`, the others wait in `App::others`. Switching swaps
//! them, so everything that works on "the" chat works on the visible
//! network. Effects are routed: those of the visible network go out plain,
//! those of another are wrapped in [`Effect::Network`].

use super::App;
use crate::chat::Chat;
use crate::chat::ignore::IgnoreList;
use crate::event::{Effect, NetEvent, NetworkId};
use crate::geometry::networks::{self, NetworkSlot};

impl App {
    /// Every network with its chat model, in the order they were opened
    /// (the visible one included).
    pub fn networks(&self) -> Vec<(NetworkId, &Chat)> {
        let mut all: Vec<(NetworkId, &Chat)> = self.others.iter().map(|(id, c)| (*id, c)).collect();
        all.push((self.network, &self.chat));
        all.sort_by_key(|(id, _)| *id);
        all
    }

    /// The tab bar's area for the visible network's tabs, and the groups
    /// of the other networks (see `geometry::networks`).
    pub fn tab_bar(
        &self,
        tabs: ratatui::layout::Rect,
    ) -> (ratatui::layout::Rect, Vec<NetworkSlot>) {
        let others: Vec<(NetworkId, &Chat)> = self
            .networks()
            .into_iter()
            .filter(|(id, _)| *id != self.network)
            .collect();
        networks::split(tabs, &others)
    }

    /// Opens another network connecting to `address` (shown at once, as
    /// its server buffer); returns its id. Its settings are the first
    /// network's, with its own label.
    pub fn open_network(&mut self, address: &str) -> NetworkId {
        let network = NetworkId(self.next_network);
        self.next_network += 1;
        let mut settings = self.chat.settings.clone();
        address.clone_into(&mut settings.server_label);
        let mut chat = Chat::new(settings, self.chat.now);
        chat.ignores = self.chat.ignores.clone();
        chat.buffers.set_shown(false);
        self.others.push((network, chat));
        self.show_network(network);
        self.pending.push(Effect::StartNetwork {
            network,
            address: address.to_owned(),
        });
        network
    }

    /// Shows network `network` (its current buffer). The input line stays;
    /// a completion, search or sidebar focus belongs to the network left.
    pub fn show_network(&mut self, network: NetworkId) {
        if network == self.network {
            return;
        }
        let Some(position) = self.others.iter().position(|(id, _)| *id == network) else {
            return;
        };
        let leaving = self.network;
        let effects = self.chat.take_effects();
        self.route(leaving, effects, false);
        let (id, chat) = self.others.swap_remove(position);
        let mut old = std::mem::replace(&mut self.chat, chat);
        old.buffers.set_shown(false);
        self.chat.buffers.set_shown(true);
        self.others.push((leaving, old));
        self.network = id;
        self.view.completion = None;
        self.view.search = None;
        self.view.sidebar_focused = false;
        self.dirty = true;
    }

    /// Shows the next network (wrapping around).
    pub fn next_network(&mut self) {
        let ids: Vec<NetworkId> = self.networks().iter().map(|(id, _)| *id).collect();
        if ids.len() < 2 {
            self.chat
                .info("Only one network is open: /connect HOST[:PORT] opens another.");
            return;
        }
        let at = ids.iter().position(|id| *id == self.network).unwrap_or(0);
        self.show_network(ids[(at + 1) % ids.len()]);
    }

    /// /disconnect: closes the visible network (QUIT, task ended) and shows
    /// another. The last network stays: /quit leaves natter.
    fn close_network(&mut self, reason: String) {
        let Some(next) = self
            .networks()
            .iter()
            .map(|(id, _)| *id)
            .find(|id| *id != self.network)
        else {
            self.chat
                .error("This is the only network open: /quit leaves natter.");
            return;
        };
        let closing = self.network;
        self.show_network(next);
        self.others.retain(|(id, _)| *id != closing);
        self.pending.push(Effect::StopNetwork {
            network: closing,
            reason,
        });
    }

    /// Applies a network event to its network's model, wherever it is. A
    /// certificate question brings its network to the screen (when no
    /// other question or the picker is open; then it waits its turn).
    pub(super) fn network_event(&mut self, network: NetworkId, event: NetEvent) {
        self.ask_about_certificate(network, &event);
        if network == self.network {
            self.chat.handle_net(event);
            return;
        }
        let Some((_, chat)) = self.others.iter_mut().find(|(id, _)| *id == network) else {
            return;
        };
        chat.handle_net(event);
        let effects = chat.take_effects();
        self.route(network, effects, false);
    }

    /// The clock for the networks not shown (lag probes, typing expiry);
    /// returns whether any of them changed what the tab bar shows.
    pub(super) fn tick_others(&mut self, now: chrono::DateTime<chrono::Utc>) -> bool {
        let mut changed = false;
        let mut all = Vec::new();
        for (id, chat) in &mut self.others {
            changed |= chat.tick(now);
            all.push((*id, chat.take_effects()));
        }
        for (id, effects) in all {
            self.route(id, effects, false);
        }
        changed
    }

    /// Sorts effects of network `network` into `pending`: network effects
    /// wrapped unless the network is `shown`, alerts through `attention`,
    /// network management handled here, the rest as they are.
    pub(super) fn route(&mut self, network: NetworkId, effects: Vec<Effect>, shown: bool) {
        for effect in effects {
            // An effect before this one may have switched networks.
            let shown = shown && self.network == network;
            match effect {
                Effect::OpenNetwork { address } => {
                    self.open_network(&address);
                }
                Effect::CloseNetwork { reason } => self.close_network(reason),
                Effect::SaveIgnores(masks) => {
                    // One list for every network.
                    for (_, chat) in &mut self.others {
                        chat.ignores = IgnoreList::new(masks.clone());
                    }
                    self.chat.ignores = IgnoreList::new(masks.clone());
                    self.pending.push(Effect::SaveIgnores(masks));
                }
                Effect::Alert { .. } => {
                    let alert = match effect {
                        Effect::Alert { title, body, .. } if !shown => Effect::Alert {
                            visible: false,
                            title,
                            body,
                        },
                        other => other,
                    };
                    let effects = self.attention(vec![alert]);
                    self.pending.extend(effects);
                }
                effect if effect.is_for_a_network() && !shown => {
                    self.pending.push(Effect::Network {
                        network,
                        effect: Box::new(effect),
                    });
                }
                effect => self.pending.push(effect),
            }
        }
    }
}
