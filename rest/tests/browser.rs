//! The page in a real browser: Debian's headless Chromium, driven through chromedriver with
//! fantoccini. Needs `chromium` and `chromium-driver` installed, hence ignored by default:
//! `cargo test -p rest --test browser -- --include-ignored`.

mod support;

use common::{NewUser, UserStore};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rest::Pagination;
use rest::client::RestClient;
use rest::server::Config;
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::TestServer;

const STEP: Duration = Duration::from_secs(10);
const WHOLE_TEST: Duration = Duration::from_secs(90);

/// chromedriver on a free port plus a fresh profile directory; both go away on drop.
struct Driver {
    process: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Self {
        let port =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            // Its own process group, so the browsers it starts can be ended with it.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (Debian package chromium-driver)");
        let unique = format!("rest-browser-test-{}-{port}", std::process::id());
        let profile = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&profile).unwrap();
        let driver = Self { process, port, profile };
        let started = Instant::now();
        while TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).is_err() {
            assert!(started.elapsed() < STEP, "chromedriver did not open port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    async fn session(&self) -> Client {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", self.profile.display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium_binary(), "args": args },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .unwrap()
    }
}

/// `$CHROMIUM` if set, else the first `chromium` (Debian) or `chromium-browser` (Ubuntu) on
/// `PATH`.
fn chromium_binary() -> String {
    if let Ok(binary) = std::env::var("CHROMIUM") {
        return binary;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")]);
    let found = candidates.into_iter().find(|candidate| candidate.is_file());
    found.expect("chromium is installed (Debian package chromium)").display().to_string()
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid; this also ends a browser left by a failed test.
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Polls `condition` every 50 ms until it holds; fails the test after [`STEP`].
async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !condition().await {
        assert!(started.elapsed() < STEP, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The names in the table, read in one script call (the table may be re-rendered between two
/// WebDriver calls).
async fn table_names(browser: &Client) -> Vec<String> {
    let script = "return [...document.querySelectorAll('#users td:nth-child(2)')]\
                  .map((cell) => cell.textContent);";
    serde_json::from_value(browser.execute(script, Vec::new()).await.unwrap()).unwrap()
}

async fn submit_form(browser: &Client, name: &str, email: &str) {
    // After a refused submit the form keeps what was typed, so clear it first.
    for (field, text) in [("name", name), ("email", email)] {
        let input = browser.find(Locator::Id(field)).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }
    browser.find(Locator::Id("create")).await.unwrap().click().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium"]
async fn the_page_lists_creates_shows_errors_and_deletes() {
    let server = TestServer::start_with(UserStore::with_sample_users(), Config::default()).await;
    let driver = Driver::start();
    let browser = driver.session().await;
    let steps = tokio::spawn(exercise_page(browser.clone(), server.addr, server.store.clone()));
    let outcome = tokio::time::timeout(WHOLE_TEST, steps).await;
    let _ = browser.close().await;
    if let Err(failure) = outcome.expect("the browser test finishes in time") {
        std::panic::resume_unwind(failure.into_panic());
    }
    server.stop().await;
}

async fn exercise_page(browser: Client, addr: SocketAddr, store: UserStore) {
    let browser = &browser;
    browser.goto(&format!("http://{addr}/")).await.unwrap();

    // The seeded users appear.
    let seeded = ["Ada Lovelace", "Alan Turing", "Grace Hopper"];
    wait_until("the seeded users are listed", || async { table_names(browser).await == seeded })
        .await;

    // A user created through the form shows up in the list and through the API.
    submit_form(browser, "Barbara Liskov", "barbara@example.com").await;
    wait_until("the new user is listed", || async {
        table_names(browser).await.last().map(String::as_str) == Some("Barbara Liskov")
    })
    .await;
    let api = RestClient::new(addr).unwrap();
    let page = api.list_users(Pagination::default()).await.unwrap();
    let barbara = page.users.iter().find(|u| u.name == "Barbara Liskov").expect("in GET /users");
    assert_eq!(barbara.email, "barbara@example.com");

    // The API's error message is shown to the person.
    submit_form(browser, "Ada Again", "ada@example.com").await;
    let error = browser.find(Locator::Id("error")).await.unwrap();
    wait_until("the error is shown", || async { error.is_displayed().await.unwrap() }).await;
    let message = error.text().await.unwrap();
    assert_eq!(message, "409: a user with email ada@example.com already exists");
    assert_eq!(store.len(), 4);

    // Deleting through the row's button removes the user from the page and the store.
    let delete = Locator::Css("button[aria-label='Delete Barbara Liskov']");
    browser.find(delete).await.unwrap().click().await.unwrap();
    wait_until("the row is gone", || async { table_names(browser).await == seeded }).await;
    assert_eq!(store.len(), 3);
    assert!(!error.is_displayed().await.unwrap(), "a success clears the error");

    // With more users than a page holds (10), a new user shows on the last page.
    for i in 1..=8 {
        // The first one's name is markup, which the page must show as text.
        let name = if i == 1 { "<b>Extra 1</b>".to_owned() } else { format!("Extra {i}") };
        let extra = NewUser { name, email: format!("x{i}@example.com") };
        store.create(extra).unwrap();
    }
    submit_form(browser, "Edsger Dijkstra", "edsger@example.com").await;
    wait_until("the last page is shown", || async {
        table_names(browser).await == ["Extra 8", "Edsger Dijkstra"]
    })
    .await;
    let page_info = browser.find(Locator::Id("page-info")).await.unwrap().text().await.unwrap();
    assert_eq!(page_info, "11–12 of 12");
    browser.find(Locator::Id("previous")).await.unwrap().click().await.unwrap();
    wait_until("the first page is shown", || async {
        table_names(browser).await.first().map(String::as_str) == Some("Ada Lovelace")
    })
    .await;
    let names = table_names(browser).await;
    assert_eq!(names.len(), 10);
    assert_eq!(names[3], "<b>Extra 1</b>");
    let script = "return document.querySelectorAll('#users b').length;";
    assert_eq!(browser.execute(script, Vec::new()).await.unwrap(), 0, "markup stays text");
}
