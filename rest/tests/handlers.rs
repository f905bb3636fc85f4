//! Handler tests without a socket: each request goes through the full router (middleware
//! included) with tower's `oneshot`. Every error path answers with the one JSON error body.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use common::{User, UserStore};
use rest::api::router;
use rest::server::Config;
use rest::{ErrorCode, UserPage};
use std::time::Duration;
use support::{oneshot, request};

fn app() -> (Router, UserStore) {
    let store = UserStore::with_sample_users();
    (router(store.clone(), &Config::default()), store)
}

#[tokio::test]
async fn list_returns_the_seeded_users_a_page_at_a_time() {
    let (app, _) = app();
    let all: UserPage = oneshot(&app, request("GET", "/users", None)).await.json();
    let names: Vec<_> = all.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
    assert_eq!((all.offset, all.limit, all.total), (0, rest::DEFAULT_PAGE_LIMIT, 3));

    let page: UserPage =
        oneshot(&app, request("GET", "/users?offset=1&limit=1", None)).await.json();
    assert_eq!(page.users.iter().map(|u| u.id).collect::<Vec<_>>(), [2]);
    assert_eq!((page.offset, page.limit, page.total), (1, 1, 3));

    let past_the_end: UserPage =
        oneshot(&app, request("GET", "/users?offset=50", None)).await.json();
    assert!(past_the_end.users.is_empty());
    assert_eq!(past_the_end.total, 3);
}

