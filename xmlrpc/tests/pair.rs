//! The crate's client against its server, both in this process on 127.0.0.1:0.

mod support;

use dxr::Value;
use support::TestServer;
use xmlrpc::codes;

#[tokio::test]
async fn users_get_create_list_and_their_faults() {
    let server = TestServer::start().await;
    let client = server.client();

    let ada = client.get_user(1).await.unwrap();
    assert_eq!((ada.id, ada.name.as_str()), (1, "Ada Lovelace"));
    assert_eq!(client.get_user(99).await.unwrap_err().fault_code(), Some(codes::USER_NOT_FOUND));

    let barbara = client.create_user("Barbara Liskov", "barbara@example.com").await.unwrap();
    assert_eq!(barbara.id, 4);
    assert_eq!(client.get_user(4).await.unwrap(), barbara);
    let taken = client.create_user("Other", "BARBARA@example.com").await.unwrap_err();
    assert_eq!(taken.fault_code(), Some(codes::EMAIL_TAKEN));
    let invalid = client.create_user("X", "not-an-email").await.unwrap_err();
    assert_eq!(invalid.fault_code(), Some(codes::INVALID_USER));
    assert!(invalid.to_string().contains("invalid email"), "{invalid}");

    let page = client.list_users(Some(1), Some(2)).await.unwrap();
    assert_eq!(page.iter().map(|u| u.id).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(client.list_users(None, None).await.unwrap().len(), 4);
    server.stop().await;
}

#[tokio::test]
async fn introspection_lists_describes_and_signs_every_method() {
    let server = TestServer::start().await;
    let client = server.client();
    let Value::Array(names) = client.call("system.listMethods", vec![]).await.unwrap() else {
        panic!("listMethods must answer an array");
    };
    assert_eq!(names.len(), xmlrpc::methods::METHODS.len());
    for name in names {
        let help = client.call("system.methodHelp", vec![name.clone()]).await.unwrap();
        assert!(matches!(help, Value::String(ref text) if !text.is_empty()), "{name:?}");
        let signature = client.call("system.methodSignature", vec![name]).await.unwrap();
        assert!(matches!(signature, Value::Array(ref s) if !s.is_empty()));
    }
    let unknown = client.call("system.methodHelp", vec![Value::String("nope".into())]).await;
    assert_eq!(unknown.unwrap_err().fault_code(), Some(codes::METHOD_NOT_FOUND));
    server.stop().await;
}

#[tokio::test]
async fn multicall_answers_each_call_and_keeps_faults_apart() {
    let server = TestServer::start().await;
    let client = server.client();
    let results = client
        .multicall(vec![
            ("users.get".into(), vec![Value::Integer(2)]),
            ("users.get".into(), vec![Value::Integer(99)]),
            ("no.such.method".into(), vec![]),
            ("system.multicall".into(), vec![Value::Array(vec![])]),
        ])
        .await
        .unwrap();
    assert_eq!(xmlrpc::user_from_value(results[0].as_ref().unwrap()).unwrap().name, "Alan Turing");
    assert_eq!(results[1].as_ref().unwrap_err().code(), codes::USER_NOT_FOUND);
    assert_eq!(results[2].as_ref().unwrap_err().code(), codes::METHOD_NOT_FOUND);
    assert_eq!(results[3].as_ref().unwrap_err().code(), codes::INVALID_PARAMS);

    let too_many =
        vec![("users.get".to_owned(), vec![Value::Integer(1)]); xmlrpc::MAX_MULTICALL + 1];
    let refused = client.multicall(too_many).await.unwrap_err();
    assert_eq!(refused.fault_code(), Some(codes::INVALID_PARAMS));
    server.stop().await;
}

#[tokio::test]
async fn validator1_from_rust_and_the_extensions() {
    let server = TestServer::start().await;
    let client = server.client();
    let int = Value::Integer;
    let stooges = |moe, larry, curly| {
        Value::Struct(
            [("moe", moe), ("larry", larry), ("curly", curly)]
                .map(|(k, v)| (k.to_owned(), int(v)))
                .into(),
        )
    };
    let sum = client.call("validator1.easyStructTest", vec![stooges(1, 2, 3)]).await.unwrap();
    assert_eq!(sum, int(6));
    let curlies = Value::Array(vec![stooges(1, 2, 3), stooges(4, 5, 6)]);
    assert_eq!(client.call("validator1.arrayOfStructsTest", vec![curlies]).await.unwrap(), int(9));
    let entities = client
        .call("validator1.countTheEntities", vec![Value::String("<<&'\">".into())])
        .await
        .unwrap();
    let Value::Struct(counts) = entities else { panic!("a struct") };
    assert_eq!(counts["ctLeftAngleBrackets"], int(2));
    assert_eq!(counts["ctAmpersands"], int(1));
    assert_eq!(counts["ctQuotes"], int(1));
    let overflow = client.call("validator1.simpleStructReturnTest", vec![int(i32::MAX)]).await;
    assert_eq!(overflow.unwrap_err().fault_code(), Some(codes::OUT_OF_RANGE));

    // <nil/> and <i8> are extensions: accepted as parameters.
    let page = Value::Struct([("offset".to_owned(), Value::Nil)].into());
    assert!(
        matches!(client.call("users.list", vec![page]).await.unwrap(), Value::Array(users) if users.len() == 3)
    );
    let ada = client.call("users.get", vec![Value::Long(1)]).await.unwrap();
    assert_eq!(xmlrpc::user_from_value(&ada).unwrap().id, 1);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_the_server_return() {
    let server = TestServer::start().await;
    let client = server.client();
    client.get_user(1).await.unwrap();
    server.stop().await;
    assert!(client.get_user(1).await.is_err(), "nobody listens after shutdown");
}
