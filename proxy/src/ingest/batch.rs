//! What travels from the connection readers to the engine task: batches of
//! framed lines with the configuration epoch they were read in and the
//! protocol of their connection (log lines or daemon JSON messages: one
//! queue for both, so the order of reading is the order of processing).

pub use ptp_event_core::events::daemon::Protocol;

/// Lines per queued batch.
pub const BATCH_LINES: usize = 64;
/// Capacity of the engine input queue, in batches: at most 4096 lines.
pub const QUEUE_CAPACITY: usize = 4096 / BATCH_LINES;

/// Framed lines of one connection, in order, with the configuration epoch
/// they were read in. Lines travel in batches (one per read, at most
/// `BATCH_LINES`) so the queue costs one message per read, not per line.
#[derive(Debug)]
pub struct QueuedBatch {
    pub epoch: u64,
    /// The protocol of the connection the lines were read from.
    pub protocol: Protocol,
    pub lines: LineBatch,
    /// The batch's share of the queue's byte bound
    /// ([`super::buffers::QUEUE_BYTES`]), freed when the batch is dropped.
    pub room: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Lines stored end to end in one string: two allocations per batch
/// instead of one per line.
#[derive(Debug)]
pub struct LineBatch {
    text: String,
    ends: Vec<usize>,
}

impl LineBatch {
    /// An empty batch with room for `BATCH_LINES` typical lines.
    pub fn new() -> LineBatch {
        LineBatch {
            text: String::with_capacity(BATCH_LINES * 128),
            ends: Vec::with_capacity(BATCH_LINES),
        }
    }
    /// Appends a line.
    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }
    /// Bytes of line text.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// The lines, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = self.text.get(start..end).unwrap_or("");
            start = end;
            line
        })
    }
}

impl Default for LineBatch {
    fn default() -> Self {
        LineBatch::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_lines_and_their_order() {
        let mut b = LineBatch::new();
        assert!(b.is_empty());
        for l in ["a", "bc", "", "déf"] {
            b.push(l);
        }
        assert_eq!(b.len(), 4);
        assert_eq!(b.iter().collect::<Vec<_>>(), ["a", "bc", "", "déf"]);
    }
}
