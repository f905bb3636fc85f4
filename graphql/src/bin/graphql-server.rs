//! The GraphQL server: queries and mutations on `/graphql`, subscriptions on `/graphql/ws`,
//! GraphiQL at `/`, over an in-memory store seeded with three users and their orders.
//!
//! ```text
//! cargo run -p graphql --bin graphql-server
//! ```
//! then open <http://127.0.0.1:4000/> in a browser, or in another terminal:
//! ```text
//! cargo run -p graphql --bin graphql-client
//! curl -s http://127.0.0.1:4000/graphql -H 'content-type: application/json' \
//!      -d '{"query":"{ user(id: 1) { name } }"}'
//! ```
//! `--no-introspection` hides the schema from `__schema`/`__type` queries.

use clap::Parser;
use common::cli::AddrArgs;
use graphql::DEFAULT_PORT;
use graphql::schema::{Backend, Limits};
use graphql::server::{self, Config};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "GraphQL API for users and their orders, with subscriptions and GraphiQL")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
    /// Refuse introspection (`__schema`, `__type`): for an API only your own clients call.
    #[arg(long)]
    no_introspection: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let limits = Limits { introspection: !args.no_introspection, ..Limits::default() };
    let config = Config { limits, ..Config::default() };
    server::serve(listener, Backend::sample(), config, common::runtime::shutdown_signal()).await?;
    Ok(())
}
