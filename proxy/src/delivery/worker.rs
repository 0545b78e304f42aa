//! The task of one subscriber: takes the head of its queue, delivers it with
//! retries (at most one request in flight), reports the final outcome, and
//! stops after too many consecutive failed deliveries (spec §7.2, §7.3).
//!
//! Waits on: the subscriber's wake-up (new event, shutdown), its idle
//! connection (closed by the consumer), the HTTP attempt, and the retry
//! delay. Never on another subscriber.

use super::attempt::attempt;
use super::backoff::retry_delay;
use super::conn::{Connection, Connector};
use super::observer::{AttemptResult, DeliveryObserver, DropReason, FinalOutcome, ItemMeta};
use super::subscriber::{Next, Subscriber};
use super::{DeliveryConfig, Outgoing, SubscriberKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tracing::{debug, warn};
use url::Url;

/// What all workers share.
pub(crate) struct WorkerCtx {
    pub(crate) config: DeliveryConfig,
    pub(crate) connector: Connector,
    pub(crate) observer: Arc<dyn DeliveryObserver>,
    pub(crate) shutting_down: AtomicBool,
}

impl WorkerCtx {
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }
}

/// Runs until the subscriber is closed, dead, or delivery shuts down (after
/// finishing the event in flight).
pub(crate) async fn run(ctx: Arc<WorkerCtx>, sub: Arc<Subscriber>) {
    let mut consecutive_failures: u32 = 0;
    // The subscriber's one connection, kept alive between events.
    let mut conn = Connection::default();
    loop {
        let (item, url) = loop {
            if ctx.is_shutting_down() {
                return;
            }
            match sub.next() {
                Next::Item(item, url) => break (item, url),
                Next::Closed => return,
                Next::Empty => {
                    tokio::select! {
                        biased;
                        () = sub.wake.notified() => {}
                        // The consumer closed the idle connection (or it
                        // aged out): dropped; wait on.
                        () = conn.idle() => {}
                    }
                }
            }
        };

        // Boxed: the attempt's state (connecting, TLS, reading) is only
        // allocated while an event is in flight, so an idle worker is small.
        let outcome = Box::pin(deliver(&ctx, &mut conn, &sub.key, &url, &item)).await;
        if !sub.finish() {
            return;
        }
        let meta = ItemMeta {
            resource: item.resource,
            api: item.api,
            tag: item.tag.clone(),
            latency: item.published_at.elapsed(),
        };
        ctx.observer.on_final(&sub.key, outcome, &meta);
        match outcome {
            FinalOutcome::Delivered => consecutive_failures = 0,
            FinalOutcome::Rejected => {
                consecutive_failures = 0;
                ctx.observer.on_dropped(DropReason::DeliveryFailed, 1);
            }
            FinalOutcome::Failed => {
                consecutive_failures = consecutive_failures.saturating_add(1);
                ctx.observer.on_dropped(DropReason::DeliveryFailed, 1);
            }
        }

        if consecutive_failures >= ctx.config.failure_limit {
            let discarded = sub.close();
            if discarded > 0 {
                ctx.observer
                    .on_dropped(DropReason::SubscriberRemoved, discarded);
            }
            warn!(
                subscriber = %sub.key,
                endpoint = %url,
                consecutive_failures,
                discarded,
                "consumer unreachable: removing subscriber"
            );
            ctx.observer.on_subscriber_dead(&sub.key);
            return;
        }
    }
}

/// Attempts `item` until it is delivered, rejected, or the retries are used
/// up. The event stays "at the head of the queue" (in flight) meanwhile.
async fn deliver(
    ctx: &WorkerCtx,
    conn: &mut Connection,
    key: &SubscriberKey,
    url: &Url,
    item: &Outgoing,
) -> FinalOutcome {
    let config = &ctx.config;
    let mut retry = 0usize;
    loop {
        let report = attempt(
            conn,
            &ctx.connector,
            url,
            item,
            config.attempt_timeout,
            config.max_response_body,
        )
        .await;
        ctx.observer.on_attempt(report.result);
        if report.detail.is_connection_reset() {
            ctx.observer.on_connection_reset(key);
        }
        match report.result {
            AttemptResult::Delivered => {
                tracing::debug_span!("delivery", subscriber = %key)
                    .in_scope(|| debug!(detail = %report.detail, "delivered"));
                return FinalOutcome::Delivered;
            }
            AttemptResult::Rejected => {
                span(key).in_scope(|| {
                    warn!(endpoint = %url, detail = %report.detail, "event rejected by consumer");
                });
                return FinalOutcome::Rejected;
            }
            AttemptResult::Retryable => {
                let Some(delay) = retry_delay(&config.retry_delays, retry, config.jitter) else {
                    span(key).in_scope(|| {
                        warn!(
                            endpoint = %url,
                            attempts = retry + 1,
                            detail = %report.detail,
                            "delivery failed"
                        );
                    });
                    return FinalOutcome::Failed;
                };
                tracing::debug_span!("delivery", subscriber = %key).in_scope(|| {
                    debug!(detail = %report.detail, ?delay, "attempt failed, retrying");
                });
                tokio::time::sleep(delay).await;
                retry += 1;
            }
        }
    }
}

/// The span of a subscriber's delivery log lines (`subscriber` as its
/// field). Made at the log site only: a span entered on every poll of the
/// worker cost more than the rest of an idle delivery. Lines at debug level
/// use a debug-level span, so nothing is made when debug is off.
fn span(key: &SubscriberKey) -> tracing::Span {
    tracing::info_span!("delivery", subscriber = %key)
}
