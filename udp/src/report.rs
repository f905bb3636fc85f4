//! The receiver's account of what arrived, per sender, printed periodically and on exit.

use crate::tracker::SequenceTracker;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

/// How many distinct senders are tracked. Each costs about 600 bytes; beyond this many,
/// datagrams from new addresses are only counted in [`Report::untracked`], so a flood of
/// spoofed source addresses cannot grow the receiver's memory.
pub const MAX_SENDERS: usize = 1024;

/// What one sender (one source address) delivered.
#[derive(Debug, Clone)]
pub struct SenderStats {
    /// The sensor name in the sender's most recent reading.
    pub sensor: String,
    pub sequence: SequenceTracker,
    /// Datagrams from this sender that were not readings.
    pub invalid: u64,
}

/// Everything the receiver has seen so far.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub senders: BTreeMap<SocketAddr, SenderStats>,
    /// Datagrams from senders beyond [`MAX_SENDERS`].
    pub untracked: u64,
}

impl Report {
    /// The stats of `from`, created on its first datagram; `None` once the table is full.
    pub fn sender(&mut self, from: SocketAddr) -> Option<&mut SenderStats> {
        if !self.senders.contains_key(&from) && self.senders.len() >= MAX_SENDERS {
            self.untracked += 1;
            return None;
        }
        Some(self.senders.entry(from).or_insert_with(|| SenderStats {
            sensor: String::new(),
            sequence: SequenceTracker::new(),
            invalid: 0,
        }))
    }

    /// Valid readings received from all senders.
    pub fn received(&self) -> u64 {
        self.senders.values().map(|s| s.sequence.received).sum()
    }

    /// Datagrams that were not readings, from all senders.
    pub fn invalid(&self) -> u64 {
        self.senders.values().map(|s| s.invalid).sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<22} {:<16} {:>9} {:>6} {:>11} {:>13} {:>8}",
            "sender", "sensor", "received", "lost", "duplicated", "out of order", "invalid"
        )?;
        for (addr, s) in &self.senders {
            let seq = &s.sequence;
            writeln!(
                f,
                "{:<22} {:<16} {:>9} {:>6} {:>11} {:>13} {:>8}",
                addr.to_string(),
                if s.sensor.is_empty() { "-" } else { &s.sensor },
                seq.received,
                seq.lost(),
                seq.duplicates,
                seq.out_of_order,
                s.invalid
            )?;
        }
        if self.senders.is_empty() {
            writeln!(f, "(nothing received)")?;
        }
        if self.untracked > 0 {
            writeln!(
                f,
                "{} datagrams from untracked senders (over {MAX_SENDERS})",
                self.untracked
            )?;
        }
        Ok(())
    }
}
