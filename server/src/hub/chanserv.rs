//! Channel registration, the hub's side of ChanServ (as on ergo and
//! Atheme): a logged-in operator of a channel registers it and becomes its
//! founder; only registered channels keep their state once empty and give
//! `+o` by account; the founder alone drops the registration.

use super::HubState;
use super::client::ClientId;
use crate::channels::{ChannelRecord, Founder};
use chrono::{DateTime, Utc};

/// Why `ChanServ REGISTER` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelRegisterError {
    /// The server keeps no history, so nothing could be kept.
    #[error("channels cannot be registered on this server (it keeps no history)")]
    Unavailable,
    /// The asker is not logged in.
    #[error("log in to an account first: /msg NickServ IDENTIFY <password>")]
    NotLoggedIn,
    /// Nobody is in the channel (or its name is not a channel's).
    #[error("{0} does not exist; join it first")]
    NoSuchChannel(String),
    /// The asker is not one of its operators.
    #[error("you must be a channel operator of {0} to register it")]
    NotOperator(String),
    /// It has a founder already.
    #[error("{channel} is already registered to {founder}")]
    AlreadyRegistered {
        /// The channel's display name.
        channel: String,
        /// The founder's account name.
        founder: String,
    },
    /// The account founded as many channels as it may.
    #[error("you already founded as many channels as this server allows ({0})")]
    TooMany(usize),
}

/// Why `ChanServ DROP` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelDropError {
    /// The asker is not logged in.
    #[error("log in to an account first: /msg NickServ IDENTIFY <password>")]
    NotLoggedIn,
    /// The channel is not registered (or does not exist).
    #[error("{0} is not registered")]
    NotRegistered(String),
    /// The asker's account did not found it.
    #[error("only the founder of {channel} ({founder}) can drop it")]
    NotFounder {
        /// The channel's display name.
        channel: String,
        /// The founder's account name.
        founder: String,
    },
}

/// What `ChanServ INFO` shows of a registered channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRegistration {
    /// The channel's display name.
    pub channel: String,
    /// Its founder.
    pub founder: Founder,
    /// Its operator accounts other than the founder, sorted (folded).
    pub operators: Vec<String>,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
}

impl HubState {
    /// `ChanServ REGISTER name` from `id`: registers the live channel `name`
    /// to `id`'s account if `id` operates it and the account founded fewer
    /// than `limit` channels. The founder's account becomes its only
    /// operator account; others are added as the founder gives them `+o`.
    pub fn register_channel(
        &mut self,
        id: ClientId,
        name: &str,
        limit: usize,
    ) -> Result<ChannelRegistration, ChannelRegisterError> {
        let states = self
            .history
            .as_ref()
            .map(|history| history.channel_states().clone())
            .ok_or(ChannelRegisterError::Unavailable)?;
        let (account_name, account) = self
            .clients
            .get(&id)
            .and_then(|client| client.account.as_deref().cloned())
            .ok_or(ChannelRegisterError::NotLoggedIn)?;
        let folded = self.fold(name);
        let channel = self
            .channels
            .get_mut(&folded)
            .ok_or_else(|| ChannelRegisterError::NoSuchChannel(name.to_string()))?;
        if let Some(founder) = &channel.founder {
            return Err(ChannelRegisterError::AlreadyRegistered {
                channel: channel.name.clone(),
                founder: founder.name.clone(),
            });
        }
        if !channel.is_op(id) {
            return Err(ChannelRegisterError::NotOperator(channel.name.clone()));
        }
        let founded = states.founded_by(&account);
        if founded >= limit {
            return Err(ChannelRegisterError::TooMany(founded));
        }
        let now = Utc::now();
        let founder = Founder {
            account: account.clone(),
            name: account_name,
            registered_ms: now.timestamp_millis(),
        };
        channel.founder = Some(founder.clone());
        channel.operators = [account].into();
        let registration = ChannelRegistration {
            channel: channel.name.clone(),
            founder,
            operators: Vec::new(),
            registered_at: now,
        };
        tracing::info!(channel = %registration.channel, founder = %registration.founder.name, "channel registered");
        self.remember_channel(&folded);
        Ok(registration)
    }

    /// `ChanServ DROP name` from `id`: the founder unregisters the channel.
    /// A live channel goes on as an unregistered one (its members keep their
    /// status); an empty one vanishes as an unregistered channel does when it
    /// empties, with its history if it kept anyone out. Returns the display name.
    pub fn drop_channel(&mut self, id: ClientId, name: &str) -> Result<String, ChannelDropError> {
        let account = self
            .clients
            .get(&id)
            .and_then(|client| client.account.as_deref())
            .map(|(_, folded)| folded.clone())
            .ok_or(ChannelDropError::NotLoggedIn)?;
        let folded = self.fold(name);
        let not_registered = || ChannelDropError::NotRegistered(name.to_string());
        if let Some(channel) = self.channels.get_mut(&folded) {
            let founder = channel.founder.as_ref().ok_or_else(not_registered)?;
            if founder.account != account {
                return Err(ChannelDropError::NotFounder {
                    channel: channel.name.clone(),
                    founder: founder.name.clone(),
                });
            }
            channel.founder = None;
            channel.operators.clear();
            let shown = channel.name.clone();
            self.remember_channel(&folded);
            tracing::info!(channel = %shown, "channel registration dropped");
            return Ok(shown);
        }
        let record = self.stored_channel(&folded).ok_or_else(not_registered)?;
        let founder = record.founder.as_ref().ok_or_else(not_registered)?;
        if founder.account != account {
            return Err(ChannelDropError::NotFounder {
                channel: record.name.clone(),
                founder: founder.name.clone(),
            });
        }
        tracing::info!(channel = %record.name, "channel registration dropped");
        self.vanish(&folded, &record);
        Ok(record.name)
    }

    /// `ChanServ INFO name` from `id`: the registration of `name`, live or
    /// stored. A secret channel's is shown only to its members and operator
    /// accounts: to anyone else it does not exist, as in WHOIS and LIST.
    pub fn channel_registration(&self, id: ClientId, name: &str) -> Option<ChannelRegistration> {
        let folded = self.fold(name);
        let (record, member) = match self.channels.get(&folded) {
            Some(channel) => (
                super::remembered::record_of(channel),
                channel.members.contains_key(&id),
            ),
            None => (self.stored_channel(&folded)?, false),
        };
        let founder = record.founder.clone()?;
        let account = self
            .clients
            .get(&id)
            .and_then(|client| client.account.as_deref())
            .map(|(_, folded)| folded.as_str());
        let insider =
            member || account.is_some_and(|a| record.is_founder(a) || record.operators.contains(a));
        if record.has_flag('s') && !insider {
            return None;
        }
        Some(ChannelRegistration {
            channel: record.name.clone(),
            registered_at: DateTime::from_timestamp_millis(founder.registered_ms)
                .unwrap_or_default(),
            operators: record
                .operators
                .iter()
                .filter(|op| **op != founder.account)
                .cloned()
                .collect(),
            founder,
        })
    }

    /// The stored record of the (empty) channel `folded`.
    fn stored_channel(&self, folded: &str) -> Option<ChannelRecord> {
        self.history.as_ref()?.channel_states().get(folded)
    }
}
