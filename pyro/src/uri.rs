//! Pyro5's URIs: `PYRO:object@host:port` names one object in one daemon;
//! `PYRONAME:name@host:port` names an entry in a name server (port 9090 when left out).
//! Unix-socket locations (`PYRO:obj@./u:/path`) are not supported here.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uri {
    Pyro { object: String, host: String, port: u16 },
    PyroName { name: String, host: String, port: Option<u16> },
}

impl Uri {
    /// The name server's own object at `host:port`.
    pub fn name_server(host: impl Into<String>, port: u16) -> Self {
        Self::Pyro { object: "Pyro.NameServer".into(), host: host.into(), port }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pyro { object, host, port } => write!(f, "PYRO:{object}@{host}:{port}"),
            Self::PyroName { name, host, port: Some(port) } => {
                write!(f, "PYRONAME:{name}@{host}:{port}")
            }
            Self::PyroName { name, host, port: None } => write!(f, "PYRONAME:{name}@{host}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Pyro URI {uri:?}: {reason}")]
pub struct UriError {
    uri: String,
    reason: &'static str,
}

impl FromStr for Uri {
    type Err = UriError;

    fn from_str(text: &str) -> Result<Self, UriError> {
        let error = |reason| UriError { uri: text.to_owned(), reason };
        let (scheme, rest) = text.split_once(':').ok_or(error("expected PYRO: or PYRONAME:"))?;
        let (name, location) = rest.rsplit_once('@').ok_or(error("expected name@host:port"))?;
        if name.is_empty() {
            return Err(error("the object name is empty"));
        }
        if location.starts_with("./u:") {
            return Err(error("unix sockets are not supported"));
        }
        let (host, port) = match location.rsplit_once(':') {
            Some((host, port)) => (host, Some(port.parse().map_err(|_| error("bad port"))?)),
            None => (location, None),
        };
        // `[::1]:9090`: brackets only delimit an IPv6 address.
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(error("the host is empty"));
        }
        match scheme.to_ascii_uppercase().as_str() {
            "PYRO" => {
                let port = port.ok_or(error("a PYRO: URI needs a port"))?;
                Ok(Self::Pyro { object: name.into(), host: host.into(), port })
            }
            "PYRONAME" => Ok(Self::PyroName { name: name.into(), host: host.into(), port }),
            _ => Err(error("expected PYRO: or PYRONAME:")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_forms() {
        for text in [
            "PYRO:example.users@127.0.0.1:51234",
            "PYRONAME:example.users@127.0.0.1:9090",
            "PYRONAME:example.users@localhost",
        ] {
            assert_eq!(text.parse::<Uri>().unwrap().to_string(), text);
        }
        let uri: Uri = "pyro:obj@[::1]:5000".parse().unwrap();
        assert_eq!(uri, Uri::Pyro { object: "obj".into(), host: "::1".into(), port: 5000 });
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for text in [
            "example.users",
            "PYRO:obj@host",
            "PYRO:@host:1",
            "HTTP:obj@h:1",
            "PYRO:obj@h:99999",
            "PYRO:obj@./u:/tmp/sock",
        ] {
            assert!(text.parse::<Uri>().is_err(), "{text}");
        }
    }
}
