//! What the streaming calls share. Every step of one (reading the next request, sending the
//! next response) is bounded by the client's deadline and the server's shutdown, which tonic
//! does not enforce once the response headers are out; and a response stream notices when the
//! client walks away from it.

use super::Stats;
use crate::deadline;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Status, Streaming};
use tracing::{debug, info};

/// Responses a streaming call may have queued but not yet sent: a slow reader slows the
/// producer down instead of growing a queue.
const STREAM_BUFFER: usize = 16;

/// What bounds a streaming call: the client's deadline and the server's shutdown.
#[derive(Debug, Clone)]
pub(super) struct CallLimits {
    deadline: Option<Instant>,
    stopping: CancellationToken,
}

impl CallLimits {
    pub(super) fn new(deadline: Option<Instant>, stopping: CancellationToken) -> Self {
        Self { deadline, stopping }
    }

    /// The next message of a request stream, `None` once the client is done sending. A broken
    /// request stream, the deadline and shutdown each end the call with their own status.
    pub(super) async fn next_request<T>(
        &self,
        requests: &mut Streaming<T>,
    ) -> Result<Option<T>, Status> {
        // First the deadline or shutdown, then a message, the end, or the broken stream.
        self.run(requests.message()).await?
    }

    /// Runs `work` unless the deadline passes or shutdown begins first.
    async fn run<F: Future>(&self, work: F) -> Result<F::Output, Status> {
        let expired = async {
            match self.deadline {
                Some(deadline) => sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            output = work => Ok(output),
            () = expired => Err(deadline::exceeded()),
            () = self.stopping.cancelled() => Err(Status::unavailable("the server is shutting down")),
        }
    }
}

/// A new response stream for `call`: a producer task sends into the [`Responses`], the
/// handler hands the [`ResponseStream`] to tonic.
pub(super) fn channel<T>(
    call: &'static str,
    limits: CallLimits,
    stats: &Arc<Stats>,
) -> (Responses<T>, ResponseStream<T>) {
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    let watch =
        CallWatch { call, deadline: limits.deadline, stats: stats.clone(), finished: false };
    let responses = Responses { call, tx, limits, sent: 0 };
    (responses, ResponseStream { inner: ReceiverStream::new(rx), watch })
}

/// The sending half of a response stream.
#[derive(Debug)]
pub(super) struct Responses<T> {
    call: &'static str,
    tx: mpsc::Sender<Result<T, Status>>,
    limits: CallLimits,
    sent: u64,
}

/// Why a producer stopped before the natural end of its stream.
#[derive(Debug)]
pub(super) enum Stop {
    /// Nobody reads the stream any more: the client went away.
    ClientGone,
    /// End the stream with this status: the deadline passed, shutdown began, or the request
    /// stream broke.
    Fail(Status),
}

impl From<Status> for Stop {
    fn from(status: Status) -> Self {
        Self::Fail(status)
    }
}

impl<T> Responses<T> {
    /// Sends one response, waiting while the queue is full (the client reads slowly).
    pub(super) async fn send(&mut self, response: T) -> Result<(), Stop> {
        let sent = self.limits.run(self.tx.send(Ok(response))).await?;
        sent.map_err(|_client_gone| Stop::ClientGone)?;
        self.sent += 1;
        Ok(())
    }

    /// Ends the stream the way its producer stopped. A status is queued after the responses
    /// before it, and this waits for the client to read them (or to go away): dropping the
    /// sender instead would end the stream with OK.
    pub(super) async fn end(self, produced: Result<(), Stop>) {
        match produced {
            Ok(()) => {} // dropping the sender ends the stream with OK
            Err(Stop::ClientGone) => debug!(call = self.call, sent = self.sent, "abandoned"),
            Err(Stop::Fail(status)) => {
                debug!("ending stream: {status}");
                let _client_gone = self.tx.send(Err(status)).await;
            }
        }
    }
}

/// The receiving half of a response stream, which tonic sends to the client. It is finished
/// once it has yielded its end or an error status (which ends a gRPC response too); dropped
/// before that, its [`CallWatch`] reports the call cancelled.
///
/// Why not count a failed send instead: a producer may have no send left to fail. A short
/// stream is queued whole before the client reads any of it, and LookupUsers, waiting for the
/// next id, sees a cancelled request stream as a finished one. The drop of this stream is the
/// one moment every cancel passes through. And why by hand: a combinator such as `map` sees
/// the items but not the end of the stream, the very thing that tells a finished stream from
/// a cancelled one.
#[derive(Debug)]
pub(super) struct ResponseStream<T> {
    inner: ReceiverStream<Result<T, Status>>,
    watch: CallWatch,
}

impl<T> Stream for ResponseStream<T> {
    type Item = Result<T, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(Pin::new(&mut self.inner).poll_next(cx));
        if !matches!(item, Some(Ok(_))) {
            self.watch.finished = true;
        }
        Poll::Ready(item)
    }
}

/// Notices a response stream that is dropped before the server finished it. When a client
/// cancels (it sends RST_STREAM with CANCEL), hyper drops the response body at once, so the
/// drop is the moment the server learns of it. The request side cannot tell: tonic ends a
/// cancelled request stream just like a finished one.
#[derive(Debug)]
struct CallWatch {
    call: &'static str,
    deadline: Option<Instant>,
    stats: Arc<Stats>,
    finished: bool,
}

impl Drop for CallWatch {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            debug!(call = self.call, "deadline passed; stopped working on the call");
        } else {
            self.stats.count_cancelled_call();
            info!(call = self.call, "client cancelled the call; stopped working on it");
        }
    }
}
