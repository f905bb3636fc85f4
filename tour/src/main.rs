//! The tour: every example of this workspace, end to end, in one run.
//!
//! ```text
//! cargo run                      # at the workspace root: every protocol
//! cargo run -- --only tcp        # one protocol
//! cargo run -- --json            # machine-readable results
//! ```
//!
//! For each protocol it starts that crate's server in-process on an ephemeral loopback port,
//! runs that crate's client code against it, prints what crossed the wire, and ends with a
//! summary table. AMQP needs a broker at `AMQP_ADDR`; without one it is skipped with a hint.

mod outcome;
mod protocols;
mod summary;

use clap::Parser;
use outcome::Outcome;
use std::process::ExitCode;
use std::time::Duration;

/// Run every example pair of the workspace and show what crossed the wire.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Run only these protocols (repeat the flag or separate with commas).
    #[arg(long, value_delimiter = ',', value_parser = protocols::parser())]
    only: Vec<protocols::Protocol>,
    /// Print the results as JSON on stdout instead of the transcript and table.
    #[arg(long)]
    json: bool,
    /// The most any one protocol's step may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    step_timeout: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let selected = if args.only.is_empty() { protocols::ALL.to_vec() } else { args.only.clone() };
    let limit = Duration::from_secs(args.step_timeout);

    let mut results = Vec::new();
    for protocol in selected {
        if !args.json {
            println!("\n== {} — {} over {}", protocol.name, protocol.model, protocol.transport);
        }
        let outcome = Outcome::run(protocol, limit, !args.json).await;
        results.push((protocol, outcome));
    }

    if args.json {
        println!("{}", summary::json(&results));
    } else {
        println!("\n{}", summary::table(&results));
    }
    if results.iter().any(|(_, outcome)| outcome.failed()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
