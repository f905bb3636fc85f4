//! The server: accept many clients at once, answer each line, and bound everything a client
//! could otherwise make grow: line length, idle time, and the number of connections.

use crate::protocol::Response;
use common::UserStore;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

/// The server's limits. `Default` gives the values `tcp-server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// The longest request line, in bytes, including its line ending.
    pub max_line: usize,
    /// How long a client may take to send a whole line (or to read a response) before the
    /// server gives up on it. This also cuts off a client that drips a line byte by byte.
    pub idle_timeout: Duration,
    /// Connections served at once; more are told `ERR server busy` and closed.
    pub max_connections: usize,
    /// On shutdown, how long in-flight connections get to finish.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_line: crate::MAX_LINE,
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Serves clients on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish the request it is in, says `BYE server shutting down`, and returns.
pub async fn serve(
    listener: TcpListener,
    store: UserStore,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = Arc::new(config);
    let connections = TaskTracker::new();
    let stopping = CancellationToken::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    tokio::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            // A new socket's send buffer is empty, so this short write cannot block.
            let _ = stream.try_write(b"ERR server busy, try again later\r\n");
            debug!(%peer, "refused: too many connections");
            continue;
        };
        // Each answer is one small write. With Nagle's algorithm on, every answer after the
        // first waits for the client's ACK, which a client sending several requests at once
        // delays by up to 40 ms: pipelined lines ran at ~20 batches a second per connection.
        if let Err(error) = stream.set_nodelay(true) {
            debug!(%peer, %error, "could not turn Nagle's algorithm off");
        }
        let (store, config, stopping) = (store.clone(), Arc::clone(&config), stopping.clone());
        connections.spawn(async move {
            debug!(%peer, "connected");
            match handle_connection(stream, &store, &config, &stopping).await {
                Ok(()) => debug!(%peer, "disconnected"),
                Err(error) => debug!(%peer, %error, "connection ended with an error"),
            }
            drop(slot);
        });
    }

    info!(open = connections.len(), "shutting down: no new connections");
    stopping.cancel();
    connections.close();
    if timeout(config.shutdown_grace, connections.wait()).await.is_err() {
        warn!(open = connections.len(), "grace period over; dropping the remaining connections");
    }
    Ok(())
}

/// Serves one client, one line at a time, until it quits, misbehaves or the server stops.
async fn handle_connection(
    mut stream: TcpStream,
    store: &UserStore,
    config: &Config,
    stopping: &CancellationToken,
) -> io::Result<()> {
    let (reader, mut writer) = stream.split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::with_capacity(128);
    loop {
        match next_step(&mut reader, &mut line, store, config, stopping).await? {
            Next::Reply(response) => send(&mut writer, &response, config.idle_timeout).await?,
            Next::ReplyAndClose(response) => {
                send(&mut writer, &response, config.idle_timeout).await?;
                writer.shutdown().await?;
                return linger(&mut reader).await;
            }
            Next::Close => return Ok(()),
        }
    }
}

/// What the connection does next.
#[derive(Debug)]
enum Next {
    /// Send this response, then read the next request.
    Reply(Response),
    /// Send this response, the last word on the connection, then close it.
    ReplyAndClose(Response),
    /// Close without a word: the client has closed its side.
    Close,
}

