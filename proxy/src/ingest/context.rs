//! What the accept task and the connection readers share.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::batch::QueuedBatch;
use crate::metrics::Metrics;

/// Everything the accept loop and the readers need.
pub struct SocketContext {
    pub queue: mpsc::Sender<QueuedBatch>,
    /// The configuration epoch; a `CMD RESTART` bumps it and every
    /// connection of the old epoch is closed.
    pub epoch: watch::Receiver<u64>,
    pub metrics: Metrics,
    /// Called for every accepted connection (the `/emit-logs` trigger); it
    /// must not wait.
    pub on_accept: Arc<dyn Fn() + Send + Sync>,
}
