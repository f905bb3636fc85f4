//! Peers nobody here wrote, in both directions, with the plain `python3` every machine has:
//! Python's standard `xmlrpc.client` calls every method of `xmlrpc-server` and runs the whole
//! validator1 suite; the Rust client calls Python's `SimpleXMLRPCServer`.

mod support;

use dxr::Value;
use std::process::Stdio;
use support::{TestServer, WAIT};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use xmlrpc::client::{Client, Error};

fn python() -> Command {
    let mut command = Command::new("python3");
    command.kill_on_drop(true).current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[tokio::test]
async fn python_xmlrpc_client_passes_validator1_and_calls_every_method() {
    let server = TestServer::start().await;
    let run = python().arg("tests/peers/validator1_client.py").arg(server.url()).output();
    let output =
        tokio::time::timeout(WAIT, run).await.expect("python3 in time").expect("python3 on PATH");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for test in [
        "arrayOfStructsTest",
        "countTheEntities",
        "easyStructTest",
        "echoStructTest",
        "manyTypesTest",
        "moderateSizeArrayCheck",
        "nestedStructTest",
        "simpleStructReturnTest",
    ] {
        assert!(stdout.contains(&format!("ok validator1.{test}\n")), "{test} missing:\n{stdout}");
    }
    for part in ["ok users", "ok faults", "ok introspection and multicall"] {
        assert!(stdout.contains(part), "{part} missing:\n{stdout}");
    }
    server.stop().await;
}

#[tokio::test]
async fn rust_client_calls_python_simplexmlrpcserver() {
    let mut child = python()
        .arg("tests/peers/python_server.py")
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 on PATH");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(WAIT, lines.next_line()).await.unwrap().unwrap().unwrap();
    let port = line.strip_prefix("listening on ").expect("the port line").trim();
    let client = Client::with_url(format!("http://127.0.0.1:{port}/RPC2")).unwrap();

    let ada = client.get_user(1).await.unwrap();
    assert_eq!(ada.email, "ada@example.com");
    let missing = client.get_user(99).await.unwrap_err();
    assert!(
        matches!(&missing, Error::Fault(f) if f.code() == 1001 && f.string() == "user 99 not found")
    );
    let barbara = client.create_user("Barbara Liskov", "barbara@example.com").await.unwrap();
    assert_eq!(barbara.id, 2);
    let taken = client.create_user("B", "barbara@example.com").await.unwrap_err();
    assert_eq!(taken.fault_code(), Some(1003));

    // Every type, and both extensions, as Python decodes what dxr wrote.
    let values = vec![
        Value::Integer(-7),
        Value::Long(1 << 40),
        Value::Boolean(true),
        Value::String("<&> 'quoted' \"too\"".into()),
        Value::Double(0.5),
        Value::DateTime("20000401T12:30:45".parse().unwrap()),
        Value::Base64(vec![0, 1, 254, 255]),
        Value::Struct([("k".to_owned(), Value::Array(vec![Value::Integer(1)]))].into()),
        Value::Nil,
    ];
    let Value::Array(answer) = client.call("echo", values.clone()).await.unwrap() else {
        panic!("an array")
    };
    let types: Vec<String> = match &answer[1] {
        Value::Array(names) => names.iter().map(xmlrpc::display).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        types.join(" "),
        r#""int" "int" "bool" "str" "float" "DateTime" "Binary" "dict" "NoneType""#
    );
    // Python writes no integer beyond i4: the script sends the <i8> back as its decimal text.
    let Value::Array(echoed) = &answer[0] else { panic!("an array") };
    let mut expected = values.clone();
    expected[1] = Value::String((1u64 << 40).to_string());
    assert_eq!(echoed, &expected);

    let results = client
        .multicall(vec![
            ("users.get".into(), vec![Value::Integer(1)]),
            ("users.get".into(), vec![Value::Integer(5)]),
        ])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err().code(), 1001);
    let Value::Array(methods) = client.call("system.listMethods", vec![]).await.unwrap() else {
        panic!()
    };
    assert!(methods.contains(&Value::String("users.get".into())));
    child.kill().await.unwrap();
}
