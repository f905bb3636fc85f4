//! The `/users` routes, their handlers, and how every failure becomes one JSON error body.
//!
//! Errors come from three places and all leave as [`ErrorBody`]: the store ([`UserError`]),
//! axum's extractors (bad path, query or JSON, via the `Api*` wrappers below), and the
//! middleware (timeout, body limit), whose own error responses `json_error_bodies` rewrites.

use crate::server::Config;
use crate::{ErrorBody, ErrorCode, MAX_PAGE_LIMIT, Pagination, UserPage, frontend, openapi};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use common::{NewUser, User, UserError, UserStore};
use tower::ServiceBuilder;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The whole HTTP application: API, OpenAPI document, frontend, and the middleware that makes
/// it a service (tracing, CORS, request timeout, body limit, JSON errors everywhere).
pub fn router(store: UserStore, config: &Config) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(config.allowed_origins.clone())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::LOCATION]);

    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).put(update_user).delete(delete_user))
        .route("/openapi.json", get(openapi::serve_document))
        .merge(frontend::routes())
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(store)
        // One `ServiceBuilder` rather than one `.layer` call per middleware, as axum
        // recommends: each `Router::layer` call wraps every route in one more boxed service,
        // and each of those is cloned on every request (a quarter of the server's work for
        // `GET /users/1`, measured with callgrind).
        // Here the first layer sees the request first.
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                // CORS outside the error mapping, so a page on another origin can read error
                // bodies too.
                .layer(cors)
                .layer(middleware::map_response(json_error_bodies))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.request_timeout,
                ))
                // The body limit refuses a too-large `Content-Length` before reading the body,
                // and stops reading a chunked body at the limit; axum's own default limit
                // steps aside.
                .layer(RequestBodyLimitLayer::new(config.body_limit))
                .layer(DefaultBodyLimit::disable()),
        )
}

/// List users in id order, one page at a time.
#[utoipa::path(
    get, path = "/users", tag = "users", operation_id = "list_users",
    params(Pagination),
    responses(
        (status = 200, description = "One page of users", body = UserPage),
        (status = 400, description = "`offset` or `limit` is not a number or out of range", body = ErrorBody),
    )
)]
pub async fn list_users(
    State(store): State<UserStore>,
    ApiQuery(page): ApiQuery<Pagination>,
) -> Result<Json<UserPage>, ApiError> {
    if !(1..=MAX_PAGE_LIMIT).contains(&page.limit) {
        let message = format!("limit must be between 1 and {MAX_PAGE_LIMIT}");
        return Err(ApiError::new(StatusCode::BAD_REQUEST, message));
    }
    // A u32 always fits in usize on the 32- and 64-bit targets this runs on.
    let users = store.list(usize::try_from(page.offset).unwrap_or(usize::MAX), page.limit);
    Ok(Json(UserPage { users, offset: page.offset, limit: page.limit, total: store.len() }))
}

/// Fetch one user.
#[utoipa::path(
    get, path = "/users/{id}", tag = "users", operation_id = "get_user",
    params(("id" = u64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = openapi::UserSchema),
        (status = 400, description = "The id is not a non-negative integer", body = ErrorBody),
        (status = 404, description = "No user has this id", body = ErrorBody),
    )
)]
pub async fn get_user(
    State(store): State<UserStore>,
    ApiPath(id): ApiPath<u64>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(store.get(id)?))
}

/// Create a user; the server assigns the id and says where the new user lives.
#[utoipa::path(
    post, path = "/users", tag = "users", operation_id = "create_user",
    request_body = openapi::NewUserSchema,
    responses(
        (status = 201, description = "Created", body = openapi::UserSchema,
            headers(("Location" = String, description = "Path of the new user, e.g. /users/4"))),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        openapi::BodyErrors,
        (status = 507, description = "The store is full", body = ErrorBody),
    )
)]
pub async fn create_user(
    State(store): State<UserStore>,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<User>), ApiError> {
    let user = store.create(new)?;
    let location = format!("/users/{}", user.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(user)))
}

