//! A TCP relay between one node and nats-server that a test can cut: the
//! node alone loses NATS (the others keep it), as when its network link
//! fails, and gets it back when the test restores the relay.

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A relay to one nats-server; dropped, it stops relaying.
pub struct Cuttable {
    addr: SocketAddr,
    cut: Arc<watch::Sender<bool>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Cuttable {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut.send_replace(true);
    }
}

impl Cuttable {
    /// Relays a loopback port to `target` (a nats-server's address).
    pub async fn to(target: SocketAddr) -> Cuttable {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(watch::Sender::new(false));
        let relaying = cut.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if *relaying.borrow() {
                    continue; // cut: the connection is closed at once
                }
                tokio::spawn(relay(inbound, target, relaying.subscribe()));
            }
        });
        Cuttable { addr, cut, accept }
    }

    /// The URL to give the node instead of the nats-server's.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Closes every relayed connection and refuses new ones until
    /// [`Cuttable::restore`].
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Relays new connections again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

async fn relay(mut inbound: TcpStream, target: SocketAddr, mut cut: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}
