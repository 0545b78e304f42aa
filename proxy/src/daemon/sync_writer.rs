//! The sync-state writer task: waits for a new node sync-state and writes
//! it to the store through the registry. Changes that arrive while a write
//! is in progress are coalesced (latest value wins), so a flapping clock
//! costs at most one store write at a time and never blocks line
//! processing.

use std::sync::Arc;

use tokio::sync::watch;

use crate::registry::Registry;
use ptp_event_core::linuxptp::SyncState;

/// Starts the writer; send new values on the returned sender.
pub(super) fn start(
    registry: Arc<Registry>,
) -> (
    watch::Sender<Option<SyncState>>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, mut rx) = watch::channel(None::<SyncState>);
    let task = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = *rx.borrow_and_update();
            if let Some(state) = latest {
                registry.persist_sync_state(state.as_str()).await;
            }
        }
    });
    (tx, task)
}
