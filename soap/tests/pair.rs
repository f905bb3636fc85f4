//! The library's client against the library's server on 127.0.0.1:0: every operation, every
//! fault the WSDL declares, and the contract as served.

mod support;

use common::{NewUser, UserStore};
use soap::client::{ClientError, SoapClient};
use soap::server::Config;
use soap::{FaultCode, FaultDetail};
use support::{TestServer, WAIT, assert_client_fault, envelope, fault_of};

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser { name: name.into(), email: email.into() }
}

fn expect_fault<T: std::fmt::Debug>(result: Result<T, ClientError>) -> soap::Fault {
    match result {
        Err(ClientError::Fault(fault)) => fault,
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[tokio::test]
async fn every_operation_round_trips() {
    let server = TestServer::start(Config::default()).await;
    let client = SoapClient::new(server.addr).unwrap();

    let ada = client.get_user(1).await.unwrap();
    assert_eq!(
        (ada.id, ada.name.as_str(), ada.email.as_str()),
        (1, "Ada Lovelace", "ada@example.com")
    );

    // Characters that XML must escape survive both directions.
    let created =
        client.create_user(&new_user("Tom & \"Jerry\" <3", "tom@example.com")).await.unwrap();
    assert_eq!(created.id, 4);
    assert_eq!(created.name, "Tom & \"Jerry\" <3");
    assert_eq!(server.store.get(4).unwrap(), created);

    let page = client.list_users(1, 2).await.unwrap();
    let names: Vec<_> = page.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Alan Turing", "Grace Hopper"]);
    assert_eq!(page.total, 4);
    assert!(client.list_users(10, 5).await.unwrap().users.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn store_errors_are_client_faults_with_their_details() {
    let server = TestServer::start(Config::default()).await;
    let client = SoapClient::new(server.addr).unwrap();

    let fault = expect_fault(client.get_user(42).await);
    assert_eq!(fault.code, FaultCode::Client);
    assert_eq!(fault.message, "user 42 not found");
    assert_eq!(fault.detail, Some(FaultDetail::UserNotFound { id: 42 }));

    let fault = expect_fault(client.create_user(&new_user("Other Ada", "ADA@example.com")).await);
    assert_eq!(fault.message, "a user with email ADA@example.com already exists");
    assert_eq!(fault.detail, Some(FaultDetail::EmailTaken { email: "ADA@example.com".into() }));

    let fault = expect_fault(client.create_user(&new_user("X", "not-an-email")).await);
    assert_eq!(fault.code, FaultCode::Client);
    assert!(
        matches!(fault.detail, Some(FaultDetail::InvalidField { ref field, .. }) if field == "email")
    );
    let fault = expect_fault(client.create_user(&new_user("  ", "x@example.com")).await);
    assert_eq!(fault.message, "invalid name: must not be empty");

    let fault = expect_fault(client.list_users(0, 101).await);
    assert_eq!(fault.message, "invalid limit: must be between 1 and 100");
    assert_eq!(server.store.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_full_store_is_a_server_fault() {
    let server = TestServer::start_with(UserStore::new(0), Config::default()).await;
    let client = SoapClient::new(server.addr).unwrap();
    let fault = expect_fault(client.create_user(&new_user("One", "one@example.com")).await);
    assert_eq!(fault.code, FaultCode::Server);
    assert_eq!(fault.message, "the store is full (0 users)");
    assert_eq!(fault.detail, None);
    server.stop().await;
}

#[tokio::test]
async fn the_served_wsdl_is_the_file_with_only_the_address_filled_in() {
    let server = TestServer::start(Config::default()).await;
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wsdl/users.wsdl")).unwrap();
    let written = r#"<soap:address location="http://127.0.0.1:7882/soap"/>"#;
    assert_eq!(file.matches(written).count(), 1, "the file names the default address once");

    for query in ["wsdl", "WSDL"] {
        let response = reqwest::get(server.url(&format!("/soap?{query}"))).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/xml; charset=utf-8");
        let served = response.text().await.unwrap();
        let expected = file.replace(
            written,
            &format!(r#"<soap:address location="http://{}/soap"/>"#, server.addr),
        );
        assert_eq!(served, expected);
    }

    // The schema it imports, by a relative schemaLocation, is served next to it.
    let xsd = reqwest::get(server.url("/users.xsd")).await.unwrap().text().await.unwrap();
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/wsdl/users.xsd")).unwrap();
    assert_eq!(xsd, file);

    let other = reqwest::get(server.url("/soap")).await.unwrap();
    assert_eq!(other.status(), 404);
    assert!(other.text().await.unwrap().contains("/soap?wsdl"));
    server.stop().await;
}

#[tokio::test]
async fn soap_action_must_agree_with_the_body_when_given() {
    let server = TestServer::start(Config::default()).await;
    let get_user = envelope(r#"<GetUser xmlns="urn:example:users"><id>2</id></GetUser>"#);
    for action in [r#""urn:example:users#GetUser""#, "urn:example:users#GetUser", r#""""#, ""] {
        let headers = [("content-type", "text/xml"), ("soapaction", action)];
        let (status, body) = server.post(&headers, get_user.clone()).await;
        assert_eq!(status, 200, "SOAPAction {action}: {body}");
        assert!(body.contains("<name>Alan Turing</name>"), "{body}");
    }
    let headers =
        [("content-type", "text/xml"), ("soapaction", r#""urn:example:users#CreateUser""#)];
    let answer = server.post(&headers, get_user).await;
    assert_client_fault(&answer, "does not match the body's GetUser");
    server.stop().await;
}

#[tokio::test]
async fn a_request_in_another_style_is_understood() {
    // What another toolkit may send: other prefixes, qualified fields, an empty Header,
    // whitespace everywhere, a header block that need not be understood.
    let server = TestServer::start(Config::default()).await;
    let request = r#"<?xml version='1.0' encoding='utf-8'?>
        <soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">
          <soap-env:Header><t:Trace xmlns:t="urn:trace" soap-env:mustUnderstand="0">x</t:Trace></soap-env:Header>
          <soap-env:Body>
            <ns0:ListUsers xmlns:ns0="urn:example:users"><ns0:limit> 1 </ns0:limit></ns0:ListUsers>
          </soap-env:Body>
        </soap-env:Envelope>"#;
    let (status, body) = server.post_xml(request).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<email>ada@example.com</email></user><total>3</total>"), "{body}");
    tokio::time::timeout(WAIT, server.stop()).await.unwrap();
}

#[tokio::test]
async fn an_unknown_operation_is_a_client_fault() {
    let server = TestServer::start(Config::default()).await;
    let answer = server
        .post_xml(envelope(r#"<DeleteUser xmlns="urn:example:users"><id>1</id></DeleteUser>"#))
        .await;
    let fault = assert_client_fault(&answer, "unknown operation {urn:example:users}DeleteUser");
    assert_eq!(fault.detail, None);
    let answer = server.post_xml(envelope(r#"<GetUser><id>1</id></GetUser>"#)).await;
    assert_eq!(fault_of(&answer).message, "unknown operation GetUser");
    server.stop().await;
}
