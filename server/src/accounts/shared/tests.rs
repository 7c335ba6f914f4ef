//! The shared path against a fake shared store (no NATS).

use super::*;
use crate::accounts::certs::CertRemoved;
use crate::accounts::password;
use crate::history::History;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

/// The shared store as a map by folded name (no skeletons: enough
/// here), the certificates' owners by hex, and whether freeing a
/// certificate fails (the store unreachable between two steps).
#[derive(Debug, Default)]
struct Store(
    Mutex<HashMap<String, AccountRecord>>,
    Mutex<HashMap<String, String>>,
    AtomicBool,
);

impl SharedAccounts for Store {
    fn create<'a>(&'a self, record: &'a AccountRecord) -> BoxFuture<'a, Result<(), AccountError>> {
        let mut map = self.0.lock().unwrap();
        let result = match map.get(&record.folded()) {
            Some(other) => Err(AccountError::Exists(other.name.clone())),
            None => {
                map.insert(record.folded(), record.clone());
                Ok(())
            }
        };
        Box::pin(std::future::ready(result))
    }

    fn update<'a>(
        &'a self,
        folded: &'a str,
        change: RecordChange<'a>,
    ) -> BoxFuture<'a, Result<AccountRecord, AccountError>> {
        let mut map = self.0.lock().unwrap();
        let result = match map.get_mut(folded) {
            Some(record) => change(record).map(|()| record.clone()),
            None => Err(AccountError::Gone),
        };
        Box::pin(std::future::ready(result))
    }

    fn drop_account<'a>(
        &'a self,
        folded: &'a str,
        _created_ms: i64,
    ) -> BoxFuture<'a, Result<(), AccountError>> {
        self.0.lock().unwrap().remove(folded);
        self.1.lock().unwrap().retain(|_, owner| owner != folded);
        Box::pin(std::future::ready(Ok(())))
    }

    fn claim_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
        _created_ms: i64,
    ) -> BoxFuture<'a, Result<bool, AccountError>> {
        let mut owners = self.1.lock().unwrap();
        let result = match owners.get(hex) {
            Some(owner) if owner == folded => Ok(false),
            Some(_) => Err(AccountError::CertTaken),
            None => {
                owners.insert(hex.to_owned(), folded.to_owned());
                Ok(true)
            }
        };
        Box::pin(std::future::ready(result))
    }

    fn release_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
    ) -> BoxFuture<'a, Result<(), AccountError>> {
        if self.2.load(Ordering::Relaxed) {
            let unreachable = AccountError::Unreachable("cut off".into());
            return Box::pin(std::future::ready(Err(unreachable)));
        }
        let mut owners = self.1.lock().unwrap();
        if owners.get(hex).is_some_and(|owner| owner == folded) {
            owners.remove(hex);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

fn open(dir: &std::path::Path) -> (History, Accounts) {
    let history = History::open(dir, &crate::history::HistoryConfig::default()).unwrap();
    let accounts = history.accounts().clone();
    (history, accounts)
}

#[tokio::test]
async fn a_clustered_server_refuses_changes_until_joined_but_logs_in_from_its_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (_history, accounts) = open(dir.path());
    accounts.register("alice", "wonderland").await.unwrap();
    accounts.expect_shared();
    assert!(matches!(
        accounts.register("bob", "builder1").await,
        Err(AccountError::Unreachable(_))
    ));
    assert!(matches!(
        accounts.set_password("alice", "another1").await,
        Err(AccountError::Unreachable(_))
    ));
    assert!(accounts.authenticate("alice", "wonderland").await.is_ok());
    assert_eq!(accounts.records().len(), 1);
    assert!(
        accounts.records()[0]
            .password_hash
            .starts_with("$argon2id$")
    );
}

#[tokio::test]
async fn a_certificate_is_claimed_in_the_shared_store_before_it_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let (_history, accounts) = open(dir.path());
    let store = Arc::new(Store::default());
    accounts.attach_shared(store.clone());
    accounts.register("alice", "wonderland").await.unwrap();
    let owners = |store: &Store| store.1.lock().unwrap().clone();
    let first: Fingerprint = "a1".repeat(32).parse().unwrap();
    accounts.add_cert("alice", first).await.unwrap();
    assert_eq!(
        owners(&store).get(&first.hex()).map(String::as_str),
        Some("alice")
    );
    assert_eq!(store.0.lock().unwrap()["alice"].certs, [first.hex()]);
    // Another node's bob claimed this one an instant earlier: refused,
    // and alice's record does not list it.
    let raced: Fingerprint = "b2".repeat(32).parse().unwrap();
    store.1.lock().unwrap().insert(raced.hex(), "bob".into());
    assert_eq!(
        accounts.add_cert("alice", raced).await,
        Err(AccountError::CertTaken)
    );
    assert_eq!(store.0.lock().unwrap()["alice"].certs, [first.hex()]);
    assert_eq!(accounts.account_for_cert(&raced), None);
    // A claim whose record change fails is given back.
    store.0.lock().unwrap().get_mut("alice").unwrap().certs = (0
        ..crate::accounts::certs::MAX_CERTS)
        .map(|n| format!("{n:064x}"))
        .collect();
    let spare: Fingerprint = "c3".repeat(32).parse().unwrap();
    assert_eq!(
        accounts.add_cert("alice", spare).await,
        Err(AccountError::TooManyCerts)
    );
    assert!(!owners(&store).contains_key(&spare.hex()));
    // Removing frees it for others.
    store.0.lock().unwrap().get_mut("alice").unwrap().certs = vec![first.hex()];
    assert_eq!(
        accounts.remove_cert("alice", first).await,
        Ok(CertRemoved::Freed)
    );
    assert!(!owners(&store).contains_key(&first.hex()));
}

