//! One chat connection, from upgrade to close, in a single task.
//!
//! The task has two parts. `Session::serve` waits on four things at once (a frame from the
//! client, the room with an event to forward or word that this client fell behind, the
//! heartbeat tick, and server shutdown), hands each to a method of its own, and returns the
//! [`End`] that one of them brings. `Session::finish` then tells the room why this member
//! left and closes the connection as that end deserves.

use super::Config;
use super::closing;
use super::room::{self, JoinError, Membership, Room};
use super::upgrade::Socket;
use crate::{ClientMessage, ErrorCode, LeaveReason, ServerEvent, validate_name, validate_text};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

/// Queued frames written per flush: batching saves syscalls when a client falls behind.
const WRITE_BATCH: usize = 64;

/// Runs one chat connection to its end. `_slot` is held for the session's lifetime, which
/// bounds how many chat connections are open at once.
pub(crate) async fn run(
    ws: Socket,
    room: Room,
    config: Arc<Config>,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    let limiter = RateLimiter::new(config.messages_per_second, config.message_burst);
    let mut session =
        Session { ws, room, config, member: None, limiter, last_heard: Instant::now() };
    let end = session.serve(&stop).await;
    session.finish(end).await;
}

/// One chat connection and what it knows about its client.
struct Session {
    ws: Socket,
    room: Room,
    config: Arc<Config>,
    /// `None` until the client has joined.
    member: Option<Membership>,
    limiter: RateLimiter,
    /// When the client last sent a frame (of any kind).
    last_heard: Instant,
}

impl Session {
    /// Serves the client until something ends the session, and says what did.
    async fn serve(&mut self, stop: &CancellationToken) -> End {
        let mut heartbeat = tokio::time::interval(self.config.ping_interval);
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        heartbeat.reset(); // the first tick would fire at once
        loop {
            let step = tokio::select! {
                incoming = self.ws.next() => self.on_frame(incoming).await,
                queued = from_room(&mut self.member) => self.forward(queued).await,
                _ = heartbeat.tick() => self.heartbeat().await,
                () = stop.cancelled() => Err(End::Shutdown),
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// A frame from the client (or the end of its stream).
    async fn on_frame(&mut self, incoming: Option<Result<Message, WsError>>) -> Result<(), End> {
        let message = match incoming {
            Some(Ok(message)) => message,
            Some(Err(err)) => {
                tracing::debug!("chat read failed: {err}");
                return Err(match closing::close_for(&err) {
                    Some((code, reason)) => End::Refused(code, reason),
                    None => End::Vanished,
                });
            }
            None => return Err(End::Vanished),
        };
        self.last_heard = Instant::now();
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(_) => {
                return Err(End::Refused(CloseCode::Unsupported, "chat frames are JSON text"));
            }
            Message::Close(_) => return Err(End::PeerClosed),
            // tungstenite answers pings itself; a pong only proves the peer is alive.
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return Ok(()),
        };
        match self.handle(&text)? {
            Some(reply) => self.write([Message::Text(room::encode(&reply))]).await,
            None => Ok(()),
        }
    }

    /// Applies one client message. `Ok(Some(event))` is a reply for this client only;
    /// `Err` ends the session.
    fn handle(&mut self, text: &str) -> Result<Option<ServerEvent>, End> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(err) => {
                return refuse(ErrorCode::BadRequest, &format!("not a chat message: {err}"));
            }
        };
        match (message, &self.member) {
            (ClientMessage::Join { .. }, Some(_)) => {
                refuse(ErrorCode::AlreadyJoined, "this connection has already joined")
            }
            (ClientMessage::Join { name }, None) => self.join(&name),
            (ClientMessage::Say { .. }, None) => refuse(ErrorCode::NotJoined, "send a join first"),
            (ClientMessage::Say { text }, Some(membership)) => {
                if let Err(why) = validate_text(&text) {
                    return refuse(ErrorCode::BadRequest, why);
                }
                if !self.limiter.allow() {
                    return refuse(
                        ErrorCode::RateLimited,
                        "too many messages; this one was dropped",
                    );
                }
                self.room.say(membership, text);
                Ok(None)
            }
        }
    }

    /// Joins the room under `name`, answered with the welcome (or why not).
    fn join(&mut self, name: &str) -> Result<Option<ServerEvent>, End> {
        let name = match validate_name(name) {
            Ok(name) => name,
            Err(why) => return refuse(ErrorCode::InvalidName, why),
        };
        match self.room.join(name) {
            Ok((membership, welcome)) => {
                tracing::debug!(name = %membership.name, "joined");
                self.member = Some(membership);
                Ok(Some(ServerEvent::Welcome(welcome)))
            }
            Err(JoinError::RoomFull) => {
                Err(End::Refused(CloseCode::Again, "the room is full, try again later"))
            }
            Err(JoinError::NameTaken) => {
                refuse(ErrorCode::NameTaken, &format!("the name {name:?} is taken"))
            }
        }
    }

