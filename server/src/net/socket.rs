//! Socket options for an accepted connection: no Nagle delay (chat is small
//! lines that should leave at once), and a bound on how long a peer that has
//! vanished without a FIN (unplugged, suspended, its network gone) keeps its
//! connection, nickname and slot.
//!
//! IRC clients are also checked with PING, but plain users (`nc`) cannot
//! answer one, so TCP itself has to notice. Keepalive does while the
//! connection is idle; but Linux sends no keepalive probe while sent data is
//! unacknowledged, and then only the retransmission timeout ends the
//! connection: about 15 minutes (`tcp_retries2`). A plain user in a channel
//! that keeps talking always has data in flight, so `TCP_USER_TIMEOUT` caps
//! that case at the same bound as keepalive.

use std::time::Duration;
use tokio::net::TcpStream;

/// Silence before the first keepalive probe.
pub const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
/// Between keepalive probes.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// Unanswered probes before the connection is given up.
pub const KEEPALIVE_PROBES: u32 = 6;

/// The longest a vanished peer keeps its connection, idle or not: keepalive's
/// bound (60 s + 6 × 10 s), also the longest sent data may stay unacknowledged.
pub const VANISHED_PEER_TIMEOUT: Duration = Duration::from_secs(
    KEEPALIVE_IDLE.as_secs() + KEEPALIVE_INTERVAL.as_secs() * KEEPALIVE_PROBES as u64,
);

/// Sets the options on a newly accepted connection; a failure is logged at
/// debug level and the connection served anyway.
pub fn configure(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let socket = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    if let Err(error) = socket.set_tcp_keepalive(&keepalive) {
        tracing::debug!(%error, "could not enable TCP keepalive");
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(error) = socket.set_tcp_user_timeout(Some(VANISHED_PEER_TIMEOUT)) {
        tracing::debug!(%error, "could not set TCP_USER_TIMEOUT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn an_accepted_connection_gives_up_on_a_vanished_peer_within_the_keepalive_bound() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (_client, accepted) = tokio::join!(
            TcpStream::connect(listener.local_addr().unwrap()),
            listener.accept()
        );
        let (stream, _) = accepted.unwrap();
        configure(&stream);
        let socket = socket2::SockRef::from(&stream);
        assert!(stream.nodelay().unwrap());
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap(), KEEPALIVE_IDLE);
        assert_eq!(socket.tcp_keepalive_interval().unwrap(), KEEPALIVE_INTERVAL);
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), KEEPALIVE_PROBES);
        assert_eq!(VANISHED_PEER_TIMEOUT, Duration::from_secs(120));
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            socket.tcp_user_timeout().unwrap(),
            Some(VANISHED_PEER_TIMEOUT)
        );
    }
}
