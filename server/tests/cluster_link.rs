//! The NATS link: it reports NATS going and coming back, authenticates by
//! user/password, token or nkey, and speaks TLS to a `tls://` URL. Against
//! a real nats-server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::{PATIENCE, config};
use natterd::cluster::testing::NatsServer;
use natterd::cluster::{ClusterConfig, Link, LinkState};
use std::time::Duration;

/// Long enough for a refused login to have been refused (a failure shows
/// as the link never coming up; a success is waited for with PATIENCE).
const REFUSED: Duration = Duration::from_secs(2);

/// Whether a link made with `config` comes up within `within`.
async fn comes_up_within(config: &ClusterConfig, within: Duration) -> bool {
    Link::connect(config, "a")
        .await
        .unwrap()
        .wait_up(within)
        .await
}

/// Whether a link made with `config` comes up within [`PATIENCE`].
async fn comes_up(config: &ClusterConfig) -> bool {
    comes_up_within(config, PATIENCE).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_reports_nats_going_away_and_coming_back() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let link = Link::connect(&config(&nats), "node-a").await.unwrap();
    assert!(link.wait_up(PATIENCE).await);
    let mut states = link.watch();
    nats.stop();
    tokio::time::timeout(PATIENCE, states.wait_for(|state| *state == LinkState::Down))
        .await
        .expect("the loss was not reported")
        .unwrap();
    nats.restart();
    tokio::time::timeout(PATIENCE, states.wait_for(|state| *state == LinkState::Up))
        .await
        .expect("the return was not reported")
        .unwrap();
    // And it works again.
    let mut subscription = link.client().subscribe("hello").await.unwrap();
    link.client()
        .publish("hello", "again".into())
        .await
        .unwrap();
    let message = tokio::time::timeout(PATIENCE, futures::StreamExt::next(&mut subscription))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&message.payload[..], b"again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_does_not_wait_for_nats() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let cluster = config(&nats);
    nats.stop();
    // natterd starts serving its own users while NATS is down ...
    let link = Link::connect(&cluster, "node-a").await.unwrap();
    assert_eq!(link.state(), LinkState::Connecting);
    // ... and joins once it is up.
    nats.restart();
    assert!(link.wait_up(PATIENCE).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_and_password() {
    let Some(nats) =
        NatsServer::start_with("authorization {\n  user: natterd\n  password: s3cret\n}")
    else {
        return;
    };
    let good = ClusterConfig {
        user: Some("natterd".into()),
        password: Some("s3cret".into()),
        ..config(&nats)
    };
    assert!(comes_up(&good).await);
    let bad = ClusterConfig {
        password: Some("wrong".into()),
        ..good
    };
    assert!(!comes_up_within(&bad, REFUSED).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token() {
    let Some(nats) = NatsServer::start_with("authorization {\n  token: t0ken\n}") else {
        return;
    };
    let good = ClusterConfig {
        token: Some("t0ken".into()),
        ..config(&nats)
    };
    assert!(comes_up(&good).await);
    let none = config(&nats);
    assert!(!comes_up_within(&none, REFUSED).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nkey() {
    let pair = nkeys::KeyPair::new_user();
    let Some(nats) = NatsServer::start_with(&format!(
        "authorization {{\n  users: [ {{ nkey: {} }} ]\n}}",
        pair.public_key()
    )) else {
        return;
    };
    let seed_file = nats.dir().join("node.nk");
    std::fs::write(&seed_file, format!("{}\n", pair.seed().unwrap())).unwrap();
    let good = ClusterConfig {
        nkey_seed_file: Some(seed_file.clone()),
        ..config(&nats)
    };
    assert!(comes_up(&good).await);
    let stranger = nats.dir().join("stranger.nk");
    std::fs::write(&stranger, nkeys::KeyPair::new_user().seed().unwrap()).unwrap();
    let bad = ClusterConfig {
        nkey_seed_file: Some(stranger),
        ..config(&nats)
    };
    assert!(!comes_up_within(&bad, REFUSED).await);
    // A file that is no seed is an error up front, naming the key and file.
    std::fs::write(&seed_file, "hello\n").unwrap();
    let error = Link::connect(&good, "a").await.unwrap_err().to_string();
    assert!(
        error.contains("cluster.nkey_seed_file") && error.contains("node.nk"),
        "{error}"
    );
}

/// A CA and a certificate for 127.0.0.1 signed by it, as PEM files in `dir`:
/// (ca, cert, key).
fn certificates(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap()
            .signed_by(&leaf_key, &issuer)
            .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, leaf.pem()).unwrap();
    std::fs::write(&paths.2, leaf_key.serialize_pem()).unwrap();
    paths
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_nats_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let Some(nats) = NatsServer::start_with(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n}}",
        cert.display(),
        key.display()
    )) else {
        return;
    };
    let url = format!("tls://{}", nats.addr);
    let trusted = ClusterConfig {
        nats: Some(url.clone()),
        ca_file: Some(ca),
        ..config(&nats)
    };
    let link = Link::connect(&trusted, "a").await.unwrap();
    assert!(link.wait_up(PATIENCE).await);
    // Without the CA the certificate is not trusted: never up.
    let untrusted = ClusterConfig {
        nats: Some(url),
        ..config(&nats)
    };
    assert!(!comes_up_within(&untrusted, REFUSED).await);
    // A missing CA file is an error up front.
    let missing = ClusterConfig {
        ca_file: Some(dir.path().join("nope.pem")),
        ..trusted
    };
    let error = Link::connect(&missing, "a").await.unwrap_err().to_string();
    assert!(error.contains("cluster.ca_file"), "{error}");
}