    /// Writes what the room queued for this client, up to [`WRITE_BATCH`] frames at once.
    async fn forward(&mut self, queued: Queued) -> Result<(), End> {
        let Queued::Frame(frame) = queued else { return Err(End::TooSlow) };
        let mut batch = vec![Message::Text(frame)];
        if let Some(member) = &mut self.member {
            while batch.len() < WRITE_BATCH {
                let Ok(frame) = member.events.try_recv() else { break };
                batch.push(Message::Text(frame));
            }
        }
        self.write(batch).await
    }

    /// Pings a quiet client, or gives up on one silent for `idle_timeout`.
    async fn heartbeat(&mut self) -> Result<(), End> {
        if self.last_heard.elapsed() >= self.config.idle_timeout {
            return Err(End::TimedOut);
        }
        self.write([Message::Ping(Bytes::new())]).await
    }

    /// Writes and flushes frames. A client that does not read fills its TCP window and the
    /// write stalls: after `write_timeout` that client counts as too slow.
    async fn write(&mut self, frames: impl IntoIterator<Item = Message>) -> Result<(), End> {
        let ws = &mut self.ws;
        let writing = async {
            for frame in frames {
                ws.feed(frame).await?;
            }
            ws.flush().await
        };
        match tokio::time::timeout(self.config.write_timeout, writing).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Vanished),
            Err(_) => Err(End::TooSlow),
        }
    }

    /// Tells the room why this member left (if it had joined), then closes the connection.
    async fn finish(mut self, end: End) {
        let name = self.member.as_ref().map_or("-", |member| member.name.as_str());
        tracing::debug!(%name, ?end, "chat session ends");
        if let Some(reason) = end.leave_reason()
            && let Some(member) = self.member.take()
        {
            self.room.leave(member, reason);
        }
        end.close(&mut self.ws, self.config.write_timeout).await;
    }
}

/// An error event for this client only; the session goes on.
fn refuse(code: ErrorCode, message: &str) -> Result<Option<ServerEvent>, End> {
    Ok(Some(ServerEvent::Error { code, message: message.into() }))
}

/// Why a session ends.
#[derive(Debug)]
enum End {
    /// The client sent Close: answer it.
    PeerClosed,
    /// The TCP connection broke or a write timed out: nothing more can be sent.
    Vanished,
    /// No frame for `idle_timeout` despite pings.
    TimedOut,
    /// The room's queue for this client overflowed.
    TooSlow,
    /// The server is stopping.
    Shutdown,
    /// The client broke a rule; close with this code.
    Refused(CloseCode, &'static str),
}

impl End {
    /// What the others in the room hear about this member leaving.
    fn leave_reason(&self) -> Option<LeaveReason> {
        match self {
            Self::PeerClosed => Some(LeaveReason::Quit),
            Self::Vanished => Some(LeaveReason::Disconnected),
            Self::TimedOut => Some(LeaveReason::TimedOut),
            Self::TooSlow => Some(LeaveReason::TooSlow),
            Self::Refused(..) => Some(LeaveReason::ProtocolError),
            // Everybody is being closed; no one needs to hear who left.
            Self::Shutdown => None,
        }
    }

    /// Closes the connection as this ending deserves, waiting at most `patience`.
    async fn close(self, ws: &mut Socket, patience: Duration) {
        match self {
            Self::PeerClosed => closing::answer_close(ws, patience).await,
            Self::Vanished | Self::TimedOut => {}
            Self::TooSlow => {
                let reason = "too slow: could not keep up with the room";
                closing::close(ws, CloseCode::Policy, reason, patience).await;
            }
            Self::Shutdown => {
                closing::close(ws, CloseCode::Away, "server shutting down", patience).await;
            }
            Self::Refused(code, reason) => closing::close(ws, code, reason, patience).await,
        }
    }
}

/// What the room has for this member.
enum Queued {
    Frame(Utf8Bytes),
    /// The room dropped this member for falling behind.
    TooSlow,
}

/// The next frame the room queued for this member; never completes before joining.
async fn from_room(member: &mut Option<Membership>) -> Queued {
    let Some(member) = member else { return std::future::pending().await };
    tokio::select! {
        biased;
        () = member.too_slow.cancelled() => Queued::TooSlow,
        // `None`: the room removed this member, which it only does to slow ones.
        frame = member.events.recv() => frame.map_or(Queued::TooSlow, Queued::Frame),
    }
}

/// A token bucket: `burst` messages at once, refilled at `per_second`.
#[derive(Debug)]
struct RateLimiter {
    per_second: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    fn new(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst);
        Self { per_second, burst, tokens: burst, refilled: Instant::now() }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        let earned = now.duration_since(self.refilled).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + earned).min(self.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
