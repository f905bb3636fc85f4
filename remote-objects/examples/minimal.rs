//! The smallest remote object: a service trait, a server on TCP with JSON frames, and a
//! proxy that calls it like a local object. Errors come back as `Result::Err`.
//!
//! ```text
//! cargo run -p remote-objects --example minimal
//! ```

use futures_util::{StreamExt, future};
use tarpc::serde_transport::tcp;
use tarpc::server::{BaseChannel, Channel};
use tarpc::tokio_serde::formats::Json;
use tarpc::{client, context};

/// The contract: `#[tarpc::service]` generates `GreeterClient` (the proxy) and the server glue.
#[tarpc::service]
trait Greeter {
    async fn hello(name: String) -> Result<String, String>;
}

/// The object itself.
#[derive(Clone)]
struct Server;

impl Greeter for Server {
    async fn hello(self, _: context::Context, name: String) -> Result<String, String> {
        if name.is_empty() { Err("who are you?".into()) } else { Ok(format!("Hello, {name}!")) }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Length-delimited frames of JSON; refuse any frame over 64 KiB.
    let mut listener = tcp::listen("127.0.0.1:0", Json::default).await?;
    listener.config_mut().max_frame_length(64 * 1024);
    let addr = listener.local_addr();
    println!("listening on {addr}");
    tokio::spawn(
        listener
            .filter_map(|accepted| future::ready(accepted.ok()))
            .map(BaseChannel::with_defaults)
            .for_each_concurrent(100, |channel| {
                channel.execute(Server.serve()).for_each_concurrent(10, |call| call)
            }),
    );

    let transport = tcp::connect(addr, Json::default).await?;
    let greeter = GreeterClient::new(client::Config::default(), transport).spawn();
    // Two results: the outer one is the network (deadline, lost connection), the inner one
    // the object's own answer.
    println!("{:?}", greeter.hello(context::current(), "Ada".into()).await?);
    println!("{:?}", greeter.hello(context::current(), String::new()).await?);
    Ok(())
}
