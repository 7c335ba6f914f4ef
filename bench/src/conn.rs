//! Registering connections the way any IRC client does, and the lines a
//! benchmark needs from the server while registering and joining.

use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Mutex;

/// How long registering or joining may take before the run gives up.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The write half, shared by a connection's sender and its reader (which
/// answers `PING`).
pub type SharedWriter = Arc<Mutex<OwnedWriteHalf>>;

/// A registered connection.
pub struct Registered {
    /// Its nickname.
    pub nick: String,
    /// The read half, with whatever was read past the welcome.
    pub reader: LineReader,
    /// The write half.
    pub writer: SharedWriter,
}

/// A nickname for connection `index` of a run: short enough for servers that
/// allow only 9 characters, distinct between runs thanks to `tag`. Decimal
/// digits only after the tag: servers that refuse look-alike nicks (`l` and
/// `1`, `O` and `0`) still see every one as different.
pub fn nick(tag: char, index: usize) -> String {
    format!("n{tag}{index}")
}

/// Reads CRLF- or LF-terminated lines from a socket into a reusable buffer.
pub struct LineReader {
    read: OwnedReadHalf,
    buffer: Vec<u8>,
    /// Start of the unconsumed bytes in `buffer`.
    start: usize,
    /// End of the bytes read.
    end: usize,
}

impl LineReader {
    /// Wraps a read half.
    pub fn new(read: OwnedReadHalf) -> LineReader {
        LineReader {
            read,
            buffer: vec![0; 4 * 1024],
            start: 0,
            end: 0,
        }
    }

    /// Reads up to `size` bytes at a time from now on (fewer reads under load).
    pub fn grow_to(&mut self, size: usize) {
        if self.buffer.len() < size {
            self.buffer.resize(size, 0);
        }
    }

    /// The socket's read half, dropping the buffer (for connections kept idle).
    pub fn into_inner(self) -> OwnedReadHalf {
        self.read
    }

    /// Reads more bytes; returns false at end of stream.
    pub async fn fill(&mut self) -> std::io::Result<bool> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            // A line longer than the buffer: grow it.
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        let read = self.read.read(&mut self.buffer[self.end..]).await?;
        self.end += read;
        Ok(read > 0)
    }

    /// The next complete line already read (without its line ending).
    pub fn next_line(&mut self) -> Option<&[u8]> {
        let unread = &self.buffer[self.start..self.end];
        let len = unread.iter().position(|&byte| byte == b'\n')?;
        let line = &self.buffer[self.start..self.start + len];
        self.start += len + 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

/// The command (or numeric) of a server line, and its first parameter.
pub fn command_of(line: &[u8]) -> (&[u8], &[u8]) {
    let mut words = line.split(|&byte| byte == b' ').filter(|w| !w.is_empty());
    let mut command = words.next().unwrap_or_default();
    if command.starts_with(b"@") {
        command = words.next().unwrap_or_default();
    }
    if command.starts_with(b":") {
        command = words.next().unwrap_or_default();
    }
    (command, words.next().unwrap_or_default())
}

/// `PONG` for a `PING` line, or `None` for any other line.
pub fn pong_for(line: &[u8]) -> Option<Vec<u8>> {
    let rest = line.strip_prefix(b"PING")?;
    let mut pong = b"PONG".to_vec();
    pong.extend_from_slice(rest);
    pong.extend_from_slice(b"\r\n");
    Some(pong)
}

/// Connects and registers as `nick` (`NICK` + `USER`), answering `PING`s,
/// until the server's welcome (`001`).
pub async fn register(addr: SocketAddr, nick: &str) -> anyhow::Result<Registered> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("NICK {nick}\r\nUSER {nick} 0 * :natter-bench\r\n").as_bytes())
        .await?;
    let mut reader = LineReader::new(read);
    tokio::time::timeout(SETUP_TIMEOUT, async {
        loop {
            while let Some(line) = reader.next_line() {
                if let Some(pong) = pong_for(line) {
                    write.write_all(&pong).await?;
                    continue;
                }
                match command_of(line).0 {
                    b"001" => return Ok(()),
                    b"ERROR" => bail!("{nick}: {}", String::from_utf8_lossy(line)),
                    b"432" | b"433" | b"436" | b"465" => {
                        bail!("{nick} refused: {}", String::from_utf8_lossy(line))
                    }
                    _ => {}
                }
            }
            if !reader.fill().await? {
                bail!("{nick}: the server closed the connection while registering");
            }
        }
    })
    .await
    .with_context(|| format!("{nick}: no welcome within {SETUP_TIMEOUT:?}"))??;
    Ok(Registered {
        nick: nick.to_owned(),
        reader,
        writer: Arc::new(Mutex::new(write)),
    })
}

/// Registers `count` connections named `nick(tag, 0..count)`, at most
/// `parallel` at a time (a burst of thousands of SYNs overflows listen queues);
/// connection `i` goes to `servers[i % servers.len()]`.
pub async fn register_many(
    servers: &[SocketAddr],
    tag: char,
    count: usize,
    parallel: usize,
) -> anyhow::Result<Vec<Registered>> {
    let permits = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::with_capacity(count);
    anyhow::ensure!(!servers.is_empty(), "no server to connect to");
    for index in 0..count {
        let permits = Arc::clone(&permits);
        let addr = servers[index % servers.len()];
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            register(addr, &nick(tag, index)).await
        }));
    }
    let mut registered = Vec::with_capacity(count);
    for task in tasks {
        registered.push(task.await.context("a registering task failed")??);
    }
    Ok(registered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicks_are_short_and_distinct() {
        assert_eq!(nick('q', 0), "nq0");
        assert_eq!(nick('q', 36), "nq36");
        assert!(nick('q', 99_999).len() <= 9);
        let all: std::collections::HashSet<String> = (0..5000).map(|i| nick('a', i)).collect();
        assert_eq!(all.len(), 5000);
    }

    #[test]
    fn commands_are_found_after_tags_and_prefix() {
        assert_eq!(
            command_of(b":srv 001 nb0 :Welcome"),
            (&b"001"[..], &b"nb0"[..])
        );
        assert_eq!(
            command_of(b"@time=x :srv 366 nb0 #b :End"),
            (&b"366"[..], &b"nb0"[..])
        );
        assert_eq!(
            command_of(b"ERROR :Closing"),
            (&b"ERROR"[..], &b":Closing"[..])
        );
        assert_eq!(command_of(b""), (&b""[..], &b""[..]));
    }

    #[test]
    fn pings_are_answered_with_their_token() {
        assert_eq!(
            pong_for(b"PING :irc.local"),
            Some(b"PONG :irc.local\r\n".to_vec())
        );
        assert_eq!(pong_for(b"PING x"), Some(b"PONG x\r\n".to_vec()));
        assert_eq!(pong_for(b":srv NOTICE * :PING"), None);
    }

    #[tokio::test]
    async fn lines_are_split_across_reads() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(b"one\r\ntw").await.unwrap();
            socket.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            socket.write_all(b"o\nthree\r\n").await.unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (read, _write) = stream.into_split();
        let mut reader = LineReader::new(read);
        let mut lines = Vec::new();
        while lines.len() < 3 {
            while let Some(line) = reader.next_line() {
                lines.push(line.to_vec());
            }
            if lines.len() < 3 {
                assert!(reader.fill().await.unwrap());
            }
        }
        server.await.unwrap();
        assert_eq!(
            lines,
            vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
        );
    }
}
