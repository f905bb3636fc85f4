//! Per-sender sequence accounting: what UDP lost, duplicated or reordered.
//!
//! Memory is fixed: the tracker remembers which of the last [`WINDOW`] sequence numbers it
//! has seen, in a bitmap. A datagram older than that window can no longer be told apart from
//! a duplicate; it is counted as `too_old` (and as out of order).

/// How many recent sequence numbers are remembered, per sender.
pub const WINDOW: u64 = 4096;

/// What one arriving sequence number turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// The next one expected, or a jump ahead (the skipped ones may still arrive late).
    InOrder,
    /// Older than the highest seen, and not seen before: reordered by the network.
    Late,
    /// Seen before.
    Duplicate,
    /// So much older than the highest seen that it falls outside the window.
    TooOld,
}

/// Counts for one sender.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceTracker {
    lowest: u64,
    highest: u64,
    /// Bit `seq % WINDOW` is set when `seq` (within the window below `highest`) was seen.
    seen: Vec<u64>,
    pub received: u64,
    pub unique: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub too_old: u64,
}

impl SequenceTracker {
    pub fn new() -> Self {
        Self { seen: vec![0; (WINDOW / 64) as usize], ..Self::default() }
    }

    /// Records one arrival and says what it was.
    pub fn record(&mut self, seq: u64) -> Arrival {
        self.received += 1;
        if self.unique == 0 {
            (self.lowest, self.highest) = (seq, seq);
            self.set(seq);
            self.unique = 1;
            return Arrival::InOrder;
        }
        if seq > self.highest {
            // Forget the slots that the window slides past.
            let slide = seq - self.highest;
            if slide >= WINDOW {
                self.seen.fill(0);
            } else {
                (self.highest + 1..seq).for_each(|skipped| self.clear(skipped));
            }
            self.highest = seq;
            self.set(seq);
            self.unique += 1;
            return Arrival::InOrder;
        }
        self.out_of_order += 1;
        if self.highest - seq >= WINDOW {
            self.too_old += 1;
            return Arrival::TooOld;
        }
        if self.is_set(seq) {
            self.out_of_order -= 1;
            self.duplicates += 1;
            return Arrival::Duplicate;
        }
        self.set(seq);
        self.unique += 1;
        self.lowest = self.lowest.min(seq);
        Arrival::Late
    }

    /// Sequence numbers between the lowest and highest seen that never arrived (so far:
    /// a late arrival lowers this again).
    pub fn lost(&self) -> u64 {
        if self.unique == 0 {
            return 0;
        }
        (self.highest - self.lowest + 1).saturating_sub(self.unique)
    }

    fn set(&mut self, seq: u64) {
        let bit = seq % WINDOW;
        self.seen[(bit / 64) as usize] |= 1 << (bit % 64);
    }

    fn clear(&mut self, seq: u64) {
        let bit = seq % WINDOW;
        self.seen[(bit / 64) as usize] &= !(1 << (bit % 64));
    }

    fn is_set(&self, seq: u64) -> bool {
        let bit = seq % WINDOW;
        self.seen[(bit / 64) as usize] & (1 << (bit % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(seqs: &[u64]) -> SequenceTracker {
        let mut tracker = SequenceTracker::new();
        seqs.iter().for_each(|&seq| {
            tracker.record(seq);
        });
        tracker
    }

    #[test]
    fn in_order_stream_has_nothing_to_report() {
        let t = feed(&[1, 2, 3, 4]);
        assert_eq!((t.received, t.lost(), t.duplicates, t.out_of_order), (4, 0, 0, 0));
    }

    #[test]
    fn gaps_are_lost_until_they_arrive_late() {
        let mut t = feed(&[1, 2, 5]);
        assert_eq!(t.lost(), 2);
        assert_eq!(t.record(3), Arrival::Late);
        assert_eq!((t.lost(), t.out_of_order), (1, 1));
    }

    #[test]
    fn duplicates_are_counted_once_each() {
        let mut t = feed(&[1, 2, 3]);
        assert_eq!(t.record(2), Arrival::Duplicate);
        assert_eq!(t.record(3), Arrival::Duplicate);
        assert_eq!((t.duplicates, t.out_of_order, t.unique, t.lost()), (2, 0, 3, 0));
    }

    #[test]
    fn a_receiver_started_mid_stream_does_not_count_the_past_as_lost() {
        let t = feed(&[100, 101, 102]);
        assert_eq!(t.lost(), 0);
    }

    #[test]
    fn the_window_slides_and_forgets_old_numbers() {
        let mut t = feed(&[1]);
        assert_eq!(t.record(1 + WINDOW), Arrival::InOrder);
        assert_eq!(t.record(1), Arrival::TooOld);
        assert_eq!(t.record(WINDOW), Arrival::Late);
        assert_eq!(t.record(WINDOW), Arrival::Duplicate);
    }
}
