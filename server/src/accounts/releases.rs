//! Certificates this server took off an account but could not free in the
//! shared store (it became unreachable between the two steps of CERT DEL,
//! or of a CERT ADD that failed): kept here, bounded, and freed when the
//! store is reachable again ([`Accounts::free_pending_certs`], which the
//! cluster node calls when NATS is back). Until then the certificate is
//! still claimed by its former account: nobody else can add it, and it
//! never logs in to anyone (no record lists it). Memory only: should this
//! server stop first, the claim stays until another account claims the
//! certificate past `cluster::accounts::certs::UNLISTED_GRACE` (a key its
//! account's record does not list goes stale), on any node.

use super::Accounts;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Most releases kept; past it the oldest is forgotten (with a log line),
/// leaving its certificate claimed as described above.
const MAX_PENDING: usize = 1024;

/// One certificate to free: its fingerprint (hex) and the account (folded)
/// whose claim it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Release {
    hex: String,
    folded: String,
}

/// The releases waiting for the shared store, oldest first.
#[derive(Debug, Default)]
pub(super) struct PendingReleases(Mutex<VecDeque<Release>>);

impl PendingReleases {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Release>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps `hex` of `folded` to free later.
    pub(super) fn push(&self, hex: &str, folded: &str) {
        let release = Release {
            hex: hex.to_owned(),
            folded: folded.to_owned(),
        };
        let mut pending = self.lock();
        if pending.contains(&release) {
            return;
        }
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending.pop_front()
        {
            tracing::warn!(account = %oldest.folded, certificate = %oldest.hex, "too many certificates waiting to be freed in the shared store; this one stays claimed by its account");
        }
        pending.push_back(release);
    }

    /// Forgets `hex` of `folded` (its account added it again: its claim is
    /// wanted).
    pub(super) fn forget(&self, hex: &str, folded: &str) {
        self.lock()
            .retain(|release| !(release.hex == hex && release.folded == folded));
    }

    fn take(&self) -> Vec<Release> {
        self.lock().drain(..).collect()
    }

    /// How many wait.
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}

impl Accounts {
    /// Frees in the shared store the certificates this server took off
    /// their accounts while it could not reach it; returns how many are
    /// still waiting (the store failed again). A certificate its account
    /// has added back meanwhile is not freed.
    pub async fn free_pending_certs(&self) -> usize {
        let Ok(Some(shared)) = self.shared() else {
            return self.inner.releases.len();
        };
        for release in self.inner.releases.take() {
            let listed = self
                .certs_of(&release.folded)
                .iter()
                .any(|fingerprint| fingerprint.hex() == release.hex);
            if listed {
                continue;
            }
            match shared.release_cert(&release.hex, &release.folded).await {
                Ok(()) => {
                    tracing::info!(account = %release.folded, certificate = %release.hex, "a removed certificate is freed in the shared store");
                }
                Err(error) => {
                    tracing::debug!(%error, "still cannot free a removed certificate");
                    self.inner.releases.push(&release.hex, &release.folded);
                }
            }
        }
        self.inner.releases.len()
    }

    /// Frees `hex` of `folded` in `shared` now, or keeps it to free later;
    /// whether it is freed now.
    pub(super) async fn release_or_keep(
        &self,
        shared: &dyn super::SharedAccounts,
        hex: &str,
        folded: &str,
    ) -> bool {
        match shared.release_cert(hex, folded).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(account = %folded, certificate = %hex, %error, "cannot free a certificate in the shared store now; it is freed when the store is reachable again");
                self.inner.releases.push(hex, folded);
                false
            }
        }
    }
}
