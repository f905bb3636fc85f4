//! `users.ice` by hand: what a Slice compiler would generate for `module Users`, kept to the
//! one interface this crate serves. Read it next to `slice/users.ice`.
//!
//! - `struct User { int id; string name; string email; }` is its three members in order;
//!   `sequence<User> UserSeq` a size and that many.
//! - Parameters go in the request's encapsulation in declaration order; the result in the
//!   reply's. `getUser(1)` sends `0a 00 00 00 01 01 | 01 00 00 00`.
//! - A user exception (encoding 1.1) is a chain of *slices*, most derived first. Each slice is
//!   a flags byte, the type id as a string, the slice size (an `int` counting itself) if flag
//!   `0x10` is set, then the members of that slice; flag `0x20` marks the last slice. ZeroC
//!   writes exceptions in the compact format by default (`20`, no size): `UserNotFound(99)` is
//!   `20 | 15 "::Users::UserNotFound" | 63 00 00 00`.

use crate::encoding::{DecodeError, Encapsulation, Reader, Writer};
use crate::message::{Identity, OperationMode, Request};

/// The identity under which `ice-server` serves its `Directory`.
pub const OBJECT_NAME: &str = "users";
/// The Slice type id of the interface, as `ice_id` and `ice_isA` use it.
pub const TYPE_ID: &str = "::Users::Directory";
/// Every type the servant implements, sorted, as `ice_ids` returns them.
pub const TYPE_IDS: [&str; 2] = ["::Ice::Object", TYPE_ID];

/// `struct User`, with Slice's `int` id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub email: String,
}

impl User {
    /// Smallest encoded size: an `int` and two empty strings.
    const MIN_SIZE: usize = 4 + 1 + 1;

    fn write(&self, w: &mut Writer) {
        w.int(self.id).string(&self.name).string(&self.email);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self { id: r.int()?, name: r.string()?, email: r.string()? })
    }
}

impl std::fmt::Display for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} <{}>", self.id, self.name, self.email)
    }
}

/// The user exceptions of `users.ice`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserException {
    #[error("UserNotFound {{ id: {id} }}")]
    UserNotFound { id: i32 },
    #[error("InvalidUser {{ field: {field:?}, reason: {reason:?} }}")]
    InvalidUser { field: String, reason: String },
}

const FLAG_HAS_INDIRECTION_TABLE: u8 = 0x08;
const FLAG_HAS_SLICE_SIZE: u8 = 0x10;
const FLAG_IS_LAST_SLICE: u8 = 0x20;
/// The low two bits say how a *class* slice names its type; exception slices always use a
/// string and leave them zero.
const TYPE_ID_KIND_MASK: u8 = 0x03;

impl UserException {
    pub fn type_id(&self) -> &'static str {
        match self {
            Self::UserNotFound { .. } => "::Users::UserNotFound",
            Self::InvalidUser { .. } => "::Users::InvalidUser",
        }
    }

    /// The exception as ZeroC writes it by default: one slice, compact format.
    pub fn encode(&self) -> Encapsulation {
        Encapsulation::build(|w| {
            w.byte(FLAG_IS_LAST_SLICE).string(self.type_id());
            match self {
                Self::UserNotFound { id } => w.int(*id),
                Self::InvalidUser { field, reason } => w.string(field).string(reason),
            };
        })
    }

    /// Reads the slices of a user exception until one is a type we know. `Ok(Err(type_id))`
    /// is a well-formed exception of a type this contract does not have (the most derived
    /// type id is returned, as ZeroC's `UnknownUserException` reports it).
    pub fn decode(encapsulation: &Encapsulation) -> Result<Result<Self, String>, DecodeError> {
        let mut r = encapsulation.reader()?;
        let mut most_derived = None;
        loop {
            let flags = r.byte()?;
            if flags & (TYPE_ID_KIND_MASK | FLAG_HAS_INDIRECTION_TABLE) != 0 {
                return Err(DecodeError::Invalid(format!("exception slice flags {flags:#04x}")));
            }
            let type_id = r.string()?;
            let mut slice = if flags & FLAG_HAS_SLICE_SIZE != 0 {
                // The size counts its own four bytes.
                let size = r.int()?;
                let body = usize::try_from(size)
                    .ok()
                    .and_then(|size| size.checked_sub(4))
                    .ok_or_else(|| DecodeError::Invalid(format!("slice size {size}")))?;
                Reader::new(r.bytes(body)?)
            } else {
                r.clone()
            };
            let known = match type_id.as_str() {
                "::Users::UserNotFound" => Some(Self::UserNotFound { id: slice.int()? }),
                "::Users::InvalidUser" => {
                    Some(Self::InvalidUser { field: slice.string()?, reason: slice.string()? })
                }
                _ => None,
            };
            let last = flags & FLAG_IS_LAST_SLICE != 0;
            let most_derived = most_derived.get_or_insert_with(|| type_id.clone());
            match known {
                // Members of base slices (and optional members) after ours are not needed.
                Some(exception) => return Ok(Ok(exception)),
                // An unknown slice can be skipped only if it says how long it is.
                None if last || flags & FLAG_HAS_SLICE_SIZE == 0 => {
                    return Ok(Err(most_derived.clone()));
                }
                // Skipped; the next slice is its base type.
                None => {}
            }
        }
    }
}

