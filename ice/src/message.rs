//! Ice protocol 1.0: the messages and their framing ("Protocol Messages" in ZeroC's manual).
//!
//! Every message starts with the same 14-byte header:
//!
//! | bytes | field | value here |
//! | --- | --- | --- |
//! | 0..4 | magic | `I` `c` `e` `P` |
//! | 4, 5 | protocol major, minor | 1, 0 |
//! | 6, 7 | encoding major, minor (of the header and body) | 1, 0 |
//! | 8 | message type | 0 request, 1 batch request, 2 reply, 3 validate connection, 4 close connection |
//! | 9 | compression status | 0 uncompressed, 1 uncompressed but the sender could compress, 2 compressed |
//! | 10..14 | message size, `int`, counting the header | 14 or more |
//!
//! The body of a request: request id (`int`, 0 for a oneway call that wants no reply),
//! identity (name, category), facet (a `sequence<string>` of zero or one), operation name,
//! mode (0 normal, 1 nonmutating, 2 idempotent), context (`dictionary<string, string>`), and
//! the parameters in an encapsulation. The body of a reply: request id, a status byte, and
//! what the status calls for (see [`ReplyBody`]). Validate connection (the server's first
//! message, and Ice 3.6+'s heartbeat) and close connection are a header alone.
//!
//! [`IceCodec`] frames these messages on a byte stream for tokio-util's `Framed`: it refuses a
//! header that is not Ice, or that announces more than its limit, before buffering the body.

use crate::encoding::{DecodeError, Encapsulation, Reader, Version, Writer};
use bytes::BytesMut;
use std::io;
use tokio_util::codec::{Decoder, Encoder};

pub const MAGIC: [u8; 4] = *b"IceP";
pub const PROTOCOL_1_0: Version = Version { major: 1, minor: 0 };
/// The encoding of the message header and the request/reply headers: always 1.0 in
/// protocol 1.0 (the parameters inside the encapsulation use 1.1).
pub const HEADER_ENCODING: Version = Version { major: 1, minor: 0 };
pub const HEADER_SIZE: usize = 14;

/// Who an request is for: `name` is required, `category` usually empty. Written `users` or
/// `category/name` in a stringified proxy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub name: String,
    pub category: String,
}

impl Identity {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), category: String::new() }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.category.as_str() {
            "" => f.write_str(&self.name),
            category => write!(f, "{category}/{}", self.name),
        }
    }
}

/// How an operation may be retried: `idempotent` operations are mode 2 (Ice 3.7 still sends
/// the old 1, "nonmutating", for the built-in `ice_*` operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationMode {
    Normal = 0,
    Nonmutating = 1,
    Idempotent = 2,
}

impl OperationMode {
    fn from_byte(byte: u8) -> Result<Self, DecodeError> {
        match byte {
            0 => Ok(Self::Normal),
            1 => Ok(Self::Nonmutating),
            2 => Ok(Self::Idempotent),
            other => Err(DecodeError::Invalid(format!("operation mode {other}"))),
        }
    }
}

/// A request message's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// 0 for a oneway request (no reply wanted), else chosen by the client.
    pub request_id: i32,
    pub identity: Identity,
    /// `None` for the default facet (a sequence of zero strings on the wire).
    pub facet: Option<String>,
    pub operation: String,
    pub mode: OperationMode,
    pub context: Vec<(String, String)>,
    pub params: Encapsulation,
}

/// What a failed "does not exist" reply echoes back of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFailed {
    pub identity: Identity,
    pub facet: Option<String>,
    pub operation: String,
}

/// A reply's status byte and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyBody {
    /// 0: the results, in an encapsulation.
    Ok(Encapsulation),
    /// 1: a user exception declared in the operation's `throws`, in an encapsulation.
    UserException(Encapsulation),
    /// 2: no object with that identity.
    ObjectNotExist(RequestFailed),
    /// 3: the object has no such facet.
    FacetNotExist(RequestFailed),
    /// 4: the object has no such operation.
    OperationNotExist(RequestFailed),
    /// 5: the server failed with one of the runtime's own exceptions; a description.
    UnknownLocalException(String),
    /// 6: a user exception the operation does not declare; a description.
    UnknownUserException(String),
    /// 7: any other failure; a description.
    UnknownException(String),
}

impl ReplyBody {
    pub fn status(&self) -> u8 {
        match self {
            Self::Ok(_) => 0,
            Self::UserException(_) => 1,
            Self::ObjectNotExist(_) => 2,
            Self::FacetNotExist(_) => 3,
            Self::OperationNotExist(_) => 4,
            Self::UnknownLocalException(_) => 5,
            Self::UnknownUserException(_) => 6,
            Self::UnknownException(_) => 7,
        }
    }
}

