//! Read-only questions about the hub: NAMES, WHO, WHOIS, LIST, ISON, USERHOST.

use super::bus::RemoteUser;
use super::channel::Membership;
use super::client::{Client, ClientId};
use super::name::Folded;
use super::state::HubState;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// One member as NAMES and WHO show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Nickname.
    pub nick: String,
    /// Username.
    pub user: String,
    /// Host.
    pub host: String,
    /// Real name.
    pub realname: String,
    /// Privileges in the channel asked about (default outside a channel).
    pub membership: Membership,
    /// Whether away.
    pub away: bool,
    /// The account it is logged in to (WHOX `a`).
    pub account: Option<String>,
    /// Whether it is an IRC operator here (WHO flag `*`, WHOIS 313; not
    /// known for users on other nodes).
    pub oper: bool,
}

/// A channel's member list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// Channel display name.
    pub channel: String,
    /// Whether the channel is secret (+s), shown as `@` in RPL_NAMREPLY.
    pub secret: bool,
    /// Members, operators first, then voiced, then by nickname.
    pub members: Vec<MemberInfo>,
}

/// Everything WHOIS shows.
#[derive(Debug, Clone)]
pub struct WhoisInfo {
    /// The user.
    pub member: MemberInfo,
    /// Channels (display names with prefixes) the asker may see.
    pub channels: Vec<String>,
    /// Away message.
    pub away: Option<String>,
    /// Seconds since the last message.
    pub idle: Duration,
    /// When it connected.
    pub signon: DateTime<Utc>,
    /// `irc` or `plain`.
    pub dialect: &'static str,
    /// The account it is logged in to (330).
    pub account: Option<String>,
    /// The cluster node it is on, when not this one (312 names it; idle
    /// and signon times are not known here).
    pub node: Option<String>,
    /// Whether it is connected over TLS (671; not known for remote users).
    pub secure: bool,
}

/// One LIST entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelListing {
    /// Display name.
    pub name: String,
    /// Visible member count.
    pub members: usize,
    /// Topic text (empty when none).
    pub topic: String,
}

fn member_info(client: &Client, membership: Membership) -> MemberInfo {
    MemberInfo {
        nick: client.nick.clone(),
        user: client.user.to_string(),
        host: client.host.to_string(),
        realname: client.realname.to_string(),
        membership,
        away: client.away.is_some(),
        account: client.account.as_deref().map(|(name, _)| name.clone()),
        oper: client.oper.is_some(),
    }
}

fn remote_info(user: &RemoteUser) -> MemberInfo {
    MemberInfo {
        nick: user.nick.clone(),
        user: user.user.clone(),
        host: user.host.clone(),
        realname: user.realname.clone(),
        membership: Membership::default(),
        away: user.away.is_some(),
        account: user.account.clone(),
        oper: false,
    }
}

impl HubState {
    /// Users on other nodes of the cluster that share a channel with this
    /// one, when clustered.
    pub(crate) fn remote_members(&self, folded_channel: &str) -> Vec<RemoteUser> {
        self.directory
            .as_ref()
            .map(|directory| directory.remote_members(folded_channel))
            .unwrap_or_default()
    }

    /// How many users other nodes have that this node knows of (LUSERS).
    pub fn remote_user_count(&self) -> usize {
        self.directory
            .as_ref()
            .map_or(0, |directory| directory.remote_user_count())
    }

    /// Whether `a` and `b` share a channel.
    fn share_channel(&self, a: ClientId, b: ClientId) -> bool {
        match (self.clients.get(&a), self.clients.get(&b)) {
            (Some(a), Some(b)) => a.channels.intersection(&b.channels).next().is_some(),
            _ => false,
        }
    }

    /// The member list of a channel as `asker` may see it: secret channels and
    /// invisible users are hidden from outsiders.
    pub fn names_of(&self, name: &str, asker: ClientId) -> Option<Names> {
        let channel = self.channels.get(&self.fold(name))?;
        let is_member = channel.members.contains_key(&asker);
        if channel.modes.secret && !is_member {
            return None;
        }
        let mut members: Vec<MemberInfo> = channel
            .members
            .iter()
            .filter_map(|(id, membership)| {
                let client = self.clients.get(id)?;
                (is_member || !client.invisible).then(|| member_info(client, *membership))
            })
            .collect();
        // Members on other nodes, with the privileges the cluster's record
        // of the channel gives them.
        let folded = self.fold(name);
        members.extend(self.remote_members(&folded).iter().map(|user| {
            let mut info = remote_info(user);
            if let Some(membership) = channel.remote_privileges.get(&self.fold_text(&user.nick)) {
                info.membership = *membership;
            }
            info
        }));
        members.sort_by(|a, b| {
            (!a.membership.op, !a.membership.voice, self.fold(&a.nick)).cmp(&(
                !b.membership.op,
                !b.membership.voice,
                self.fold(&b.nick),
            ))
        });
        Some(Names {
            channel: channel.name.clone(),
            secret: channel.modes.secret,
            members,
        })
    }

