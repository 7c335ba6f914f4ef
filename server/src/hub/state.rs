//! The hub's data: clients, nicknames and channels, and the routing helpers
//! every operation shares (registration, quitting, delivering to members).
//! Who may take a nickname is [`super::nicks`]'.

use super::HubSettings;
use super::bus::{Bus, Directory, Published, Scope};
use super::channel::Channel;
use super::client::{Client, ClientId, ConnectionToken, LastActive, NewClient, Source};
use super::event::{Envelope, Event};
use super::fanout::Fanout;
use super::name::Folded;
use super::nicks::NickTaken;
use crate::accounts::Accounts;
use crate::history::History;
use crate::keyed::KeyedMap;
use chrono::Utc;
use natter_protocol::Skeleton;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Why a registration could not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// Someone else holds the nickname, or one that looks like it.
    NickInUse(NickTaken),
}

/// All the hub's state. Accessed only through [`super::Hub`]'s locks.
#[derive(Debug)]
pub struct HubState {
    pub(crate) settings: HubSettings,
    /// Boxed: the map keeps ~1/8-1/2 of its buckets empty, and a bucket of a
    /// whole `Client` is hundreds of bytes (measured ~0.3 KB per idle
    /// connection at 9 000 clients); a boxed one is a pointer.
    pub(crate) clients: KeyedMap<ClientId, Box<Client>>,
    /// Folded nickname -> client.
    pub(crate) nicks: KeyedMap<Folded, ClientId>,
    /// Confusable skeleton of each online nickname -> client.
    pub(crate) skeletons: HashMap<Skeleton, ClientId>,
    /// Folded channel name -> channel.
    pub(crate) channels: KeyedMap<Folded, Channel>,
    /// Where routed events are published for other nodes, if clustered.
    pub(crate) bus: Option<Arc<dyn Bus>>,
    /// Who is on other nodes, if clustered.
    pub(crate) directory: Option<Arc<dyn Directory>>,
    pub(crate) history: Option<History>,
    /// Registered accounts (with history), for owned nicknames.
    pub(crate) accounts: Option<Accounts>,
    /// Clients whose queue overflowed during the current operation.
    overflowed: Vec<ClientId>,
    /// The most registered clients there have been at once (LUSERS 265/266).
    peak_clients: usize,
    /// The last `Guest<N>` number handed out.
    pub(crate) guest_counter: u64,
    /// Identities clients left behind (WHOWAS).
    pub(crate) whowas: super::whowas::Whowas,
    /// The server is shutting down: every client's queue was told so, and a
    /// client registering now is told at once (see [`HubState::shut_down`]).
    shutting_down: bool,
}

impl HubState {
    pub(crate) fn new(
        settings: HubSettings,
        history: Option<History>,
        bus: Option<Arc<dyn Bus>>,
    ) -> HubState {
        HubState {
            settings,
            clients: KeyedMap::default(),
            nicks: KeyedMap::default(),
            skeletons: HashMap::new(),
            channels: KeyedMap::default(),
            bus,
            directory: None,
            accounts: history.as_ref().map(|h| h.accounts().clone()),
            history,
            overflowed: Vec::new(),
            shutting_down: false,
            peak_clients: 0,
            guest_counter: 0,
            whowas: super::whowas::Whowas::default(),
        }
    }

    /// Case-folds a nickname or channel name with the server's casemapping.
    pub fn fold(&self, name: &str) -> Folded {
        Folded::from_folded(self.settings.casemapping.fold(name))
    }

    /// Case-folds text that is not a name, such as a `nick!user@host` mask,
    /// for matching rather than as a key.
    pub fn fold_text(&self, text: &str) -> String {
        self.settings.casemapping.fold(text)
    }

    /// The client with this id.
    pub fn client(&self, id: ClientId) -> Option<&Client> {
        self.clients.get(&id).map(|client| &**client)
    }

    /// The client with this nickname.
    pub fn client_by_nick(&self, nick: &str) -> Option<&Client> {
        let id = super::name::with_folded(self.settings.casemapping, nick, |folded| {
            self.nicks.get(folded).copied()
        })?;
        self.clients.get(&id).map(|client| &**client)
    }

