//! Channel mode changes: +o/+v privileges, flags, key, limit and bans.
//!
//! Parsing a mode string is the IRC dialect's job; the hub applies a list of
//! already-parsed changes, skipping the ones that are no-ops, and announces the
//! applied ones in one event.

use super::channel::{Ban, normalize_mask};
use super::client::ClientId;
use super::event::Event;
use super::state::HubState;
use chrono::Utc;

/// One requested change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeChange {
    /// A flag without argument: one of `imnst`.
    Flag {
        /// `+` or `-`.
        adding: bool,
        /// The mode letter.
        letter: char,
    },
    /// `+o`/`-o` (letter `o`) or `+v`/`-v` (letter `v`) on a member.
    Privilege {
        /// `+` or `-`.
        adding: bool,
        /// `o` or `v`.
        letter: char,
        /// The member's nickname.
        nick: String,
    },
    /// `+k key` / `-k`.
    Key(Option<String>),
    /// `+l n` / `-l`.
    Limit(Option<usize>),
    /// `+b mask` / `-b mask`.
    Ban {
        /// `+` or `-`.
        adding: bool,
        /// The mask as given.
        mask: String,
    },
}

/// A refusal of the whole request or of one change in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeError {
    /// No such channel.
    NoSuchChannel,
    /// Not an operator.
    NotOperator,
    /// `+o nick` for a nick that is not in the channel.
    UserNotInChannel(String),
    /// `+o nick` for a nick that does not exist.
    NoSuchNick(String),
}

/// What was applied, ready to announce and echo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelModeOutcome {
    /// e.g. `+o-t`; empty when nothing changed.
    pub changes: String,
    /// Arguments in order.
    pub args: Vec<String>,
    /// Changes that were refused individually.
    pub errors: Vec<ModeError>,
}

/// Appends `+x`/`-x` to a mode string, writing the sign only when it changes.
fn push_mode(changes: &mut String, last_sign: &mut Option<bool>, adding: bool, letter: char) {
    if *last_sign != Some(adding) {
        changes.push(if adding { '+' } else { '-' });
        *last_sign = Some(adding);
    }
    changes.push(letter);
}

impl HubState {
    /// Applies mode changes to `name` on behalf of `id` and tells every member.
    pub fn change_channel_modes(
        &mut self,
        id: ClientId,
        name: &str,
        requested: Vec<ModeChange>,
    ) -> Result<ChannelModeOutcome, ModeError> {
        let folded = self.fold(name);
        let channel = self.channels.get(&folded).ok_or(ModeError::NoSuchChannel)?;
        if !channel.is_op(id) {
            return Err(ModeError::NotOperator);
        }
        let setter = self
            .clients
            .get(&id)
            .map(|c| c.source().prefix())
            .unwrap_or_default();
        let mut outcome = ChannelModeOutcome::default();
        let mut last_sign = None;
        for change in requested {
            if let Some((adding, letter, arg)) =
                self.apply_one(&folded, &setter, change, &mut outcome.errors)
            {
                push_mode(&mut outcome.changes, &mut last_sign, adding, letter);
                outcome.args.extend(arg);
            }
        }
        if !outcome.changes.is_empty() {
            self.remember_channel(&folded);
            let display = self.channels[&folded].name.clone();
            let source = self.source_of(id).ok_or(ModeError::NoSuchChannel)?;
            self.deliver_to_channel(
                &folded,
                id,
                Event::Mode {
                    source,
                    target: display,
                    changes: outcome.changes.clone(),
                    args: outcome.args.clone(),
                },
            );
        }
        Ok(outcome)
    }

