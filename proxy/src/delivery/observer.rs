//! Hooks through which metrics (spec §9.4) and the subscription owner learn
//! what delivery does. Delivery never depends on the metrics module; the
//! daemon passes an implementation of [`DeliveryObserver`] in.

use super::{SubscriberKey, SubscriptionTag};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use url::Url;

/// Result of one HTTP attempt (`cne_delivery_attempts_total{result}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptResult {
    /// 2xx.
    Delivered,
    /// Connection error, timeout, 5xx, 408 or 429.
    Retryable,
    /// Any other status; not retried.
    Rejected,
}

impl AttemptResult {
    /// The metric label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retryable => "retryable",
            Self::Rejected => "rejected",
        }
    }
}

/// Final outcome of one event for one subscriber (spec §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FinalOutcome {
    Delivered,
    /// The endpoint answered with a non-retryable status.
    Rejected,
    /// The last allowed attempt was retryable.
    Failed,
}

impl FinalOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// `success` or `failed`, as in `cne_events_received{status}`.
    pub fn status_label(self) -> &'static str {
        match self {
            Self::Delivered => "success",
            Self::Rejected | Self::Failed => "failed",
        }
    }
}

/// Why events were not delivered (`cne_events_dropped_total{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The oldest queued event made room for a new one.
    QueueFull,
    /// Final outcome rejected or failed.
    DeliveryFailed,
    /// The subscriber (or one of its subscriptions) was removed with events
    /// still queued or in flight.
    SubscriberRemoved,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::QueueFull => "queue_full",
            Self::DeliveryFailed => "delivery_failed",
            Self::SubscriberRemoved => "subscriber_removed",
        }
    }
}

/// What is known about the event whose final outcome is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemMeta {
    /// Resource label (suffix), as given in [`super::Outgoing::resource`].
    pub resource: &'static str,
    /// `v2`, `v1` or `transport`.
    pub api: &'static str,
    pub tag: SubscriptionTag,
    /// From [`super::Outgoing::published_at`] to the final outcome,
    /// queueing and retries included.
    pub latency: Duration,
}

/// Receives delivery notifications. Implementations must be cheap and must
/// not block: they are called from the workers and from
/// [`super::Delivery::enqueue`]. `on_depth` is called with the subscriber's
/// lock held (so that reports arrive in order): it must not call back into
/// [`super::Delivery`]. The other hooks are called without locks held.
pub trait DeliveryObserver: Send + Sync + 'static {
    /// One HTTP attempt finished.
    fn on_attempt(&self, _result: AttemptResult) {}
    /// An attempt failed because the peer reset the connection
    /// (`cne_transport_connection_reset` for transport clients).
    fn on_connection_reset(&self, _key: &SubscriberKey) {}
    /// One event reached its final outcome.
    fn on_final(&self, _key: &SubscriberKey, _outcome: FinalOutcome, _meta: &ItemMeta) {}
    /// `n` events were dropped.
    fn on_dropped(&self, _reason: DropReason, _n: usize) {}
    /// The subscriber's depth (queued plus in flight) changed.
    fn on_depth(&self, _key: &SubscriberKey, _url: &Url, _depth: usize) {}
    /// The subscriber reached the limit of consecutive failed deliveries.
    /// Called exactly once per subscriber; its worker has stopped and its
    /// queue is discarded. The owner removes the consumer's subscriptions,
    /// persists, and calls [`super::Delivery::remove_subscriber`].
    fn on_subscriber_dead(&self, _key: &SubscriberKey) {}
    /// The subscriber is gone from delivery (removed or shut down): a chance
    /// to forget its labelled series (`cne_subscriber_queue_depth`).
    fn on_subscriber_removed(&self, _key: &SubscriberKey, _url: &Url) {}
}

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