/// A reply message's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub request_id: i32,
    pub body: ReplyBody,
}

/// The five messages of protocol 1.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    /// A batch of oneway requests: recognised, not supported (see the README).
    BatchRequest,
    Reply(Reply),
    ValidateConnection,
    CloseConnection,
}

impl Message {
    fn kind(&self) -> u8 {
        match self {
            Self::Request(_) => 0,
            Self::BatchRequest => 1,
            Self::Reply(_) => 2,
            Self::ValidateConnection => 3,
            Self::CloseConnection => 4,
        }
    }

    /// The whole message, header included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes(&MAGIC)
            .byte(PROTOCOL_1_0.major)
            .byte(PROTOCOL_1_0.minor)
            .byte(HEADER_ENCODING.major)
            .byte(HEADER_ENCODING.minor)
            .byte(self.kind())
            .byte(0) // not compressed
            .int(0); // the size, filled in below
        match self {
            Self::Request(request) => write_request(&mut w, request),
            Self::Reply(reply) => write_reply(&mut w, reply),
            Self::BatchRequest => {
                w.int(0); // an empty batch
            }
            Self::ValidateConnection | Self::CloseConnection => {}
        }
        let mut bytes = w.into_bytes();
        let size = i32::try_from(bytes.len()).expect("messages fit an int");
        bytes[10..14].copy_from_slice(&size.to_le_bytes());
        bytes
    }

    /// Parses one whole message (header included), as [`IceCodec`] hands it over.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FrameError> {
        let header = Header::parse(bytes)?;
        if header.size != bytes.len() {
            return Err(FrameError::BadSize(header.size as i32));
        }
        let mut r = Reader::new(&bytes[HEADER_SIZE..]);
        let message = match header.kind {
            0 => Self::Request(read_request(&mut r)?),
            1 => return Ok(Self::BatchRequest),
            2 => Self::Reply(read_reply(&mut r)?),
            3 => Self::ValidateConnection,
            4 => Self::CloseConnection,
            other => return Err(FrameError::UnknownType(other)),
        };
        r.finish()?;
        Ok(message)
    }
}

fn write_identity(w: &mut Writer, identity: &Identity) {
    w.string(&identity.name).string(&identity.category);
}

fn write_facet(w: &mut Writer, facet: &Option<String>) {
    w.strings(facet.as_slice());
}

fn write_request(w: &mut Writer, request: &Request) {
    w.int(request.request_id);
    write_identity(w, &request.identity);
    write_facet(w, &request.facet);
    w.string(&request.operation).byte(request.mode as u8).size(request.context.len());
    for (key, value) in &request.context {
        w.string(key).string(value);
    }
    w.encapsulation(&request.params);
}

fn write_reply(w: &mut Writer, reply: &Reply) {
    w.int(reply.request_id).byte(reply.body.status());
    match &reply.body {
        ReplyBody::Ok(results) | ReplyBody::UserException(results) => {
            w.encapsulation(results);
        }
        ReplyBody::ObjectNotExist(failed)
        | ReplyBody::FacetNotExist(failed)
        | ReplyBody::OperationNotExist(failed) => {
            write_identity(w, &failed.identity);
            write_facet(w, &failed.facet);
            w.string(&failed.operation);
        }
        ReplyBody::UnknownLocalException(text)
        | ReplyBody::UnknownUserException(text)
        | ReplyBody::UnknownException(text) => {
            w.string(text);
        }
    }
}

fn read_identity(r: &mut Reader<'_>) -> Result<Identity, DecodeError> {
    Ok(Identity { name: r.string()?, category: r.string()? })
}

fn read_facet(r: &mut Reader<'_>) -> Result<Option<String>, DecodeError> {
    let mut facets = r.strings()?;
    match facets.len() {
        0 | 1 => Ok(facets.pop()),
        n => Err(DecodeError::Invalid(format!("a facet is zero or one strings, not {n}"))),
    }
}

fn read_request(r: &mut Reader<'_>) -> Result<Request, DecodeError> {
    let request_id = r.int()?;
    let identity = read_identity(r)?;
    let facet = read_facet(r)?;
    let operation = r.string()?;
    let mode = OperationMode::from_byte(r.byte()?)?;
    // Each pair is at least two empty strings.
    let pairs = r.count(2)?;
    let context = (0..pairs).map(|_| Ok((r.string()?, r.string()?))).collect::<Result<_, _>>()?;
    let params = r.encapsulation()?;
    Ok(Request { request_id, identity, facet, operation, mode, context, params })
}