    /// Applies one change; returns what to announce, or `None` for a no-op or refusal.
    fn apply_one(
        &mut self,
        folded: &str,
        setter: &str,
        change: ModeChange,
        errors: &mut Vec<ModeError>,
    ) -> Option<(bool, char, Option<String>)> {
        let member_id = match &change {
            ModeChange::Privilege { nick, .. } => match self.client_by_nick(nick) {
                None => return self.remote_privilege(folded, change, errors),
                Some(client) => Some((
                    client.id,
                    client.nick.clone(),
                    client.account.as_deref().map(|(_, folded)| folded.clone()),
                )),
            },
            _ => None,
        };
        let casemapping = self.settings.casemapping;
        let fold_mask = |mask: &str| casemapping.fold(mask);
        let folded_bans: Vec<String> = self
            .channels
            .get(folded)?
            .bans
            .iter()
            .map(|b| fold_mask(&b.mask))
            .collect();
        let channel = self.channels.get_mut(folded)?;
        let modes = &mut channel.modes;
        match change {
            ModeChange::Flag { adding, letter } => {
                let flag = match letter {
                    'i' => &mut modes.invite_only,
                    'm' => &mut modes.moderated,
                    'n' => &mut modes.no_external,
                    's' => &mut modes.secret,
                    't' => &mut modes.topic_lock,
                    _ => return None,
                };
                (*flag != adding).then(|| {
                    *flag = adding;
                    (adding, letter, None)
                })
            }
            ModeChange::Privilege {
                adding,
                letter,
                nick,
            } => {
                let (member, display_nick, account) = member_id?;
                let Some(membership) = channel.members.get_mut(&member) else {
                    errors.push(ModeError::UserNotInChannel(nick));
                    return None;
                };
                let flag = if letter == 'o' {
                    &mut membership.op
                } else {
                    &mut membership.voice
                };
                let changed = *flag != adding;
                *flag = adding;
                // In a registered channel an operator's account is
                // remembered as the channel's.
                if let (Some(account), 'o', true) = (account, letter, channel.founder.is_some()) {
                    if adding {
                        channel.operators.insert(account);
                    } else {
                        channel.operators.remove(&account);
                    }
                }
                changed.then_some((adding, letter, Some(display_nick)))
            }
            ModeChange::Key(Some(key)) => {
                modes.key = Some(key.clone());
                Some((true, 'k', Some(key)))
            }
            ModeChange::Key(None) => modes
                .key
                .take()
                .map(|_| (false, 'k', Some("*".to_string()))),
            ModeChange::Limit(Some(limit)) => (modes.limit != Some(limit)).then(|| {
                modes.limit = Some(limit);
                (true, 'l', Some(limit.to_string()))
            }),
            ModeChange::Limit(None) => modes.limit.take().map(|_| (false, 'l', None)),
            ModeChange::Ban { adding, mask } => {
                let mask = normalize_mask(&mask);
                let folded_mask = fold_mask(&mask);
                let existing = folded_bans.iter().position(|b| *b == folded_mask);
                match (adding, existing) {
                    (true, None) => {
                        channel.bans.push(Ban {
                            mask: mask.clone(),
                            set_by: setter.to_string(),
                            set_at: Utc::now(),
                        });
                        Some((true, 'b', Some(mask)))
                    }
                    (false, Some(index)) => {
                        let removed = channel.bans.remove(index);
                        Some((false, 'b', Some(removed.mask)))
                    }
                    _ => None,
                }
            }
        }
    }

    /// `+o`/`+v` (or `-`) on a member of the channel on another node: kept
    /// with the channel's remote privileges here, and in the cluster's
    /// record once published, which gives it effect on that member's node.
    fn remote_privilege(
        &mut self,
        folded: &str,
        change: ModeChange,
        errors: &mut Vec<ModeError>,
    ) -> Option<(bool, char, Option<String>)> {
        let ModeChange::Privilege {
            adding,
            letter,
            nick,
        } = change
        else {
            return None;
        };
        let folded_nick = self.fold_text(&nick);
        let Some(remote) = self.remote_user(&nick) else {
            errors.push(ModeError::NoSuchNick(nick));
            return None;
        };
        if !remote.channels.iter().any(|channel| **channel == *folded) {
            errors.push(ModeError::UserNotInChannel(nick));
            return None;
        }
        let channel = self.channels.get_mut(folded)?;
        let membership = channel
            .remote_privileges
            .entry(folded_nick.clone())
            .or_default();
        let flag = if letter == 'o' {
            &mut membership.op
        } else {
            &mut membership.voice
        };
        let changed = *flag != adding;
        *flag = adding;
        if *membership == super::channel::Membership::default() {
            channel.remote_privileges.remove(&folded_nick);
        }
        changed.then_some((adding, letter, Some(remote.nick)))
    }
}
