//! One chat connection, from upgrade to close, in a single task.
//!
//! The task waits on four things at once: a frame from the client, the room (an event to
//! forward, or word that this client fell behind), the heartbeat tick, and server shutdown. Whatever
//! ends the loop decides how the connection is closed and what the others hear.

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
use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

/// Queued frames written per flush: batching saves syscalls when a client falls behind.
const WRITE_BATCH: usize = 64;

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

/// Runs one chat connection to its end. `_slot` is held for the session's lifetime, which
/// bounds how many chat connections are open at once.
pub(crate) async fn run(
    mut ws: Socket,
    room: Room,
    config: Arc<Config>,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    let mut member: Option<Membership> = None;
    let mut limiter = RateLimiter::new(config.messages_per_second, config.message_burst);
    let mut heartbeat = tokio::time::interval(config.ping_interval);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    heartbeat.reset(); // the first tick would fire at once
    let mut last_heard = Instant::now();

    let end = loop {
        tokio::select! {
            incoming = ws.next() => {
                let message = match incoming {
                    Some(Ok(message)) => message,
                    Some(Err(err)) => {
                        tracing::debug!("chat read failed: {err}");
                        break match closing::close_for(&err) {
                            Some((code, reason)) => End::Refused(code, reason),
                            None => End::Vanished,
                        };
                    }
                    None => break End::Vanished,
                };
                last_heard = Instant::now();
                let reply = match message {
                    Message::Text(text) => handle(&text, &mut member, &room, &mut limiter),
                    Message::Binary(_) => {
                        break End::Refused(CloseCode::Unsupported, "chat frames are JSON text");
                    }
                    Message::Close(_) => break End::PeerClosed,
                    // tungstenite answers pings itself; a pong only proves the peer is alive.
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(None),
                };
                match reply {
                    Ok(None) => {}
                    Ok(Some(event)) => {
                        let frame = Message::Text(room::encode(&event));
                        if let Err(end) = write(&mut ws, config.write_timeout, [frame]).await {
                            break end;
                        }
                    }
                    Err(end) => break end,
                }
            }
            queued = from_room(&mut member) => {
                let Queued::Frame(frame) = queued else { break End::TooSlow };
                let mut batch = vec![Message::Text(frame)];
                if let Some(member) = &mut member {
                    while batch.len() < WRITE_BATCH {
                        let Ok(frame) = member.events.try_recv() else { break };
                        batch.push(Message::Text(frame));
                    }
                }
                if let Err(end) = write(&mut ws, config.write_timeout, batch).await {
                    break end;
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= config.idle_timeout {
                    break End::TimedOut;
                }
                let ping = [Message::Ping(Bytes::new())];
                if let Err(end) = write(&mut ws, config.write_timeout, ping).await {
                    break end;
                }
            }
            () = stop.cancelled() => break End::Shutdown,
        }
    };

    let name = member.as_ref().map_or("-", |member| member.name.as_str());
    tracing::debug!(%name, ?end, "chat session ends");
    if let Some(member) = member {
        let reason = match end {
            End::PeerClosed => Some(LeaveReason::Quit),
            End::Vanished => Some(LeaveReason::Disconnected),
            End::TimedOut => Some(LeaveReason::TimedOut),
            End::TooSlow => Some(LeaveReason::TooSlow),
            End::Refused(..) => Some(LeaveReason::ProtocolError),
            // Everybody is being closed; no one needs to hear who left.
            End::Shutdown => None,
        };
        if let Some(reason) = reason {
            room.leave(member, reason);
        }
    }
    let patience = config.write_timeout;
    match end {
        End::PeerClosed => closing::answer_close(&mut ws, patience).await,
        End::Vanished | End::TimedOut => {}
        End::TooSlow => {
            let reason = "too slow: could not keep up with the room";
            closing::close(&mut ws, CloseCode::Policy, reason, patience).await;
        }
        End::Shutdown => {
            closing::close(&mut ws, CloseCode::Away, "server shutting down", patience).await;
        }
        End::Refused(code, reason) => closing::close(&mut ws, code, reason, patience).await,
    }
}

/// Applies one client message. `Ok(Some(event))` is a reply for this client only;
/// `Err` ends the session.
fn handle(
    text: &str,
    member: &mut Option<Membership>,
    room: &Room,
    limiter: &mut RateLimiter,
) -> Result<Option<ServerEvent>, End> {
    let refuse =
        |code, message: &str| Ok(Some(ServerEvent::Error { code, message: message.into() }));
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => message,
        Err(err) => return refuse(ErrorCode::BadRequest, &format!("not a chat message: {err}")),
    };
    match (message, member.as_ref()) {
        (ClientMessage::Join { .. }, Some(_)) => {
            refuse(ErrorCode::AlreadyJoined, "this connection has already joined")
        }
        (ClientMessage::Join { name }, None) => {
            let name = match validate_name(&name) {
                Ok(name) => name,
                Err(why) => return refuse(ErrorCode::InvalidName, why),
            };
            match room.join(name) {
                Ok((membership, welcome)) => {
                    tracing::debug!(name = %membership.name, "joined");
                    *member = Some(membership);
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
        (ClientMessage::Say { .. }, None) => refuse(ErrorCode::NotJoined, "send a join first"),
        (ClientMessage::Say { text }, Some(membership)) => {
            if let Err(why) = validate_text(&text) {
                return refuse(ErrorCode::BadRequest, why);
            }
            if !limiter.allow() {
                return refuse(ErrorCode::RateLimited, "too many messages; this one was dropped");
            }
            room.say(membership, text);
            Ok(None)
        }
    }
}

/// Writes and flushes frames. A client that does not read fills its TCP window and the write
/// stalls: after `patience` that client counts as too slow.
async fn write(
    ws: &mut Socket,
    patience: Duration,
    frames: impl IntoIterator<Item = Message>,
) -> Result<(), End> {
    let writing = async {
        for frame in frames {
            ws.feed(frame).await?;
        }
        ws.flush().await
    };
    match tokio::time::timeout(patience, writing).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Vanished),
        Err(_) => Err(End::TooSlow),
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
