//! LINKS: the servers of this network. A lone natterd is the only one; in a
//! cluster the other live nodes are listed too, one hop away, under the
//! names WHOIS shows for their users.

use super::super::IrcSession;
use crate::cluster::{ClusterNode, LinkState};
use crate::session::Connection;
use natter_protocol::{Message, numeric, wildcard_match};

/// What LINKS says of another node of the cluster.
const NODE_INFO: &str = "another node of this natter cluster";

/// Handles `LINKS [[<remote server>] <server mask>]` (RFC 2812 3.4.5,
/// modern ircdocs): one 364 per server whose name matches the mask, then 365
/// with the mask (`*` without one). A remote server other than this one gets 402.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let (remote, mask) = match (message.arg(0), message.arg(1)) {
        (Some(remote), Some(mask)) => (Some(remote), mask),
        (Some(mask), None) if !mask.is_empty() => (None, mask),
        _ => (None, "*"),
    };
    let mask = if mask.is_empty() { "*" } else { mask };
    if let Some(remote) = remote.filter(|r| !r.is_empty())
        && !super::target_is_here(session, connection, remote)
    {
        return;
    }
    let server = session.context.server_name().to_string();
    let description = session.context.live().description.clone();
    let mut servers = vec![(server.clone(), format!("0 {description}"))];
    if let Some(cluster) = &session.context.cluster {
        for node in other_live_nodes(cluster).await {
            servers.push((node, format!("1 {NODE_INFO}")));
        }
    }
    let folded_mask = mask.to_ascii_lowercase();
    for (name, info) in servers {
        if wildcard_match(&folded_mask, &name.to_ascii_lowercase()) {
            session.reply(
                connection,
                numeric::RPL_LINKS,
                [name.as_str(), server.as_str(), info.as_str()],
            );
        }
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFLINKS,
        [mask, "End of /LINKS list"],
    );
}

/// The names of the other nodes alive now, from the cluster's heartbeats;
/// none while NATS is out of reach (the cluster's state cannot be read then,
/// and waiting for it would hold the user's reply).
async fn other_live_nodes(cluster: &ClusterNode) -> Vec<String> {
    if cluster.link.state() != LinkState::Up {
        return Vec::new();
    }
    let Some(parts) = cluster.parts.get() else {
        return Vec::new();
    };
    match parts.liveness.alive().await {
        Ok(nodes) => nodes
            .into_iter()
            .filter(|node| node.name != cluster.me().name)
            .map(|node| node.name)
            .collect(),
        Err(error) => {
            tracing::debug!(%error, "LINKS: cannot list the cluster's nodes");
            Vec::new()
        }
    }
}
