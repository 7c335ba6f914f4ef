//! Showing local users what changed on other nodes (joins, parts, kicks,
//! quits, renames), as the roster reports it.

use crate::cluster::node::ClusterNode;
use crate::cluster::roster::Seen;
use crate::cluster::translate::hub_source;
use crate::cluster::wire;
use crate::context::Context;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use crate::hub::event::{Envelope, Event};
use chrono::Utc;
use std::sync::Arc;

impl ClusterNode {
    /// Shows local users what changed on other nodes. `cause` is the event
    /// that changed it (none when a node died), `node` where it came from.
    pub(crate) async fn present(
        &self,
        context: &Context,
        seen: Vec<Seen>,
        cause: Option<&wire::Event>,
        node: &str,
    ) {
        for fact in seen {
            match fact {
                Seen::Joined { channel, member } => {
                    let Some(display) = display_name(context, &channel) else {
                        continue;
                    };
                    let source = hub_source(&member.member, &member.realname);
                    let folded = Folded::from_folded(channel);
                    let join = Event::Join {
                        source: source.clone(),
                        channel: display,
                    };
                    deliver(context, Scope::Channel(folded.clone()), join).await;
                    if let Some(message) = member.away {
                        let away = Event::Away {
                            source,
                            message: Some(message),
                        };
                        deliver(context, Scope::Channel(folded), away).await;
                    }
                }
                Seen::Left { channel, who } => {
                    let Some(display) = display_name(context, &channel) else {
                        continue;
                    };
                    let event = match cause {
                        Some(wire::Event::Kick {
                            by, nick, reason, ..
                        }) => Event::Kick {
                            source: hub_source(by, ""),
                            channel: display,
                            victim: nick.clone(),
                            reason: reason.clone(),
                        },
                        Some(wire::Event::Part { reason, .. }) => Event::Part {
                            source: hub_source(&who, ""),
                            channel: display,
                            reason: reason.clone(),
                        },
                        _ => Event::Part {
                            source: hub_source(&who, ""),
                            channel: display,
                            reason: None,
                        },
                    };
                    deliver(context, Scope::Channel(Folded::from_folded(channel)), event).await;
                }
                Seen::Quit { who, channels } => {
                    let reason = match cause {
                        Some(wire::Event::Quit { reason, .. }) => reason.clone(),
                        _ => format!("Node {node} left the cluster"),
                    };
                    let event = Event::Quit {
                        source: hub_source(&who, ""),
                        reason,
                    };
                    let channels = channels.into_iter().map(Folded::from_folded).collect();
                    deliver(context, Scope::Peers(channels), event).await;
                }
                Seen::Renamed { who, new } => {
                    let channels = self.channels_of(&new);
                    let event = Event::Nick {
                        source: hub_source(&who, ""),
                        new_nick: new,
                    };
                    deliver(context, Scope::Peers(channels), event).await;
                }
            }
        }
    }
}

/// The display name of a local channel (folded), if it still exists here.
fn display_name(context: &Context, folded: &str) -> Option<String> {
    context
        .hub
        .read(|hub| hub.channel(folded).map(|channel| channel.name.clone()))
}

/// Delivers an event about a remote user to the local users in `scope`.
pub(super) async fn deliver(context: &Context, scope: Scope, event: Event) {
    let envelope = Arc::new(Envelope {
        event,
        time: Utc::now(),
    });
    context
        .hub
        .deliver_remote(Published { scope, envelope })
        .await;
}
