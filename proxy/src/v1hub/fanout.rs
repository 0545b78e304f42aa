//! The v1 producer's fan-out (events-and-metrics.md §4.5, §4.6, §7.1): each
//! engine event of a v1 resource goes to every local subscription with an
//! endpoint (a v1 application event, `id` = the subscription id) and to
//! every transport client holding a subscription for its full address (a
//! binary-mode CloudEvent 0.3, serialised once for all clients).

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::{lock, V1Hub};
use crate::delivery::{HeaderName, HeaderValue, Outgoing};
use crate::hub::EventSink;
use ptp_event_core::clock::Snapshot;
use ptp_event_core::events::{transport_event, v1_event, EventData, Resource};

/// `cne_delivery_latency_seconds{resource}` and the address suffix of the
/// v1 metrics: the v1 suffix of a resource.
pub(super) fn v1_suffix(r: Resource) -> &'static str {
    r.v1_suffix().unwrap_or(r.suffix())
}

impl EventSink for V1Hub {
    fn publish(
        &self,
        events: &[(&EventData, SystemTime)],
        snapshot: Snapshot,
        published_at: Instant,
    ) {
        let mut st = lock(&self.state);
        st.snapshot = snapshot;
        for (data, time) in events {
            if !Resource::V1.contains(&data.resource) {
                continue;
            }
            let address = data.resource.v1_address(&self.node);
            let suffix = v1_suffix(data.resource);
            if let Ok(m) = self.metrics.lock() {
                m.events_published
                    .with_label_values(&[&address, "success"])
                    .inc();
            }
            for a in st.subs.iter().filter(|a| a.sub.resource == address) {
                let Some((key, url)) = &a.target else {
                    tracing::info!(subscription = %a.sub.id, resource = %address, "event for a v1 subscription without endpoint");
                    continue;
                };
                let body = v1_event(data, &self.node, &a.sub.id, *time, self.format);
                let item = Outgoing {
                    body,
                    headers: Arc::from(Vec::new()),
                    tag: a.sub.id.as_str().into(),
                    published_at,
                    resource: suffix,
                    api: "v1",
                };
                if let Err(e) = self.delivery.enqueue(key, url, item) {
                    tracing::warn!(subscriber = %key, error = %e, "v1 event not queued");
                }
            }
            let clients: Vec<_> = st
                .clients
                .iter()
                .filter(|c| c.resources.contains(&address))
                .collect();
            if clients.is_empty() {
                continue;
            }
            let (headers, body) = transport_event(data, &self.node, &uuid::Uuid::new_v4(), *time);
            let headers: Arc<[(HeaderName, HeaderValue)]> = headers
                .into_iter()
                .filter_map(|(n, v)| {
                    Some((HeaderName::from_static(n), HeaderValue::from_str(&v).ok()?))
                })
                .collect::<Vec<_>>()
                .into();
            for c in clients {
                let item = Outgoing {
                    body: body.clone(),
                    headers: headers.clone(),
                    tag: c.id.as_str().into(),
                    published_at,
                    resource: suffix,
                    api: "transport",
                };
                if let Err(e) = self.delivery.enqueue(&c.key, &c.url, item) {
                    tracing::warn!(subscriber = %c.key, error = %e, "transport event not queued");
                }
            }
        }
    }

    fn persist_sync_state<'a>(
        &'a self,
        state: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(V1Hub::persist_sync_state(self, state))
    }
}
