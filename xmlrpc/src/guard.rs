//! The first reader of every XML document, on both sides: a pass with quick-xml's pull parser
//! that keeps nothing and refuses what XML-RPC never needs and attackers love.
//!
//! - A DOCTYPE: XML-RPC documents have none. A DOCTYPE is where entities are declared, so
//!   refusing it at the first `<!DOCTYPE` means no entity is ever defined: the "billion laughs"
//!   (entities that expand to ten copies of each other) and external entities
//!   (`SYSTEM "file:///etc/passwd"`) are answered with a fault without expanding or reading
//!   anything. quick-xml never expands or fetches entities anyway; the guard makes the refusal
//!   explicit and immediate.
//! - Processing instructions other than the `<?xml ...?>` declaration.
//! - Nesting deeper than `max_depth` elements: the values are decoded recursively, so depth
//!   must be bounded before decoding, not after.
//! - Malformed XML (unclosed or mismatched tags, bad syntax) and bodies that are not UTF-8.
//!
//! The pass is linear in the size of the document, which the HTTP layer has already bounded.

use crate::codes;
use dxr::Fault;
use quick_xml::Reader;
use quick_xml::events::Event;

/// Default most elements open at once. validator1's `nestedStructTest` needs 16.
pub const MAX_DEPTH: usize = 64;

/// Why a document was refused; each becomes a fault with the code in [`Refused::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("DOCTYPE declarations are not accepted (no entities are expanded)")]
    DocType,
    #[error("processing instructions are not accepted")]
    ProcessingInstruction,
    #[error("nesting deeper than {0} elements")]
    TooDeep(usize),
    #[error("the document is not UTF-8")]
    NotUtf8,
    #[error("not well-formed XML: {0}")]
    Malformed(String),
}

impl Refused {
    /// The fault code this refusal is answered with.
    pub fn code(&self) -> i32 {
        match self {
            Refused::DocType | Refused::ProcessingInstruction | Refused::TooDeep(_) => {
                codes::INVALID_XMLRPC
            }
            Refused::NotUtf8 => codes::UNSUPPORTED_ENCODING,
            Refused::Malformed(_) => codes::PARSE_ERROR,
        }
    }

    pub fn to_fault(&self) -> Fault {
        Fault::new(self.code(), self.to_string())
    }
}

/// Checks `body` and returns it as text for dxr to decode.
pub fn check(body: &[u8], max_depth: usize) -> Result<&str, Refused> {
    let text = std::str::from_utf8(body).map_err(|_| Refused::NotUtf8)?;
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::DocType(_)) => return Err(Refused::DocType),
            Ok(Event::PI(_)) => return Err(Refused::ProcessingInstruction),
            Ok(Event::Decl(decl)) => {
                // `encoding` is optional; anything but UTF-8 (or its ASCII subset) would be
                // a lie here, since the bytes were just checked to be UTF-8.
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = encoding.to_ascii_lowercase();
                    if !matches!(&encoding[..], "utf-8" | "utf8" | "us-ascii" | "ascii") {
                        return Err(Refused::NotUtf8);
                    }
                }
            }
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > max_depth {
                    return Err(Refused::TooDeep(max_depth));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => return Err(Refused::Malformed(err.to_string())),
        }
    }
    if depth != 0 {
        return Err(Refused::Malformed("unclosed elements at the end".to_owned()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_calls_pass() {
        let call = "<?xml version='1.0'?><methodCall><methodName>x</methodName></methodCall>";
        assert_eq!(check(call.as_bytes(), MAX_DEPTH), Ok(call));
    }

    #[test]
    fn doctype_entities_and_depth_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><m>&a;</m>"#;
        assert_eq!(check(laughs.as_bytes(), MAX_DEPTH), Err(Refused::DocType));
        let pi = "<?xml-stylesheet href='x'?><m/>";
        assert_eq!(check(pi.as_bytes(), MAX_DEPTH), Err(Refused::ProcessingInstruction));
        let deep = format!("{}{}", "<a>".repeat(65), "</a>".repeat(65));
        assert_eq!(check(deep.as_bytes(), MAX_DEPTH), Err(Refused::TooDeep(64)));
        assert!(matches!(check(b"<a><b></a>", MAX_DEPTH), Err(Refused::Malformed(_))));
        assert!(matches!(check(b"<a>", MAX_DEPTH), Err(Refused::Malformed(_))));
        assert_eq!(check(b"<a>\xff</a>", MAX_DEPTH), Err(Refused::NotUtf8));
        let latin1 = "<?xml version='1.0' encoding='ISO-8859-1'?><a/>";
        assert_eq!(check(latin1.as_bytes(), MAX_DEPTH), Err(Refused::NotUtf8));
    }
}
