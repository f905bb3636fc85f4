//! The chat room: who is here, what was said lately, and the fan-out to every member.
//!
//! Each member owns a bounded queue of encoded frames. Broadcasting encodes an event once and
//! `try_send`s the same bytes to every queue, so a broadcast never waits: a member whose queue
//! is full is removed on the spot and told (its session closes with 1008), and the others
//! hear that it left. Memory stays bounded by members x queue capacity x frame size.

use super::Config;
use crate::{ChatLine, LeaveReason, ServerEvent, Welcome};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub(crate) struct Room {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    members: HashMap<String, Member>,
    history: VecDeque<ChatLine>,
    history_len: usize,
    queue_capacity: usize,
    max_members: usize,
    next_message_id: u64,
    next_member_id: u64,
}

#[derive(Debug)]
struct Member {
    /// Tells a re-used nickname's new owner from an old session that is still ending.
    id: u64,
    queue: mpsc::Sender<Utf8Bytes>,
    too_slow: CancellationToken,
}

/// Why [`Room::join`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JoinError {
    NameTaken,
    RoomFull,
}

/// A session's place in the room: its nickname, its queue, and the signal that it was dropped
/// for being too slow.
#[derive(Debug)]
pub(crate) struct Membership {
    pub(crate) name: String,
    id: u64,
    pub(crate) events: mpsc::Receiver<Utf8Bytes>,
    pub(crate) too_slow: CancellationToken,
}

impl Room {
    pub(crate) fn new(config: &Config) -> Self {
        let state = State {
            members: HashMap::new(),
            history: VecDeque::with_capacity(config.history_len),
            history_len: config.history_len,
            queue_capacity: config.queue_capacity,
            max_members: config.max_members,
            next_message_id: 1,
            next_member_id: 1,
        };
        Self { state: Arc::new(Mutex::new(state)) }
    }

    /// Takes the (already validated) nickname, announces the newcomer to the others and
    /// returns the membership plus the welcome to send it.
    pub(crate) fn join(&self, name: &str) -> Result<(Membership, Welcome), JoinError> {
        let mut state = self.lock();
        if state.members.contains_key(name) {
            return Err(JoinError::NameTaken);
        }
        if state.members.len() >= state.max_members {
            return Err(JoinError::RoomFull);
        }
        state.broadcast(&ServerEvent::Joined { name: name.to_owned() });

        let (queue, events) = mpsc::channel(state.queue_capacity);
        let too_slow = CancellationToken::new();
        let id = state.next_member_id;
        state.next_member_id += 1;
        let member = Member { id, queue, too_slow: too_slow.clone() };
        state.members.insert(name.to_owned(), member);

        let mut members: Vec<String> = state.members.keys().cloned().collect();
        members.sort();
        let history = state.history.iter().cloned().collect();
        let welcome = Welcome { name: name.to_owned(), members, history };
        Ok((Membership { name: name.to_owned(), id, events, too_slow }, welcome))
    }

    /// Gives the text an id, keeps it in the history and sends it to everyone.
    pub(crate) fn say(&self, from: &Membership, text: String) {
        let mut state = self.lock();
        let line = ChatLine { id: state.next_message_id, from: from.name.clone(), text };
        state.next_message_id += 1;
        if state.history.len() == state.history_len {
            state.history.pop_front();
        }
        if state.history_len > 0 {
            state.history.push_back(line.clone());
        }
        state.broadcast(&ServerEvent::Message(line));
    }

    /// Removes the member (unless the room already dropped it) and tells the others.
    pub(crate) fn leave(&self, membership: Membership, reason: LeaveReason) {
        let mut state = self.lock();
        if state.members.get(&membership.name).is_some_and(|member| member.id == membership.id) {
            state.members.remove(&membership.name);
            state.broadcast(&ServerEvent::Left { name: membership.name, reason });
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation above completes without panicking points in between, so a poisoned
        // lock still guards consistent state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    /// Queues the event for every member without waiting. Members whose queue is full are
    /// removed and signalled; their departure is broadcast in turn.
    fn broadcast(&mut self, event: &ServerEvent) {
        let mut pending = VecDeque::from([encode(event)]);
        while let Some(frame) = pending.pop_front() {
            let mut gone = Vec::new();
            self.members.retain(|name, member| match member.queue.try_send(frame.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    member.too_slow.cancel();
                    gone.push((name.clone(), LeaveReason::TooSlow));
                    false
                }
                // The session ended without leaving (it panicked); it cannot be told anymore.
                Err(TrySendError::Closed(_)) => {
                    gone.push((name.clone(), LeaveReason::Disconnected));
                    false
                }
            });
            for (name, reason) in gone {
                tracing::info!(%name, ?reason, "dropped from the room");
                pending.push_back(encode(&ServerEvent::Left { name, reason }));
            }
        }
    }
}

/// The JSON text of an event; cloning the result shares one buffer among all queues.
pub(crate) fn encode(event: &ServerEvent) -> Utf8Bytes {
    // Cannot fail: the events are plain structs of strings, integers and unit enums.
    serde_json::to_string(event).expect("events always serialize").into()
}
