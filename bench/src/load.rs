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
use bytes::{Bytes, BytesMut};
use hyper::Method;
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

    /// The request as it crosses the wire, `host` in its `Host` header.
    fn encode(&self, host: &str) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\nhost: {host}\r\n", self.method, self.path);
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        if !self.body.is_empty() {
            head += &format!("content-length: {}\r\n", self.body.len());
        }
        let mut request = (head + "\r\n").into_bytes();
        request.extend_from_slice(&self.body);
        request
    }
}

/// [`IN_FLIGHT`] keep-alive HTTP/1.1 connections, each with one request outstanding at all
/// times, as `wrk -c64` drives a server. The request is encoded once; every answer is parsed
/// with httparse (hyper's own parser) and must be `200 OK` with `call.expect` in its body.
///
/// Written for load rather than with hyper's client: hyper's client spends about as much CPU
/// per request as hyper's server, so on one thread it could not keep a bare hyper server busy
/// (its ceiling was ~80k/s here, the server's ~90k/s under wrk).
pub async fn http1(
    settings: &Settings,
    addr: SocketAddr,
    call: &HttpCall,
) -> anyhow::Result<Measurement> {
    let request = call.encode(&addr.to_string());
    let mut connections = Vec::with_capacity(IN_FLIGHT);
    for _ in 0..IN_FLIGHT {
        let stream =
            TcpStream::connect(addr).await.with_context(|| format!("connecting {addr}"))?;
        stream.set_nodelay(true)?;
        connections.push(Http1Connection::new(stream));
    }
    let window = Window::start(settings);
    let (call, request) = (&call, request.as_slice());
    let runs = connections.into_iter().map(|mut connection| async move {
        let mut done = 0u64;
        while let Some(counted) = window.counts(Instant::now()) {
            let (status, body) = connection.call(request).await?;
            anyhow::ensure!(
                status == 200 && contains(&body, call.expect.as_bytes()),
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

/// The largest answer the generator takes: far more than any row's.
const MAX_ANSWER: usize = 1 << 20;

/// One keep-alive HTTP/1.1 connection of the generator: a request written, its answer read.
struct Http1Connection {
    stream: TcpStream,
    /// Bytes read and not yet consumed (an answer may arrive in pieces).
    buffer: BytesMut,
}

impl Http1Connection {
    fn new(stream: TcpStream) -> Self {
        Self { stream, buffer: BytesMut::with_capacity(16 * 1024) }
    }

    /// Sends `request` and returns the answer's status and body. Answers must carry a
    /// `content-length` (every server here sends one for these small bodies).
    async fn call(&mut self, request: &[u8]) -> anyhow::Result<(u16, BytesMut)> {
        self.stream.write_all(request).await?;
        loop {
            if let Some((head, status, length)) = parse_head(&self.buffer)?
                && self.buffer.len() >= head + length
            {
                let mut answer = self.buffer.split_to(head + length);
                return Ok((status, answer.split_off(head)));
            }
            anyhow::ensure!(self.buffer.len() < MAX_ANSWER, "an answer over {MAX_ANSWER} bytes");
            anyhow::ensure!(
                self.stream.read_buf(&mut self.buffer).await? > 0,
                "the server hung up"
            );
        }
    }
}

/// An answer's head, once it is complete: its length, the status and the body's length.
fn parse_head(bytes: &[u8]) -> anyhow::Result<Option<(usize, u16, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = response.parse(bytes)? else { return Ok(None) };
    let length = response
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("content-length"))
        .context("an answer without content-length")?;
    let length = std::str::from_utf8(length.value)?.trim().parse()?;
    Ok(Some((head, response.code.unwrap_or_default(), length)))
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

    #[test]
    fn a_request_is_encoded_once_as_it_crosses_the_wire() {
        let call = HttpCall::post("/rpc", "application/json", "{}", "").with_header("x-a", "1");
        assert_eq!(
            String::from_utf8(call.encode("127.0.0.1:80")).unwrap(),
            "POST /rpc HTTP/1.1\r\nhost: 127.0.0.1:80\r\ncontent-type: application/json\r\n\
             x-a: 1\r\ncontent-length: 2\r\n\r\n{}"
        );
        let get = HttpCall::get("/users/1", "Ada");
        assert_eq!(get.encode("h"), b"GET /users/1 HTTP/1.1\r\nhost: h\r\n\r\n");
    }

    #[test]
    fn an_answer_is_taken_once_its_head_and_body_are_in() {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_head(&answer[..20]).unwrap(), None);
        assert_eq!(parse_head(answer).unwrap(), Some((38, 200, 5)));
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err(), "no content-length");
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }
}
