//! Test observers: one that ignores everything and one that records every
//! notification, with waits that need no polling.

use super::observer::{AttemptResult, DeliveryObserver, DropReason, FinalOutcome, ItemMeta};
use super::SubscriberKey;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use url::Url;

/// Ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopObserver;

impl DeliveryObserver for NoopObserver {}

/// One notification seen by [`RecordingObserver`].
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    Attempt(AttemptResult),
    Final {
        key: SubscriberKey,
        outcome: FinalOutcome,
        meta: ItemMeta,
    },
    Dropped(DropReason, usize),
    Depth {
        key: SubscriberKey,
        url: Url,
        depth: usize,
    },
    Dead(SubscriberKey),
    Removed(SubscriberKey),
    ConnectionReset(SubscriberKey),
}

/// Records every notification, for tests (here and in other modules).
/// [`RecordingObserver::wait_until`] waits for a condition without polling.
#[derive(Debug, Default)]
pub struct RecordingObserver {
    seen: Mutex<Vec<Observed>>,
    changed: tokio::sync::Notify,
}

impl RecordingObserver {
    pub fn new() -> Self {
        Self::default()
    }

    fn record(&self, event: Observed) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        self.changed.notify_waiters();
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Vec<Observed> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `condition` holds over the recorded notifications, or
    /// until `timeout`; returns whether it held.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&[Observed]) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.changed.notified();
            if condition(&self.snapshot()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return condition(&self.snapshot());
            }
        }
    }

    /// Number of attempts with `result`.
    pub fn attempts(&self, result: AttemptResult) -> usize {
        count(&self.snapshot(), |o| *o == Observed::Attempt(result))
    }

    /// Number of final outcomes `outcome` for `key`.
    pub fn finals(&self, key: &SubscriberKey, outcome: FinalOutcome) -> usize {
        finals(&self.snapshot(), key, outcome)
    }

    /// Total events dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> usize {
        dropped(&self.snapshot(), reason)
    }

    /// How many times `key` was reported dead.
    pub fn dead(&self, key: &SubscriberKey) -> usize {
        count(&self.snapshot(), |o| *o == Observed::Dead(key.clone()))
    }

    /// The last depth reported for `key`.
    pub fn last_depth(&self, key: &SubscriberKey) -> Option<usize> {
        self.snapshot().iter().rev().find_map(|o| match o {
            Observed::Depth { key: k, depth, .. } if k == key => Some(*depth),
            _ => None,
        })
    }
}

fn count(seen: &[Observed], pred: impl Fn(&Observed) -> bool) -> usize {
    seen.iter().filter(|o| pred(o)).count()
}

/// Number of final outcomes `outcome` for `key` in `seen`.
pub fn finals(seen: &[Observed], key: &SubscriberKey, outcome: FinalOutcome) -> usize {
    count(
        seen,
        |o| matches!(o, Observed::Final { key: k, outcome: out, .. } if k == key && *out == outcome),
    )
}

/// Total events dropped for `reason` in `seen`.
pub fn dropped(seen: &[Observed], reason: DropReason) -> usize {
    seen.iter()
        .map(|o| match o {
            Observed::Dropped(r, n) if *r == reason => *n,
            _ => 0,
        })
        .sum()
}

impl DeliveryObserver for RecordingObserver {
    fn on_attempt(&self, result: AttemptResult) {
        self.record(Observed::Attempt(result));
    }
    fn on_connection_reset(&self, key: &SubscriberKey) {
        self.record(Observed::ConnectionReset(key.clone()));
    }
    fn on_final(&self, key: &SubscriberKey, outcome: FinalOutcome, meta: &ItemMeta) {
        self.record(Observed::Final {
            key: key.clone(),
            outcome,
            meta: meta.clone(),
        });
    }
    fn on_dropped(&self, reason: DropReason, n: usize) {
        self.record(Observed::Dropped(reason, n));
    }
    fn on_depth(&self, key: &SubscriberKey, url: &Url, depth: usize) {
        self.record(Observed::Depth {
            key: key.clone(),
            url: url.clone(),
            depth,
        });
    }
    fn on_subscriber_dead(&self, key: &SubscriberKey) {
        self.record(Observed::Dead(key.clone()));
    }
    fn on_subscriber_removed(&self, key: &SubscriberKey, _url: &Url) {
        self.record(Observed::Removed(key.clone()));
    }
}
