//! SOAP in one file: an axum endpoint answering a `GetUser` envelope, and a reqwest client
//! posting two. The full crate adds the WSDL, three operations, typed messages and limits.
//!
//! ```text
//! cargo run -p soap --example minimal
//! ```

use axum::{Router, http::StatusCode, routing::post};
use quick_xml::escape::escape;
use quick_xml::{NsReader, events::Event, name::ResolveResult};

const ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const USERS: &str = "urn:example:users";

/// The `{urn:example:users}id` in the request. A DOCTYPE is refused: no entity is expanded.
fn requested_id(xml: &str) -> Result<u64, String> {
    let mut reader = NsReader::from_str(xml);
    let mut in_id = false;
    loop {
        match reader.read_resolved_event().map_err(|error| error.to_string())? {
            (_, Event::DocType(_)) => return Err("a DOCTYPE is not allowed".into()),
            (ResolveResult::Bound(ns), Event::Start(start))
                if ns.as_ref() == USERS && start.local_name().as_ref() == "id" =>
            {
                in_id = true;
            }
            (_, Event::Text(text)) if in_id => {
                return text.trim().parse().map_err(|_| "bad id".into());
            }
            (_, Event::Eof) => return Err("no id in the request".into()),
            _ => {}
        }
    }
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><soap:Envelope xmlns:soap="{ENVELOPE}"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

/// `POST /soap`: the answer, or a fault with HTTP 500 as SOAP 1.1 wants.
async fn soap(request: String) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let xml = [("content-type", "text/xml; charset=utf-8")];
    let message = match requested_id(&request) {
        Ok(1) => {
            let user =
                "<user><id>1</id><name>Ada Lovelace</name><email>ada@example.com</email></user>";
            return (
                StatusCode::OK,
                xml,
                envelope(&format!(r#"<GetUserResponse xmlns="{USERS}">{user}</GetUserResponse>"#)),
            );
        }
        Ok(id) => format!("user {id} not found"),
        Err(error) => error,
    };
    let fault = format!(
        "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>{}</faultstring></soap:Fault>",
        escape(&message)
    );
    (StatusCode::INTERNAL_SERVER_ERROR, xml, envelope(&fault))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/soap", listener.local_addr()?);
    tokio::spawn(
        async move { axum::serve(listener, Router::new().route("/soap", post(soap))).await },
    );

    let client = reqwest::Client::builder().no_proxy().build()?;
    for id in [1, 42] {
        let request = envelope(&format!(r#"<GetUser xmlns="{USERS}"><id>{id}</id></GetUser>"#));
        println!("> {request}");
        let response =
            client.post(&url).header("content-type", "text/xml").body(request).send().await?;
        println!("< {} {}", response.status().as_u16(), response.text().await?);
    }
    Ok(())
}
