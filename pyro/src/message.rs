//! One Pyro5 wire message: the 40-byte header, the annotation chunks, the payload.
//!
//! ```text
//! offset size  field                    (all integers big-endian)
//! 0x00   4     "PYRO"
//! 0x04   2     protocol version, 502
//! 0x06   1     message type             1 CONNECT 2 CONNECTOK 3 CONNECTFAIL 4 INVOKE 5 RESULT 6 PING
//! 0x07   1     serializer id            3 = JSON (1 serpent, 2 marshal, 4 msgpack)
//! 0x08   2     flags                    EXCEPTION 1, COMPRESSED 2, ONEWAY 4, BATCH 8, ...
//! 0x0a   2     sequence number          a reply carries its request's
//! 0x0c   4     payload length
//! 0x10   4     annotations length       all chunks together
//! 0x14   16    correlation id           a UUID, zero when unused
//! 0x24   2     reserved, 0
//! 0x26   2     magic number 0x4dc5
//! then annotation chunks (4 ASCII letters, u32 length, bytes), then the payload
//! ```

use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub const HEADER_SIZE: usize = 40;
pub const PROTOCOL_VERSION: u16 = 502;
const MAGIC: u16 = 0x4dc5;

/// Pyro5's serializer id for JSON, the only one this crate speaks.
pub const SERIALIZER_JSON: u8 = 3;

/// Message flags (`FLAGS_*` in `protocol.py`).
pub mod flags {
    /// A RESULT whose payload is an exception.
    pub const EXCEPTION: u16 = 1 << 0;
    /// The payload is zlib-compressed (not supported here).
    pub const COMPRESSED: u16 = 1 << 1;
    /// The caller wants no RESULT.
    pub const ONEWAY: u16 = 1 << 2;
    /// Several calls in one INVOKE (not supported here).
    pub const BATCH: u16 = 1 << 3;
    /// The header's correlation id is set.
    pub const CORRELATION_ID: u16 = 1 << 6;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    Connect = 1,
    ConnectOk = 2,
    ConnectFail = 3,
    Invoke = 4,
    Result = 5,
    Ping = 6,
}

impl TryFrom<u8> for MessageType {
    type Error = ProtocolError;

    fn try_from(value: u8) -> Result<Self, ProtocolError> {
        Ok(match value {
            1 => Self::Connect,
            2 => Self::ConnectOk,
            3 => Self::ConnectFail,
            4 => Self::Invoke,
            5 => Self::Result,
            6 => Self::Ping,
            other => return Err(ProtocolError::UnknownType(other)),
        })
    }
}

/// Why bytes from a peer are not a Pyro5 message we accept.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("not a Pyro message (no PYRO magic)")]
    NotPyro,
    #[error("unsupported Pyro protocol version {0} (this side speaks {PROTOCOL_VERSION})")]
    Version(u16),
    #[error("bad header checksum magic {0:#06x}")]
    Magic(u16),
    #[error("unknown message type {0}")]
    UnknownType(u8),
    #[error("message of {size} bytes is over the limit of {max}")]
    TooLarge { size: u64, max: usize },
    #[error("malformed annotations: {0}")]
    Annotations(&'static str),
    #[error("compressed messages are not supported")]
    Compressed,
    #[error("the peer closed the connection")]
    Closed,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// One annotation chunk: a 4-letter id (e.g. `CORR`) and its bytes.
pub type Annotation = ([u8; 4], Vec<u8>);

/// A message as it crosses the wire; the payload stays bytes (see [`crate::payload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageType,
    pub serializer: u8,
    pub flags: u16,
    pub seq: u16,
    pub correlation_id: [u8; 16],
    /// Annotation chunks in order, e.g. `CORR`; each id is 4 ASCII letters.
    pub annotations: Vec<Annotation>,
    pub data: Vec<u8>,
}

