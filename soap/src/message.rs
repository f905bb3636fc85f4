//! What crosses the wire, as Rust types: [`Request`], [`Response`] and [`Fault`], each
//! written to and read from a SOAP 1.1 envelope. The server and the client share this file,
//! so both sides agree with each other and with `wsdl/users.xsd` by construction.
//!
//! Writing is plain `format!` with every value escaped: the envelopes are small and fixed,
//! and reading the templates shows exactly what goes out. Reading goes through
//! [`crate::xml::parse`], then picks the expected elements by namespace and name.

use crate::xml::{self, Element, Limits, XmlError, escape};
use crate::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, SOAP_ENVELOPE_NS, SOAP12_ENVELOPE_NS, USERS_NS};
use common::{NewUser, User, UserError};
use std::fmt::Write as _;

/// The three operations of the WSDL's port type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    GetUser,
    CreateUser,
    ListUsers,
}

impl Operation {
    pub const ALL: [Operation; 3] =
        [Operation::GetUser, Operation::CreateUser, Operation::ListUsers];

    /// The operation's name, which is also its request element's name.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetUser => "GetUser",
            Operation::CreateUser => "CreateUser",
            Operation::ListUsers => "ListUsers",
        }
    }

    /// The `soapAction` the WSDL's binding gives this operation.
    pub fn soap_action(self) -> &'static str {
        match self {
            Operation::GetUser => "urn:example:users#GetUser",
            Operation::CreateUser => "urn:example:users#CreateUser",
            Operation::ListUsers => "urn:example:users#ListUsers",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// A call, as the body of a request envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    GetUser { id: u64 },
    CreateUser(NewUser),
    ListUsers { offset: u32, limit: u32 },
}

/// One page of `ListUsers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    /// How many users the store holds in all.
    pub total: u64,
}

/// A successful answer, as the body of a response envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    GetUser(User),
    CreateUser(User),
    ListUsers(UserPage),
}

/// A SOAP 1.1 fault: `faultcode`, `faultstring` and, for the errors the WSDL declares, a
/// `detail` element a program can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Fault {
    pub code: FaultCode,
    pub message: String,
    pub detail: Option<FaultDetail>,
}

/// The SOAP 1.1 fault codes (`Client` and `Server` are SOAP 1.2's `Sender` and `Receiver`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultCode {
    /// The envelope is not a SOAP 1.1 envelope.
    VersionMismatch,
    /// A header marked `mustUnderstand="1"` is not understood here.
    MustUnderstand,
    /// The request is wrong: resending it unchanged will fail again.
    Client,
    /// The server could not process a correct request.
    Server,
    /// Another code, as a peer wrote it (this server sends only the four above).
    Other(String),
}

/// The fault details declared in `wsdl/users.xsd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultDetail {
    UserNotFound { id: u64 },
    InvalidField { field: String, reason: String },
    EmailTaken { email: String },
}

impl std::fmt::Display for FaultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultCode::VersionMismatch => f.write_str("VersionMismatch"),
            FaultCode::MustUnderstand => f.write_str("MustUnderstand"),
            FaultCode::Client => f.write_str("Client"),
            FaultCode::Server => f.write_str("Server"),
            FaultCode::Other(code) => f.write_str(code),
        }
    }
}

impl Fault {
    pub fn client(message: impl Into<String>) -> Self {
        Self { code: FaultCode::Client, message: message.into(), detail: None }
    }

    pub fn server(message: impl Into<String>) -> Self {
        Self { code: FaultCode::Server, message: message.into(), detail: None }
    }

    fn invalid(field: &str, reason: &str) -> Self {
        Self {
            code: FaultCode::Client,
            message: format!("invalid {field}: {reason}"),
            detail: Some(FaultDetail::InvalidField { field: field.into(), reason: reason.into() }),
        }
    }

