//! The protocol itself: parsing request lines and formatting response lines. No I/O here,
//! so both sides and the tests share exactly one definition.

use common::{NewUser, User, UserError, UserStore};
use std::fmt;

/// One parsed request line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Ping,
    Echo(String),
    Get(u64),
    Create(NewUser),
    Help,
    Quit,
}

/// One response line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Pong,
    Echo(String),
    User(User),
    Created(User),
    Help,
    /// The last line on a connection; the reason is empty for a plain `QUIT`.
    Bye(String),
    Err(String),
}

/// What `HELP` answers.
pub const HELP: &str = "PING | ECHO <text> | GET <id> | CREATE <email> <name> | QUIT";

impl Request {
    /// Parses one request line (without its line ending).
    pub fn parse(line: &str) -> Result<Self, String> {
        let (keyword, rest) = match line.split_once(' ') {
            Some((keyword, rest)) => (keyword, Some(rest)),
            None => (line, None),
        };
        match (keyword.to_ascii_uppercase().as_str(), rest) {
            ("PING", None) => Ok(Self::Ping),
            ("ECHO", text) => Ok(Self::Echo(text.unwrap_or_default().to_owned())),
            ("GET", Some(id)) => {
                id.trim().parse().map(Self::Get).map_err(|_| format!("not a user id: {id}"))
            }
            ("CREATE", Some(args)) => match args.trim().split_once(' ') {
                Some((email, name)) => {
                    Ok(Self::Create(NewUser { name: name.trim().into(), email: email.into() }))
                }
                None => Err("usage: CREATE <email> <name>".into()),
            },
            ("HELP", None) => Ok(Self::Help),
            ("QUIT", None) => Ok(Self::Quit),
            ("GET", None) => Err("usage: GET <id>".into()),
            ("CREATE", None) => Err("usage: CREATE <email> <name>".into()),
            ("PING" | "HELP" | "QUIT", Some(_)) => Err(format!("{keyword} takes no argument")),
            ("", _) => Err("empty line (try HELP)".into()),
            _ => Err(format!("unknown command {keyword} (try HELP)")),
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ping => write!(f, "PING"),
            Self::Echo(text) => write!(f, "ECHO {text}"),
            Self::Get(id) => write!(f, "GET {id}"),
            Self::Create(new) => write!(f, "CREATE {} {}", new.email, new.name),
            Self::Help => write!(f, "HELP"),
            Self::Quit => write!(f, "QUIT"),
        }
    }
}

impl Response {
    /// Answers one request line against the store. Never fails: a bad request is an
    /// `ERR` answer, like any other.
    pub fn answer(line: &str, store: &UserStore) -> Self {
        let request = match Request::parse(line) {
            Ok(request) => request,
            Err(reason) => return Self::Err(reason),
        };
        let user_error = |error: UserError| Self::Err(error.to_string());
        match request {
            Request::Ping => Self::Pong,
            Request::Echo(text) => Self::Echo(text),
            Request::Get(id) => store.get(id).map_or_else(user_error, Self::User),
            Request::Create(new) => store.create(new).map_or_else(user_error, Self::Created),
            Request::Help => Self::Help,
            Request::Quit => Self::Bye(String::new()),
        }
    }

    /// Parses one response line (without its line ending), as a client does.
    pub fn parse(line: &str) -> Result<Self, String> {
        let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
        let user = |rest: &str| -> Result<User, String> {
            let mut parts = rest.splitn(3, ' ');
            let (id, email, name) = (parts.next(), parts.next(), parts.next());
            match (id.and_then(|id| id.parse().ok()), email, name) {
                (Some(id), Some(email), Some(name)) => {
                    Ok(User { id, email: email.into(), name: name.into() })
                }
                _ => Err(format!("malformed user in response: {line}")),
            }
        };
        match keyword {
            "PONG" => Ok(Self::Pong),
            "ECHO" => Ok(Self::Echo(rest.into())),
            "USER" => user(rest).map(Self::User),
            "CREATED" => user(rest).map(Self::Created),
            "HELP" => Ok(Self::Help),
            "BYE" => Ok(Self::Bye(rest.into())),
            "ERR" => Ok(Self::Err(rest.into())),
            _ => Err(format!("unexpected response: {line}")),
        }
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = |f: &mut fmt::Formatter<'_>, keyword, u: &User| {
            write!(f, "{keyword} {} {} {}", u.id, u.email, u.name)
        };
        match self {
            Self::Pong => write!(f, "PONG"),
            Self::Echo(text) => write!(f, "ECHO {text}"),
            Self::User(u) => user(f, "USER", u),
            Self::Created(u) => user(f, "CREATED", u),
            Self::Help => write!(f, "HELP {HELP}"),
            Self::Bye(reason) if reason.is_empty() => write!(f, "BYE"),
            Self::Bye(reason) => write!(f, "BYE {reason}"),
            Self::Err(reason) => write!(f, "ERR {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &str) -> String {
        Response::answer(line, &UserStore::with_sample_users()).to_string()
    }

    #[test]
    fn every_command_has_its_answer() {
        assert_eq!(answer("PING"), "PONG");
        assert_eq!(answer("ping"), "PONG");
        assert_eq!(answer("ECHO hello  world"), "ECHO hello  world");
        assert_eq!(answer("GET 1"), "USER 1 ada@example.com Ada Lovelace");
        assert_eq!(
            answer("CREATE barbara@example.com Barbara Liskov"),
            "CREATED 4 barbara@example.com Barbara Liskov"
        );
        assert_eq!(answer("HELP"), format!("HELP {HELP}"));
        assert_eq!(answer("QUIT"), "BYE");
    }

    #[test]
    fn failures_are_err_lines_with_a_reason() {
        assert_eq!(answer("GET 99"), "ERR user 99 not found");
        assert_eq!(answer("GET x"), "ERR not a user id: x");
        assert_eq!(answer("GET"), "ERR usage: GET <id>");
        assert_eq!(answer("CREATE nobody"), "ERR usage: CREATE <email> <name>");
        assert_eq!(answer("CREATE bad Name"), "ERR invalid email: must look like name@example.com");
        assert_eq!(
            answer("CREATE ada@example.com Ada Again"),
            "ERR a user with email ada@example.com already exists"
        );
        assert_eq!(answer("FLY away"), "ERR unknown command FLY (try HELP)");
        assert_eq!(answer("PING now"), "ERR PING takes no argument");
        assert_eq!(answer(""), "ERR empty line (try HELP)");
    }

    #[test]
    fn responses_parse_back_into_what_was_sent() {
        let store = UserStore::with_sample_users();
        for line in ["PING", "ECHO hi there", "GET 2", "CREATE x@example.com X Y", "QUIT", "GET 9"]
        {
            let response = Response::answer(line, &store);
            assert_eq!(Response::parse(&response.to_string()), Ok(response));
        }
        assert!(Response::parse("USER one").is_err());
        assert!(Response::parse("HELLO").is_err());
    }
}