/// Replace a user's name and email.
#[utoipa::path(
    put, path = "/users/{id}", tag = "users", operation_id = "update_user",
    params(("id" = u64, Path, description = "The user's id")),
    request_body = openapi::NewUserSchema,
    responses(
        (status = 200, description = "The updated user", body = openapi::UserSchema),
        (status = 400, description = "The id or the JSON syntax is broken", body = ErrorBody),
        (status = 404, description = "No user has this id", body = ErrorBody),
        openapi::BodyErrors,
    )
)]
pub async fn update_user(
    State(store): State<UserStore>,
    ApiPath(id): ApiPath<u64>,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(store.update(id, new)?))
}

/// Delete a user.
#[utoipa::path(
    delete, path = "/users/{id}", tag = "users", operation_id = "delete_user",
    params(("id" = u64, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a non-negative integer", body = ErrorBody),
        (status = 404, description = "No user has this id", body = ErrorBody),
    )
)]
pub async fn delete_user(
    State(store): State<UserStore>,
    ApiPath(id): ApiPath<u64>,
) -> Result<StatusCode, ApiError> {
    store.delete(id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn route_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no route for {method} {}", uri.path()))
}

/// axum adds the `Allow` header to this response itself.
async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    let message = format!("{method} is not allowed on {}", uri.path());
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, message)
}

/// Gives a JSON body to the error responses that middleware produces on its own (the 408 of
/// the timeout layer, the plain-text 413 of the body limit), so clients see one error format.
/// Generic over the body because the body-limit layer beneath wraps it in a type of its own.
async fn json_error_bodies<B>(response: Response<B>) -> Response
where
    Response<B>: IntoResponse,
{
    let status = response.status();
    let is_json = response.headers().get(header::CONTENT_TYPE)
        == Some(&HeaderValue::from_static("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response.into_response();
    }
    let message = match status {
        StatusCode::REQUEST_TIMEOUT => "the request did not complete in time".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than allowed".to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (parts, _) = response.into_parts();
    let mut with_body = ApiError::new(status, message).into_response();
    // Keep headers such as `Allow`; the new body brings its own length and type.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            with_body.headers_mut().append(name, value.clone());
        }
    }
    with_body
}

/// An error on its way to the client: a status plus the [`ErrorBody`] that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    /// An error whose code follows from its status (each [`ErrorCode`] has exactly one).
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let error = match status {
            StatusCode::BAD_REQUEST => ErrorCode::MalformedRequest,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::REQUEST_TIMEOUT => ErrorCode::Timeout,
            StatusCode::CONFLICT => ErrorCode::DuplicateEmail,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidUser,
            StatusCode::INSUFFICIENT_STORAGE => ErrorCode::StoreFull,
            _ => return Self::internal(),
        };
        Self { status, body: ErrorBody { error, message: message.into() } }
    }

    fn internal() -> Self {
        let body = ErrorBody { error: ErrorCode::Internal, message: "internal error".into() };
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, body }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        let status = match err {
            UserError::NotFound(_) => StatusCode::NOT_FOUND,
            UserError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            UserError::AlreadyExists(_) => StatusCode::CONFLICT,
            // 507 "Insufficient Storage": the server cannot store what the request asks for.
            UserError::Full(_) => StatusCode::INSUFFICIENT_STORAGE,
        };
        Self::new(status, err.to_string())
    }
}

/// axum's rejections already carry the right status (400, 413, 415, 422) and a readable
/// message; only their plain-text body changes into [`ErrorBody`].
macro_rules! from_rejection {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for ApiError {
            fn from(rejection: $rejection) -> Self {
                Self::new(rejection.status(), rejection.body_text())
            }
        }
    )*};
}
from_rejection!(JsonRejection, PathRejection, QueryRejection);

/// `axum::Json`, answering bad input with [`ApiError`].
#[derive(Debug, FromRequest)]
#[from_request(via(Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path`, answering bad input with [`ApiError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `axum::extract::Query`, answering bad input with [`ApiError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
