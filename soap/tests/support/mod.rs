//! Helpers shared by the test files: an in-process server on 127.0.0.1:0 and raw POSTs.
#![allow(dead_code)] // Each test file uses a different subset.

use common::UserStore;
use soap::server::{self, Config};
use soap::{Fault, FaultCode};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Upper bound for any single wait in the tests.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server running the library's `serve` on a free port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub store: UserStore,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        Self::start_with(UserStore::with_sample_users(), config).await
    }

    pub async fn start_with(store: UserStore, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server::serve(listener, store.clone(), config, shutdown));
        Self { addr, store, stop, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Signals shutdown; returns the join handle so a test can decide when to await it.
    pub fn begin_stop(self) -> JoinHandle<std::io::Result<()>> {
        let _ = self.stop.send(());
        self.task
    }

    /// Signals shutdown and waits for `serve` to return cleanly.
    pub async fn stop(self) {
        let task = self.begin_stop();
        tokio::time::timeout(WAIT, task).await.unwrap().unwrap().unwrap();
    }

    /// POSTs `body` to `/soap` with these headers; returns the status and the body.
    pub async fn post(
        &self,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (u16, String) {
        let http = reqwest::Client::builder().no_proxy().timeout(WAIT).build().unwrap();
        let mut request = http.post(self.url("/soap")).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// POSTs an envelope as SOAP 1.1 (`text/xml`, no SOAPAction).
    pub async fn post_xml(&self, body: impl Into<reqwest::Body>) -> (u16, String) {
        self.post(&[("content-type", "text/xml; charset=utf-8")], body).await
    }
}

/// Asserts that an answer is a fault envelope with HTTP 500 and returns the fault.
pub fn fault_of((status, body): &(u16, String)) -> Fault {
    assert_eq!(*status, 500, "{body}");
    let payload = soap::message::body_of(body.as_bytes(), Default::default()).unwrap();
    assert!(payload.is(soap::SOAP_ENVELOPE_NS, "Fault"), "{body}");
    Fault::from_element(&payload).unwrap()
}

/// Asserts a `Client` fault whose message contains `text`.
pub fn assert_client_fault(answer: &(u16, String), text: &str) -> Fault {
    let fault = fault_of(answer);
    assert_eq!(fault.code, FaultCode::Client, "{fault:?}");
    assert!(fault.message.contains(text), "{:?} does not contain {text:?}", fault.message);
    fault
}

/// The payload wrapped in a SOAP 1.1 envelope, as a foreign client might write it.
pub fn envelope(payload: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{payload}</s:Body></s:Envelope>"#
    )
}
