//! Ice in one screen: `ice-server`'s `users` object on a free port, and one call to it made
//! by hand, byte by byte, the way any Ice client makes it.
//!
//! ```text
//! cargo run -p ice --example minimal
//! ```

use ice::encoding::{Reader, Writer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ice::server::Config::default();
    let (addr, _server) =
        ice::server::spawn("127.0.0.1:0".parse()?, config, std::future::pending()).await?;
    let mut stream = TcpStream::connect(addr).await?;

    // The server speaks first: a bare 14-byte header of type 3, "validate connection".
    let mut header = [0u8; 14];
    stream.read_exact(&mut header).await?;
    anyhow::ensure!(header[..4] == *b"IceP" && header[8] == 3, "not an Ice server");

    // A request: header, request id, identity, facet, operation, mode, context, parameters.
    let mut body = Writer::new();
    body.int(1) // request id (0 would mean oneway: no reply)
        .string("users") // identity name
        .string("") // identity category
        .size(0) // facet: an empty sequence, the default facet
        .string("getUser")
        .byte(2) // mode: idempotent
        .size(0) // context: an empty dictionary
        .int(4 + 2 + 4) // encapsulation size, counting its 6-byte header
        .byte(1) // encoding 1.1 ...
        .byte(1)
        .int(1); // ... and the one parameter, `int id`
    let size = 14 + body.len() as i32;
    let mut message = Writer::new();
    message.bytes(b"IceP").bytes(&[1, 0, 1, 0, 0, 0]).int(size).bytes(&body.into_bytes());
    stream.write_all(&message.into_bytes()).await?;

    // The reply: a header of type 2, then request id, status, and the result encapsulation.
    stream.read_exact(&mut header).await?;
    let size = i32::from_le_bytes([header[10], header[11], header[12], header[13]]) as usize;
    anyhow::ensure!(header[8] == 2 && (14..=4096).contains(&size), "not a reply");
    let mut reply = vec![0; size - 14];
    stream.read_exact(&mut reply).await?;
    let mut r = Reader::new(&reply);
    let (request_id, status) = (r.int()?, r.byte()?);
    anyhow::ensure!(request_id == 1 && status == 0, "status {status}");
    let results = r.encapsulation()?;
    let mut user = results.reader()?;
    let (id, name, email) = (user.int()?, user.string()?, user.string()?);
    println!("getUser(1) -> {id} {name} <{email}>");
    Ok(())
}
