//! A standard tool checks the contract: libxml2's `xmllint` validates every kind of envelope
//! the server sends (and the client and the example files send) against `wsdl/users.xsd`,
//! through a strict SOAP 1.1 envelope schema (`tests/schemas/envelope.xsd`) whose Body must
//! hold an element of users.xsd.

mod support;

use common::NewUser;
use soap::Request;
use soap::server::Config;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{TestServer, envelope};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `xmllint --noout [--schema envelope.xsd]` on `xml`; returns success and stderr.
fn xmllint(name: &str, xml: &str, schema: bool) -> (bool, String) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("soap-xmllint");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, xml).unwrap();
    let mut command = Command::new("xmllint");
    command.arg("--noout").arg("--nonet");
    if schema {
        command.arg("--schema").arg(crate_dir().join("tests/schemas/envelope.xsd"));
    }
    let output = command.arg(&file).output().unwrap_or_else(|error| {
        panic!("cannot run xmllint ({error}); install it: apt-get install libxml2-utils")
    });
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn assert_valid(name: &str, xml: &str) {
    let (valid, stderr) = xmllint(name, xml, true);
    assert!(valid, "{name} does not validate:\n{stderr}\n{xml}");
}

#[tokio::test]
#[ignore = "needs xmllint (Debian: libxml2-utils)"]
async fn every_response_and_fault_validates_against_the_xsd() {
    let server = TestServer::start(Config::default()).await;
    let calls = [
        ("get-user", r#"<GetUser xmlns="urn:example:users"><id>1</id></GetUser>"#),
        (
            "create-user",
            r#"<CreateUser xmlns="urn:example:users"><name>Tom &amp; Jerry</name><email>tom@example.com</email></CreateUser>"#,
        ),
        ("list-users", r#"<ListUsers xmlns="urn:example:users"><limit>100</limit></ListUsers>"#),
        (
            "list-users-empty",
            r#"<ListUsers xmlns="urn:example:users"><offset>50</offset></ListUsers>"#,
        ),
        ("user-not-found", r#"<GetUser xmlns="urn:example:users"><id>42</id></GetUser>"#),
        (
            "email-taken",
            r#"<CreateUser xmlns="urn:example:users"><name>A</name><email>ada@example.com</email></CreateUser>"#,
        ),
        ("invalid-field", r#"<ListUsers xmlns="urn:example:users"><limit>0</limit></ListUsers>"#),
        ("unknown-operation", r#"<Nope xmlns="urn:example:users"/>"#),
    ];
    for (name, payload) in calls {
        let (status, body) = server.post_xml(envelope(payload)).await;
        assert!(status == 200 || status == 500, "{name}: {status}");
        assert_valid(name, &body);
    }
    let (_, malformed) = server.post_xml("<oops").await;
    assert_valid("malformed", &malformed);

    // The test can fail: a response with an element the XSD does not allow is refused.
    let (_, body) = server.post_xml(envelope(calls[0].1)).await;
    let (valid, _) = xmllint(
        "tampered",
        &body.replace("<email>", "<mail>").replace("</email>", "</mail>"),
        true,
    );
    assert!(!valid, "a tampered response validated");
    server.stop().await;
}

#[test]
#[ignore = "needs xmllint (Debian: libxml2-utils)"]
fn requests_from_the_client_and_the_example_files_validate_and_the_wsdl_is_well_formed() {
    let new = NewUser { name: "Tom <&> Jerry".into(), email: "tom@example.com".into() };
    for (name, request) in [
        ("client-get", Request::GetUser { id: 1 }),
        ("client-create", Request::CreateUser(new)),
        ("client-list", Request::ListUsers { offset: 0, limit: 20 }),
    ] {
        assert_valid(name, &request.to_envelope());
    }
    for name in ["get-user", "create-user", "list-users", "get-missing-user"] {
        let path = crate_dir().join(format!("examples/requests/{name}.xml"));
        assert_valid(name, &std::fs::read_to_string(path).unwrap());
    }
    let (well_formed, stderr) = xmllint("wsdl", soap::WSDL, false);
    assert!(well_formed, "{stderr}");
}