impl Message {
    /// A JSON message without annotations or correlation id.
    pub fn new(kind: MessageType, seq: u16, data: Vec<u8>) -> Self {
        Self {
            kind,
            serializer: SERIALIZER_JSON,
            flags: 0,
            seq,
            correlation_id: [0; 16],
            annotations: Vec::new(),
            data,
        }
    }

    pub fn with_flags(mut self, flags: u16) -> Self {
        self.flags |= flags;
        self
    }

    pub fn has_flag(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// The whole message: header, annotations, payload.
    pub fn encode(&self) -> Vec<u8> {
        let annotations_len: usize = self.annotations.iter().map(|(_, v)| 8 + v.len()).sum();
        let mut out = Vec::with_capacity(HEADER_SIZE + annotations_len + self.data.len());
        out.extend_from_slice(b"PYRO");
        out.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
        out.push(self.kind as u8);
        out.push(self.serializer);
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&(self.data.len() as u32).to_be_bytes());
        out.extend_from_slice(&(annotations_len as u32).to_be_bytes());
        out.extend_from_slice(&self.correlation_id);
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&MAGIC.to_be_bytes());
        for (id, value) in &self.annotations {
            out.extend_from_slice(id);
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        out.extend_from_slice(&self.data);
        out
    }
}

/// The fixed part of a message, checked before anything else is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub kind: MessageType,
    pub serializer: u8,
    pub flags: u16,
    pub seq: u16,
    pub data_len: u32,
    pub annotations_len: u32,
    pub correlation_id: [u8; 16],
}

impl Header {
    pub fn decode(bytes: &[u8; HEADER_SIZE]) -> Result<Self, ProtocolError> {
        let u16_at = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let u32_at = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        if &bytes[..4] != b"PYRO" {
            return Err(ProtocolError::NotPyro);
        }
        if u16_at(4) != PROTOCOL_VERSION {
            return Err(ProtocolError::Version(u16_at(4)));
        }
        if u16_at(38) != MAGIC {
            return Err(ProtocolError::Magic(u16_at(38)));
        }
        let mut correlation_id = [0; 16];
        correlation_id.copy_from_slice(&bytes[20..36]);
        Ok(Self {
            kind: MessageType::try_from(bytes[6])?,
            serializer: bytes[7],
            flags: u16_at(8),
            seq: u16_at(10),
            data_len: u32_at(12),
            annotations_len: u32_at(16),
            correlation_id,
        })
    }
}

/// Reads one message, refusing before allocating anything when the header announces more
/// than `max` bytes. A clean end of stream before the first byte is [`ProtocolError::Closed`].
pub async fn read_message(
    reader: &mut (impl AsyncRead + Unpin),
    max: usize,
) -> Result<Message, ProtocolError> {
    let mut head = [0; HEADER_SIZE];
    let first = reader.read(&mut head).await?;
    if first == 0 {
        return Err(ProtocolError::Closed);
    }
    reader.read_exact(&mut head[first..]).await?;
    let header = Header::decode(&head)?;
    let size = u64::from(header.data_len) + u64::from(header.annotations_len);
    if size > max as u64 {
        return Err(ProtocolError::TooLarge { size, max });
    }
    let mut body = vec![0; size as usize];
    reader.read_exact(&mut body).await?;
    let data = body.split_off(header.annotations_len as usize);
    if header.flags & flags::COMPRESSED != 0 {
        return Err(ProtocolError::Compressed);
    }
    Ok(Message {
        kind: header.kind,
        serializer: header.serializer,
        flags: header.flags,
        seq: header.seq,
        correlation_id: header.correlation_id,
        annotations: parse_annotations(&body)?,
        data,
    })
}

fn parse_annotations(mut chunks: &[u8]) -> Result<Vec<Annotation>, ProtocolError> {
    let mut annotations = Vec::new();
    while !chunks.is_empty() {
        let Some((head, rest)) = chunks.split_first_chunk::<8>() else {
            return Err(ProtocolError::Annotations("a chunk header is cut short"));
        };
        let id: [u8; 4] = [head[0], head[1], head[2], head[3]];
        if !id.iter().all(u8::is_ascii_alphanumeric) {
            return Err(ProtocolError::Annotations("an id is not 4 ASCII letters"));
        }
        let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
        if len > rest.len() {
            return Err(ProtocolError::Annotations("a chunk is longer than the annotations"));
        }
        let (value, rest) = rest.split_at(len);
        annotations.push((id, value.to_vec()));
        chunks = rest;
    }
    Ok(annotations)
}

