//! Who holds which nickname: the name and confusable-skeleton indexes of
//! online clients, and why a nickname cannot be taken (in use, looks like
//! someone's, reserved, owned by an account, held on another node).

use super::HubState;
use super::client::ClientId;
use natter_protocol::Skeleton;

/// Why a nickname cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NickTaken {
    /// Someone online holds it (under the casemapping).
    InUse,
    /// Someone online holds a nick with the same confusable skeleton.
    LooksLike(String),
    /// It is (or looks like) a service's name, such as NickServ.
    Reserved,
    /// It looks like (without being) the registered account named here.
    LooksLikeAccount(String),
    /// It is a registered account's nick and its owner is online.
    OwnerOnline,
    /// A user on another node of the cluster holds it (that node's name).
    OnAnotherNode(String),
}

impl NickTaken {
    /// The text of the 433 reply (and the plain dialect's notice).
    pub fn reason(&self) -> String {
        match self {
            NickTaken::InUse => "Nickname is already in use".to_string(),
            NickTaken::LooksLike(other) => {
                format!("Nickname is already in use: it looks like {other}, who is online")
            }
            NickTaken::Reserved => "Nickname is reserved for services".to_string(),
            NickTaken::LooksLikeAccount(account) => {
                format!(
                    "Nickname is already in use: it looks like the registered account {account}"
                )
            }
            NickTaken::OwnerOnline => "Nickname is registered and its owner is online".to_string(),
            NickTaken::OnAnotherNode(node) => {
                format!("Nickname is already in use on another node ({node})")
            }
        }
    }
}

impl HubState {
    /// Whether `nick` is free (or already held by `id`, for case changes).
    pub fn nick_available(&self, nick: &str, id: Option<ClientId>) -> bool {
        self.check_nick(nick, id).is_ok()
    }

    /// Whether `nick` may be taken by `id` (`None`: a client not yet
    /// registered): nobody else online holds it or a nick that looks like it.
    pub fn check_nick(&self, nick: &str, id: Option<ClientId>) -> Result<(), NickTaken> {
        let skeleton = Skeleton::of(nick);
        if skeleton == Skeleton::of("NickServ") || skeleton == Skeleton::of(super::CHANSERV) {
            return Err(NickTaken::Reserved);
        }
        let other = |holder: &ClientId| Some(*holder) != id;
        if self.nicks.get(&self.fold(nick)).is_some_and(other) {
            return Err(NickTaken::InUse);
        }
        if let Some(holder) = self.skeletons.get(&Skeleton::of(nick))
            && other(holder)
        {
            let held = self.clients.get(holder).map(|c| c.nick.clone());
            return Err(NickTaken::LooksLike(held.unwrap_or_default()));
        }
        if let Some(remote) = self.remote_user(nick) {
            return Err(NickTaken::OnAnotherNode(remote.node));
        }
        let Some(owner) = self.accounts.as_ref().and_then(|a| a.owner_of(nick)) else {
            return Ok(());
        };
        let own = id
            .and_then(|id| self.clients.get(&id))
            .and_then(|c| c.account.as_deref())
            .is_some_and(|(_, folded)| *folded == owner.folded);
        if own {
            Ok(())
        } else if self.fold(&owner.name) != self.fold(nick) {
            Err(NickTaken::LooksLikeAccount(owner.name))
        } else if self.account_online(&owner.folded) {
            Err(NickTaken::OwnerOnline)
        } else {
            Ok(())
        }
    }

    /// The user on another node holding `nick`, when clustered and known.
    pub fn remote_user(&self, nick: &str) -> Option<super::bus::RemoteUser> {
        let directory = self.directory.as_ref()?;
        directory.remote_user(&self.fold(nick))
    }

    /// Whether a whisper to a user on `node` can be sent now (always, on a
    /// single node).
    pub(crate) fn reaches(&self, node: &str) -> bool {
        self.directory
            .as_ref()
            .is_none_or(|directory| directory.reaches(node))
    }

    /// Records `nick` as `id`'s in the name and skeleton indexes.
    pub(crate) fn index_nick(&mut self, nick: &str, id: ClientId) {
        self.nicks.insert(self.fold(nick), id);
        self.skeletons.insert(Skeleton::of(nick), id);
    }

    /// Forgets `nick` from the indexes (if `id` holds it there).
    pub(crate) fn unindex_nick(&mut self, nick: &str, id: ClientId) {
        let folded = self.fold(nick);
        if self.nicks.get(&folded) == Some(&id) {
            self.nicks.remove(&folded);
        }
        let skeleton = Skeleton::of(nick);
        if self.skeletons.get(&skeleton) == Some(&id) {
            self.skeletons.remove(&skeleton);
        }
    }
}
