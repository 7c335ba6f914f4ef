//! A certificate whose key was never freed after its account deleted it.

use super::test_nodes::{account, nodes};
use super::{CertClaim, CertOwner};
use crate::accounts::{AccountError, AccountRecord};
use crate::cluster::testing::NatsServer;
use std::time::Duration;

/// Alice deletes a certificate from her account and her node cannot free
/// its key (NATS went away between the two steps), then stops before NATS
/// is back: the release it kept was in its memory only. Bob, on another
/// node, adding that certificate is refused only while alice's claim could
/// still be a CERT ADD about to list it ([`super::certs::UNLISTED_GRACE`];
/// this test shortens it), never for ever. Had alice's record still listed
/// it, bob would be refused however old the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_whose_release_was_lost_goes_to_the_next_account_adding_it() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (links, buckets) = nodes(&nats, &["node-a", "node-b"]).await;
    let (alice, bob) = (account("alice", 1), account("bob", 2));
    buckets[0]
        .create_account(&alice)
        .await
        .expect("alice created");
    buckets[1].create_account(&bob).await.expect("bob created");
    let owner = |record: &AccountRecord| CertOwner {
        account: record.folded(),
        created_ms: record.created_ms,
    };
    // Alice's CERT ADD: the key, then her record.
    let claimed = buckets[0].claim_certificate("ab12", &owner(&alice)).await;
    assert_eq!(claimed, Ok(CertClaim::Claimed));
    let list = |record: &mut AccountRecord| {
        record.certs.push("ab12".to_string());
        Ok(())
    };
    buckets[0]
        .update_account("alice", &list)
        .await
        .expect("listed");
    let now = buckets[1].clone().with_unlisted_grace(Duration::ZERO);
    assert_eq!(
        now.claim_certificate("ab12", &owner(&bob)).await,
        Err(AccountError::CertTaken),
        "alice's record lists it"
    );
    // Her CERT DEL takes it off her record; the key is never freed.
    let unlist = |record: &mut AccountRecord| {
        record.certs.clear();
        Ok(())
    };
    buckets[0]
        .update_account("alice", &unlist)
        .await
        .expect("unlisted");
    assert_eq!(
        buckets[1].claim_certificate("ab12", &owner(&bob)).await,
        Err(AccountError::CertTaken),
        "within the grace: it could be a CERT ADD about to list it"
    );
    assert_eq!(
        now.claim_certificate("ab12", &owner(&bob)).await,
        Ok(CertClaim::Claimed),
        "past the grace, bob gets it"
    );
    assert_eq!(
        buckets[0].claim_certificate("ab12", &owner(&alice)).await,
        Err(AccountError::CertTaken),
        "and it is bob's now"
    );
    for link in links {
        link.close().await;
    }
}
