//! Delivery outcomes into metrics, and dead consumers handed to the hub.

use std::sync::{Arc, OnceLock};

use crate::delivery::{
    AttemptResult, DeliveryObserver, DropReason, FinalOutcome, ItemMeta, SubscriberKey, Url,
};
use crate::metrics::SharedMetrics;

/// Called with a subscriber that reached the failure limit; its owner (the
/// v2 or v1 hub) removes it.
pub type DeadHandler = Arc<dyn Fn(SubscriberKey) + Send + Sync>;

pub struct MetricsObserver {
    metrics: SharedMetrics,
    hub: Arc<OnceLock<DeadHandler>>,
    node_prefix: String,
}

impl MetricsObserver {
    pub fn new(metrics: SharedMetrics, hub: Arc<OnceLock<DeadHandler>>, node: &str) -> Self {
        MetricsObserver {
            metrics,
            hub,
            node_prefix: format!("/cluster/node/{node}"),
        }
    }
}

impl DeliveryObserver for MetricsObserver {
    fn on_attempt(&self, result: AttemptResult) {
        if let Ok(m) = self.metrics.lock() {
            m.delivery_attempts
                .with_label_values(&[result.as_str()])
                .inc();
        }
    }

    fn on_final(&self, _key: &SubscriberKey, outcome: FinalOutcome, meta: &ItemMeta) {
        if let Ok(m) = self.metrics.lock() {
            let address = format!("{}{}", self.node_prefix, meta.resource);
            if meta.api == "transport" {
                m.events_ack
                    .with_label_values(&[&address, outcome.status_label()])
                    .inc();
                m.transport_events_published
                    .with_label_values(&[&address, outcome.status_label()])
                    .inc();
            } else {
                m.events_received
                    .with_label_values(&[&address, outcome.status_label()])
                    .inc();
            }
            if outcome == FinalOutcome::Delivered {
                m.delivery_latency
                    .with_label_values(&[meta.api, meta.resource])
                    .observe(meta.latency.as_secs_f64());
            }
        }
    }

    fn on_dropped(&self, reason: DropReason, n: usize) {
        if let Ok(m) = self.metrics.lock() {
            m.events_dropped
                .with_label_values(&[reason.as_str()])
                .inc_by(n as u64);
        }
    }

    fn on_depth(&self, key: &SubscriberKey, url: &Url, depth: usize) {
        if let Ok(m) = self.metrics.lock() {
            m.queue_depth
                .with_label_values(&[key.as_str(), url.as_str()])
                .set(depth as f64);
        }
    }

    fn on_connection_reset(&self, key: &SubscriberKey) {
        if key.as_str().starts_with(crate::v1hub::TRANSPORT_KEY_PREFIX) {
            if let Ok(m) = self.metrics.lock() {
                m.transport_connection_reset.inc();
            }
        }
    }

    fn on_subscriber_dead(&self, key: &SubscriberKey) {
        if let Some(handler) = self.hub.get() {
            handler(key.clone());
        }
    }

    fn on_subscriber_removed(&self, key: &SubscriberKey, url: &Url) {
        if let Ok(m) = self.metrics.lock() {
            let _ = m
                .queue_depth
                .remove_label_values(&[key.as_str(), url.as_str()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    #[test]
    fn only_transport_clients_count_connection_resets() {
        let metrics: SharedMetrics = Arc::new(std::sync::Mutex::new(Metrics::new("n")));
        let obs = MetricsObserver::new(metrics.clone(), Arc::new(OnceLock::new()), "n");
        let transport =
            SubscriberKey::new(format!("{}b1f6d2a4", crate::v1hub::TRANSPORT_KEY_PREFIX));
        obs.on_connection_reset(&transport);
        obs.on_connection_reset(&transport);
        obs.on_connection_reset(&SubscriberKey::new("http://127.0.0.1:9/e".to_string()));
        let text = String::from_utf8(metrics.lock().expect("lock").render()).expect("utf8");
        assert!(text.contains("cne_transport_connection_reset 2"), "{text}");
    }
}