fn read_reply(r: &mut Reader<'_>) -> Result<Reply, DecodeError> {
    let request_id = r.int()?;
    let failed = |r: &mut Reader<'_>| -> Result<RequestFailed, DecodeError> {
        Ok(RequestFailed {
            identity: read_identity(r)?,
            facet: read_facet(r)?,
            operation: r.string()?,
        })
    };
    let body = match r.byte()? {
        0 => ReplyBody::Ok(r.encapsulation()?),
        1 => ReplyBody::UserException(r.encapsulation()?),
        2 => ReplyBody::ObjectNotExist(failed(r)?),
        3 => ReplyBody::FacetNotExist(failed(r)?),
        4 => ReplyBody::OperationNotExist(failed(r)?),
        5 => ReplyBody::UnknownLocalException(r.string()?),
        6 => ReplyBody::UnknownUserException(r.string()?),
        7 => ReplyBody::UnknownException(r.string()?),
        other => return Err(DecodeError::Invalid(format!("reply status {other}"))),
    };
    Ok(Reply { request_id, body })
}

/// Why a byte stream stopped making sense as Ice messages. Every one ends the connection.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The first bytes, escaped: `"GET "`, `"HTTP"`.
    #[error("not an Ice peer: the stream starts with \"{0}\", not the magic \"IceP\"")]
    BadMagic(String),
    #[error("unsupported protocol {0} (this implementation speaks 1.0)")]
    UnsupportedProtocol(Version),
    #[error("unsupported header encoding {0}")]
    UnsupportedEncoding(Version),
    #[error("compressed messages are not supported")]
    Compressed,
    #[error("illegal message size {0}")]
    BadSize(i32),
    #[error("message of {size} bytes announced; the limit is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("unknown message type {0}")]
    UnknownType(u8),
    #[error("malformed message: {0}")]
    Malformed(#[from] DecodeError),
    /// A well-formed message this side does not take: a batch request, a reply to a server.
    #[error("unexpected message: {0}")]
    Unexpected(&'static str),
}

/// A checked message header.
#[derive(Debug, Clone, Copy)]
struct Header {
    kind: u8,
    size: usize,
}

impl Header {
    /// Checks the first 14 bytes of `bytes`.
    fn parse(bytes: &[u8]) -> Result<Self, FrameError> {
        check_magic(bytes)?;
        if bytes.len() < HEADER_SIZE {
            return Err(DecodeError::EndOfData { needed: HEADER_SIZE, left: bytes.len() }.into());
        }
        let protocol = Version { major: bytes[4], minor: bytes[5] };
        if protocol.major != PROTOCOL_1_0.major {
            return Err(FrameError::UnsupportedProtocol(protocol));
        }
        let encoding = Version { major: bytes[6], minor: bytes[7] };
        if encoding.major != HEADER_ENCODING.major {
            return Err(FrameError::UnsupportedEncoding(encoding));
        }
        let kind = bytes[8];
        if kind > 4 {
            return Err(FrameError::UnknownType(kind));
        }
        match bytes[9] {
            0 | 1 => {}
            _ => return Err(FrameError::Compressed),
        }
        let size = i32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
        if size < HEADER_SIZE as i32 {
            return Err(FrameError::BadSize(size));
        }
        Ok(Self { kind, size: size as usize })
    }
}

/// Fails as soon as the bytes seen so far cannot be the start of "IceP", so a peer that is
/// not Ice (an HTTP client, say) is recognised on its first bytes.
fn check_magic(bytes: &[u8]) -> Result<(), FrameError> {
    let seen = bytes.len().min(MAGIC.len());
    if bytes[..seen] != MAGIC[..seen] {
        return Err(FrameError::BadMagic(bytes[..seen].escape_ascii().to_string()));
    }
    Ok(())
}

/// Frames Ice messages for `tokio_util::codec::Framed`, refusing any message announced larger
/// than `max_message` bytes before reading its body.
#[derive(Debug, Clone)]
pub struct IceCodec {
    max_message: usize,
}

impl IceCodec {
    pub fn new(max_message: usize) -> Self {
        Self { max_message }
    }
}

impl Decoder for IceCodec {
    type Item = Message;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Message>, FrameError> {
        if src.len() < HEADER_SIZE {
            check_magic(src)?;
            return Ok(None);
        }
        let header = Header::parse(src)?;
        if header.size > self.max_message {
            return Err(FrameError::TooLarge { size: header.size, max: self.max_message });
        }
        if src.len() < header.size {
            src.reserve(header.size - src.len());
            return Ok(None);
        }
        let frame = src.split_to(header.size);
        Message::from_bytes(&frame).map(Some)
    }
}

impl Encoder<Message> for IceCodec {
    type Error = FrameError;

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.extend_from_slice(&message.to_bytes());
        Ok(())
    }
}
