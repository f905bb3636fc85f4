//! A small, hardened XML reader: quick-xml's namespace-aware [`NsReader`] turned into a tree
//! of [`Element`]s, refusing everything a SOAP message has no business containing.
//!
//! What makes XML dangerous to parse is the document type declaration: its entities can
//! expand exponentially ("billion laughs") or pull in files and URLs ("XXE"). SOAP forbids a
//! DTD in a message outright, so this reader refuses `<!DOCTYPE` the moment it sees it, before
//! any element is read. quick-xml itself never expands entities or fetches anything; it
//! reports each `&name;` as an event, and only the five predefined entities and character
//! references are resolved here. The tree is bounded in depth and in size, so a hostile
//! document costs at most a few times its own (already bounded) length.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

/// How deep and how large a document may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of elements (the envelope is depth 1).
    pub max_depth: usize,
    /// Most elements in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // A request is Envelope/Body/Operation/field: 4 deep. 32 leaves room for headers.
        Self { max_depth: 32, max_elements: 1024 }
    }
}

/// One element: its namespace-resolved name, attributes, text and child elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The namespace URI, `None` for an unqualified name.
    pub namespace: Option<String>,
    pub name: String,
    pub attributes: Vec<Attribute>,
    /// All text directly inside this element, entities resolved, concatenated.
    pub text: String,
    pub children: Vec<Element>,
}

/// One attribute with its namespace-resolved name (`xmlns` declarations are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub namespace: Option<String>,
    pub name: String,
    pub value: String,
}

/// Why a document was refused. Every variant is the sender's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the message is not UTF-8")]
    NotUtf8,
    #[error("the message declares encoding {0}; only UTF-8 is accepted")]
    Encoding(String),
    #[error("a DOCTYPE is not allowed in a SOAP message")]
    DocType,
    #[error("a processing instruction is not allowed in a SOAP message")]
    ProcessingInstruction,
    #[error("undefined entity &{0};")]
    UndefinedEntity(String),
    #[error("element prefix {0}: is not bound to a namespace")]
    UnboundPrefix(String),
    #[error("elements nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {0} elements")]
    TooManyElements(usize),
    #[error("no root element")]
    NoRoot,
    #[error("malformed XML: {0}")]
    Malformed(String),
}

impl Element {
    /// Whether this element is `{namespace}name`.
    pub fn is(&self, namespace: &str, name: &str) -> bool {
        self.namespace.as_deref() == Some(namespace) && self.name == name
    }

    /// The attribute `{namespace}name`, if present.
    pub fn attribute(&self, namespace: Option<&str>, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.as_deref() == namespace && a.name == name)
            .map(|a| a.value.as_str())
    }

    /// The first child element `{namespace}name`.
    pub fn child(&self, namespace: Option<&str>, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.namespace.as_deref() == namespace && c.name == name)
    }

    /// `{namespace}name` for messages, e.g. `{urn:example:users}GetUser`.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{{{namespace}}}{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Parses `bytes` into its root element, within `limits`.
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)?;
    let mut reader = NsReader::from_str(text);
    let malformed = |err: quick_xml::Error| XmlError::Malformed(err.to_string());

    // The elements opened and not yet closed; the last one is the innermost.
    let mut open: Vec<Element> = Vec::new();
    let mut root = None;
    let mut elements = 0usize;
    loop {
        let (namespace, event) = reader.read_resolved_event().map_err(malformed)?;
        let namespace = match namespace {
            ResolveResult::Bound(namespace) => Some(namespace.as_ref().to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => return Err(XmlError::UnboundPrefix(prefix)),
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let name = start.name().as_ref().to_owned();
                return Err(XmlError::Malformed(format!("a second root element <{name}>")));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                if open.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep(limits.max_depth));
                }
                let mut attributes = Vec::new();
                for attribute in start.attributes() {
                    let attribute =
                        attribute.map_err(|err| XmlError::Malformed(err.to_string()))?;
                    let key = attribute.key;
                    if key.as_namespace_binding().is_some() {
                        continue;
                    }
                    let (namespace, name) = reader.resolver().resolve_attribute(key);
                    let namespace = match namespace {
                        ResolveResult::Bound(namespace) => Some(namespace.as_ref().to_owned()),
                        ResolveResult::Unbound => None,
                        ResolveResult::Unknown(prefix) => {
                            return Err(XmlError::UnboundPrefix(prefix));
                        }
                    };
                    // Only the predefined entities and character references: any other
                    // `&name;` is an error, never a lookup.
                    let value =
                        attribute.normalized_value(XmlVersion::Implicit1_0).map_err(malformed)?;
                    let value = value.into_owned();
                    attributes.push(Attribute { namespace, name: name.as_ref().to_owned(), value });
                }
                let element = Element {
                    namespace,
                    name: start.local_name().as_ref().to_owned(),
                    attributes,
                    text: String::new(),
                    children: Vec::new(),
                };
                if matches!(event, Event::Start(_)) {
                    open.push(element);
                } else {
                    close(element, &mut open, &mut root);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end tags match their start tags.
                let element = open.pop().ok_or(XmlError::Malformed("unexpected end tag".into()))?;
                close(element, &mut open, &mut root);
            }
            Event::Text(text) => append_text(&mut open, &text.xml10_content())?,
            Event::CData(data) => {
                append_text(&mut open, &data.xml10_content())?;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().map_err(malformed)? {
                    Some(ch) => ch.to_string(),
                    None => match resolve_predefined_entity(&reference) {
                        Some(text) => text.to_owned(),
                        None => return Err(XmlError::UndefinedEntity(reference.to_string())),
                    },
                };
                append_text(&mut open, &resolved)?;
            }
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|err| XmlError::Malformed(err.to_string()))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(XmlError::Encoding(encoding.into_owned()));
                    }
                }
            }
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::PI(_) => return Err(XmlError::ProcessingInstruction),
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(XmlError::Malformed(format!("<{}> is not closed", unclosed.name)));
    }
    root.ok_or(XmlError::NoRoot)
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn append_text(open: &mut [Element], text: &str) -> Result<(), XmlError> {
    match open.last_mut() {
        Some(element) => element.text.push_str(text),
        // Outside the root only whitespace may appear.
        None if text.trim().is_empty() => {}
        None => return Err(XmlError::Malformed("text outside the root element".into())),
    }
    Ok(())
}

