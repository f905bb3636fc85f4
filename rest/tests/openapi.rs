//! The OpenAPI document against the server: every route and status the server produces is
//! described, every described status is produced, and every body matches its schema.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::UserStore;
use rest::api::router;
use rest::server::Config;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use support::{Reply, oneshot, request};

/// Which server a probe needs: most need the seeded one; some need special limits.
#[derive(Clone, Copy)]
enum Setup {
    Seeded,
    TinyLimits,
    FullStore,
}

struct Probe {
    setup: Setup,
    method: &'static str,
    uri: &'static str,
    /// The documented path template this request hits.
    template: &'static str,
    json: Option<&'static str>,
    status: u16,
}

const fn probe(
    method: &'static str,
    uri: &'static str,
    template: &'static str,
    json: Option<&'static str>,
    status: u16,
) -> Probe {
    Probe { setup: Setup::Seeded, method, uri, template, json, status }
}

const GRACE: &str = r#"{"name":"Grace B. Hopper","email":"grace@example.com"}"#;
const BARBARA: &str = r#"{"name":"Barbara Liskov","email":"barbara@example.com"}"#;
const DUPLICATE: &str = r#"{"name":"Ada again","email":"ada@example.com"}"#;
const BROKEN: &str = r#"{"name":"#;
const INVALID: &str = r#"{"name":"","email":"x@example.com"}"#;

/// One request for every route and every status the server can answer there.
fn probes() -> Vec<Probe> {
    let mut probes = vec![
        probe("GET", "/users", "/users", None, 200),
        probe("GET", "/users?limit=0", "/users", None, 400),
        probe("POST", "/users", "/users", Some(BARBARA), 201),
        probe("POST", "/users", "/users", Some(BROKEN), 400),
        probe("POST", "/users", "/users", Some(DUPLICATE), 409),
        probe("POST", "/users", "/users", Some(INVALID), 422),
        probe("GET", "/users/1", "/users/{id}", None, 200),
        probe("GET", "/users/x", "/users/{id}", None, 400),
        probe("GET", "/users/99", "/users/{id}", None, 404),
        probe("PUT", "/users/3", "/users/{id}", Some(GRACE), 200),
        probe("PUT", "/users/x", "/users/{id}", Some(GRACE), 400),
        probe("PUT", "/users/99", "/users/{id}", Some(BARBARA), 404),
        probe("PUT", "/users/3", "/users/{id}", Some(DUPLICATE), 409),
        probe("PUT", "/users/3", "/users/{id}", Some(INVALID), 422),
        probe("DELETE", "/users/2", "/users/{id}", None, 204),
        probe("DELETE", "/users/x", "/users/{id}", None, 400),
        probe("DELETE", "/users/99", "/users/{id}", None, 404),
        probe("GET", "/openapi.json", "/openapi.json", None, 200),
        probe("GET", "/", "/", None, 200),
        probe("GET", "/app.js", "/app.js", None, 200),
        probe("GET", "/style.css", "/style.css", None, 200),
    ];
    for (method, uri, template) in
        [("POST", "/users", "/users"), ("PUT", "/users/1", "/users/{id}")]
    {
        // 408 (the body never comes), 413 (too large); 415 comes from any setup.
        probes.push(Probe { setup: Setup::TinyLimits, ..probe(method, uri, template, None, 408) });
        probes.push(Probe { setup: Setup::TinyLimits, ..probe(method, uri, template, None, 413) });
        probes.push(probe(method, uri, template, None, 415));
    }
    probes.push(Probe {
        setup: Setup::FullStore,
        ..probe("POST", "/users", "/users", Some(BARBARA), 507)
    });
    probes
}

