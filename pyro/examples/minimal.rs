//! Pyro5's protocol in one file: a raw-socket client builds the 40-byte header by hand,
//! shakes hands and calls `get_user(1)` on the crate's daemon, started in-process.
//!
//! ```text
//! cargo run -p pyro --example minimal
//! ```
//! The full crate adds the name server, typed proxies, exceptions, limits and shutdown.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Header fields, big-endian: "PYRO", version 502, type, serializer 3 (JSON), flags, seq,
/// payload length, annotations length, correlation id, reserved, magic 0x4dc5.
fn message(kind: u8, seq: u16, payload: &Value) -> Vec<u8> {
    let data = payload.to_string().into_bytes();
    let mut out = b"PYRO".to_vec();
    out.extend(502u16.to_be_bytes());
    out.extend([kind, 3]);
    out.extend(0u16.to_be_bytes());
    out.extend(seq.to_be_bytes());
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend([0; 16]);
    out.extend(0u16.to_be_bytes());
    out.extend(0x4dc5u16.to_be_bytes());
    out.extend(data);
    out
}

/// Reads one reply: its type and JSON payload (skipping any annotations).
async fn reply(stream: &mut TcpStream) -> anyhow::Result<(u8, Value)> {
    let mut header = [0; 40];
    stream.read_exact(&mut header).await?;
    anyhow::ensure!(&header[..4] == b"PYRO", "not a Pyro reply");
    let data_len = u32::from_be_bytes(header[12..16].try_into()?) as usize;
    let annotations_len = u32::from_be_bytes(header[16..20].try_into()?) as usize;
    anyhow::ensure!(data_len + annotations_len <= 1 << 20, "reply too large");
    let mut body = vec![0; annotations_len + data_len];
    stream.read_exact(&mut body).await?;
    Ok((header[6], serde_json::from_slice(&body[annotations_len..])?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let forever = std::future::pending::<()>();
    let (addr, _daemon) =
        pyro::server::spawn("127.0.0.1:0".parse()?, Default::default(), forever).await?;
    let mut stream = TcpStream::connect(addr).await?;

    // CONNECT (1) names the object; CONNECTOK (2) brings its methods.
    stream
        .write_all(&message(1, 0, &json!({"handshake": "hello", "object": "example.users"})))
        .await?;
    let (kind, ok) = reply(&mut stream).await?;
    println!("type {kind}: methods {}", ok["meta"]["methods"]);

    // INVOKE (4) calls a method; RESULT (5) carries the return value (or an exception).
    let call =
        json!({"object": "example.users", "method": "get_user", "params": [1], "kwargs": {}});
    stream.write_all(&message(4, 1, &call)).await?;
    let (kind, user) = reply(&mut stream).await?;
    println!("type {kind}: {user}");
    Ok(())
}
