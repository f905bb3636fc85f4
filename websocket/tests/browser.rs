//! Two headless Chromium pages and a library client chat through the server: the page at `/`
//! really works in a browser. Needs Debian's `chromium` and `chromium-driver`.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use support::{TestServer, event, within};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use websocket::server::Config;
use websocket::{LeaveReason, ServerEvent};

/// A chromedriver on a free port, killed when dropped.
struct Driver {
    _process: Child,
    url: String,
}

impl Driver {
    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed");
        within(async {
            while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        Self { _process: process, url: format!("http://127.0.0.1:{port}") }
    }

    /// A new headless browser with its own fresh profile directory.
    async fn browser(&self, profile: &std::path::Path) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ]
        .map(String::from)
        .into_iter()
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium(), "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        // chromedriver is plain HTTP on loopback: no TLS stack needed.
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities);
        within(builder.connect(&self.url)).await.expect("a browser session")
    }
}

/// The Chromium binary: `$CHROMIUM`, else `chromium` (Debian) or `chromium-browser` (Ubuntu)
/// from `PATH`.
fn chromium() -> String {
    if let Ok(binary) = std::env::var("CHROMIUM") {
        return binary;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
        .expect("chromium (Debian package chromium) must be installed")
}

/// A fresh, empty profile directory under the system temp dir, removed when dropped.
struct Profile(PathBuf);

impl Profile {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir()
            .join(format!("websocket-browser-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn open_and_join(page: &Client, base: &str, name: &str) {
    page.goto(base).await.unwrap();
    page.find(Locator::Css("#name")).await.unwrap().send_keys(name).await.unwrap();
    page.find(Locator::Css("#join")).await.unwrap().click().await.unwrap();
    see(page, &format!("you joined as {name}")).await;
}

/// Waits (bounded) until the page's chat log shows an entry starting with `text`.
async fn see(page: &Client, text: &str) {
    assert!(!text.contains('"'), "the XPath below quotes with \"");
    let xpath = format!(r#"//ul[@id='log']/li[starts-with(normalize-space(.), "{text}")]"#);
    page.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|err| panic!("the page never showed {text:?}: {err}"));
}

async fn say(page: &Client, text: &str) {
    page.find(Locator::Css("#text")).await.unwrap().send_keys(text).await.unwrap();
    page.find(Locator::Css("#send")).await.unwrap().click().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn two_browser_pages_and_a_terminal_client_chat() {
    let server = TestServer::start(Config::default()).await;
    let driver = Driver::start().await;
    let (ada_profile, grace_profile) = (Profile::new("ada"), Profile::new("grace"));
    let ada = driver.browser(&ada_profile.0).await;
    let grace = driver.browser(&grace_profile.0).await;

    // Whatever happens, end both browser sessions: killing chromedriver alone would leave
    // the browsers running.
    let outcome = AssertUnwindSafe(chat(&server, &ada, &grace)).catch_unwind().await;
    for page in [ada, grace] {
        let _ = tokio::time::timeout(Duration::from_secs(10), page.close()).await;
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    server.stop().await;
}

async fn chat(server: &TestServer, ada: &Client, grace: &Client) {
    let base = format!("http://{}/", server.addr);
    open_and_join(ada, &base, "ada").await;
    open_and_join(grace, &base, "grace").await;
    see(ada, "grace joined").await;

    let (mut turing, welcome) = server.join("turing").await;
    assert_eq!(welcome.members, ["ada", "grace", "turing"]);
    see(ada, "turing joined").await;
    see(grace, "turing joined").await;

    say(ada, "hello from ada's tab").await;
    see(grace, "ada: hello from ada's tab").await;
    assert!(matches!(
        event(&mut turing).await,
        ServerEvent::Message(line) if line.from == "ada" && line.text == "hello from ada's tab"
    ));

    say(grace, "grace here").await;
    see(ada, "grace: grace here").await;
    turing.say("and turing in a terminal").await.unwrap();
    see(ada, "turing: and turing in a terminal").await;
    see(grace, "turing: and turing in a terminal").await;

    // The Leave button closes the WebSocket properly; the others hear it.
    grace.find(Locator::Css("#leave")).await.unwrap().click().await.unwrap();
    see(ada, "grace left (quit)").await;
    loop {
        if let ServerEvent::Left { name, reason } = event(&mut turing).await {
            assert_eq!((name.as_str(), reason), ("grace", LeaveReason::Quit));
            break;
        }
    }
    within(turing.close()).await.unwrap();
}