    /// The fault as a whole response envelope.
    pub fn to_envelope(&self) -> String {
        let code = match &self.code {
            FaultCode::Other(code) => escape(code).into_owned(),
            code => format!("soap:{code}"),
        };
        let mut fault = format!(
            "<soap:Fault><faultcode>{code}</faultcode><faultstring>{}</faultstring>",
            escape(&self.message)
        );
        if let Some(detail) = &self.detail {
            let detail = match detail {
                FaultDetail::UserNotFound { id } => {
                    format!(r#"<UserNotFound xmlns="{USERS_NS}"><id>{id}</id></UserNotFound>"#)
                }
                FaultDetail::InvalidField { field, reason } => format!(
                    r#"<InvalidField xmlns="{USERS_NS}"><field>{}</field><reason>{}</reason></InvalidField>"#,
                    escape(field),
                    escape(reason)
                ),
                FaultDetail::EmailTaken { email } => format!(
                    r#"<EmailTaken xmlns="{USERS_NS}"><email>{}</email></EmailTaken>"#,
                    escape(email)
                ),
            };
            let _ = write!(fault, "<detail>{detail}</detail>");
        }
        fault.push_str("</soap:Fault>");
        envelope(&fault)
    }

    /// Reads a `soap:Fault` element (the client side).
    pub fn from_element(fault: &Element) -> Result<Self, String> {
        let code = fault.child(None, "faultcode").ok_or("a fault without faultcode")?;
        // A QName such as `soap:Client` or `SOAP-ENV:Client.Auth`: the prefix is the
        // envelope's, whatever its spelling; the part after a dot refines the code.
        let code = code.text.trim();
        let local = code.rsplit_once(':').map_or(code, |(_, local)| local);
        let code = match local.split('.').next().unwrap_or(local) {
            "VersionMismatch" => FaultCode::VersionMismatch,
            "MustUnderstand" => FaultCode::MustUnderstand,
            "Client" => FaultCode::Client,
            "Server" => FaultCode::Server,
            _ => FaultCode::Other(code.to_owned()),
        };
        let message = fault.child(None, "faultstring").map(|s| s.text.clone()).unwrap_or_default();
        let detail = match fault.child(None, "detail").and_then(|d| d.children.first()) {
            Some(detail) => FaultDetail::from_element(detail),
            None => None,
        };
        Ok(Self { code, message, detail })
    }
}

impl FaultDetail {
    /// One of the declared detail elements; `None` for anything else (a detail is optional).
    fn from_element(detail: &Element) -> Option<Self> {
        if detail.namespace.as_deref() != Some(USERS_NS) {
            return None;
        }
        let text = |name| detail.child(Some(USERS_NS), name).map(|c| c.text.clone());
        match detail.name.as_str() {
            "UserNotFound" => Some(Self::UserNotFound { id: text("id")?.trim().parse().ok()? }),
            "InvalidField" => {
                Some(Self::InvalidField { field: text("field")?, reason: text("reason")? })
            }
            "EmailTaken" => Some(Self::EmailTaken { email: text("email")? }),
            _ => None,
        }
    }
}

impl From<UserError> for Fault {
    fn from(error: UserError) -> Self {
        let message = error.to_string();
        let detail = match error {
            UserError::NotFound(id) => Some(FaultDetail::UserNotFound { id }),
            UserError::Invalid { field, reason } => {
                Some(FaultDetail::InvalidField { field: field.into(), reason: reason.into() })
            }
            UserError::AlreadyExists(email) => Some(FaultDetail::EmailTaken { email }),
            // Not the request's fault: the same request may succeed once users are deleted.
            UserError::Full(_) => return Fault::server(message),
        };
        Self { code: FaultCode::Client, message, detail }
    }
}

impl From<XmlError> for Fault {
    fn from(error: XmlError) -> Self {
        Fault::client(error.to_string())
    }
}

/// Wraps a body's content in a SOAP 1.1 envelope.
fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <soap:Envelope xmlns:soap=\"{SOAP_ENVELOPE_NS}\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

fn user_xml(user: &User) -> String {
    format!(
        "<user><id>{}</id><name>{}</name><email>{}</email></user>",
        user.id,
        escape(&user.name),
        escape(&user.email)
    )
}

/// Checks that `bytes` is a SOAP 1.1 envelope and returns the one element in its body.
///
/// Faults for a wrong envelope are the ones SOAP defines: `VersionMismatch` for another
/// envelope namespace, `MustUnderstand` for a header this service was told it must process
/// but does not know (it knows none), `Client` for the rest.
pub fn body_of(bytes: &[u8], limits: Limits) -> Result<Element, Fault> {
    let root = xml::parse(bytes, limits)?;
    if root.name == "Envelope" && !root.is(SOAP_ENVELOPE_NS, "Envelope") {
        let version = if root.namespace.as_deref() == Some(SOAP12_ENVELOPE_NS) {
            "a SOAP 1.2 envelope"
        } else {
            "an envelope in an unknown namespace"
        };
        let message = format!("{version}; this service speaks SOAP 1.1 ({SOAP_ENVELOPE_NS})");
        return Err(Fault { code: FaultCode::VersionMismatch, message, detail: None });
    }
    if !root.is(SOAP_ENVELOPE_NS, "Envelope") {
        return Err(Fault::client(format!(
            "expected a soap:Envelope, got {}",
            root.qualified_name()
        )));
    }
    let mut children = root.children.into_iter();
    let mut body = children.next();
    if let Some(header) = body.take_if(|e| e.is(SOAP_ENVELOPE_NS, "Header")) {
        for block in &header.children {
            let must = block.attribute(Some(SOAP_ENVELOPE_NS), "mustUnderstand");
            if matches!(must.map(str::trim), Some("1" | "true")) {
                let message = format!("header {} is not understood", block.qualified_name());
                return Err(Fault { code: FaultCode::MustUnderstand, message, detail: None });
            }
        }
        body = children.next();
    }
    let Some(body) = body.filter(|e| e.is(SOAP_ENVELOPE_NS, "Body")) else {
        return Err(Fault::client("the envelope has no soap:Body"));
    };
    if let Some(extra) = children.next() {
        return Err(Fault::client(format!(
            "unexpected {} after soap:Body",
            extra.qualified_name()
        )));
    }
    let mut content = body.children.into_iter();
    match (content.next(), content.next()) {
        (Some(element), None) => Ok(element),
        (None, _) => Err(Fault::client("the soap:Body is empty")),
        (Some(_), Some(_)) => Err(Fault::client("the soap:Body holds more than one element")),
    }
}

/// The simple-content children of `element` named in `names` (all in [`USERS_NS`]), in the
/// order of `names`; an unknown, repeated or structured child is an error.
fn fields<'e, const N: usize>(
    element: &'e Element,
    names: [&str; N],
) -> Result<[Option<&'e str>; N], String> {
    let mut found = [None; N];
    for child in &element.children {
        let position = names.iter().position(|name| child.is(USERS_NS, name));
        let Some(position) = position else {
            return Err(format!("unexpected {} in {}", child.qualified_name(), element.name));
        };
        if found[position].is_some() {
            return Err(format!("{} appears twice in {}", child.name, element.name));
        }
        if !child.children.is_empty() {
            return Err(format!("{} must hold text, not elements", child.name));
        }
        found[position] = Some(child.text.as_str());
    }
    Ok(found)
}

