//! ZeroC's own runtime on the other side, both directions: ZeroC's Python client
//! (`peers/directory_client.py`) calls every operation of `ice::server`, and
//! `DirectoryPrx` calls ZeroC's Python server (`peers/directory_server.py`). Both Python
//! scripts get only `slice/users.ice` and an address.
//!
//! Needs Debian's `python3-zeroc-ice` (3.7) for Debian's own interpreter:
//! `apt-get install python3-zeroc-ice zeroc-ice-compilers`. `ICE_PYTHON` names another
//! interpreter that can `import Ice`.

use ice::client::{ClientError, DirectoryPrx};
use ice::directory::{User, UserException};
use ice::server::{self, Config};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn python() -> String {
    let python = std::env::var("ICE_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let has_ice = Command::new(&python)
        .args(["-c", "import Ice"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        has_ice,
        "{python} cannot `import Ice`: install Debian's python3-zeroc-ice \
         (apt-get install python3-zeroc-ice zeroc-ice-compilers), or set ICE_PYTHON"
    );
    python
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers").join(name)
}

#[tokio::test]
#[ignore = "needs python3-zeroc-ice"]
async fn zerocs_python_client_calls_every_operation_of_our_server() {
    let python = python();
    let addr = "127.0.0.1:0".parse().unwrap();
    let (addr, _server) =
        server::spawn(addr, Config::default(), std::future::pending()).await.unwrap();
    let child = tokio::process::Command::new(python)
        .arg(script("directory_client.py"))
        .args([addr.ip().to_string(), addr.port().to_string()])
        .kill_on_drop(true)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the Python client finished in time")
        .unwrap();
    let (status, stdout) = (output.status, String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(
        stdout,
        "checkedCast ok\n\
         ice_ping ok\n\
         ice_id ::Users::Directory\n\
         ice_ids ::Ice::Object ::Users::Directory\n\
         getUser(1) 1 Ada Lovelace ada@example.com\n\
         getUser(99) UserNotFound 99\n\
         createUser 4 Barbara Liskov barbara.py@example.com\n\
         createUser InvalidUser email must look like name@example.com\n\
         listUsers 4 1,2,3,4\n\
         createUser(long email) InvalidUser email must be at most 254 bytes\n\
         nobody ObjectNotExistException nobody getUser\n\
         facet admin FacetNotExistException admin\n\
         ice_isA ::Users::Nothing False\n\
         deleteUser OperationNotExistException deleteUser\n\
         oneway ok\n"
    );
}

/// Starts ZeroC's Python server on a free port; the caller kills it.
fn start_python_server() -> (std::process::Child, SocketAddr) {
    let mut server = Command::new(python())
        .arg(script("directory_server.py"))
        .args(["127.0.0.1", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("the Python server started");
    let addr = line.trim().strip_prefix("listening on ").expect("a listening line");
    (server, addr.parse().unwrap())
}

#[tokio::test]
#[ignore = "needs python3-zeroc-ice"]
async fn our_client_calls_zerocs_python_server() {
    let (mut server, addr) = start_python_server();
    let run = async {
        let mut directory = DirectoryPrx::connect(addr).await?;
        assert!(directory.checked_cast().await?);
        directory.ice_ping().await?;
        assert_eq!(directory.ice_ids().await?, ["::Ice::Object", "::Users::Directory"]);
        let ada = User { id: 1, name: "Ada Lovelace".into(), email: "ada@example.com".into() };
        assert_eq!(directory.get_user(1).await?, ada);
        assert!(matches!(
            directory.get_user(99).await,
            Err(ClientError::User(UserException::UserNotFound { id: 99 }))
        ));
        let created = directory.create_user("Barbara Liskov", "barbara@example.com").await?;
        assert_eq!(created.id, 4);
        let invalid = directory.create_user("Nobody", "nowhere").await.unwrap_err();
        assert_eq!(
            invalid.to_string(),
            r#"InvalidUser { field: "email", reason: "must look like name@example.com" }"#
        );
        let ids: Vec<i32> = directory.list_users().await?.iter().map(|u| u.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        directory.close().await?;

        let identity = ice::message::Identity::new("nobody");
        let config = ice::client::Config::default();
        let mut nobody = DirectoryPrx::connect_with(addr, identity, config).await?;
        assert!(matches!(nobody.get_user(1).await, Err(ClientError::ObjectNotExist { .. })));
        Ok::<_, ClientError>(())
    };
    let result = tokio::time::timeout(Duration::from_secs(60), run).await;
    let _ = server.kill();
    let _ = server.wait();
    result.expect("the calls finished in time").unwrap();
}