#[tokio::test]
async fn a_certificate_removed_while_the_store_fails_is_freed_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_history, accounts) = open(dir.path());
    let store = Arc::new(Store::default());
    accounts.attach_shared(store.clone());
    accounts.register("alice", "wonderland").await.unwrap();
    let owner = |store: &Store, fingerprint: &Fingerprint| {
        store.1.lock().unwrap().get(&fingerprint.hex()).cloned()
    };
    let old: Fingerprint = "a1".repeat(32).parse().unwrap();
    let kept: Fingerprint = "b2".repeat(32).parse().unwrap();
    accounts.add_cert("alice", old).await.unwrap();
    accounts.add_cert("alice", kept).await.unwrap();
    // The store fails after the record changed: removed from the account
    // (it logs in no more), the user is told it is freed later.
    store.2.store(true, Ordering::Relaxed);
    assert_eq!(
        accounts.remove_cert("alice", old).await,
        Ok(CertRemoved::FreedLater)
    );
    assert_eq!(
        accounts.remove_cert("alice", kept).await,
        Ok(CertRemoved::FreedLater)
    );
    assert_eq!(accounts.account_for_cert(&old), None);
    assert_eq!(store.0.lock().unwrap()["alice"].certs, Vec::<String>::new());
    assert_eq!(owner(&store, &old).as_deref(), Some("alice"));
    assert_eq!(accounts.free_pending_certs().await, 2, "still failing");
    // Back: alice added one of them again meanwhile (its claim is wanted);
    // the other is freed.
    store.2.store(false, Ordering::Relaxed);
    accounts.add_cert("alice", kept).await.unwrap();
    assert_eq!(accounts.free_pending_certs().await, 0);
    assert_eq!(owner(&store, &old), None);
    assert_eq!(owner(&store, &kept).as_deref(), Some("alice"));
    assert_eq!(accounts.free_pending_certs().await, 0);
    assert_eq!(owner(&store, &kept).as_deref(), Some("alice"));
}

#[tokio::test]
async fn changes_go_through_the_shared_store_and_its_records_replace_look_alikes() {
    let dir = tempfile::tempdir().unwrap();
    let (history, accounts) = open(dir.path());
    let store = Arc::new(Store::default());
    accounts.attach_shared(store.clone());
    accounts.register("alice", "wonderland").await.unwrap();
    assert!(store.0.lock().unwrap().contains_key("alice"));
    // Someone else's alice, already in the store: refused.
    store.0.lock().unwrap().insert(
        "carol".into(),
        AccountRecord {
            name: "carol".into(),
            created_ms: 1,
            password_hash: password::hash("carols-pw").unwrap(),
            certs: vec![],
        },
    );
    assert_eq!(
        accounts.register("Carol", "another1").await,
        Err(AccountError::Exists("carol".into()))
    );
    accounts
        .set_password("alice", "looking-glass")
        .await
        .unwrap();
    let stored = store.0.lock().unwrap()["alice"].clone();
    assert!(password::verify("looking-glass", &stored.password_hash));
    assert!(
        accounts
            .authenticate("alice", "looking-glass")
            .await
            .is_ok()
    );
    // A record from the store replaces a look-alike account here (a1ice
    // looks like alice), with its certificates.
    let fingerprint: Fingerprint = "cd".repeat(32).parse().unwrap();
    let other = AccountRecord {
        name: "a1ice".into(),
        created_ms: 7,
        password_hash: password::hash("someone-else").unwrap(),
        certs: vec![fingerprint.hex()],
    };
    assert!(accounts.apply_shared(other.clone()).await);
    assert!(
        !accounts.apply_shared(other).await,
        "unchanged the second time"
    );
    assert_eq!(accounts.lookup("alice"), None);
    assert_eq!(accounts.owner_of("alice").unwrap().name, "a1ice");
    assert_eq!(
        accounts.account_for_cert(&fingerprint).unwrap().name,
        "a1ice"
    );
    // A drop of another account of that name leaves it; its own drop removes it.
    assert!(!accounts.apply_dropped("a1ice", 6).await);
    assert!(accounts.apply_dropped("a1ice", 7).await);
    assert_eq!(accounts.account_for_cert(&fingerprint), None);
    // The cache on disk says the same after a restart.
    drop(accounts);
    drop(history);
    let (_history, accounts) = open(dir.path());
    assert_eq!(accounts.lookup("a1ice"), None);
    assert_eq!(accounts.lookup("alice"), None);
}
