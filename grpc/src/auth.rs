//! Bearer-token authentication as tonic interceptors: code that runs on every call's metadata
//! before the handler (server) or before the request leaves (client). The token travels as
//! `authorization: Bearer <token>`, the form every gRPC library and grpcurl can send.
//!
//! Without TLS the token crosses the network in clear text: fine on loopback, not beyond it.

use std::fmt;
use std::sync::Arc;
use tonic::metadata::MetadataValue;
use tonic::service::Interceptor;
use tonic::{Request, Status};

/// Server side: refuses calls without the right token with UNAUTHENTICATED.
/// With no token configured every call is let through.
#[derive(Clone)]
pub struct RequireBearer {
    token: Option<Arc<str>>,
}

impl RequireBearer {
    pub fn new(token: Option<String>) -> Self {
        Self { token: token.map(Arc::from) }
    }

    pub fn is_enabled(&self) -> bool {
        self.token.is_some()
    }
}

impl Interceptor for RequireBearer {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = &self.token else { return Ok(request) };
        let presented = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match presented {
            Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => Ok(request),
            Some(_) => Err(Status::unauthenticated("invalid bearer token")),
            None => Err(Status::unauthenticated("missing `authorization: Bearer <token>`")),
        }
    }
}

/// Compares in time that depends only on the lengths, so response times leak nothing about
/// how much of a guessed token was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

impl fmt::Debug for RequireBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireBearer").field("enabled", &self.is_enabled()).finish()
    }
}

/// Client side: adds `authorization: Bearer <token>` to every call, when there is a token.
#[derive(Clone)]
pub struct AttachBearer {
    header: Option<MetadataValue<tonic::metadata::Ascii>>,
}

impl AttachBearer {
    /// Fails when the token cannot be a header value (control characters, non-ASCII).
    pub fn new(token: Option<&str>) -> Result<Self, Status> {
        let header = token
            .map(|token| format!("Bearer {token}").parse())
            .transpose()
            .map_err(|_| Status::invalid_argument("the token must be printable ASCII"))?;
        Ok(Self { header })
    }
}

impl Interceptor for AttachBearer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(header) = &self.header {
            request.metadata_mut().insert("authorization", header.clone());
        }
        Ok(request)
    }
}

impl fmt::Debug for AttachBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachBearer").field("token", &self.header.as_ref().map(|_| "…")).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> Request<()> {
        let mut request = Request::new(());
        request.metadata_mut().insert("authorization", value.parse().unwrap());
        request
    }

    #[test]
    fn checks_the_bearer_token_only_when_one_is_configured() {
        let mut open = RequireBearer::new(None);
        assert!(open.call(Request::new(())).is_ok());

        let mut guarded = RequireBearer::new(Some("s3cret".into()));
        assert!(guarded.call(with_header("Bearer s3cret")).is_ok());
        for bad in ["Bearer s3cre", "Bearer s3cret!", "bearer s3cret", "s3cret", "Basic s3cret"] {
            let status = guarded.call(with_header(bad)).unwrap_err();
            assert_eq!(status.code(), tonic::Code::Unauthenticated, "{bad}");
        }
        let status = guarded.call(Request::new(())).unwrap_err();
        assert!(status.message().contains("missing"), "{status:?}");
        assert!(!format!("{guarded:?}").contains("s3cret"));
    }

    #[test]
    fn attaches_the_token_and_refuses_unsendable_ones() {
        let mut attach = AttachBearer::new(Some("s3cret")).unwrap();
        let request = attach.call(Request::new(())).unwrap();
        assert_eq!(request.metadata().get("authorization").unwrap(), "Bearer s3cret");
        assert!(AttachBearer::new(Some("line\nbreak")).is_err());
        assert!(!format!("{attach:?}").contains("s3cret"));
    }
}