#[tokio::test]
async fn get_finds_a_user_and_404s_a_missing_one() {
    let (app, _) = app();
    let reply = oneshot(&app, request("GET", "/users/1", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let ada: User = reply.json();
    assert_eq!((ada.id, ada.name.as_str()), (1, "Ada Lovelace"));

    let missing = oneshot(&app, request("GET", "/users/99", None)).await;
    let body = missing.assert_error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(body.message, "user 99 not found");
}

#[tokio::test]
async fn create_answers_201_with_location_and_stores_the_user() {
    let (app, store) = app();
    let json = r#"{"name":"  Barbara Liskov ","email":"barbara@example.com"}"#;
    let reply = oneshot(&app, request("POST", "/users", Some(json))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.headers[header::LOCATION], "/users/4");
    let created: User = reply.json();
    assert_eq!(created.name, "Barbara Liskov", "the name is trimmed");
    assert_eq!(store.get(4).unwrap(), created);

    let fetched: User = oneshot(&app, request("GET", "/users/4", None)).await.json();
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn update_replaces_and_delete_removes() {
    let (app, store) = app();
    let json = r#"{"name":"Alan M. Turing","email":"alan@example.com"}"#;
    let reply = oneshot(&app, request("PUT", "/users/2", Some(json))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(store.get(2).unwrap().name, "Alan M. Turing");

    let missing =
        oneshot(&app, request("PUT", "/users/99", Some(json.replace("alan", "x").as_str())));
    missing.await.assert_error(StatusCode::NOT_FOUND, ErrorCode::NotFound);

    let deleted = oneshot(&app, request("DELETE", "/users/2", None)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    let again = oneshot(&app, request("DELETE", "/users/2", None)).await;
    again.assert_error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn duplicate_email_is_409_on_create_and_update() {
    let (app, store) = app();
    let json = r#"{"name":"Another Ada","email":"ADA@example.com"}"#;
    let reply = oneshot(&app, request("POST", "/users", Some(json))).await;
    let body = reply.assert_error(StatusCode::CONFLICT, ErrorCode::DuplicateEmail);
    assert_eq!(body.message, "a user with email ADA@example.com already exists");
    let reply = oneshot(&app, request("PUT", "/users/2", Some(json))).await;
    reply.assert_error(StatusCode::CONFLICT, ErrorCode::DuplicateEmail);
    assert_eq!(store.len(), 3);
    assert_eq!(store.get(2).unwrap().name, "Alan Turing");
}

#[tokio::test]
async fn broken_json_is_400_and_ill_typed_json_is_422() {
    let (app, store) = app();
    for broken in [r#"{"name":"#, "not json", r#"{"name":"A","email":"a@b.c"} trailing"#, ""] {
        let reply = oneshot(&app, request("POST", "/users", Some(broken))).await;
        reply.assert_error(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest);
    }
    for ill_typed in [r#"{"name":1,"email":"a@b.c"}"#, r#"{"name":"A"}"#, "[]", "null"] {
        let reply = oneshot(&app, request("POST", "/users", Some(ill_typed))).await;
        reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidUser);
    }
    assert_eq!(store.len(), 3);
}

#[tokio::test]
async fn invalid_fields_are_422_naming_the_field() {
    let (app, store) = app();
    let cases = [
        (r#"{"name":"   ","email":"x@example.com"}"#, "invalid name: must not be empty"),
        (
            r#"{"name":"X","email":"not-an-email"}"#,
            "invalid email: must look like name@example.com",
        ),
        (
            r#"{"name":"A\u0007B","email":"x@example.com"}"#,
            "invalid name: must not contain control characters",
        ),
    ];
    for (json, message) in cases {
        for (method, uri) in [("POST", "/users"), ("PUT", "/users/1")] {
            let reply = oneshot(&app, request(method, uri, Some(json))).await;
            let body = reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidUser);
            assert_eq!(body.message, message);
        }
    }
    let long_name = format!(r#"{{"name":"{}","email":"x@example.com"}}"#, "n".repeat(65));
    let reply = oneshot(&app, request("POST", "/users", Some(&long_name))).await;
    reply.assert_error(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidUser);
    assert_eq!(store.len(), 3);
    assert_eq!(store.get(1).unwrap().name, "Ada Lovelace");
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_415() {
    let (app, store) = app();
    let json = r#"{"name":"Barbara","email":"barbara@example.com"}"#;
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let mut builder = Request::builder().method("POST").uri("/users");
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let reply = oneshot(&app, builder.body(Body::from(json)).unwrap()).await;
        reply.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType);
    }
    assert_eq!(store.len(), 3);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let store = UserStore::with_sample_users();
    let app = router(store.clone(), &Config { body_limit: 1024, ..Config::default() });
    let json = format!(r#"{{"name":"{}","email":"big@example.com"}}"#, "n".repeat(2000));
    for (method, uri) in [("POST", "/users"), ("PUT", "/users/1")] {
        let reply = oneshot(&app, request(method, uri, Some(&json))).await;
        reply.assert_error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge);
    }
    assert_eq!(store.len(), 3);
}

#[tokio::test]
async fn bad_ids_and_bad_queries_are_400() {
    let (app, _) = app();
    for uri in ["/users/abc", "/users/-1", "/users/1.5", "/users/18446744073709551616"] {
        for method in ["GET", "DELETE"] {
            let reply = oneshot(&app, request(method, uri, None)).await;
            reply.assert_error(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest);
        }
    }
    for query in ["limit=0", "limit=101", "limit=x", "offset=-1", "offset=1&offset=2"] {
        let reply = oneshot(&app, request("GET", &format!("/users?{query}"), None)).await;
        reply.assert_error(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest);
    }
}

#[tokio::test]
async fn unknown_routes_are_404_and_unknown_methods_405_with_allow() {
    let (app, _) = app();
    let reply = oneshot(&app, request("GET", "/nope", None)).await;
    let body = reply.assert_error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(body.message, "no route for GET /nope");

    let reply = oneshot(&app, request("PATCH", "/users/1", None)).await;
    reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed);
    assert_eq!(reply.headers[header::ALLOW], "GET,HEAD,PUT,DELETE");
    let reply = oneshot(&app, request("DELETE", "/users", None)).await;
    reply.assert_error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed);
    assert_eq!(reply.headers[header::ALLOW], "GET,HEAD,POST");
}

#[tokio::test]
async fn a_full_store_is_507() {
    let app = router(UserStore::new(0), &Config::default());
    let json = r#"{"name":"Barbara","email":"barbara@example.com"}"#;
    let reply = oneshot(&app, request("POST", "/users", Some(json))).await;
    let body = reply.assert_error(StatusCode::INSUFFICIENT_STORAGE, ErrorCode::StoreFull);
    assert_eq!(body.message, "the store is full (0 users)");
}

#[tokio::test]
async fn a_body_that_never_arrives_is_408_in_json() {
    let config = Config { request_timeout: Duration::from_millis(100), ..Config::default() };
    let app = router(UserStore::with_sample_users(), &config);
    let never = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let stalled = Request::builder()
        .method("POST")
        .uri("/users")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(never))
        .unwrap();
    let reply = oneshot(&app, stalled).await;
    reply.assert_error(StatusCode::REQUEST_TIMEOUT, ErrorCode::Timeout);
}

#[tokio::test]
async fn cors_admits_only_the_configured_origins() {
    let allowed = HeaderValue::from_static("http://localhost:8000");
    let config = Config { allowed_origins: vec![allowed.clone()], ..Config::default() };
    let app = router(UserStore::with_sample_users(), &config);
    let preflight = |origin: &'static str| {
        Request::builder()
            .method(Method::OPTIONS)
            .uri("/users")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .unwrap()
    };

    let reply = oneshot(&app, preflight("http://localhost:8000")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], allowed);
    let methods = reply.headers[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap();
    assert!(methods.contains("POST") && methods.contains("DELETE"), "{methods}");

    let reply = oneshot(&app, preflight("http://evil.example")).await;
    assert!(!reply.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

    // Error responses carry CORS headers too, so the other page can read the message.
    let missing = Request::builder()
        .uri("/users/99")
        .header(header::ORIGIN, "http://localhost:8000")
        .body(Body::empty())
        .unwrap();
    let reply = oneshot(&app, missing).await;
    reply.assert_error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], allowed);
}

#[tokio::test]
async fn the_page_its_script_and_stylesheet_are_served() {
    let (app, _) = app();
    for (uri, content_type, marker) in [
        ("/", "text/html; charset=utf-8", "<h1>Users</h1>"),
        ("/app.js", "text/javascript; charset=utf-8", "fetch("),
        ("/style.css", "text/css; charset=utf-8", "font-family"),
    ] {
        let reply = oneshot(&app, request("GET", uri, None)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers[header::CONTENT_TYPE], content_type);
        assert_eq!(reply.headers[header::CONTENT_SECURITY_POLICY], "default-src 'self'");
        assert!(String::from_utf8_lossy(&reply.body).contains(marker), "{uri}");
    }
}
