//! A tiny raw-protocol test client for natterd's integration tests.
//!
//! It talks to an in-process [`TestServer`] over real TCP, keeps a transcript
//! of every line it received (shown when an expectation fails), and compares
//! lines exactly where practical.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use natter_protocol::Message;
use natterd::Config;
use natterd::testing::TestServer;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// The server name every reply comes from.
pub const SERVER: &str = "natter.local";

/// How long "eventually receives" may take before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How long to listen when checking that nothing arrives (absence, not speed).
pub const QUIET: Duration = Duration::from_millis(300);

/// A config for tests: history off keeps them independent of the store.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.history.enabled = false;
    config
}

/// Starts a server with [`test_config`].
pub async fn start() -> TestServer {
    TestServer::start_with(test_config()).await
}

/// What one read produced.
enum Read {
    Line(Vec<u8>),
    Eof,
    Timeout,
}

/// One raw connection to the server.
pub struct Client {
    /// A label for failure messages (the nickname once known).
    pub name: String,
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    buffer: Vec<u8>,
    eof: bool,
    /// Every line received so far, in order.
    pub transcript: Vec<String>,
}

impl Client {
    /// Connects without sending anything.
    pub async fn connect(server: &TestServer) -> Client {
        let stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        Client::from_stream(stream)
    }

    /// Wraps an already connected stream.
    pub fn from_stream(stream: TcpStream) -> Client {
        let (reader, writer) = stream.into_split();
        Client {
            name: "?".to_string(),
            reader,
            writer,
            buffer: Vec::new(),
            eof: false,
            transcript: Vec::new(),
        }
    }