/// One call on a `Directory` (or on any Ice object: the four `ice_*` built-ins), with its
/// in-parameters: the server parses requests into these, the client marshals them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    GetUser { id: i32 },
    CreateUser { name: String, email: String },
    ListUsers,
    IcePing,
    IceIsA { type_id: String },
    IceId,
    IceIds,
}

impl Call {
    pub fn operation(&self) -> &'static str {
        match self {
            Self::GetUser { .. } => "getUser",
            Self::CreateUser { .. } => "createUser",
            Self::ListUsers => "listUsers",
            Self::IcePing => "ice_ping",
            Self::IceIsA { .. } => "ice_isA",
            Self::IceId => "ice_id",
            Self::IceIds => "ice_ids",
        }
    }

    /// The mode Slice declares: `idempotent` operations, and the built-ins, which ZeroC's
    /// 3.7 runtime still sends as the older "nonmutating".
    pub fn mode(&self) -> OperationMode {
        match self {
            Self::GetUser { .. } | Self::ListUsers => OperationMode::Idempotent,
            Self::CreateUser { .. } => OperationMode::Normal,
            Self::IcePing | Self::IceIsA { .. } | Self::IceId | Self::IceIds => {
                OperationMode::Nonmutating
            }
        }
    }

    /// Whether a request sent with `received` may run this operation: ZeroC's rule, under
    /// which only an idempotent operation accepts the old "nonmutating" too.
    pub fn accepts(&self, received: OperationMode) -> bool {
        let expected = match self.mode() {
            OperationMode::Nonmutating => OperationMode::Idempotent,
            mode => mode,
        };
        expected == received
            || (expected == OperationMode::Idempotent && received == OperationMode::Nonmutating)
    }

    /// The request a twoway call sends (request id not 0), with no facet and no context:
    /// byte for byte what ZeroC's runtime sends for the same call.
    pub fn request(&self, request_id: i32, identity: &Identity) -> Request {
        Request {
            request_id,
            identity: identity.clone(),
            facet: None,
            operation: self.operation().into(),
            mode: self.mode(),
            context: Vec::new(),
            params: self.params(),
        }
    }

    /// The in-parameters, in an encapsulation.
    pub fn params(&self) -> Encapsulation {
        Encapsulation::build(|w| match self {
            Self::GetUser { id } => {
                w.int(*id);
            }
            Self::CreateUser { name, email } => {
                w.string(name).string(email);
            }
            Self::IceIsA { type_id } => {
                w.string(type_id);
            }
            Self::ListUsers | Self::IcePing | Self::IceId | Self::IceIds => {}
        })
    }

    /// The call a request names; `Ok(None)` if the object has no such operation.
    pub fn parse(operation: &str, params: &Encapsulation) -> Result<Option<Self>, DecodeError> {
        let known = matches!(
            operation,
            "getUser" | "createUser" | "listUsers" | "ice_ping" | "ice_isA" | "ice_id" | "ice_ids"
        );
        if !known {
            return Ok(None);
        }
        let mut r = params.reader()?;
        let call = match operation {
            "getUser" => Self::GetUser { id: r.int()? },
            "createUser" => Self::CreateUser { name: r.string()?, email: r.string()? },
            "listUsers" => Self::ListUsers,
            "ice_ping" => Self::IcePing,
            "ice_isA" => Self::IceIsA { type_id: r.string()? },
            "ice_id" => Self::IceId,
            _ => Self::IceIds,
        };
        r.finish()?;
        Ok(Some(call))
    }
}

