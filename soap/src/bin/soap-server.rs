//! The SOAP server: `GetUser`, `CreateUser` and `ListUsers` at `POST /soap`, the WSDL at
//! `GET /soap?wsdl`, over an in-memory store seeded with three users.
//!
//! ```text
//! cargo run -p soap --bin soap-server
//! ```
//! in another terminal:
//! ```text
//! cargo run -p soap --bin soap-client
//! curl 'http://127.0.0.1:7882/soap?wsdl'
//! curl -H 'Content-Type: text/xml' --data-binary @soap/examples/requests/get-user.xml http://127.0.0.1:7882/soap
//! ```

use clap::Parser;
use common::UserStore;
use common::cli::AddrArgs;
use soap::DEFAULT_PORT;
use soap::server::{self, Config};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "SOAP 1.1 users service with a WSDL contract")]
struct Args {
    #[command(flatten)]
    addr: AddrArgs<DEFAULT_PORT>,
}

#[tokio::main]
async fn main() -> ExitCode {
    common::runtime::init_tracing();
    common::exit::exit_code(run(Args::parse()).await)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = common::runtime::listen(args.addr.addr).await?;
    let local = listener.local_addr()?;
    println!("listening on {local}");
    println!("WSDL at http://{local}{}?wsdl", soap::PATH);
    let store = UserStore::with_sample_users();
    server::serve(listener, store, Config::default(), common::runtime::shutdown_signal()).await?;
    Ok(())
}