    /// Connects with a small socket receive buffer, for clients meant to stall.
    pub async fn connect_small_buffer(server: &TestServer) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket.connect(server.addr).await.expect("connect");
        Client::from_stream(stream)
    }

    /// Connects from another loopback address (e.g. `127.0.0.7`), as another host would.
    pub async fn connect_from(server: &TestServer, local: std::net::Ipv4Addr) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind(std::net::SocketAddr::from((local, 0)))
            .expect("bind a loopback address");
        let stream = socket.connect(server.addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        Client::from_stream(stream)
    }

    /// Closes the connection from this side, abruptly (as a client that vanishes).
    pub fn close(self) {
        drop(self);
    }

    /// Every byte received until a line satisfies `end` (that line included), raw.
    pub async fn raw_until(&mut self, end: impl Fn(&str) -> bool) -> Vec<u8> {
        let mut seen = Vec::new();
        loop {
            let line = self.recv_raw().await;
            seen.extend_from_slice(&line);
            seen.extend_from_slice(b"\r\n");
            if end(&String::from_utf8_lossy(&line)) {
                return seen;
            }
        }
    }

    /// Registers `nick` and joins `channel`, waiting for its end of NAMES.
    pub async fn member(server: &TestServer, nick: &str, channel: &str) -> Client {
        let mut client = Client::register(server, nick).await;
        client.join(channel).await;
        client
    }

    /// Registers an already connected client (see [`Client::connect_small_buffer`]).
    pub async fn register_on(mut self, nick: &str) -> Client {
        self.name = nick.to_string();
        self.send(&format!("NICK {nick}"));
        self.send(&format!("USER {nick} 0 * :{nick} tester"));
        self.expect_command("001").await;
        self.end_of_motd().await;
        self
    }

    /// Connects and registers as an IRC client with `nick`; waits for the end of the MOTD.
    pub async fn register(server: &TestServer, nick: &str) -> Client {
        Client::register_with_caps(server, nick, &[]).await
    }

    /// Connects, requests `caps` (all must be ACKed), registers, waits for the end of the MOTD.
    pub async fn register_with_caps(server: &TestServer, nick: &str, caps: &[&str]) -> Client {
        let mut client = Client::connect(server).await;
        client.name = nick.to_string();
        if !caps.is_empty() {
            client.send("CAP LS 302");
            client.send(&format!("CAP REQ :{}", caps.join(" ")));
            client.send(&format!("NICK {nick}"));
            client.send(&format!("USER {nick} 0 * :{nick} tester"));
            let ack = client.expect(|line| line.contains(" CAP ")).await;
            let ack = client.skip_cap_ls(ack).await;
            let wanted = format!(":{SERVER} CAP * ACK :{}", caps.join(" "));
            assert!(same(&ack, &wanted), "caps refused: {ack}");
            client.send("CAP END");
        } else {
            client.send(&format!("NICK {nick}"));
            client.send(&format!("USER {nick} 0 * :{nick} tester"));
        }
        client.expect_command("001").await;
        client.end_of_motd().await;
        client
    }

    async fn skip_cap_ls(&mut self, mut line: String) -> String {
        while line.contains(" CAP * LS ") {
            line = self.expect(|line| line.contains(" CAP ")).await;
        }
        line
    }

    /// Reads until the end of the MOTD (376) or its absence (422).
    pub async fn end_of_motd(&mut self) -> String {
        self.expect(|line| matches!(command(line).as_str(), "376" | "422"))
            .await
    }

    /// Connects as a plain (nc) user: sends the nickname and waits for the end of the welcome.
    pub async fn plain(server: &TestServer, nick: &str) -> Client {
        let mut client = Client::connect(server).await;
        client.name = nick.to_string();
        client.send(nick);
        client
            .expect(|line| line.starts_with("*** Welcome to natter, "))
            .await;
        client
            .expect(|line| line.starts_with("*** Type & for help"))
            .await;
        client
    }

    /// Sends one line; CRLF is appended.
    pub fn send(&mut self, line: &str) {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.send_bytes(&bytes);
    }

    /// Sends raw bytes as they are.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        // Writes to loopback complete at once for test-sized data; try_write keeps the API sync.
        let mut written = 0;
        while written < bytes.len() {
            match self.writer.try_write(&bytes[written..]) {
                Ok(count) => written += count,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(error) => panic!("{}: write failed: {error}", self.name),
            }
        }
    }

    /// Sends raw bytes, waiting for the socket as long as needed (for big floods).
    pub async fn send_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(bytes).await
    }

    async fn read(&mut self, timeout: Duration) -> Read {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.transcript
                    .push(String::from_utf8_lossy(&line).into_owned());
                return Read::Line(line);
            }
            if self.eof {
                return Read::Eof;
            }
            let mut chunk = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.reader.read(&mut chunk)).await {
                Err(_) => return Read::Timeout,
                Ok(Ok(0)) | Ok(Err(_)) => self.eof = true,
                Ok(Ok(count)) => self.buffer.extend_from_slice(&chunk[..count]),
            }
        }
    }

    fn failure(&self, what: &str) -> String {
        format!(
            "{}: {what}; lines so far:\n  {}",
            self.name,
            self.transcript.join("\n  ")
        )
    }

    /// The next line as raw bytes (without CRLF); panics on timeout or EOF.
    pub async fn recv_raw(&mut self) -> Vec<u8> {
        match self.read(PATIENCE).await {
            Read::Line(line) => line,
            Read::Eof => panic!("{}", self.failure("connection closed")),
            Read::Timeout => panic!("{}", self.failure("timed out waiting for a line")),
        }
    }

    /// The next line (without CRLF) if one arrives within `window`; panics on
    /// EOF or invalid UTF-8.
    pub async fn recv_line_within(&mut self, window: Duration) -> Option<String> {
        match self.read(window).await {
            Read::Line(raw) => Some(
                String::from_utf8(raw)
                    .unwrap_or_else(|_| panic!("{}", self.failure("invalid UTF-8"))),
            ),
            Read::Eof => panic!("{}", self.failure("connection closed")),
            Read::Timeout => None,
        }
    }

    /// The next line (without CRLF); panics on timeout, EOF or invalid UTF-8.
    pub async fn recv_line(&mut self) -> String {
        let raw = self.recv_raw().await;
        String::from_utf8(raw).unwrap_or_else(|_| panic!("{}", self.failure("invalid UTF-8")))
    }

    /// Reads until a line satisfies `matches` and returns it.
    pub async fn expect(&mut self, matches: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self.recv_line().await;
            if matches(&line) {
                return line;
            }
        }
    }

    /// Reads until a line whose command (numeric) is `wanted`.
    pub async fn expect_command(&mut self, wanted: &str) -> String {
        self.expect(|line| command(line) == wanted).await
    }

    /// Reads until a line equal to `wanted` as an IRC message arrives (see [`same`]).
    pub async fn expect_line(&mut self, wanted: &str) -> String {
        self.expect(|line| same(line, wanted)).await
    }

    /// Reads the next line and asserts it equals `wanted` as an IRC message (see [`same`]).
    pub async fn expect_next(&mut self, wanted: impl AsRef<str>) -> String {
        let wanted = wanted.as_ref();
        let line = self.recv_line().await;
        if !same(&line, wanted) {
            panic!(
                "{}",
                self.failure(&format!("expected {wanted:?}, got {line:?}"))
            );
        }
        line
    }

    /// Reads lines until `wanted` and returns every line before it (for "X but not Y" checks).
    pub async fn lines_until(&mut self, end: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self.recv_line().await;
            if end(&line) {
                return seen;
            }
            seen.push(line);
        }
    }

    /// A PING round trip: every reply to earlier commands has arrived when it returns.
    /// Returns the lines that came before the PONG.
    pub async fn sync(&mut self) -> Vec<String> {
        self.send("PING :sync-point");
        self.lines_until(|line| {
            let message = parse(line);
            message.command == "PONG" && message.params.last().is_some_and(|p| p == "sync-point")
        })
        .await
    }

    /// Joins `channel` and waits for the end of its NAMES.
    pub async fn join(&mut self, channel: &str) {
        self.send(&format!("JOIN {channel}"));
        self.expect(|line| command(line) == "366" && line.contains(channel))
            .await;
    }

    /// The nicks of `channel`'s NAMES reply (its first 353 line), prefixes
    /// kept, sorted.
    pub async fn names(&mut self, channel: &str) -> Vec<String> {
        self.send(&format!("NAMES {channel}"));
        let line = self.expect(|l| command(l) == "353").await;
        let mut nicks: Vec<String> = parse(&line)
            .params
            .last()
            .unwrap()
            .split(' ')
            .map(str::to_string)
            .collect();
        nicks.sort();
        nicks
    }

    /// Panics if any line arrives within [`QUIET`] (checks absence, not speed).
    pub async fn assert_no_line_within(&mut self, window: Duration) {
        match self.read(window).await {
            Read::Timeout => {}
            Read::Eof => panic!("{}", self.failure("connection closed unexpectedly")),
            Read::Line(line) => panic!(
                "{}",
                self.failure(&format!(
                    "expected silence, got {:?}",
                    String::from_utf8_lossy(&line)
                ))
            ),
        }
    }

    /// Waits for the server to close the connection; returns the lines received on the way.
    pub async fn closed(&mut self) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match self.read(PATIENCE).await {
                Read::Line(line) => seen.push(String::from_utf8_lossy(&line).into_owned()),
                Read::Eof => return seen,
                Read::Timeout => panic!("{}", self.failure("connection was not closed")),
            }
        }
    }
}

/// Whether two lines are the same IRC message: equal, or equal once parsed
/// (`:a 353 b = #c @d` and `:a 353 b = #c :@d` are one message).
pub fn same(line: &str, wanted: &str) -> bool {
    line == wanted
        || matches!((Message::parse(line), Message::parse(wanted)), (Ok(a), Ok(b)) if a == b)
}

/// The command (or numeric) of a server line, ignoring tags and source.
pub fn command(line: &str) -> String {
    Message::parse(line).map(|m| m.command).unwrap_or_default()
}

/// The parsed message; panics when the server sent something unparseable.
pub fn parse(line: &str) -> Message {
    Message::parse(line).unwrap_or_else(|error| panic!("unparseable {line:?}: {error}"))
}

/// `nick!~nick@127.0.0.1`, the prefix of an IRC client registered by [`Client::register`].
pub fn prefix(nick: &str) -> String {
    format!("{nick}!~{nick}@127.0.0.1")
}