/// Escapes text for an element's content or a double-quoted attribute.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(xml: &str) -> Result<Element, XmlError> {
        parse(xml.as_bytes(), Limits::default())
    }

    #[test]
    fn names_are_resolved_against_their_namespaces() {
        let root = parse_default(
            r#"<?xml version="1.0" encoding="utf-8"?>
            <e:Envelope xmlns:e="urn:e" xmlns="urn:d"><e:Body><Op a="1" e:b="x &amp; y">
              Tom &amp; Jerry&#33; <![CDATA[<raw>]]></Op></e:Body></e:Envelope>"#,
        )
        .unwrap();
        assert!(root.is("urn:e", "Envelope"));
        let op = &root.children[0].children[0];
        assert!(op.is("urn:d", "Op"));
        assert_eq!(op.attribute(None, "a"), Some("1"));
        assert_eq!(op.attribute(Some("urn:e"), "b"), Some("x & y"));
        assert_eq!(op.text.trim(), "Tom & Jerry! <raw>");
    }

    #[test]
    fn doctypes_entities_and_instructions_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
            <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><a>&lol2;</a>"#;
        assert_eq!(parse_default(laughs), Err(XmlError::DocType));
        let xxe = r#"<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>"#;
        assert_eq!(parse_default(xxe), Err(XmlError::DocType));
        assert_eq!(parse_default("<a>&xxe;</a>"), Err(XmlError::UndefinedEntity("xxe".into())));
        assert!(matches!(parse_default(r#"<a b="&xxe;"/>"#), Err(XmlError::Malformed(_))));
        assert_eq!(parse_default("<?evil?><a/>"), Err(XmlError::ProcessingInstruction));
        let latin1 = r#"<?xml version="1.0" encoding="ISO-8859-1"?><a/>"#;
        assert_eq!(parse_default(latin1), Err(XmlError::Encoding("ISO-8859-1".into())));
        assert_eq!(parse(b"<a>\xff</a>", Limits::default()), Err(XmlError::NotUtf8));
    }

    #[test]
    fn malformed_documents_are_refused() {
        for xml in ["", "  ", "<a>", "<a></b>", "<a/><b/>", "text", "<a>&amp</a>", "<p:a/>"] {
            assert!(parse_default(xml).is_err(), "{xml:?} was accepted");
        }
    }

    #[test]
    fn depth_and_size_are_bounded() {
        let limits = Limits { max_depth: 3, max_elements: 5 };
        assert!(parse(b"<a><b><c/></b></a>", limits).is_ok());
        assert_eq!(parse(b"<a><b><c><d/></c></b></a>", limits), Err(XmlError::TooDeep(3)));
        assert_eq!(
            parse(b"<a><b/><b/><b/><b/><b/></a>", limits),
            Err(XmlError::TooManyElements(5))
        );
    }
}
