//! The `--addr` flag every binary takes. Each crate picks its default port through the const
//! parameter, e.g. `AddrArgs<7878>`; `--addr 127.0.0.1:0` lets the OS choose a free port.

use clap::Args;
use std::net::{Ipv4Addr, SocketAddr};

/// `--addr HOST:PORT`: where a server listens or a client connects.
#[derive(Debug, Clone, Args)]
pub struct AddrArgs<const DEFAULT_PORT: u16> {
    /// Address to listen on (servers) or connect to (clients).
    #[arg(long, value_name = "HOST:PORT", default_value_t = SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)))]
    pub addr: SocketAddr,
}
