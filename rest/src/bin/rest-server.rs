//! The REST server: `/users` as JSON, the OpenAPI document at `/openapi.json`, and a browser
//! page at `/`, over an in-memory store seeded with three users.
//!
//! ```text
//! cargo run -p rest --bin rest-server
//! ```
//! then open <http://127.0.0.1:3000/> in a browser, or in another terminal:
//! ```text
//! cargo run -p rest --bin rest-client
//! curl -i http://127.0.0.1:3000/users/1
//! ```
//! Let a page served from another origin call the API with
//! `--allow-origin http://localhost:8000` (repeatable).

use axum::http::HeaderValue;
use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use rest::DEFAULT_PORT;
use rest::server::{self, Config};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "REST API for users, with OpenAPI and a browser page")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    /// Origin (scheme://host:port) whose pages may call this API (CORS). Repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<HeaderValue>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let config = Config { allowed_origins: args.allowed_origins, ..Config::default() };
    let store = UserStore::with_sample_users();
    server::serve(listener, store, config, common::runtime::shutdown_signal()).await?;
    Ok(())
}
