//! How other tasks ask the engine task for its state: a query is a closure
//! the engine task runs with a snapshot taken between two engine inputs, so
//! an answer reflects every line processed before it (clock-states.md §17)
//! and is ordered with the events the engine publishes.

use tokio::sync::{mpsc, oneshot};

use ptp_event_core::clock::Snapshot;

/// A query, run by the engine task.
pub type Query = Box<dyn FnOnce(&Snapshot) + Send>;

/// Queries waiting for the engine task at most.
const QUEUE: usize = 256;

/// The asking end; cheap to clone.
#[derive(Clone)]
pub struct EngineLink {
    tx: mpsc::Sender<Query>,
}

impl EngineLink {
    /// A link and the receiving end the engine task serves.
    pub fn new() -> (EngineLink, mpsc::Receiver<Query>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (EngineLink { tx }, rx)
    }

    /// A link to no engine (the v1 consumer sidecar): every query answers
    /// `None`.
    pub fn detached() -> EngineLink {
        EngineLink::new().0
    }

    /// Runs `f` with the engine's snapshot; `None` when there is no engine.
    pub async fn ask<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Snapshot) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        let query: Query = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        self.tx.send(query).await.ok()?;
        rx.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queries_are_answered_by_the_serving_end() {
        let (link, mut rx) = EngineLink::new();
        let server = tokio::spawn(async move {
            while let Some(q) = rx.recv().await {
                q(&Snapshot::default());
            }
        });
        let got = link
            .ask(|s| {
                s.values(ptp_event_core::events::Resource::LockState)
                    .is_none()
            })
            .await;
        assert_eq!(got, Some(true));
        drop(link);
        let _ = server.await;
        assert_eq!(EngineLink::detached().ask(|_| 1).await, None);
    }
}