    /// The channel with this name.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.get(&self.fold(name))
    }

    /// Number of registered clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// The most registered clients there have been at once since the start.
    pub fn peak_client_count(&self) -> usize {
        self.peak_clients
    }

    /// Number of invisible (+i) clients.
    pub fn invisible_count(&self) -> usize {
        self.clients.values().filter(|c| c.invisible).count()
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Tells every registered client's session that the server is shutting
    /// down ([`Outbound::shut_down`](crate::net::outbound::Outbound::shut_down)),
    /// and any client that registers from now on. A registered session waits
    /// on its queue for this instead of on the server's cancellation token:
    /// under the hub's lock, no session can register between the two.
    pub fn shut_down(&mut self) {
        self.shutting_down = true;
        for client in self.clients.values() {
            client.outbound.shut_down();
        }
    }

    /// Adds a registered client under `id`.
    pub fn register(&mut self, id: ClientId, new: NewClient) -> Result<(), RegisterError> {
        self.check_nick(&new.nick, None)
            .map_err(RegisterError::NickInUse)?;
        self.index_nick(&new.nick, id);
        if self.shutting_down {
            new.outbound.shut_down();
        }
        self.clients.insert(
            id,
            Box::new(Client {
                id,
                nick: new.nick,
                user: new.user.into(),
                host: new.host.into(),
                realname: new.realname.into(),
                away: None,
                invisible: false,
                oper: None,
                wallops: false,
                channels: BTreeSet::new(),
                format: new.format,
                outbound: new.outbound,
                signon: Utc::now(),
                last_active: LastActive::now(),
                account: new.account.map(Box::new),
                connection_token: ConnectionToken::new(),
                secure: new.secure,
                private_order: super::client::PrivateOrder::new(()),
                source_cache: std::sync::OnceLock::new(),
            }),
        );
        self.peak_clients = self.peak_clients.max(self.clients.len());
        if let Some((_, folded)) = self
            .clients
            .get(&id)
            .and_then(|c| c.account.as_deref().cloned())
        {
            // Logged in before registering: whoever sits on the owner's nick makes room.
            self.evict_impostors(&folded);
        }
        Ok(())
    }

    /// Changes how a client receives events (e.g. after `CAP REQ` post-registration).
    pub fn set_format(&mut self, id: ClientId, format: super::client::Format) {
        if let Some(client) = self.clients.get_mut(&id) {
            client.format = format;
        }
    }

    /// Removes a client that leaves with `reason`; everyone sharing a channel
    /// with it sees it quit. Its own connection is the session's to close.
    pub fn quit(&mut self, id: ClientId, reason: &str) {
        let Some(client) = self.clients.remove(&id) else {
            return;
        };
        self.remember_identity(super::whowas::WasUser::of(&client));
        self.unindex_nick(&client.nick, id);
        let source = Arc::new(client.source());
        let peers = self.peers_of(&client.channels, id);
        for folded in &client.channels {
            let now_empty = self.channels.get_mut(folded).is_some_and(|channel| {
                channel.members.remove(&id);
                channel.members.is_empty()
            });
            if now_empty {
                self.channel_emptied(folded);
            }
        }
        for channel in self.channels.values_mut() {
            channel.invited.remove(&id);
        }
        let event = Event::Quit {
            source,
            reason: reason.to_string(),
        };
        let scope = Scope::Peers(client.channels.into_iter().collect());
        self.deliver_to(scope, event, peers.into_iter());
    }

    /// Drops a client the server gives up on (SendQ exceeded, flood, ...):
    /// it quits with `reason`, gets `ERROR :<reason>`, and its session is stopped.
    pub fn drop_client(&mut self, id: ClientId, reason: &str) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        // Stops its session too (it reads nothing more).
        client
            .outbound
            .kill(Some(client.format.encoder.farewell(reason)));
        self.quit(id, reason);
    }

    pub(crate) fn drop_overflowed(&mut self) {
        while let Some(id) = self.overflowed.pop() {
            if self.clients.contains_key(&id) {
                tracing::info!(client = id, "dropping client: SendQ exceeded");
                crate::metrics::sendq_overflow();
                self.drop_client(id, "SendQ exceeded");
            }
        }
    }

    /// Ids of every member of the given channels except `except`, each once.
    pub(crate) fn peers_of(
        &self,
        folded_channels: &BTreeSet<Folded>,
        except: ClientId,
    ) -> BTreeSet<ClientId> {
        folded_channels
            .iter()
            .filter_map(|folded| self.channels.get(folded))
            .flat_map(|channel| channel.members.keys().copied())
            .filter(|member| *member != except)
            .collect()
    }

    /// Stamps `event` with the current time, publishes it to the bus and
    /// delivers it to `recipients` (under the exclusive lock).
    pub(crate) fn deliver_to(
        &mut self,
        scope: Scope,
        event: Event,
        recipients: impl Iterator<Item = ClientId>,
    ) {
        // In the order of the messages' times (see `hub::clock`).
        let now = super::clock::LATEST.ordered(super::clock::Reading::now());
        let mut fanout = Fanout::new(Envelope {
            event,
            time: now.time(),
        });
        self.publish(scope, &fanout);
        let mut overflowed = std::mem::take(&mut self.overflowed);
        self.push_all(&mut fanout, recipients, &mut overflowed);
        self.overflowed = overflowed;
    }

    /// Hands an event to the bus, if there is one. The caller holds the lock
    /// that orders `scope` (see [`super::bus`]).
    pub(crate) fn publish(&self, scope: Scope, fanout: &Fanout) {
        if let Some(bus) = &self.bus {
            bus.publish(Published {
                scope,
                envelope: fanout.envelope(),
            });
        }
    }

    /// Queues the event for each recipient still here; notes in `overflowed`
    /// those whose queue overflowed (they are dropped once the operation ends).
    pub(crate) fn push_all(
        &self,
        fanout: &mut Fanout,
        recipients: impl Iterator<Item = ClientId>,
        overflowed: &mut Vec<ClientId>,
    ) {
        for id in recipients {
            if let Some(client) = self.clients.get(&id)
                && !fanout.deliver(client)
            {
                overflowed.push(id);
            }
        }
    }

    /// Delivers to one client outside any labelled response it is producing.
    pub(crate) fn push_incoming(
        &self,
        fanout: &mut Fanout,
        id: ClientId,
        overflowed: &mut Vec<ClientId>,
    ) {
        if let Some(client) = self.clients.get(&id)
            && !fanout.deliver_incoming(client)
        {
            overflowed.push(id);
        }
    }

    /// Notes clients whose queues overflowed during a shared operation, to be
    /// dropped when the exclusive lock is next released.
    pub(crate) fn note_overflowed(&mut self, ids: Vec<ClientId>) {
        self.overflowed.extend(ids);
    }

    /// Delivers to everyone sharing a channel with `id`, each once.
    pub(crate) fn deliver_to_peers(&mut self, id: ClientId, event: Event) {
        self.deliver_to_peers_maybe_self(id, event, false);
    }

    /// Delivers to `id`'s channel peers, and to `id` itself when its dialect shows own events.
    pub(crate) fn deliver_to_peers_and_self(&mut self, id: ClientId, event: Event) {
        self.deliver_to_peers_maybe_self(id, event, true);
    }

    fn deliver_to_peers_maybe_self(&mut self, id: ClientId, event: Event, to_self: bool) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        let mut recipients = self.peers_of(&client.channels, id);
        if to_self && client.format.sees_own_events {
            recipients.insert(id);
        }
        let scope = Scope::Peers(client.channels.iter().cloned().collect());
        self.deliver_to(scope, event, recipients.into_iter());
    }

    /// Delivers to every member of a channel, and to `actor` only when it shows own events.
    pub(crate) fn deliver_to_channel(&mut self, folded: &Folded, actor: ClientId, event: Event) {
        let Some(channel) = self.channels.get(folded) else {
            return;
        };
        let sees_own = self
            .clients
            .get(&actor)
            .is_some_and(|c| c.format.sees_own_events);
        let recipients: Vec<ClientId> = channel
            .members
            .keys()
            .copied()
            .filter(|member| *member != actor || sees_own)
            .collect();
        self.deliver_to(
            Scope::Channel(folded.clone()),
            event,
            recipients.into_iter(),
        );
    }

    /// The source of a client, shared by the events it causes.
    pub(crate) fn source_of(&self, id: ClientId) -> Option<Arc<Source>> {
        self.clients.get(&id).map(|c| Arc::new(c.source()))
    }
}
