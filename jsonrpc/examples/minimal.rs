//! JSON-RPC 2.0 over HTTP in one file, with jsonrpsee: a server with one method, `sum`, and
//! a client that calls it, then calls a method that does not exist.
//!
//! ```text
//! cargo run -p jsonrpc --example minimal
//! ```
//! The full crate adds the users methods, batches and notifications, spec conformance fixes,
//! body and connection limits and a graceful shutdown (`src/server.rs`).

use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClient;
use jsonrpsee::rpc_params;
use jsonrpsee::server::{RpcModule, Server};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut module = RpcModule::new(());
    module.register_method("sum", |params, _, _| {
        params.parse::<Vec<i64>>().map(|n| n.iter().sum::<i64>())
    })?;
    let server = Server::builder().build("127.0.0.1:0").await?;
    let addr = server.local_addr()?;
    let running = server.start(module);

    // On the wire: {"jsonrpc":"2.0","id":0,"method":"sum","params":[1,2,3]} -> {"jsonrpc":"2.0","id":0,"result":6}
    let client = HttpClient::builder().build(format!("http://{addr}"))?;
    let sum: i64 = client.request("sum", rpc_params![1, 2, 3]).await?;
    println!("sum(1, 2, 3) = {sum}");
    let missing = client.request::<i64, _>("product", rpc_params![2, 3]).await;
    println!("product(2, 3): {}", missing.unwrap_err());

    running.stop()?;
    running.stopped().await;
    Ok(())
}
