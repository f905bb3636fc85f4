//! One module per example crate; each runs that crate's server and client in-process.
//!
//! Adding a protocol is its module here and one entry in [`ALL`]: the module declares a
//! `pub const PROTOCOL: Protocol` naming its step.

mod amqp;
mod graphql;
mod grpc;
mod ice;
mod jsonrpc;
mod kafka;
mod mqtt;
mod pyro;
mod remote_objects;
mod rest;
mod soap;
mod tcp;
mod udp;
mod websocket;
mod xmlrpc;

use crate::outcome::{Step, Transcript};
use futures_util::future::LocalBoxFuture;

/// Every protocol, in the order the tour runs them: from the lowest level up, brokers last.
pub const ALL: &[Protocol] = &[
    udp::PROTOCOL,
    tcp::PROTOCOL,
    jsonrpc::PROTOCOL,
    xmlrpc::PROTOCOL,
    rest::PROTOCOL,
    soap::PROTOCOL,
    websocket::PROTOCOL,
    graphql::PROTOCOL,
    grpc::PROTOCOL,
    ice::PROTOCOL,
    pyro::PROTOCOL,
    remote_objects::PROTOCOL,
    amqp::PROTOCOL,
    kafka::PROTOCOL,
    mqtt::PROTOCOL,
];

/// One entry of the tour: what the root README's table says of it, and its step.
#[derive(Clone, Copy)]
pub struct Protocol {
    /// The crate's name, as `--only` takes it.
    pub name: &'static str,
    /// The communication model, as in the root README's table.
    pub model: &'static str,
    pub transport: &'static str,
    /// Runs the crate's server and client, recording what crossed the wire.
    pub run: for<'t> fn(&'t mut Transcript) -> LocalBoxFuture<'t, anyhow::Result<Step>>,
}

impl std::fmt::Debug for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// `--only`'s parser: takes the names in [`ALL`], and `--help` lists them.
pub fn parser() -> impl clap::builder::TypedValueParser<Value = Protocol> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(ALL.iter().map(|p| p.name)).map(|name| {
        // The possible-values check above lets only names from `ALL` through.
        *ALL.iter().find(|p| p.name == name).expect("a name from ALL")
    })
}
