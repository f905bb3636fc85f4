//! Load generators for the throughput rows: built for load rather than for reading, so that the
//! server, on its one worker thread, is what limits a row. They run on the clients' thread and
//! check every answer. Each one's own ceiling is measured in the same run against a trivial
//! server ([`canned_http`], [`plain_echo`]); see `protocols/generator.rs`.
//!
//! The examples' own clients still make the latency rows and prove correctness: a convenience
//! client (reqwest, say) spends more CPU per request than the server it calls, so it cannot
//! show what a server sustains.

use crate::harness::{Measurement, Settings, Window};
use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Requests in flight at once in every generator: enough that a server always has work
/// waiting, as under real load (wrk's `-c64` is the cross-check).
pub const IN_FLIGHT: usize = 64;

/// One HTTP request, sent again and again, and what its answer must contain.
#[derive(Debug, Clone)]
pub struct HttpCall {
    pub method: Method,
    pub path: &'static str,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Bytes,
    /// Bytes every answer's body contains (besides its `200 OK`).
    pub expect: &'static str,
}

impl HttpCall {
    pub fn get(path: &'static str, expect: &'static str) -> Self {
        Self { method: Method::GET, path, headers: Vec::new(), body: Bytes::new(), expect }
    }

    pub fn post(
        path: &'static str,
        content_type: &'static str,
        body: impl Into<Bytes>,
        expect: &'static str,
    ) -> Self {
        let headers = vec![("content-type", content_type)];
        Self { method: Method::POST, path, headers, body: body.into(), expect }
    }

    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn request(&self, host: &str) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.path)
            .header(hyper::header::HOST, host);
        for (name, value) in &self.headers {
            builder = builder.header(*name, *value);
        }
        Ok(builder.body(Full::new(self.body.clone()))?)
    }
}

/// [`IN_FLIGHT`] keep-alive HTTP/1.1 connections over hyper's client `conn` API, each with one
/// request outstanding at all times (HTTP/1.1 answers in order; hyper does not pipeline).
/// Every answer must be `200 OK` with `call.expect` in its body.
pub async fn http1(
    settings: &Settings,
    addr: SocketAddr,
    call: &HttpCall,
) -> anyhow::Result<Measurement> {
    let host = addr.to_string();
    let mut senders = Vec::with_capacity(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let stream =
            TcpStream::connect(addr).await.with_context(|| format!("connecting {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        // Drives the connection; it ends when its sender is dropped.
        tokio::spawn(connection);
        senders.push(sender);
    }
    let window = Window::start(settings);
    let (call, host) = (&call, host.as_str());
    let runs = senders.into_iter().map(|mut sender| async move {
        let mut done = 0u64;
        while let Some(counted) = window.counts(Instant::now()) {
            sender.ready().await?;
            let response = sender.send_request(call.request(host)?).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::ensure!(
                status == hyper::StatusCode::OK && contains(&body, call.expect.as_bytes()),
                "{} {}: {status}, {}",
                call.method,
                call.path,
                String::from_utf8_lossy(&body)
            );
            done += u64::from(counted);
        }
        anyhow::Ok(done)
    });
    let counts = futures_util::future::try_join_all(runs).await?;
    Ok(Measurement::Throughput { operations: counts.iter().sum(), elapsed: settings.duration })
}

/// Lines pipelined over `connections` TCP connections, [`IN_FLIGHT`] in flight in all: each
/// connection writes its share in one go, then reads as many answers, each of which must equal
/// `answer`.
pub async fn tcp_lines(
    settings: &Settings,
    addr: SocketAddr,
    connections: usize,
    line: &str,
    answer: &str,
) -> anyhow::Result<Measurement> {
    let depth = (IN_FLIGHT / connections.max(1)).max(1);
    let batch = format!("{line}\r\n").repeat(depth).into_bytes();
    let mut streams = Vec::with_capacity(connections);
    for _ in 0..connections {
        let stream =
            TcpStream::connect(addr).await.with_context(|| format!("connecting {addr}"))?;
        stream.set_nodelay(true)?;
        streams.push(BufReader::new(stream));
    }
    let window = Window::start(settings);
    let batch = &batch;
    let runs = streams.into_iter().map(|mut stream| async move {
        let mut done = 0u64;
        let mut got = String::new();
        while let Some(counted) = window.counts(Instant::now()) {
            stream.get_mut().write_all(batch).await?;
            for _ in 0..depth {
                got.clear();
                anyhow::ensure!(stream.read_line(&mut got).await? > 0, "the server hung up");
                anyhow::ensure!(got.trim_end() == answer, "expected {answer:?}, got {got:?}");
            }
            done += if counted { depth as u64 } else { 0 };
        }
        anyhow::Ok(done)
    });
    let counts = futures_util::future::try_join_all(runs).await?;
    Ok(Measurement::Throughput { operations: counts.iter().sum(), elapsed: settings.duration })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}

/// A trivial HTTP/1.1 server for the generator's ceiling: no parsing, the same canned `200 OK`
/// with `body` for every request (a request ends at its blank line; bodies are not expected).
pub async fn canned_http(listener: TcpListener, body: &'static str) {
    let response: Bytes = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into();
    while let Ok((mut stream, _)) = listener.accept().await {
        let response = response.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let mut buffer = vec![0u8; 16 * 1024];
            // The last bytes of the previous read: a blank line may straddle two reads.
            let mut tail = Vec::with_capacity(3);
            loop {
                let n = match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let mut seen = std::mem::take(&mut tail);
                seen.extend_from_slice(&buffer[..n]);
                let requests = seen.windows(4).filter(|w| *w == b"\r\n\r\n").count();
                tail = seen[seen.len().saturating_sub(3)..].to_vec();
                let answers = response.repeat(requests);
                if stream.write_all(&answers).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// A trivial line server for the generator's ceiling: every byte straight back, which is what
/// the `tcp` example answers to `ECHO <text>` too.
pub async fn plain_echo(listener: TcpListener) {
    while let Ok((mut stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let (mut reader, mut writer) = stream.split();
            let _ = tokio::io::copy(&mut reader, &mut writer).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_expected_bytes() {
        assert!(contains(br#"{"id":1,"name":"Ada"}"#, br#""id":1"#));
        assert!(!contains(b"{}", b"Ada"));
        assert!(contains(b"anything", b""));
    }
}
