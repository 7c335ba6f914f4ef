//! The `/metrics` endpoint: a deliberately tiny HTTP/1.1 server (GET only,
//! one response per connection, bounded request size, time and concurrency),
//! enough for Prometheus and curl without an HTTP stack in the dependencies.

use super::collect::collect;
use crate::config::Config;
use crate::context::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// The most request bytes read before the headers must have ended.
const MAX_REQUEST: usize = 8 * 1024;
/// How long a scraper may take to send its request and read the answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Scrapes served at once; more wait for their turn in the accept queue.
const MAX_CONCURRENT: usize = 8;

/// Why the metrics endpoint could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for metrics on {address}: {source}")]
pub struct BindError {
    /// `[metrics] bind`.
    pub address: SocketAddr,
    /// What the OS said.
    pub source: std::io::Error,
}

/// Binds `[metrics] bind`, if set.
pub async fn listen(config: &Config) -> Result<Option<TcpListener>, BindError> {
    let Some(address) = config.metrics.bind else {
        return Ok(None);
    };
    TcpListener::bind(address)
        .await
        .map(Some)
        .map_err(|source| BindError { address, source })
}

/// Serves scrapes until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    context: Arc<Context>,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let (stream, _) = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let handle = handle.clone();
        let context = Arc::clone(&context);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(TIMEOUT, answer(stream, &handle, &context)).await;
            drop(permit);
        });
    }
}

async fn answer(mut stream: TcpStream, handle: &PrometheusHandle, context: &Context) {
    let Some(request) = read_head(&mut stream).await else {
        return;
    };
    let response = match route(&request) {
        Route::Metrics => {
            collect(context);
            response(
                200,
                "OK",
                "text/plain; version=0.0.4; charset=utf-8",
                &handle.render(),
            )
        }
        Route::NotFound => response(
            404,
            "Not Found",
            "text/plain",
            "natterd serves /metrics only\n",
        ),
        Route::BadMethod => response(405, "Method Not Allowed", "text/plain", "GET only\n"),
        Route::Bad => response(400, "Bad Request", "text/plain", "bad request\n"),
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads up to the end of the headers; `None` if the peer closed or sent too much.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && !buffer.windows(2).any(|w| w == b"\n\n") {
        if buffer.len() > MAX_REQUEST {
            return None;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some(String::from_utf8_lossy(&buffer).into_owned())
}

#[derive(Debug, PartialEq, Eq)]
enum Route {
    Metrics,
    NotFound,
    BadMethod,
    Bad,
}

fn route(request: &str) -> Route {
    let mut words = request.lines().next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Route::Bad;
    };
    if method != "GET" {
        return Route::BadMethod;
    }
    let path = target.split('?').next().unwrap_or(target);
    if path == "/metrics" || path == "/" {
        Route::Metrics
    } else {
        Route::NotFound
    }
}

fn response(status: u16, reason: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_get_metrics_only() {
        assert_eq!(
            route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Route::Metrics
        );
        assert_eq!(route("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), Route::Metrics);
        assert_eq!(route("GET /admin HTTP/1.1\r\n\r\n"), Route::NotFound);
        assert_eq!(route("POST /metrics HTTP/1.1\r\n\r\n"), Route::BadMethod);
        assert_eq!(route("\r\n\r\n"), Route::Bad);
    }
}
