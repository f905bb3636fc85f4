//! REST over HTTP/1.1 with JSON: the `/users` resource of [`common::UserStore`], served by
//! axum, described by an OpenAPI 3.1 document, used by a browser page and a reqwest client.
//!
//! - [`api`]: routes, handlers and the one JSON error body every failure uses;
//! - [`openapi`]: the OpenAPI document, generated from the handlers' annotations;
//! - [`frontend`]: the plain HTML/CSS/JS page served at `/`;
//! - [`server`]: the accept loop with the limits a real service needs;
//! - [`client`]: typed async calls over reqwest.
//!
//! This file holds what crosses the wire besides [`common::User`] and [`common::NewUser`].

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub mod api;
pub mod client;
pub mod frontend;
pub mod openapi;
pub mod server;

/// The port `rest-server` listens on and `rest-client` connects to unless `--addr` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// Page size when the request names none.
pub const DEFAULT_PAGE_LIMIT: usize = 20;
/// Largest page a client may ask for, so one request cannot make the server copy every user.
pub const MAX_PAGE_LIMIT: usize = 100;

/// The body of every error response, whatever went wrong: a stable code for programs and a
/// sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": "not_found", "message": "user 42 not found"}))]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// What went wrong, in words that can be shown to the person using the client.
    pub message: String,
}

/// Machine-readable reason of an error; each one has exactly one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the path, the query string or the JSON syntax is broken.
    MalformedRequest,
    /// 404: no such user, or no such route.
    NotFound,
    /// 405: the route exists but not with this method (see the `Allow` header).
    MethodNotAllowed,
    /// 408: the request did not complete within the server's request timeout.
    Timeout,
    /// 409: another user already has this email address.
    DuplicateEmail,
    /// 413: the body is larger than the server accepts.
    BodyTooLarge,
    /// 415: the body is not declared as `Content-Type: application/json`.
    UnsupportedMediaType,
    /// 422: well-formed JSON that is not a valid user (missing field, wrong type, bad value).
    InvalidUser,
    /// 507: the store holds as many users as it may.
    StoreFull,
    /// 500: a bug on the server side; the message says no more than that.
    Internal,
}

/// The `?offset=&limit=` of `GET /users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Pagination {
    /// How many users to skip, in id order. A `u32`, so the document can state an exact bound.
    #[serde(default)]
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64, default = 0)]
    pub offset: u32,
    /// How many users to return at most.
    #[serde(default = "default_limit")]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: usize,
}

fn default_limit() -> usize {
    DEFAULT_PAGE_LIMIT
}

impl Default for Pagination {
    fn default() -> Self {
        Self { offset: 0, limit: DEFAULT_PAGE_LIMIT }
    }
}

/// One page of `GET /users`: the users plus what a client needs to ask for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    #[schema(value_type = Vec<openapi::UserSchema>)]
    pub users: Vec<common::User>,
    /// The `offset` this page starts at.
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub offset: u32,
    /// The `limit` this page was cut to.
    pub limit: usize,
    /// How many users the store holds in all.
    pub total: usize,
}
