//! Delivery outcomes into metrics, and dead consumers handed to the
//! registry.

use std::sync::{Arc, OnceLock};

use crate::delivery::{
    AttemptResult, DeliveryObserver, DropReason, FinalOutcome, ItemMeta, SubscriberKey, Url,
};
use crate::metrics::Metrics;
use crate::registry::TRANSPORT_KEY_PREFIX;

/// Called with a subscriber that reached the failure limit; the registry
/// removes it.
pub type DeadHandler = Arc<dyn Fn(SubscriberKey) + Send + Sync>;

pub struct MetricsObserver {
    metrics: Metrics,
    dead: Arc<OnceLock<DeadHandler>>,
    node_prefix: String,
}

impl MetricsObserver {
    pub fn new(metrics: Metrics, dead: Arc<OnceLock<DeadHandler>>, node: &str) -> Self {
        MetricsObserver {
            metrics,
            dead,
            node_prefix: format!("/cluster/node/{node}"),
        }
    }
}

impl DeliveryObserver for MetricsObserver {
    fn on_attempt(&self, result: AttemptResult) {
        self.metrics.attempt(result);
    }

    fn on_final(&self, _key: &SubscriberKey, outcome: FinalOutcome, meta: &ItemMeta) {
        let address = format!("{}{}", self.node_prefix, meta.resource);
        let delivered = outcome == FinalOutcome::Delivered;
        self.metrics
            .delivery_final(&address, meta.api == "transport", delivered);
        if delivered {
            self.metrics
                .delivery_latency(meta.api, meta.resource, meta.latency.as_secs_f64());
        }
    }

    fn on_dropped(&self, reason: DropReason, n: usize) {
        self.metrics.dropped(reason, n);
    }

    fn on_depth(&self, key: &SubscriberKey, url: &Url, depth: usize) {
        self.metrics.queue_depth(key.as_str(), url.as_str(), depth);
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