fn build_request(probe: &Probe) -> Request<Body> {
    let json_request = |body: Body| {
        Request::builder()
            .method(probe.method)
            .uri(probe.uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap()
    };
    match probe.status {
        408 => json_request(Body::from_stream(futures_util::stream::pending::<
            Result<Vec<u8>, std::io::Error>,
        >())),
        413 => json_request(Body::from(format!(r#"{{"name":"{}"}}"#, "n".repeat(2048)))),
        415 => Request::builder()
            .method(probe.method)
            .uri(probe.uri)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(BARBARA))
            .unwrap(),
        _ => request(probe.method, probe.uri, probe.json),
    }
}

fn app(setup: Setup) -> Router {
    match setup {
        Setup::Seeded => router(UserStore::with_sample_users(), &Config::default()),
        Setup::TinyLimits => {
            let config = Config {
                body_limit: 1024,
                request_timeout: Duration::from_millis(100),
                ..Config::default()
            };
            router(UserStore::with_sample_users(), &config)
        }
        Setup::FullStore => router(UserStore::new(0), &Config::default()),
    }
}

fn document() -> Value {
    serde_json::to_value(rest::openapi::document()).unwrap()
}

#[tokio::test]
async fn every_status_the_server_returns_is_documented_with_a_matching_body() {
    let doc = document();
    for probe in probes() {
        // A fresh app per probe, so each starts from the three seeded users.
        let reply = oneshot(&app(probe.setup), build_request(&probe)).await;
        let what = format!("{} {} -> {}", probe.method, probe.uri, reply.status);
        assert_eq!(reply.status.as_u16(), probe.status, "{what}");

        let operation = &doc["paths"][probe.template][probe.method.to_lowercase()];
        let response = &operation["responses"][probe.status.to_string()];
        assert!(response.is_object(), "{what}: status not documented");
        check_response_against(&doc, response, &reply, &what);
    }
}

#[tokio::test]
async fn every_documented_status_is_one_the_server_returns() {
    let doc = document();
    let probed: BTreeSet<(String, String, String)> = probes()
        .iter()
        .map(|p| (p.template.to_owned(), p.method.to_lowercase(), p.status.to_string()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for status in operation["responses"].as_object().unwrap().keys() {
                documented.insert((path.clone(), method.clone(), status.clone()));
            }
        }
    }
    let undocumented: Vec<_> = probed.difference(&documented).collect();
    let never_returned: Vec<_> = documented.difference(&probed).collect();
    assert!(undocumented.is_empty(), "returned but not documented: {undocumented:?}");
    assert!(never_returned.is_empty(), "documented but never returned: {never_returned:?}");
}

#[tokio::test]
async fn methods_missing_from_the_document_are_405() {
    let doc = document();
    let app = app(Setup::Seeded);
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let uri = path.replace("{id}", "1");
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if operations.get(method.to_lowercase()).is_none() {
                let reply = oneshot(&app, request(method, &uri, None)).await;
                assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
            }
        }
    }
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let reply = oneshot(&app(Setup::Seeded), request("GET", "/openapi.json", None)).await;
    assert_eq!(reply.json::<Value>(), document());
    assert_eq!(document()["openapi"], "3.1.0");
}

/// Content type, documented headers, and the body against the documented schema.
fn check_response_against(doc: &Value, response: &Value, reply: &Reply, what: &str) {
    let content_type = reply.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap());
    let Some(content) = response["content"].as_object() else {
        assert!(reply.body.is_empty(), "{what}: documented without a body");
        return;
    };
    let (media_type, media) = content.iter().next().unwrap();
    let content_type = content_type.unwrap_or_else(|| panic!("{what}: no content type"));
    assert!(content_type.starts_with(media_type.as_str()), "{what}: {content_type}");
    if media_type == "application/json" {
        check(doc, &reply.json(), &media["schema"], what);
    }
    for header in response["headers"].as_object().into_iter().flat_map(|h| h.keys()) {
        assert!(reply.headers.contains_key(header.as_str()), "{what}: no {header} header");
    }
}

/// The part of JSON Schema this document uses: `$ref`, object with required properties,
/// array, string (with enum), integer (with bounds); plus: no undocumented object fields.
fn check(doc: &Value, value: &Value, schema: &Value, at: &str) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(doc, value, &doc["components"]["schemas"][name], at);
    }
    match schema["type"].as_str() {
        Some("object") => {
            let object = value.as_object().unwrap_or_else(|| panic!("{at}: not an object"));
            for required in schema["required"].as_array().into_iter().flatten() {
                let key = required.as_str().unwrap();
                assert!(object.contains_key(key), "{at}: missing {key}");
            }
            // An object without `properties` is free-form (the document itself).
            let Some(properties) = schema["properties"].as_object() else { return };
            for (key, item) in object {
                // Stricter than JSON Schema: a field the document does not mention is drift.
                let property = properties.get(key);
                let property = property.unwrap_or_else(|| panic!("{at}: {key} is undocumented"));
                check(doc, item, property, &format!("{at}.{key}"));
            }
        }
        Some("array") => {
            for item in value.as_array().unwrap_or_else(|| panic!("{at}: not an array")) {
                check(doc, item, &schema["items"], at);
            }
        }
        Some("string") => {
            assert!(value.is_string(), "{at}: not a string");
            if let Some(allowed) = schema["enum"].as_array() {
                assert!(allowed.contains(value), "{at}: {value} not in {allowed:?}");
            }
        }
        Some("integer") => {
            let number = value.as_u64().unwrap_or_else(|| panic!("{at}: not an integer"));
            if let Some(minimum) = schema["minimum"].as_u64() {
                assert!(number >= minimum, "{at}: {number} < {minimum}");
            }
            if let Some(maximum) = schema["maximum"].as_u64() {
                assert!(number <= maximum, "{at}: {number} > {maximum}");
            }
        }
        other => panic!("{at}: schema type {other:?} not handled by this check"),
    }
}
