//! The client side: one async method per operation. Each builds the request envelope, POSTs
//! it with the operation's `SOAPAction`, and reads the answer: a response envelope becomes
//! the typed result, a fault becomes [`ClientError::Fault`] with its code and detail.

use crate::message::{Fault, Request, Response, UserPage, body_of};
use crate::xml::Limits;
use crate::{PATH, SOAP_ENVELOPE_NS};
use common::{NewUser, User};
use reqwest::{StatusCode, header};
use std::net::SocketAddr;
use std::time::Duration;

/// The largest response this client reads: a full page of 100 users is about 15 KiB.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a SOAP fault.
    #[error("fault {0}")]
    Fault(Fault),
    /// The server answered something that is not the expected envelope.
    #[error("unexpected answer ({status}): {detail}")]
    Unexpected { status: StatusCode, detail: String },
    /// No answer: connection refused or reset, timeout.
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// A connection pool to one SOAP endpoint. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SoapClient {
    http: reqwest::Client,
    endpoint: String,
}

impl SoapClient {
    /// A client for the server at `addr` (endpoint `http://{addr}/soap`), ignoring proxy
    /// settings (the examples talk over loopback).
    pub fn new(addr: SocketAddr) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self { http, endpoint: format!("http://{addr}{PATH}") })
    }

    /// The endpoint URL, e.g. `http://127.0.0.1:7882/soap`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub async fn get_user(&self, id: u64) -> Result<User, ClientError> {
        match self.call(&Request::GetUser { id }).await? {
            Response::GetUser(user) => Ok(user),
            other => Err(mismatch(other)),
        }
    }

    pub async fn create_user(&self, new: &NewUser) -> Result<User, ClientError> {
        match self.call(&Request::CreateUser(new.clone())).await? {
            Response::CreateUser(user) => Ok(user),
            other => Err(mismatch(other)),
        }
    }

    pub async fn list_users(&self, offset: u32, limit: u32) -> Result<UserPage, ClientError> {
        match self.call(&Request::ListUsers { offset, limit }).await? {
            Response::ListUsers(page) => Ok(page),
            other => Err(mismatch(other)),
        }
    }

    /// Sends one request envelope and reads the response or fault envelope.
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        let operation = request.operation();
        let mut response = self
            .http
            .post(&self.endpoint)
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            // SOAP 1.1 puts the action in quotes.
            .header("SOAPAction", format!("\"{}\"", operation.soap_action()))
            .body(request.to_envelope())
            .send()
            .await?;
        let status = response.status();
        let unexpected = |detail: String| ClientError::Unexpected { status, detail };

        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(unexpected(format!("a body over {MAX_RESPONSE_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        // Responses are larger than requests: a page of users is a few hundred elements.
        let limits = Limits { max_elements: 10_000, ..Limits::default() };
        let payload = body_of(&body, limits).map_err(|fault| unexpected(fault.message))?;
        if payload.is(SOAP_ENVELOPE_NS, "Fault") {
            return Err(ClientError::Fault(Fault::from_element(&payload).map_err(unexpected)?));
        }
        if status != StatusCode::OK {
            return Err(unexpected("an error status without a fault".into()));
        }
        Response::from_payload(operation, &payload).map_err(unexpected)
    }
}

/// `Response::from_payload` checks the element's name, so this cannot happen.
fn mismatch(response: Response) -> ClientError {
    let detail = format!("a {} response to another operation", response.operation().name());
    ClientError::Unexpected { status: StatusCode::OK, detail }
}