pub async fn write_message(
    writer: &mut (impl AsyncWrite + Unpin),
    message: &Message,
) -> io::Result<()> {
    writer.write_all(&message.encode()).await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes Pyro5 5.17 sends for `Proxy("PYRO:example.users@...")._pyroBind()` with
    /// `PYRO_SERIALIZER=json`: its CONNECT message, captured on the wire.
    const PYTHON_CONNECT: &[u8] =
        b"PYRO\x01\xf6\x01\x03\x00\x00\x00\x00\x00\x00\x00\x31\x00\x00\x00\x00\
\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x4d\xc5\
{\"handshake\": \"hello\", \"object\": \"example.users\"}";

    #[tokio::test]
    async fn decodes_what_python_sends() {
        let message = read_message(&mut &PYTHON_CONNECT[..], MAX).await.unwrap();
        assert_eq!(message.kind, MessageType::Connect);
        assert_eq!(message.serializer, SERIALIZER_JSON);
        assert_eq!(message.data, br#"{"handshake": "hello", "object": "example.users"}"#);
        assert_eq!(message.encode(), PYTHON_CONNECT, "and encodes it back byte for byte");
    }

    const MAX: usize = 4096;

    #[tokio::test]
    async fn annotations_round_trip() {
        let mut message = Message::new(MessageType::Invoke, 7, b"{}".to_vec());
        message.annotations.push((*b"CORR", vec![1; 16]));
        message.annotations.push((*b"XTRA", vec![]));
        let decoded = read_message(&mut &message.encode()[..], MAX).await.unwrap();
        assert_eq!(decoded, message);
    }

    #[tokio::test]
    async fn refuses_what_is_not_pyro() {
        let mut bytes = Message::new(MessageType::Ping, 0, b"ping".to_vec()).encode();
        let read = |bytes: Vec<u8>| async move { read_message(&mut &bytes[..], MAX).await };

        assert!(matches!(
            read(b"GET / HTTP/1.1\r\n\r\n".repeat(3)).await,
            Err(ProtocolError::NotPyro)
        ));
        bytes[39] ^= 1;
        assert!(matches!(read(bytes.clone()).await, Err(ProtocolError::Magic(_))));
        bytes[39] ^= 1;
        bytes[6] = 99;
        assert!(matches!(read(bytes.clone()).await, Err(ProtocolError::UnknownType(99))));
        bytes[6] = 6;
        bytes[5] = 0xf5;
        assert!(matches!(read(bytes).await, Err(ProtocolError::Version(501))));
        assert!(matches!(read(Vec::new()).await, Err(ProtocolError::Closed)));
    }

    #[tokio::test]
    async fn refuses_an_oversize_announcement_before_reading_it() {
        let mut bytes = Message::new(MessageType::Invoke, 1, Vec::new()).encode();
        bytes[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        let got = read_message(&mut &bytes[..], MAX).await;
        assert!(
            matches!(got, Err(ProtocolError::TooLarge { size, .. }) if size == u64::from(u32::MAX))
        );
    }

    #[tokio::test]
    async fn refuses_annotations_that_do_not_add_up() {
        let mut message = Message::new(MessageType::Invoke, 1, b"{}".to_vec());
        message.annotations.push((*b"CORR", vec![0; 4]));
        let mut bytes = message.encode();
        bytes[HEADER_SIZE + 7] = 200; // the chunk claims 200 bytes of the 4 there are
        let got = read_message(&mut &bytes[..], MAX).await;
        assert!(matches!(got, Err(ProtocolError::Annotations(_))));
    }
}
