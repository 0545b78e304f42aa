//! Delivery of events to consumers (spec events-and-metrics.md §7): one FIFO
//! queue and one worker task per subscriber, HTTP POSTs over one shared,
//! pooled keep-alive client, retries with jittered backoff, drop-oldest on
//! overflow, and removal of dead consumers.
//!
//! [`Delivery`] is the handle the engine path uses. [`Delivery::enqueue`]
//! never waits for HTTP: it appends to a queue and wakes a worker. What
//! happens is reported through a [`DeliveryObserver`] (metrics, and the
//! owner of the subscriptions for dead consumers).
//!
//! Files: `queue.rs` (bounded FIFO), `subscriber.rs` (state shared by handle
//! and worker), `worker.rs` (the per-subscriber task), `attempt.rs` (one
//! HTTP attempt and its classification), `backoff.rs` (retry delays),
//! `observer.rs` (the hooks).

mod attempt;
mod backoff;
mod observer;
mod queue;
mod subscriber;
mod worker;

#[cfg(test)]
mod recording;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use observer::{AttemptResult, DeliveryObserver, DropReason, FinalOutcome, ItemMeta};
#[cfg(test)]
pub(crate) use recording::{NoopObserver, Observed, RecordingObserver};
pub use reqwest::header::{HeaderName, HeaderValue};
pub use url::Url;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use subscriber::{Pushed, Subscriber};
use tracing::{info, warn, Instrument};
use worker::WorkerCtx;

macro_rules! shared_str_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            pub fn new(id: impl Into<Arc<str>>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.into())
            }
        }
        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id.into())
            }
        }
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

shared_str_id!(
    /// One delivery target: a v2 `clientID` (one `EndpointUri`), a v1
    /// `endpointUri`, or a v1 transport client. Cheap to clone.
    SubscriberKey
);
shared_str_id!(
    /// The subscription an event was queued for (its id), so that deleting
    /// one subscription discards only its queued events. Cheap to clone.
    SubscriptionTag
);

/// One event for one subscriber. The body and headers are shared: an event is
/// serialised once and the same bytes go to every subscriber.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The serialised event; sent with `Content-Type: application/json`
    /// unless `headers` sets another content type.
    pub body: bytes::Bytes,
    /// Extra request headers (e.g. CloudEvents binary-mode `ce-*`).
    pub headers: Arc<[(HeaderName, HeaderValue)]>,
    pub tag: SubscriptionTag,
    /// When the engine published the event (start of the latency histogram).
    pub published_at: Instant,
    /// `resource` label of `cne_delivery_latency_seconds` (the suffix).
    pub resource: &'static str,
    /// `api` label: `v2`, `v1` or `transport`.
    pub api: &'static str,
}

/// Delivery settings. [`Default`] is the spec's (§7); tests shorten them.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Per attempt: connection set-up, sending, and the response head.
    pub attempt_timeout: Duration,
    /// Waits before each retry; its length is the number of retries.
    pub retry_delays: Vec<Duration>,
    /// Relative random jitter applied to each retry delay (0.2 = ±20 %).
    pub jitter: f64,
    /// Queued events per subscriber (the one in flight not included).
    pub queue_capacity: usize,
    /// Consecutive failed deliveries after which a subscriber is dead.
    pub failure_limit: u32,
    /// Response body bytes read (and discarded) at most.
    pub max_response_body: usize,
    /// At most one `queue full` warning per subscriber per interval.
    pub queue_full_warn_interval: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(2),
            retry_delays: vec![
                Duration::from_millis(250),
                Duration::from_millis(500),
                Duration::from_secs(1),
            ],
            jitter: 0.2,
            queue_capacity: 256,
            failure_limit: 10,
            max_response_body: 64 * 1024,
            queue_full_warn_interval: Duration::from_secs(10),
        }
    }
}

