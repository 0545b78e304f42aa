//! Delivery outcomes into metrics, and dead consumers handed to the
//! registry.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use prometheus::{Gauge, Histogram, IntCounter};
use rustc_hash::FxHashMap;

use crate::delivery::{
    AttemptResult, DeliveryObserver, DepthMeter, DropReason, FinalOutcome, ItemMeta, SubscriberKey,
    Url,
};
use crate::metrics::Metrics;
use crate::registry::TRANSPORT_KEY_PREFIX;

/// Called with a subscriber that reached the failure limit; the registry
/// removes it.
pub type DeadHandler = Arc<dyn Fn(SubscriberKey) + Send + Sync>;

/// The series one final outcome updates.
struct FinalSeries {
    counts: Vec<Gauge>,
    latency: Option<Histogram>,
}

/// (resource, api, delivered).
type FinalKey = (&'static str, &'static str, bool);

pub struct MetricsObserver {
    metrics: Metrics,
    dead: Arc<OnceLock<DeadHandler>>,
    node_prefix: String,
    /// Delivered, retryable, rejected.
    attempts: [IntCounter; 3],
    /// The labelled series of each kind of final outcome, looked up once
    /// (not a label hash and an address `format!` per delivery).
    finals: Mutex<FxHashMap<FinalKey, Arc<FinalSeries>>>,
}

impl MetricsObserver {
    pub fn new(metrics: Metrics, dead: Arc<OnceLock<DeadHandler>>, node: &str) -> Self {
        let attempts = [
            metrics.attempt_series(AttemptResult::Delivered),
            metrics.attempt_series(AttemptResult::Retryable),
            metrics.attempt_series(AttemptResult::Rejected),
        ];
        MetricsObserver {
            metrics,
            dead,
            node_prefix: format!("/cluster/node/{node}"),
            attempts,
            finals: Mutex::new(FxHashMap::default()),
        }
    }

    fn final_series(&self, key: FinalKey) -> Arc<FinalSeries> {
        let mut finals = self.finals.lock().unwrap_or_else(PoisonError::into_inner);
        finals
            .entry(key)
            .or_insert_with(|| {
                let (resource, api, delivered) = key;
                let address = format!("{}{}", self.node_prefix, resource);
                Arc::new(FinalSeries {
                    counts: self.metrics.delivery_final_series(
                        &address,
                        api == "transport",
                        delivered,
                    ),
                    latency: delivered.then(|| self.metrics.delivery_latency_series(api, resource)),
                })
            })
            .clone()
    }
}

impl DeliveryObserver for MetricsObserver {
    fn on_attempt(&self, result: AttemptResult) {
        let i = match result {
            AttemptResult::Delivered => 0,
            AttemptResult::Retryable => 1,
            AttemptResult::Rejected => 2,
        };
        self.attempts[i].inc();
    }

    fn on_final(&self, _key: &SubscriberKey, outcome: FinalOutcome, meta: &ItemMeta) {
        let delivered = outcome == FinalOutcome::Delivered;
        let series = self.final_series((meta.resource, meta.api, delivered));
        for c in &series.counts {
            c.inc();
        }
        if let Some(h) = &series.latency {
            h.observe(meta.latency.as_secs_f64());
        }
    }

    fn on_dropped(&self, reason: DropReason, n: usize) {
        self.metrics.dropped(reason, n);
    }

    fn on_depth(&self, key: &SubscriberKey, url: &Url, depth: usize) {
        self.metrics.queue_depth(key.as_str(), url.as_str(), depth);
    }

    fn depth_meter(&self, key: &SubscriberKey, url: &Url) -> Option<DepthMeter> {
        let gauge = self.metrics.queue_depth_series(key.as_str(), url.as_str());
        Some(Box::new(move |depth| gauge.set(depth as f64)))
    }

    fn on_connection_reset(&self, key: &SubscriberKey) {
        if key.as_str().starts_with(TRANSPORT_KEY_PREFIX) {
            self.metrics.transport_connection_reset();
        }
    }

    fn on_subscriber_dead(&self, key: &SubscriberKey) {
        if let Some(handler) = self.dead.get() {
            handler(key.clone());
        }
    }

    fn on_subscriber_removed(&self, key: &SubscriberKey, url: &Url) {
        self.metrics.forget_queue(key.as_str(), url.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transport_clients_count_connection_resets() {
        let metrics = Metrics::new("n");
        let obs = MetricsObserver::new(metrics.clone(), Arc::new(OnceLock::new()), "n");
        let transport = SubscriberKey::new(format!("{TRANSPORT_KEY_PREFIX}b1f6d2a4"));
        obs.on_connection_reset(&transport);
        obs.on_connection_reset(&transport);
        obs.on_connection_reset(&SubscriberKey::new("http://127.0.0.1:9/e".to_string()));
        let text = String::from_utf8(metrics.render()).expect("utf8");
        assert!(text.contains("cne_transport_connection_reset 2"), "{text}");
    }
}
