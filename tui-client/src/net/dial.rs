//! Dialling: resolving and connecting (with a timeout), the TLS handshake
//! when the connection is TLS, then one session; what each failure means
//! for the reconnect loop (retry, stop until the user acts, ask about a
//! certificate).

use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::handshake::{self, HandshakeError};
use super::offline::while_offline;
use super::registration::Identity;
use super::session::session;
use super::{CONNECT_TIMEOUT, NetCommand, NetConfig, Outcome, Reader, Writer};
use crate::event::{AppEvent, NetEvent};

/// Dials the server and, once connected, runs one session until it ends;
/// `None` when the user quit or the app went away while dialling.
pub(super) async fn connect_and_serve(
    config: &NetConfig,
    address: &str,
    identity: &mut Identity,
    app: &mpsc::Sender<AppEvent>,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<Outcome> {
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, dial(&config.host, config.port));
    let connected = while_offline(connect, identity, commands).await?;
    let outcome = match connected {
        Ok(Err(Dial::UnknownHost(error))) => Outcome::Failed {
            reason: format!(
                "cannot find the host {} ({error}): check the name, or pass an address",
                config.host
            ),
        },
        Ok(Err(Dial::Connect(error))) => Outcome::Lost {
            reason: describe_connect_error(&error, address),
            registered: false,
        },
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            let halves = match &config.tls {
                None => {
                    let (reader, writer) = stream.into_split();
                    (Box::new(reader) as Reader, Box::new(writer) as Writer)
                }
                Some(settings) => {
                    let client_cert = identity.client_cert.clone();
                    let handshake = handshake::secure(
                        stream,
                        &config.host,
                        address,
                        settings,
                        client_cert.as_ref(),
                    );
                    match while_offline(handshake, identity, commands).await? {
                        Ok(halves) => halves,
                        Err(HandshakeError::Untrusted(fingerprint)) => {
                            return Some(Outcome::Untrusted(fingerprint));
                        }
                        Err(HandshakeError::Permanent(reason)) => {
                            return Some(Outcome::Failed { reason });
                        }
                        Err(HandshakeError::Transient(reason)) => {
                            return Some(Outcome::Lost {
                                reason,
                                registered: false,
                            });
                        }
                    }
                }
            };
            tracing::info!(%address, tls = config.tls.is_some(), "connected; registering");
            let event = NetEvent::Connected {
                address: address.to_owned(),
                secure: config.tls.is_some(),
            };
            if app.send(AppEvent::Net(event)).await.is_err() {
                return None;
            }
            session(halves, config, identity, app, commands).await
        }
        Err(_) => Outcome::Lost {
            reason: format!(
                "no answer from {address} within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
            registered: false,
        },
    };
    Some(outcome)
}

/// Why dialling failed: a name that does not resolve is the user's to fix;
/// a refused or unreachable address may come back.
enum Dial {
    UnknownHost(std::io::Error),
    Connect(std::io::Error),
}

async fn dial(host: &str, port: u16) -> Result<TcpStream, Dial> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(Dial::UnknownHost)?
        .collect();
    TcpStream::connect(&addresses[..])
        .await
        .map_err(Dial::Connect)
}

fn describe_connect_error(error: &std::io::Error, address: &str) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            format!("connection to {address} refused (no server listening there)")
        }
        _ => format!("cannot connect to {address}: {error}"),
    }
}
