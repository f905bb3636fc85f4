//! The browser page at `/`: plain HTML, CSS and JavaScript compiled into the binary, no build
//! step. The script talks to the same JSON API as every other client.

use axum::Router;
use axum::http::{HeaderName, header};
use axum::response::IntoResponse;
use axum::routing::get;

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const STYLE_CSS: &str = include_str!("../static/style.css");

/// The page loads only its own script and stylesheet, and talks only to this server.
const SECURITY_HEADERS: [(HeaderName, &str); 2] = [
    (header::CONTENT_SECURITY_POLICY, "default-src 'self'"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

/// `/`, `/app.js` and `/style.css`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(script))
        .route("/style.css", get(stylesheet))
}

/// The browser page.
#[utoipa::path(get, path = "/", tag = "meta", operation_id = "page",
    responses((status = 200, description = "The page", content_type = "text/html", body = String)))]
pub async fn index() -> impl IntoResponse {
    (SECURITY_HEADERS, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML)
}

/// The page's script.
#[utoipa::path(get, path = "/app.js", tag = "meta", operation_id = "page_script",
    responses((status = 200, description = "The page's script", content_type = "text/javascript", body = String)))]
pub async fn script() -> impl IntoResponse {
    (SECURITY_HEADERS, [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS)
}

/// The page's stylesheet.
#[utoipa::path(get, path = "/style.css", tag = "meta", operation_id = "page_stylesheet",
    responses((status = 200, description = "The page's stylesheet", content_type = "text/css", body = String)))]
pub async fn stylesheet() -> impl IntoResponse {
    (SECURITY_HEADERS, [(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE_CSS)
}
