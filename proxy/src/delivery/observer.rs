//! Hooks through which metrics (spec §9.4) and the subscription owner learn
//! what delivery does. Delivery never depends on the metrics module; the
//! daemon passes an implementation of [`DeliveryObserver`] in.

use super::{SubscriberKey, SubscriptionTag};
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
