//! What one client can hold: a cap on open connections and a timeout for silent ones.
//!
//! tonic serves whatever stream of connections it is given, so the cap lives here, in front of
//! it: a connection is accepted only when one of `max_connections` slots is free (further
//! clients wait in the kernel's listen backlog, as with the `tcp` and `rest` servers), and
//! the slot is freed when tonic drops the connection. Each connection must send its first
//! bytes (the HTTP/2 preface) within the handshake timeout, and is closed after the idle
//! timeout without a byte from the client.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, Sleep, sleep};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::{Connected, TcpConnectInfo};
use tracing::{debug, warn};

/// The client's opening bytes: `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`.
const PREFACE_BYTES: u64 = 24;

/// The connection limits, part of [`crate::server::Config`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Time from accept until the client has sent its HTTP/2 preface.
    pub handshake_timeout: Duration,
    /// Time without a byte from the client (no call, no ping, no window update) after which
    /// the connection is closed.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Accepts on `listener` while a slot is free, until `stop` is cancelled (then the listener
/// is dropped and new connections are refused). The stream is what tonic serves.
pub fn incoming(
    listener: TcpListener,
    limits: Limits,
    stop: CancellationToken,
) -> ReceiverStream<io::Result<Limited>> {
    let (sender, receiver) = mpsc::channel(1);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = stop.cancelled() => break,
                accepted = accept(&listener, &slots) => accepted,
            };
            let Some((stream, slot)) = accepted else { continue };
            // The receiver is gone once tonic stops serving.
            if sender.send(Ok(Limited::new(stream, slot, limits))).await.is_err() {
                break;
            }
        }
    });
    ReceiverStream::new(receiver)
}

/// Waits for a free slot, then for a connection.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(TcpStream, OwnedSemaphorePermit)> {
    if slots.available_permits() == 0 {
        debug!("connection cap reached; new clients wait in the listen backlog");
    }
    // The semaphore is never closed, so this never fails.
    let slot = Arc::clone(slots).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, _peer)) => {
            if let Err(error) = stream.set_nodelay(true) {
                debug!(%error, "could not set TCP_NODELAY");
            }
            Some((stream, slot))
        }
        Err(error) => {
            // Typically out of file descriptors: wait for some to be freed.
            warn!(%error, "accept failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}

/// A served connection: the socket, its slot (freed on drop) and its read deadline.
#[derive(Debug)]
pub struct Limited {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    limits: Limits,
    bytes_read: u64,
    deadline: Pin<Box<Sleep>>,
}

impl Limited {
    fn new(stream: TcpStream, slot: OwnedSemaphorePermit, limits: Limits) -> Self {
        let deadline = Box::pin(sleep(limits.handshake_timeout));
        Self { stream, _slot: slot, limits, bytes_read: 0, deadline }
    }
}

impl AsyncRead for Limited {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = (buf.filled().len() - before) as u64;
                if read > 0 {
                    self.bytes_read += read;
                    // Still inside the preface: the handshake deadline stands.
                    if self.bytes_read >= PREFACE_BYTES {
                        let next = Instant::now() + self.limits.idle_timeout;
                        self.deadline.as_mut().reset(next);
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => match self.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    let (what, after) = if self.bytes_read < PREFACE_BYTES {
                        ("no HTTP/2 preface", self.limits.handshake_timeout)
                    } else {
                        ("idle", self.limits.idle_timeout)
                    };
                    debug!("closing a connection: {what} for {after:?}");
                    Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for Limited {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl Connected for Limited {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}
