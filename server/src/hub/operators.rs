//! What IRC operators change in the hub: user modes +o and +w, KILL and
//! WALLOPS. Who may become an operator is the session's business
//! (`crate::operators`); the hub only records that someone is one.

use super::client::ClientId;
use super::state::HubState;
use bytes::Bytes;
use natter_protocol::Message;

/// Why a KILL did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KillError {
    /// Nobody on this server has that nickname (401).
    NoSuchNick,
}

impl HubState {
    /// Sets or clears user mode +o (`Some(block)` / `None`); false when it
    /// was already so.
    pub fn set_oper(&mut self, id: ClientId, block: Option<String>) -> bool {
        match self.clients.get_mut(&id) {
            Some(client) if client.oper.is_some() != block.is_some() => {
                client.oper = block.map(String::into_boxed_str);
                true
            }
            _ => false,
        }
    }

    /// Sets or clears user mode +w; false when it was already so.
    pub fn set_wallops(&mut self, id: ClientId, wallops: bool) -> bool {
        match self.clients.get_mut(&id) {
            Some(client) if client.wallops != wallops => {
                client.wallops = wallops;
                true
            }
            _ => false,
        }
    }

    /// Operators online on this server (LUSERS 252).
    pub fn oper_count(&self) -> usize {
        self.clients.values().filter(|c| c.oper.is_some()).count()
    }

    /// Sends `:<sender> WALLOPS :<text>` to every client with +w (the sender
    /// too, when it has +w); returns how many received it. Only IRC clients
    /// can set +w, so the line is IRC.
    pub fn wallops(&mut self, sender: ClientId, text: &str) -> usize {
        let Some(source) = self.clients.get(&sender).map(|c| c.source().prefix()) else {
            return 0;
        };
        let line = Bytes::from(
            Message::new("WALLOPS")
                .with_source(source)
                .with_param(text)
                .to_wire(),
        );
        let mut overflowed = Vec::new();
        let mut delivered = 0;
        for client in self.clients.values().filter(|c| c.wallops) {
            match client.outbound.push(line.clone()) {
                Ok(()) => delivered += 1,
                Err(_) => overflowed.push(client.id),
            }
        }
        self.note_overflowed(overflowed);
        delivered
    }

    /// Disconnects the client holding `victim` on an operator's behalf: it
    /// gets `KILL` (in its dialect) and `ERROR`, everyone sharing a channel
    /// with it sees it quit with `Killed (<killer> (<reason>))`. Returns the
    /// victim's nickname as it was.
    pub fn kill(
        &mut self,
        killer: ClientId,
        victim: &str,
        reason: &str,
    ) -> Result<String, KillError> {
        let killer = self
            .clients
            .get(&killer)
            .map(|c| c.source())
            .ok_or(KillError::NoSuchNick)?;
        let victim = self.client_by_nick(victim).ok_or(KillError::NoSuchNick)?;
        let (id, nick) = (victim.id, victim.nick.clone());
        let quit_reason = format!("Killed ({} ({reason}))", killer.nick);
        if let Some(line) = victim.format.encoder.killed(&killer, &nick, reason) {
            // The ERROR that follows closes the queue; an overflow here changes nothing.
            let _ = victim.outbound.push(line);
        }
        tracing::info!(client = id, nick = %nick, oper = %killer.nick, "killed by an operator");
        self.drop_client(id, &quit_reason);
        Ok(nick)
    }
}
