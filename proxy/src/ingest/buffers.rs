//! Memory of the readers that does not live as long as a connection: read
//! buffers are lent for one read and given back (so 1000 idle daemon
//! connections cost no 64 KiB buffer each), and the engine input queue is
//! bounded in bytes as well as in batches.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes read at once.
pub const READ_BUF: usize = 64 * 1024;
/// Read buffers kept for reuse (about one per runtime worker is in use at
/// any moment; the rest are freed).
const KEPT_BUFFERS: usize = 4;
/// Line bytes queued for the engine at most (all connections together).
/// A reader whose batch does not fit waits: back-pressure onto the socket.
pub const QUEUE_BYTES: usize = 1024 * 1024;

/// What every reader shares.
pub(super) struct ReaderShared {
    buffers: Mutex<Vec<Vec<u8>>>,
    queue_bytes: Arc<Semaphore>,
}

impl ReaderShared {
    pub(super) fn new() -> ReaderShared {
        ReaderShared {
            buffers: Mutex::new(Vec::new()),
            queue_bytes: Arc::new(Semaphore::new(QUEUE_BYTES)),
        }
    }

    /// A zeroed buffer of [`READ_BUF`] bytes.
    pub(super) fn take(&self) -> Vec<u8> {
        let kept = self
            .buffers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        kept.unwrap_or_else(|| vec![0u8; READ_BUF])
    }

    /// Gives a buffer from [`ReaderShared::take`] back.
    pub(super) fn give(&self, buf: Vec<u8>) {
        let mut kept = self.buffers.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < KEPT_BUFFERS && buf.len() == READ_BUF {
            kept.push(buf);
        }
    }

    /// Waits until `bytes` of queued line text fit in [`QUEUE_BYTES`]; the
    /// permit travels with the batch and frees the room when dropped.
    pub(super) async fn reserve(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let n = bytes.clamp(1, QUEUE_BYTES);
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.queue_bytes.clone().acquire_many_owned(n).await.ok()
    }

    #[cfg(test)]
    fn queued_bytes(&self) -> usize {
        QUEUE_BYTES - self.queue_bytes.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_only_a_few_kept() {
        let shared = ReaderShared::new();
        let bufs: Vec<_> = (0..10).map(|_| shared.take()).collect();
        let first = bufs[0].as_ptr();
        for b in bufs {
            shared.give(b);
        }
        assert_eq!(
            shared.buffers.lock().map(|b| b.len()).unwrap_or(0),
            KEPT_BUFFERS
        );
        let again = shared.take();
        assert_eq!(again.len(), READ_BUF);
        assert_ne!(again.as_ptr(), first, "the last one given back comes first");
    }

    #[tokio::test]
    async fn the_queue_budget_is_held_until_the_batch_is_dropped() {
        let shared = ReaderShared::new();
        let a = shared.reserve(QUEUE_BYTES - 10).await;
        assert!(a.is_some());
        assert_eq!(shared.queued_bytes(), QUEUE_BYTES - 10);
        let waiting = shared.reserve(100);
        tokio::pin!(waiting);
        let early = tokio::time::timeout(std::time::Duration::from_millis(20), &mut waiting).await;
        assert!(early.is_err(), "the reader must wait for room");
        drop(a);
        let b = waiting.await;
        assert!(b.is_some());
        assert_eq!(shared.queued_bytes(), 100);
        // A batch larger than the whole budget still goes through alone.
        drop(b);
        assert!(shared.reserve(10 * QUEUE_BYTES).await.is_some());
    }
}