impl DeliveryConfig {
    fn validate(&self) -> Result<(), DeliveryError> {
        if self.attempt_timeout.is_zero() {
            return Err(DeliveryError::InvalidConfig(
                "attempt_timeout must be positive",
            ));
        }
        if self.queue_capacity == 0 {
            return Err(DeliveryError::InvalidConfig(
                "queue_capacity must be at least 1",
            ));
        }
        if self.failure_limit == 0 {
            return Err(DeliveryError::InvalidConfig(
                "failure_limit must be at least 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(DeliveryError::InvalidConfig("jitter must be within [0, 1]"));
        }
        Ok(())
    }
}

/// Errors of the delivery layer.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("invalid delivery configuration: {0}")]
    InvalidConfig(&'static str),
    #[error("delivery needs a tokio runtime: create it from within one")]
    NoRuntime,
    #[error("delivery is shut down")]
    ShutDown,
    /// The subscriber reached the failure limit and awaits removal by its
    /// owner ([`Delivery::remove_subscriber`]).
    #[error("subscriber {0} is closed after repeated failed deliveries")]
    SubscriberClosed(SubscriberKey),
}

/// Handle to the delivery subsystem. Cheap to clone; all clones share the
/// subscribers. Dropping the last clone aborts the workers.
#[derive(Clone)]
pub struct Delivery {
    shared: Arc<Shared>,
}

struct Shared {
    ctx: Arc<WorkerCtx>,
    runtime: tokio::runtime::Handle,
    subscribers: Mutex<HashMap<SubscriberKey, Arc<Subscriber>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        for sub in lock(&self.subscribers).values() {
            sub.abort();
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("subscribers", &self.subscriber_count())
            .field("config", &self.shared.ctx.config)
            .finish_non_exhaustive()
    }
}

/// Locks, ignoring poisoning: the protected state stays consistent because
/// no code panics while holding these locks.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Delivery {
    /// Delivery over `client` (the shared outgoing client, which must not
    /// follow redirects). Must be called within a tokio runtime; the
    /// workers are spawned onto it.
    pub fn new(
        config: DeliveryConfig,
        client: reqwest::Client,
        observer: Arc<dyn DeliveryObserver>,
    ) -> Result<Self, DeliveryError> {
        config.validate()?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| DeliveryError::NoRuntime)?;
        Ok(Self {
            shared: Arc::new(Shared {
                ctx: Arc::new(WorkerCtx {
                    config,
                    client,
                    observer,
                    shutting_down: false.into(),
                }),
                runtime,
                subscribers: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Appends `item` to the queue of subscriber `key` at `url`, creating the
    /// subscriber and its worker on first use. Never waits for HTTP. When the
    /// queue is full, the oldest queued event is dropped (`queue_full`).
    ///
    /// Errors: [`DeliveryError::ShutDown`]; [`DeliveryError::SubscriberClosed`]
    /// after the subscriber was declared dead and before its owner removed it
    /// (the event is counted as dropped, `subscriber_removed`).
    pub fn enqueue(
        &self,
        key: &SubscriberKey,
        url: &Url,
        item: Outgoing,
    ) -> Result<(), DeliveryError> {
        let ctx = &self.shared.ctx;
        let sub = {
            let mut subscribers = lock(&self.shared.subscribers);
            if ctx.is_shutting_down() {
                return Err(DeliveryError::ShutDown);
            }
            match subscribers.get(key) {
                Some(sub) => Arc::clone(sub),
                None => {
                    let sub = self.spawn_subscriber(key, url);
                    subscribers.insert(key.clone(), Arc::clone(&sub));
                    sub
                }
            }
        };
        match sub.push(url, item, ctx.config.queue_full_warn_interval) {
            Ok(Pushed::Queued) => Ok(()),
            Ok(Pushed::DroppedOldest { warn }) => {
                ctx.observer.on_dropped(DropReason::QueueFull, 1);
                if let Some(dropped) = warn {
                    warn!(
                        subscriber = %key,
                        endpoint = %url,
                        dropped,
                        capacity = ctx.config.queue_capacity,
                        "queue full: dropped the oldest queued events"
                    );
                }
                Ok(())
            }
            Err(subscriber::Closed) => {
                ctx.observer.on_dropped(DropReason::SubscriberRemoved, 1);
                Err(DeliveryError::SubscriberClosed(key.clone()))
            }
        }
    }

    fn spawn_subscriber(&self, key: &SubscriberKey, url: &Url) -> Arc<Subscriber> {
        let ctx = &self.shared.ctx;
        let sub = Arc::new(Subscriber::new(
            key.clone(),
            url.clone(),
            ctx.config.queue_capacity,
            Arc::clone(&ctx.observer),
        ));
        let span = tracing::info_span!("delivery", subscriber = %key);
        let task = self
            .shared
            .runtime
            .spawn(worker::run(Arc::clone(ctx), Arc::clone(&sub)).instrument(span));
        sub.set_task(task);
        sub
    }

    /// Drops the queued (not in-flight) events of subscription `tag` of
    /// subscriber `key`; returns how many (counted as `subscriber_removed`).
    pub fn discard_tag(&self, key: &SubscriberKey, tag: &SubscriptionTag) -> usize {
        let Some(sub) = self.subscriber(key) else {
            return 0;
        };
        let n = sub.discard_tag(tag);
        if n > 0 {
            self.shared
                .ctx
                .observer
                .on_dropped(DropReason::SubscriberRemoved, n);
        }
        n
    }

    /// Stops the worker of `key` (abandoning its request in flight) and drops
    /// its queue, counting the events as `subscriber_removed`. A later
    /// [`Delivery::enqueue`] for the same key starts afresh. Returns whether
    /// the subscriber existed.
    pub fn remove_subscriber(&self, key: &SubscriberKey) -> bool {
        let Some(sub) = lock(&self.shared.subscribers).remove(key) else {
            return false;
        };
        let observer = &self.shared.ctx.observer;
        let discarded = sub.close();
        sub.abort();
        if discarded > 0 {
            observer.on_dropped(DropReason::SubscriberRemoved, discarded);
        }
        observer.on_subscriber_removed(key, &sub.url());
        info!(subscriber = %key, discarded, "subscriber removed from delivery");
        true
    }

    /// Queued plus in-flight events of `key` (0 if unknown or closed).
    pub fn depth(&self, key: &SubscriberKey) -> usize {
        self.subscriber(key).map_or(0, |sub| sub.depth())
    }

    /// Number of subscribers known to delivery (including dead ones not yet
    /// removed by their owner).
    pub fn subscriber_count(&self) -> usize {
        lock(&self.shared.subscribers).len()
    }

    /// Consecutive failed deliveries after which a subscriber is dead.
    pub fn failure_limit(&self) -> u32 {
        self.shared.ctx.config.failure_limit
    }

    fn subscriber(&self, key: &SubscriberKey) -> Option<Arc<Subscriber>> {
        lock(&self.shared.subscribers).get(key).cloned()
    }

    /// Stops accepting events, lets each worker finish the event it has in
    /// flight (retries included) for up to `grace`, then aborts the rest.
    /// Queued events are lost (spec §7.4). Idempotent.
    pub async fn shutdown(&self, grace: Duration) {
        let ctx = &self.shared.ctx;
        let subs: Vec<Arc<Subscriber>> = {
            let mut subscribers = lock(&self.shared.subscribers);
            ctx.shutting_down.store(true, Ordering::Release);
            subscribers.drain().map(|(_, sub)| sub).collect()
        };
        let mut tasks = Vec::with_capacity(subs.len());
        for sub in &subs {
            sub.wake.notify_one();
            tasks.extend(sub.take_task());
        }
        let deadline = tokio::time::Instant::now() + grace;
        let mut aborted = 0usize;
        for task in &mut tasks {
            if tokio::time::timeout_at(deadline, &mut *task).await.is_err() {
                task.abort();
                let _ = task.await;
                aborted += 1;
            }
        }
        let lost: usize = subs.iter().map(|sub| sub.close()).sum();
        for sub in &subs {
            ctx.observer.on_subscriber_removed(&sub.key, &sub.url());
        }
        info!(
            subscribers = subs.len(),
            aborted, lost, "delivery shut down"
        );
    }
}