/// A required field's value, or the fault for its absence.
fn required<'e>(value: Option<&'e str>, field: &str) -> Result<&'e str, Fault> {
    value.ok_or_else(|| Fault::invalid(field, "is missing"))
}

/// A number field: XSD trims whitespace around numbers.
fn number<T: std::str::FromStr>(value: &str, field: &str, what: &str) -> Result<T, Fault> {
    value.trim().parse().map_err(|_| Fault::invalid(field, what))
}

impl Request {
    pub fn operation(&self) -> Operation {
        match self {
            Request::GetUser { .. } => Operation::GetUser,
            Request::CreateUser(_) => Operation::CreateUser,
            Request::ListUsers { .. } => Operation::ListUsers,
        }
    }

    /// The request as a whole envelope, as the client sends it.
    pub fn to_envelope(&self) -> String {
        let payload = match self {
            Request::GetUser { id } => format!("<id>{id}</id>"),
            Request::CreateUser(new) => {
                format!("<name>{}</name><email>{}</email>", escape(&new.name), escape(&new.email))
            }
            Request::ListUsers { offset, limit } => {
                format!("<offset>{offset}</offset><limit>{limit}</limit>")
            }
        };
        let name = self.operation().name();
        envelope(&format!(r#"<{name} xmlns="{USERS_NS}">{payload}</{name}>"#))
    }

    /// Reads the body's element as a request (the server side).
    pub fn from_payload(payload: &Element) -> Result<Self, Fault> {
        let operation = (payload.namespace.as_deref() == Some(USERS_NS))
            .then(|| Operation::from_name(&payload.name))
            .flatten()
            .ok_or_else(|| {
                Fault::client(format!("unknown operation {}", payload.qualified_name()))
            })?;
        match operation {
            Operation::GetUser => {
                let [id] = fields(payload, ["id"]).map_err(Fault::client)?;
                let id = number(required(id, "id")?, "id", "must be a non-negative integer")?;
                Ok(Request::GetUser { id })
            }
            Operation::CreateUser => {
                let [name, email] = fields(payload, ["name", "email"]).map_err(Fault::client)?;
                let name = required(name, "name")?.to_owned();
                let email = required(email, "email")?.to_owned();
                Ok(Request::CreateUser(NewUser { name, email }))
            }
            Operation::ListUsers => {
                let [offset, limit] =
                    fields(payload, ["offset", "limit"]).map_err(Fault::client)?;
                let offset = match offset {
                    Some(offset) => number(offset, "offset", "must be a non-negative integer")?,
                    None => 0,
                };
                let range = "must be between 1 and 100";
                let limit = match limit {
                    Some(limit) => number(limit, "limit", range)?,
                    None => DEFAULT_PAGE_LIMIT,
                };
                if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
                    return Err(Fault::invalid("limit", range));
                }
                Ok(Request::ListUsers { offset, limit })
            }
        }
    }
}

impl Response {
    pub fn operation(&self) -> Operation {
        match self {
            Response::GetUser(_) => Operation::GetUser,
            Response::CreateUser(_) => Operation::CreateUser,
            Response::ListUsers(_) => Operation::ListUsers,
        }
    }

