//! One account changed from several nodes at once: every change gets in.

use super::Slot;
use super::test_nodes::{account, nodes};
use crate::accounts::AccountRecord;
use crate::cluster::testing::NatsServer;

/// Twelve writers (three nodes, four at once on each) add three
/// certificates each to one account at the same moment: none is given up
/// on. With eight immediate attempts, as before, writers lost all eight
/// races (too many concurrent changes) and their change was refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_changing_one_account_at_once_all_get_their_change_in() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let (links, buckets) = nodes(&nats, &["node-a", "node-b", "node-c"]).await;
    let account = account("Busy", 1);
    buckets[0].create_account(&account).await.expect("created");
    let writers: Vec<_> = (0..12)
        .map(|writer| {
            let bucket = buckets[writer % buckets.len()].clone();
            tokio::spawn(async move {
                for n in 0..3 {
                    let cert = format!("{writer:02}{n}");
                    let change = move |record: &mut AccountRecord| {
                        record.certs.push(cert.clone());
                        Ok(())
                    };
                    bucket
                        .update_account("busy", &change)
                        .await
                        .expect("written");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("the writer finished");
    }
    let Some(Slot::Account(stored)) = buckets[0].get("busy").await.expect("read") else {
        panic!("the account is gone");
    };
    assert_eq!(stored.certs.len(), 36, "{:?}", stored.certs);
    for link in links {
        link.close().await;
    }
}