    /// WHO: members of a channel, or users whose nickname matches a mask.
    pub fn who(&self, mask: &str, asker: ClientId) -> Vec<(String, MemberInfo)> {
        if natter_protocol::is_channel_name(mask) {
            return self
                .names_of(mask, asker)
                .map(|names| {
                    names
                        .members
                        .into_iter()
                        .map(|member| (names.channel.clone(), member))
                        .collect()
                })
                .unwrap_or_default();
        }
        let folded_mask = self.fold_text(mask);
        let mut matches: Vec<(String, MemberInfo)> = self
            .clients
            .values()
            .filter(|client| {
                // +i hides a user from masks, not from a lookup of their exact nickname.
                let named = !mask.contains(['*', '?']) && *self.fold(&client.nick) == *folded_mask;
                let visible = !client.invisible
                    || named
                    || client.id == asker
                    || self.share_channel(asker, client.id);
                visible
                    && (mask == "*"
                        || mask == "0"
                        || super::channel::wildcard_match(&folded_mask, &self.fold(&client.nick))
                        || super::channel::wildcard_match(
                            &folded_mask,
                            &self.fold_text(&client.source().prefix()),
                        ))
            })
            .map(|client| ("*".to_string(), member_info(client, Membership::default())))
            .collect();
        if let Some(remote) = self.remote_user(mask) {
            // A user on another node, asked for by exact nick.
            matches.push(("*".to_string(), remote_info(&remote)));
        }
        matches.sort_by(|a, b| a.1.nick.cmp(&b.1.nick));
        matches
    }

    /// WHOIS for one nickname.
    pub fn whois(&self, nick: &str, asker: ClientId, all_prefixes: bool) -> Option<WhoisInfo> {
        let Some(client) = self.client_by_nick(nick) else {
            return self.remote_whois(nick);
        };
        let channels = client
            .channels
            .iter()
            .filter_map(|folded| self.channels.get(folded))
            .filter(|channel| !channel.modes.secret || channel.members.contains_key(&asker))
            .map(|channel| {
                let membership = channel.membership(client.id).unwrap_or_default();
                format!("{}{}", membership.prefixes(all_prefixes), channel.name)
            })
            .collect();
        Some(WhoisInfo {
            member: member_info(client, Membership::default()),
            channels,
            away: client.away.clone(),
            idle: client.last_active.elapsed(),
            signon: client.signon,
            dialect: client.dialect_name(),
            account: client.account.as_deref().map(|(name, _)| name.clone()),
            node: None,
            secure: client.secure,
        })
    }

    /// WHOIS for a user on another node: the channels they share with this one.
    fn remote_whois(&self, nick: &str) -> Option<WhoisInfo> {
        let remote = self.remote_user(nick)?;
        let channels = remote
            .channels
            .iter()
            .filter_map(|folded| self.channels.get(folded))
            .filter(|channel| !channel.modes.secret)
            .map(|channel| channel.name.clone())
            .collect();
        Some(WhoisInfo {
            member: remote_info(&remote),
            channels,
            away: remote.away.clone(),
            idle: Duration::ZERO,
            signon: Utc::now(),
            dialect: "remote",
            account: remote.account.clone(),
            node: Some(remote.node),
            secure: false,
        })
    }

    /// LIST: every channel `asker` may see, or only the named ones.
    pub fn list(&self, asker: ClientId, only: Option<&[&str]>) -> Vec<ChannelListing> {
        let wanted: Option<Vec<Folded>> =
            only.map(|names| names.iter().map(|n| self.fold(n)).collect());
        let mut listing: Vec<ChannelListing> = self
            .channels
            .iter()
            .filter(|(folded, _)| wanted.as_ref().is_none_or(|w| w.contains(folded)))
            .filter(|(_, channel)| !channel.modes.secret || channel.members.contains_key(&asker))
            .map(|(_, channel)| ChannelListing {
                name: channel.name.clone(),
                members: channel.members.len(),
                topic: channel
                    .topic
                    .as_ref()
                    .map(|t| t.text.clone())
                    .unwrap_or_default(),
            })
            .collect();
        listing.sort_by(|a, b| b.members.cmp(&a.members).then_with(|| a.name.cmp(&b.name)));
        listing
    }

    /// ISON: which of these nicknames are online, as registered.
    pub fn ison<'a>(&self, nicks: impl Iterator<Item = &'a str>) -> Vec<String> {
        nicks
            .filter_map(|nick| self.client_by_nick(nick).map(|c| c.nick.clone()))
            .collect()
    }

    /// USERHOST: `(nick, user, host, away)` for each online nickname.
    pub fn userhost<'a>(&self, nicks: impl Iterator<Item = &'a str>) -> Vec<MemberInfo> {
        nicks
            .filter_map(|nick| self.client_by_nick(nick))
            .map(|client| member_info(client, Membership::default()))
            .collect()
    }

    /// Channels `id` is in, as display names.
    pub fn channels_of(&self, id: ClientId) -> Vec<String> {
        self.clients
            .get(&id)
            .map(|client| {
                client
                    .channels
                    .iter()
                    .filter_map(|folded| self.channels.get(folded).map(|c| c.name.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}
