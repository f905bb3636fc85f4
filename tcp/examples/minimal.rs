//! A line protocol over TCP in one file: a server that answers `PING` and `ECHO <text>`,
//! one line per request, and a client that sends two lines and prints the answers.
//!
//! ```text
//! cargo run -p tcp --example minimal
//! ```
//! The full crate adds users, a bound on line length, idle timeouts, a connection cap and a
//! graceful shutdown (`src/server.rs`).

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        // One task per client; each reads lines and writes one answer per line.
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });

    let stream = TcpStream::connect(addr).await?;
    let (reader, mut writer) = stream.into_split();
    let mut answers = BufReader::new(reader).lines();
    for request in ["PING", "ECHO hello"] {
        writer.write_all(format!("{request}\n").as_bytes()).await?;
        println!("{request} -> {}", answers.next_line().await?.unwrap_or_default());
    }
    Ok(())
}

async fn serve(stream: TcpStream) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    while let Some(line) = lines.next_line().await? {
        let answer = match line.split_once(' ') {
            _ if line == "PING" => "PONG".to_owned(),
            Some(("ECHO", text)) => format!("ECHO {text}"),
            _ => format!("ERR unknown command {line}"),
        };
        writer.write_all(format!("{answer}\r\n").as_bytes()).await?;
    }
    Ok(())
}