/// The result of `getUser` and `createUser`.
pub fn encode_user(user: &User) -> Encapsulation {
    Encapsulation::build(|w| user.write(w))
}

pub fn decode_user(results: &Encapsulation) -> Result<User, DecodeError> {
    let mut r = results.reader()?;
    let user = User::read(&mut r)?;
    r.finish()?;
    Ok(user)
}

/// The result of `listUsers`: a `UserSeq`.
pub fn encode_users(users: &[User]) -> Encapsulation {
    Encapsulation::build(|w| {
        w.size(users.len());
        for user in users {
            user.write(w);
        }
    })
}

pub fn decode_users(results: &Encapsulation) -> Result<Vec<User>, DecodeError> {
    let mut r = results.reader()?;
    let count = r.count(User::MIN_SIZE)?;
    let users = (0..count).map(|_| User::read(&mut r)).collect::<Result<Vec<_>, _>>()?;
    r.finish()?;
    Ok(users)
}

/// The results of the built-ins: `bool` (`ice_isA`), `string` (`ice_id`), `sequence<string>`
/// (`ice_ids`), nothing (`ice_ping`).
pub fn encode_bool(value: bool) -> Encapsulation {
    Encapsulation::build(|w| {
        w.bool(value);
    })
}

pub fn decode_bool(results: &Encapsulation) -> Result<bool, DecodeError> {
    let mut r = results.reader()?;
    let value = r.bool()?;
    r.finish()?;
    Ok(value)
}

pub fn encode_string(value: &str) -> Encapsulation {
    Encapsulation::build(|w| {
        w.string(value);
    })
}

pub fn decode_string(results: &Encapsulation) -> Result<String, DecodeError> {
    let mut r = results.reader()?;
    let value = r.string()?;
    r.finish()?;
    Ok(value)
}

pub fn encode_strings(values: &[&str]) -> Encapsulation {
    Encapsulation::build(|w| {
        w.strings(values);
    })
}

pub fn decode_strings(results: &Encapsulation) -> Result<Vec<String>, DecodeError> {
    let mut r = results.reader()?;
    let values = r.strings()?;
    r.finish()?;
    Ok(values)
}

pub fn decode_void(results: &Encapsulation) -> Result<(), DecodeError> {
    results.reader()?.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user exception as a server with a newer contract would send it in the sliced format:
    /// `::Users::UserGone` (unknown here) deriving from `UserNotFound`.
    fn sliced_derived() -> Encapsulation {
        Encapsulation::build(|w| {
            w.byte(FLAG_HAS_SLICE_SIZE).string("::Users::UserGone");
            w.int(4 + 5).string("gone"); // the slice size counts itself
            w.byte(FLAG_HAS_SLICE_SIZE | FLAG_IS_LAST_SLICE).string("::Users::UserNotFound");
            w.int(4 + 4).int(7);
        })
    }

    #[test]
    fn exceptions_round_trip_in_the_compact_format_zeroc_uses() {
        for exception in [
            UserException::UserNotFound { id: 99 },
            UserException::InvalidUser { field: "email".into(), reason: "bad".into() },
        ] {
            assert_eq!(UserException::decode(&exception.encode()), Ok(Ok(exception)));
        }
        let bytes = UserException::UserNotFound { id: 99 }.encode().data;
        assert_eq!(bytes[..2], [0x20, 21], "last slice, compact; then the 21-byte type id");
    }

    #[test]
    fn an_unknown_derived_slice_is_skipped_to_its_known_base() {
        let decoded = UserException::decode(&sliced_derived());
        assert_eq!(decoded, Ok(Ok(UserException::UserNotFound { id: 7 })));
    }

    #[test]
    fn an_exception_of_no_known_type_reports_its_most_derived_type_id() {
        let unknown = Encapsulation::build(|w| {
            w.byte(FLAG_IS_LAST_SLICE).string("::Other::Failure").int(1);
        });
        assert_eq!(UserException::decode(&unknown), Ok(Err("::Other::Failure".into())));
        let bad_size = Encapsulation::build(|w| {
            w.byte(FLAG_HAS_SLICE_SIZE).string("::Other::Failure").int(2);
        });
        assert!(UserException::decode(&bad_size).is_err());
    }

    #[test]
    fn a_user_seq_with_a_forged_count_is_refused() {
        let forged = Encapsulation::build(|w| {
            w.size(1_000_000).int(1);
        });
        assert!(matches!(decode_users(&forged), Err(DecodeError::EndOfData { .. })));
    }
}
