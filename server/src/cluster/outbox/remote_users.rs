//! The node as the hub's [`Directory`]: users, members and channel records
//! of the other nodes, for NAMES, WHO, WHOIS, LUSERS and JOIN checks.

use crate::cluster::node::ClusterNode;
use crate::hub::Folded;
use crate::hub::bus::{Directory, RemoteUser};
use crate::hub::shared::SharedChannel;

fn remote(user: &crate::cluster::roster::RemoteUser) -> RemoteUser {
    let member = &user.member;
    RemoteUser {
        nick: member.member.nick.clone(),
        user: member.member.user.clone(),
        host: member.member.host.clone(),
        realname: member.realname.clone(),
        account: member.member.account.clone(),
        away: member.away.clone(),
        node: user.node.name.clone(),
        channels: user
            .channels
            .iter()
            .map(|channel| Folded::from_folded(channel.clone()))
            .collect(),
    }
}

impl Directory for ClusterNode {
    fn remote_user(&self, folded_nick: &str) -> Option<RemoteUser> {
        if let Some(user) = self.roster().user(folded_nick) {
            return Some(remote(user));
        }
        // Sharing no room with this node: only the nick and node are known.
        let directory = self.directory();
        let owner = directory.remote_owner(folded_nick, &self.me)?;
        Some(RemoteUser {
            nick: owner.nick.clone(),
            user: "*".to_string(),
            host: "*".to_string(),
            realname: String::new(),
            account: None,
            away: None,
            node: owner.node.name.clone(),
            channels: Vec::new(),
        })
    }

    fn account_online(&self, folded_account: &str) -> bool {
        self.directory().account_online(folded_account, &self.me)
    }

    fn remote_members(&self, folded_channel: &str) -> Vec<RemoteUser> {
        self.roster()
            .members(folded_channel)
            .into_iter()
            .map(remote)
            .collect()
    }

    fn remote_user_count(&self) -> usize {
        let sharing = self.roster().len();
        sharing.max(self.directory().remote_count(&self.me))
    }

    fn shared_channel(&self, folded_channel: &str) -> Option<SharedChannel> {
        self.shared_record(folded_channel)
    }

    fn reaches(&self, _node: &str) -> bool {
        self.link.state() == crate::cluster::LinkState::Up
    }
}
