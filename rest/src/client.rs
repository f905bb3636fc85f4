//! The client side: one async method per route, over reqwest. Each call checks for the exact
//! success status the API promises and turns any other answer into [`ClientError::Api`] with
//! the server's [`ErrorBody`].

use crate::{ErrorBody, Pagination, UserPage};
use common::{NewUser, User};
use reqwest::{Response, StatusCode, header};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::time::Duration;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status and a JSON error body.
    #[error("{status}: {}", body.message)]
    Api { status: StatusCode, body: ErrorBody },
    /// The server answered something this client does not understand.
    #[error("unexpected answer {status}: {detail}")]
    Unexpected { status: StatusCode, detail: String },
    /// No answer: connection refused or reset, timeout.
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
}

/// A user the server just created, and the `Location` it reported for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub user: User,
    pub location: String,
}

/// A connection pool to one server. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
}

impl RestClient {
    /// A client for the server at `addr`, plain HTTP, ignoring proxy settings (the examples
    /// talk over loopback).
    pub fn new(addr: SocketAddr) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self { http, base: format!("http://{addr}") })
    }

    /// The base URL, e.g. `http://127.0.0.1:3000`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /users?offset=&limit=`
    pub async fn list_users(&self, page: Pagination) -> Result<UserPage, ClientError> {
        let url = format!("{}/users?offset={}&limit={}", self.base, page.offset, page.limit);
        let response = self.http.get(url).send().await?;
        json_if(response, StatusCode::OK).await
    }

    /// `GET /users/{id}`
    pub async fn get_user(&self, id: u64) -> Result<User, ClientError> {
        let response = self.http.get(self.user_url(id)).send().await?;
        json_if(response, StatusCode::OK).await
    }

    /// `POST /users`
    pub async fn create_user(&self, new: &NewUser) -> Result<Created, ClientError> {
        let response = self.http.post(format!("{}/users", self.base)).json(new).send().await?;
        let location = response.headers().get(header::LOCATION).cloned();
        let user = json_if(response, StatusCode::CREATED).await?;
        let location = location.and_then(|value| value.to_str().ok().map(str::to_owned));
        let location = location.ok_or_else(|| ClientError::Unexpected {
            status: StatusCode::CREATED,
            detail: "no Location header".into(),
        })?;
        Ok(Created { user, location })
    }

    /// `PUT /users/{id}`
    pub async fn update_user(&self, id: u64, new: &NewUser) -> Result<User, ClientError> {
        let response = self.http.put(self.user_url(id)).json(new).send().await?;
        json_if(response, StatusCode::OK).await
    }

    /// `DELETE /users/{id}`
    pub async fn delete_user(&self, id: u64) -> Result<(), ClientError> {
        let response = self.http.delete(self.user_url(id)).send().await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(());
        }
        Err(error_from(response).await)
    }

    fn user_url(&self, id: u64) -> String {
        format!("{}/users/{id}", self.base)
    }
}

/// The JSON body as `T` if the status is `expected`, else the error the server sent.
async fn json_if<T: DeserializeOwned>(
    response: Response,
    expected: StatusCode,
) -> Result<T, ClientError> {
    let status = response.status();
    if status != expected {
        return Err(error_from(response).await);
    }
    let bytes = read_body(response).await?;
    serde_json::from_slice(&bytes)
        .map_err(|err| ClientError::Unexpected { status, detail: format!("bad JSON body: {err}") })
}

async fn error_from(response: Response) -> ClientError {
    let status = response.status();
    match read_body(response).await {
        Ok(bytes) => match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => ClientError::Api { status, body },
            Err(_) => {
                ClientError::Unexpected { status, detail: String::from_utf8_lossy(&bytes).into() }
            }
        },
        Err(err) => err,
    }
}

/// The largest response body this client reads. The biggest real answer, a page of 100 users,
/// is under 40 KiB; anything far larger is not this API.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The whole body, or an error as soon as it grows past [`MAX_RESPONSE_BYTES`].
async fn read_body(mut response: Response) -> Result<Vec<u8>, ClientError> {
    let status = response.status();
    let too_large = || ClientError::Unexpected {
        status,
        detail: format!("response body larger than {MAX_RESPONSE_BYTES} bytes"),
    };
    if response.content_length().is_some_and(|length| length > MAX_RESPONSE_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
