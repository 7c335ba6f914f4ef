//! A TLS connection's IRCv3 STS persistence policy: stored when the
//! server states it, rescheduled when the connection ends.

use chrono::Utc;

use super::NetConfig;
use super::sts;
use crate::event::StsNews;

/// The persistence policy of one TLS connection: stored when the server
/// states it, and its expiry moved to "duration from now" again when the
/// connection ends, as the specification asks (a connection can outlive
/// the duration it was given).
#[derive(Default)]
pub(super) struct PolicyKeeper {
    duration: Option<u64>,
}

impl PolicyKeeper {
    /// Stores `duration` for this connection's host; the news for the user
    /// when there is any (a first policy, a removal, a failure).
    pub(super) fn keep(&mut self, config: &NetConfig, duration: u64) -> Option<StsNews> {
        self.duration = Some(duration);
        let policies = config.sts.as_ref()?;
        match policies.store(&config.host, config.port, duration, Utc::now()) {
            Ok(sts::Stored::New) => {
                let policy = policies.lookup(&config.host, Utc::now()).ok().flatten()?;
                tracing::info!(host = %config.host, duration, "STS policy kept");
                Some(StsNews::Kept {
                    host: config.host.clone(),
                    port: policy.port,
                    until: policy.expires,
                    file: policies.path().to_path_buf(),
                })
            }
            Ok(sts::Stored::Removed) => {
                tracing::info!(host = %config.host, "STS policy removed (duration=0)");
                Some(StsNews::Removed {
                    host: config.host.clone(),
                })
            }
            Ok(sts::Stored::Refreshed | sts::Stored::Nothing) => None,
            Err(error) => {
                tracing::warn!(%error, "cannot keep the STS policy");
                Some(StsNews::NotKept {
                    reason: error.to_string(),
                })
            }
        }
    }

    /// The connection ended: the policy runs `duration` from now.
    pub(super) fn reschedule(&self, config: &NetConfig) {
        let (Some(duration), Some(policies)) = (self.duration.filter(|d| *d > 0), &config.sts)
        else {
            return;
        };
        if let Err(error) = policies.store(&config.host, config.port, duration, Utc::now()) {
            tracing::warn!(%error, "cannot reschedule the STS policy");
        }
    }
}
