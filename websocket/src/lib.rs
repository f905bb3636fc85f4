//! Real-time chat over WebSocket.
//!
//! One HTTP server ([`server::serve`]) serves a chat page at `/`, the chat socket at `/ws` and
//! an echo socket at `/echo` (for conformance testing). Any WebSocket client can chat: it sends
//! and receives one JSON object per text frame, the envelopes defined in this file. The terminal
//! client lives in [`client`].
//!
//! ```text
//! client -> server   {"type":"join","name":"ada"}
//!                    {"type":"say","text":"hello"}
//! server -> client   {"type":"welcome","name":"ada","members":["ada","alan"],"history":[..]}
//!                    {"type":"message","id":7,"from":"ada","text":"hello"}
//!                    {"type":"joined","name":"grace"}
//!                    {"type":"left","name":"alan","reason":"quit"}
//!                    {"type":"error","code":"name_taken","message":".."}
//! ```

use serde::{Deserialize, Serialize};

pub mod client;
pub mod server;

/// Longest nickname, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// Longest chat message text, in characters (the frame limit in [`server::Config`] caps bytes).
pub const MAX_TEXT_CHARS: usize = 1000;

/// What a client sends, one per text frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Take a nickname and enter the room; must come first.
    Join { name: String },
    /// Say something to everyone in the room (including yourself).
    Say { text: String },
}

/// What the server sends, one per text frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// The answer to a successful `join`: who is here and what was said recently.
    Welcome(Welcome),
    /// Someone (possibly you) said something.
    Message(ChatLine),
    /// Someone entered the room.
    Joined { name: String },
    /// Someone left the room, and why.
    Left { name: String, reason: LeaveReason },
    /// Your last message was refused; the connection stays open.
    Error { code: ErrorCode, message: String },
}

/// The room as a newcomer finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Your nickname, as the room spells it (trimmed).
    pub name: String,
    /// Everyone present, you included, sorted.
    pub members: Vec<String>,
    /// The last messages said, oldest first.
    pub history: Vec<ChatLine>,
}

/// One chat message. `id` grows by one per message in the room, so clients can order and
/// de-duplicate (history and live messages never overlap, but a reconnecting client may care).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    pub id: u64,
    pub from: String,
    pub text: String,
}

/// Why a member left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// Closed the WebSocket properly.
    Quit,
    /// The connection vanished without a close handshake.
    Disconnected,
    /// Stopped answering pings.
    TimedOut,
    /// Could not keep up with the room; the server closed it with 1008.
    TooSlow,
    /// Broke the protocol (oversize frame, bad UTF-8, binary data); closed with its code.
    ProtocolError,
}

impl std::fmt::Display for LeaveReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Quit => "quit",
            Self::Disconnected => "disconnected",
            Self::TimedOut => "timed out",
            Self::TooSlow => "too slow",
            Self::ProtocolError => "protocol error",
        })
    }
}

/// Why a client message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not a JSON envelope this server knows, or an empty or too long text.
    BadRequest,
    /// `say` before `join`.
    NotJoined,
    /// A second `join` on the same connection.
    AlreadyJoined,
    /// Empty, too long, or containing control characters.
    InvalidName,
    /// Somebody present already uses that nickname.
    NameTaken,
    /// More messages than the rate limit allows; this one was dropped.
    RateLimited,
}

/// Trims a wanted nickname and checks it, returning the name the room will use.
pub fn validate_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err("a name must not be empty")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err("a name must be at most 32 characters")
    } else if name.chars().any(char::is_control) {
        Err("a name must not contain control characters")
    } else {
        Ok(name)
    }
}

/// Checks a chat text: not blank, at most [`MAX_TEXT_CHARS`].
pub fn validate_text(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        Err("a message must not be blank")
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Err("a message must be at most 1000 characters")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_look_as_documented() {
        let say: ClientMessage = serde_json::from_str(r#"{"type":"say","text":"hi"}"#).unwrap();
        assert_eq!(say, ClientMessage::Say { text: "hi".into() });
        let line = ServerEvent::Message(ChatLine { id: 7, from: "ada".into(), text: "hi".into() });
        assert_eq!(
            serde_json::to_value(&line).unwrap(),
            json!({"type": "message", "id": 7, "from": "ada", "text": "hi"})
        );
        let left = ServerEvent::Left { name: "alan".into(), reason: LeaveReason::TimedOut };
        assert_eq!(
            serde_json::to_value(&left).unwrap(),
            json!({"type": "left", "name": "alan", "reason": "timed_out"})
        );
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
    }

    #[test]
    fn names_and_texts_are_checked() {
        assert_eq!(validate_name("  ada "), Ok("ada"));
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(33)).is_err());
        assert!(validate_name("a\u{7}b").is_err());
        assert!(validate_text(" ").is_err());
        assert!(validate_text(&"x".repeat(1001)).is_err());
        assert!(validate_text("hello").is_ok());
    }
}
