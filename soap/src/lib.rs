//! SOAP 1.1 over HTTP with a WSDL contract: the users of [`common::UserStore`] as three
//! document/literal operations, `GetUser`, `CreateUser` and `ListUsers`.
//!
//! There is no maintained SOAP framework in Rust, and none is needed: SOAP is an XML envelope
//! POSTed over HTTP, and the contract is a WSDL file written by hand. Reading order:
//!
//! - `wsdl/users.wsdl` and `wsdl/users.xsd`: the contract; everything else follows it;
//! - [`xml`]: a hardened, namespace-aware XML reader (quick-xml) that refuses DOCTYPEs;
//! - [`message`]: the typed requests, responses and faults, to and from envelopes;
//! - [`server`]: axum routes (`POST /soap`, `GET /soap?wsdl`) and the accept loop's limits;
//! - [`client`]: typed async calls over reqwest.

pub mod client;
pub mod message;
pub mod server;
pub mod xml;

pub use message::{Fault, FaultCode, FaultDetail, Operation, Request, Response, UserPage};

/// The port `soap-server` listens on and `soap-client` connects to unless `--addr` says otherwise.
pub const DEFAULT_PORT: u16 = 7882;

/// The path of the service: `POST` envelopes here, `GET` the contract at `/soap?wsdl`.
pub const PATH: &str = "/soap";

/// The namespace of the SOAP 1.1 envelope.
pub const SOAP_ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The namespace of the SOAP 1.2 envelope, which this service recognises only to refuse it
/// with a `VersionMismatch` fault.
pub const SOAP12_ENVELOPE_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The target namespace of the WSDL and the XSD: every payload element lives in it.
pub const USERS_NS: &str = "urn:example:users";

/// The contract, exactly as in `wsdl/users.wsdl`.
pub const WSDL: &str = include_str!("../wsdl/users.wsdl");
/// The schema of the messages, exactly as in `wsdl/users.xsd`; the WSDL imports it.
pub const XSD: &str = include_str!("../wsdl/users.xsd");
/// The `soap:address` written in the WSDL file; the server replaces it with its own address.
pub const WSDL_LOCATION: &str = "http://127.0.0.1:7882/soap";

/// Page size of `ListUsers` when the request names none.
pub const DEFAULT_PAGE_LIMIT: u32 = 20;
/// Largest page a client may ask for (the XSD says the same).
pub const MAX_PAGE_LIMIT: u32 = 100;

/// The WSDL as served from `addr`: the file, with only its `soap:address` changed.
pub fn wsdl_for(base_url: &str) -> String {
    let location = format!("{base_url}{PATH}");
    WSDL.replace(WSDL_LOCATION, &xml::escape(&location))
}