/// Waits for the next request line and decides what to do about it.
async fn next_step(
    reader: &mut (impl AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
    store: &UserStore,
    config: &Config,
    stopping: &CancellationToken,
) -> io::Result<Next> {
    line.clear();
    let read = timeout(config.idle_timeout, read_line(reader, line, config.max_line));
    // Waiting for a request is the only point where shutdown interrupts a connection:
    // a request already read is answered first.
    let read = tokio::select! {
        () = stopping.cancelled() => {
            return Ok(Next::ReplyAndClose(Response::Bye("server shutting down".into())));
        }
        read = read => read,
    };
    let Ok(read) = read else {
        let idle = config.idle_timeout.as_secs();
        let reason = format!("idle timeout: no complete line within {idle}s, closing");
        return Ok(Next::ReplyAndClose(Response::Err(reason)));
    };
    Ok(match read? {
        Line::Complete => respond(line, store),
        Line::TooLong => {
            let reason = format!("line too long (limit {} bytes), closing", config.max_line);
            Next::ReplyAndClose(Response::Err(reason))
        }
        Line::End => Next::Close,
    })
}

/// Answers one complete request line; `QUIT` is answered with `BYE` and closes.
fn respond(line: &[u8], store: &UserStore) -> Next {
    let Ok(text) = std::str::from_utf8(line) else {
        return Next::Reply(Response::Err("request is not valid UTF-8".into()));
    };
    match Response::answer(text, store) {
        bye @ Response::Bye(_) => Next::ReplyAndClose(bye),
        response => Next::Reply(response),
    }
}

/// Writes one response line. A client that never reads its replies cannot hold the
/// connection open forever: after `patience` the write gives up.
async fn send(
    writer: &mut (impl AsyncWrite + Unpin),
    response: &Response,
    patience: Duration,
) -> io::Result<()> {
    let reply = format!("{response}\r\n");
    match timeout(patience, writer.write_all(reply.as_bytes())).await {
        Ok(written) => written,
        Err(_elapsed) => Err(io::Error::new(io::ErrorKind::TimedOut, "write timed out")),
    }
}

/// After the last reply, reads and discards what the client may still be sending, for a
/// moment. Closing a socket with unread input makes the OS reset the connection, and a reset
/// can destroy the reply (say, `ERR line too long`) before the client has read it.
async fn linger(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<()> {
    let mut rest = reader.take(64 * 1024);
    let _ = timeout(Duration::from_millis(500), tokio::io::copy(&mut rest, &mut tokio::io::sink()))
        .await;
    Ok(())
}

/// How reading one line ended.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A whole line is in the buffer, without its line ending.
    Complete,
    /// The client closed the connection (possibly in the middle of a line, which is dropped).
    End,
    /// `max` bytes arrived without a line ending; the rest was not read.
    TooLong,
}

/// Reads one line into `line`, never buffering more than `max` bytes of it.
async fn read_line(
    reader: &mut (impl AsyncBufRead + Unpin),
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    let read = reader.take(max as u64).read_until(b'\n', line).await?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Line::Complete)
    } else if read == max {
        Ok(Line::TooLong)
    } else {
        Ok(Line::End)
    }
}

/// A convenience for tests, the tour and the benchmark: binds `addr`, then serves the sample
/// users on it in a background task until `shutdown` completes.
pub async fn spawn(
    addr: SocketAddr,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<io::Result<()>>)> {
    let listener = common::runtime::bind(addr)?;
    let local = listener.local_addr()?;
    let server = serve(listener, UserStore::with_sample_users(), config, shutdown);
    Ok((local, tokio::spawn(server)))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            let end = read_line(&mut reader, &mut line, max).await.unwrap();
            let stop = end != Line::Complete;
            out.push((end, line));
            if stop {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn lines_end_in_lf_or_crlf() {
        let got = lines(b"PING\r\nECHO a\n", 16).await;
        assert_eq!(got[0], (Line::Complete, b"PING".to_vec()));
        assert_eq!(got[1], (Line::Complete, b"ECHO a".to_vec()));
        assert_eq!(got[2].0, Line::End);
    }

    #[tokio::test]
    async fn a_line_longer_than_the_limit_is_cut_off_unread() {
        let got = lines(b"0123456789abcdef-and-more\n", 16).await;
        assert_eq!(got, vec![(Line::TooLong, b"0123456789abcdef".to_vec())]);
        let exactly = lines(b"0123456789abcde\n", 16).await;
        assert_eq!(exactly[0], (Line::Complete, b"0123456789abcde".to_vec()));
    }

    #[tokio::test]
    async fn half_a_line_then_eof_is_dropped() {
        assert_eq!(lines(b"PIN", 16).await, vec![(Line::End, b"PIN".to_vec())]);
    }
}