    /// The response as a whole envelope, as the server sends it.
    pub fn to_envelope(&self) -> String {
        let payload = match self {
            Response::GetUser(user) | Response::CreateUser(user) => user_xml(user),
            Response::ListUsers(page) => {
                let mut users: String = page.users.iter().map(user_xml).collect();
                let _ = write!(users, "<total>{}</total>", page.total);
                users
            }
        };
        let name = self.operation().name();
        envelope(&format!(r#"<{name}Response xmlns="{USERS_NS}">{payload}</{name}Response>"#))
    }

    /// Reads the body's element as the response to `operation` (the client side).
    pub fn from_payload(operation: Operation, payload: &Element) -> Result<Self, String> {
        let expected = format!("{}Response", operation.name());
        if !payload.is(USERS_NS, &expected) {
            return Err(format!("expected {expected}, got {}", payload.qualified_name()));
        }
        match operation {
            Operation::GetUser | Operation::CreateUser => {
                let user =
                    payload.child(Some(USERS_NS), "user").ok_or("no user in the response")?;
                let user = user_from(user)?;
                Ok(if operation == Operation::GetUser {
                    Response::GetUser(user)
                } else {
                    Response::CreateUser(user)
                })
            }
            Operation::ListUsers => {
                let mut users = Vec::new();
                let mut total = None;
                for child in &payload.children {
                    if child.is(USERS_NS, "user") {
                        users.push(user_from(child)?);
                    } else if child.is(USERS_NS, "total") {
                        total = Some(child.text.trim().parse().map_err(|_| "a bad total")?);
                    }
                }
                let total = total.ok_or("no total in the response")?;
                Ok(Response::ListUsers(UserPage { users, total }))
            }
        }
    }
}

fn user_from(user: &Element) -> Result<User, String> {
    let [id, name, email] = fields(user, ["id", "name", "email"])?;
    let (Some(id), Some(name), Some(email)) = (id, name, email) else {
        return Err("a user without id, name or email".into());
    };
    let id = id.trim().parse().map_err(|_| format!("a bad user id {id:?}"))?;
    Ok(User { id, name: name.to_owned(), email: email.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_request(request: Request) {
        let body = body_of(request.to_envelope().as_bytes(), Limits::default()).unwrap();
        assert_eq!(Request::from_payload(&body).unwrap(), request);
    }

    #[test]
    fn requests_and_responses_survive_a_round_trip() {
        round_trip_request(Request::GetUser { id: 7 });
        let tricky = NewUser { name: "Tom & \"Jerry\" <3".into(), email: "t@example.com".into() };
        round_trip_request(Request::CreateUser(tricky.clone()));
        round_trip_request(Request::ListUsers { offset: 3, limit: 100 });

        let user = User { id: 4, name: tricky.name, email: tricky.email };
        let page = UserPage { users: vec![user.clone(), user.clone()], total: 9 };
        for response in [Response::GetUser(user.clone()), Response::ListUsers(page)] {
            let body = body_of(response.to_envelope().as_bytes(), Limits::default()).unwrap();
            assert_eq!(Response::from_payload(response.operation(), &body).unwrap(), response);
        }
    }

    #[test]
    fn faults_survive_a_round_trip() {
        let fault = Fault::from(UserError::AlreadyExists("a&b@example.com".into()));
        let body = body_of(fault.to_envelope().as_bytes(), Limits::default()).unwrap();
        assert!(body.is(SOAP_ENVELOPE_NS, "Fault"));
        assert_eq!(Fault::from_element(&body).unwrap(), fault);
    }

    #[test]
    fn a_foreign_request_written_with_prefixes_is_understood() {
        let xml = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
            <S:Header/><S:Body><u:ListUsers xmlns:u="urn:example:users"><u:limit> 2 </u:limit>
            </u:ListUsers></S:Body></S:Envelope>"#;
        let body = body_of(xml.as_bytes(), Limits::default()).unwrap();
        let request = Request::from_payload(&body).unwrap();
        assert_eq!(request, Request::ListUsers { offset: 0, limit: 2 });
    }

    #[test]
    fn wrong_envelopes_get_the_faults_soap_defines() {
        let soap12 = r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"#;
        assert_eq!(
            body_of(soap12.as_bytes(), Limits::default()).unwrap_err().code,
            FaultCode::VersionMismatch
        );
        let must = r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header>
            <t:Tx xmlns:t="urn:t" e:mustUnderstand="1"/></e:Header><e:Body/></e:Envelope>"#;
        assert_eq!(
            body_of(must.as_bytes(), Limits::default()).unwrap_err().code,
            FaultCode::MustUnderstand
        );
        let empty = r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>"#;
        assert_eq!(
            body_of(empty.as_bytes(), Limits::default()).unwrap_err().message,
            "the soap:Body is empty"
        );
        assert_eq!(body_of(b"<GetUser/>", Limits::default()).unwrap_err().code, FaultCode::Client);
    }

    #[test]
    fn bad_fields_are_client_faults_with_an_invalid_field_detail() {
        let payload = |xml: &str| xml::parse(xml.as_bytes(), Limits::default()).unwrap();
        let fault = Request::from_payload(&payload(
            r#"<GetUser xmlns="urn:example:users"><id>-1</id></GetUser>"#,
        ))
        .unwrap_err();
        assert_eq!(fault.code, FaultCode::Client);
        assert!(
            matches!(fault.detail, Some(FaultDetail::InvalidField { ref field, .. }) if field == "id")
        );
        let fault = Request::from_payload(&payload(
            r#"<CreateUser xmlns="urn:example:users"><name>X</name></CreateUser>"#,
        ))
        .unwrap_err();
        assert_eq!(fault.message, "invalid email: is missing");
        let fault = Request::from_payload(&payload(
            r#"<ListUsers xmlns="urn:example:users"><limit>0</limit></ListUsers>"#,
        ))
        .unwrap_err();
        assert_eq!(fault.message, "invalid limit: must be between 1 and 100");
        let fault =
            Request::from_payload(&payload(r#"<GetUser xmlns="urn:other"><id>1</id></GetUser>"#))
                .unwrap_err();
        assert_eq!(fault.message, "unknown operation {urn:other}GetUser");
    }
}
