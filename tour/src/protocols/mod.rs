//! One module per example crate; each runs that crate's server and client in-process.

mod amqp;
mod grpc;
mod jsonrpc;
mod rest;
mod tcp;
mod udp;
mod websocket;

use crate::outcome::{Step, Transcript};
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    Udp,
    Tcp,
    Jsonrpc,
    Rest,
    Websocket,
    Grpc,
    Amqp,
}

impl Protocol {
    /// In the order the tour runs them: from the lowest level up, the broker last.
    pub const ALL: &[Protocol] = &[
        Protocol::Udp,
        Protocol::Tcp,
        Protocol::Jsonrpc,
        Protocol::Rest,
        Protocol::Websocket,
        Protocol::Grpc,
        Protocol::Amqp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Jsonrpc => "jsonrpc",
            Self::Rest => "rest",
            Self::Websocket => "websocket",
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
            Self::Rest => "resources over HTTP verbs (JSON)",
            Self::Websocket => "full-duplex messages (chat)",
            Self::Grpc => "RPC with streaming (protobuf)",
            Self::Amqp => "message queue (broker, work queue)",
        }
    }

    pub fn transport(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Jsonrpc => "HTTP/1.1",
            Self::Rest => "HTTP/1.1",
            Self::Websocket => "WebSocket",
            Self::Grpc => "HTTP/2",
            Self::Amqp => "AMQP 0-9-1",
        }
    }

    pub async fn run(self, transcript: &mut Transcript) -> anyhow::Result<Step> {
        match self {
            Self::Udp => udp::run(transcript).await,
            Self::Tcp => tcp::run(transcript).await,
            Self::Jsonrpc => jsonrpc::run(transcript).await,
            Self::Rest => rest::run(transcript).await,
            Self::Websocket => websocket::run(transcript).await,
            Self::Grpc => grpc::run(transcript).await,
            Self::Amqp => amqp::run(transcript).await,
        }
    }
}
