//! One module per example crate; each runs that crate's server and client in-process.

mod amqp;
mod grpc;
mod jsonrpc;
mod tcp;
mod udp;

use crate::outcome::{Step, Transcript};
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    Udp,
    Tcp,
    Jsonrpc,
    Grpc,
    Amqp,
}

impl Protocol {
    pub const ALL: &[Protocol] =
        &[Protocol::Udp, Protocol::Tcp, Protocol::Jsonrpc, Protocol::Grpc, Protocol::Amqp];

    pub fn name(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Jsonrpc => "jsonrpc",
            Self::Grpc => "grpc",
            Self::Amqp => "amqp",
        }
    }

    /// The communication model, as in the root README's table.
    pub fn model(self) -> &'static str {
        match self {
            Self::Udp => "datagrams (fire and forget)",
            Self::Tcp => "request/response (line protocol)",
            Self::Jsonrpc => "remote procedure call (JSON-RPC 2.0)",
            Self::Grpc => "RPC with streaming (protobuf)",
            Self::Amqp => "message queue (broker, work queue)",
        }
    }

    pub fn transport(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Jsonrpc => "HTTP/1.1",
            Self::Grpc => "HTTP/2",
            Self::Amqp => "AMQP 0-9-1",
        }
    }

    pub async fn run(self, transcript: &mut Transcript) -> anyhow::Result<Step> {
        match self {
            Self::Udp => udp::run(transcript).await,
            Self::Tcp => tcp::run(transcript).await,
            Self::Jsonrpc => jsonrpc::run(transcript).await,
            Self::Grpc => grpc::run(transcript).await,
            Self::Amqp => amqp::run(transcript).await,
        }
    }
}
