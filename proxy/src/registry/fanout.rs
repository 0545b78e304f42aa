//! Fan-out of published events (events-and-metrics.md §7.1): each event is
//! serialised once per envelope and appended to the queue of every
//! subscriber whose subscription address equals the event's full address;
//! a subscriber receives each event once. The v1 consumer sidecar forwards
//! the transport events it receives to its local subscriptions.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::{lock, Registry, Role};
use crate::delivery::{HeaderName, HeaderValue, Outgoing, SubscriberKey};
use crate::store::Api;
use ptp_event_core::events::{transport_event, v2_event, EventData, IncomingEvent, Resource};

/// The v1 address suffix of a resource (the `resource` label of the v1
/// latency histogram).
pub(super) fn v1_suffix(r: Resource) -> &'static str {
    r.v1_suffix().unwrap_or(r.suffix())
}

impl Registry {
    /// Queues the events of one engine input (called by the engine task;
    /// never waits for delivery).
    pub fn publish(&self, events: &[(&EventData, SystemTime)], published_at: Instant) {
        for (data, time) in events {
            match self.role() {
                Role::V2Producer => self.publish_v2(data, *time, published_at),
                Role::V1Producer => self.publish_v1(data, *time, published_at),
                Role::V1Sidecar => {}
            }
        }
    }

    fn publish_v2(&self, data: &EventData, time: SystemTime, published_at: Instant) {
        let suffix = data.resource.suffix();
        self.metrics.event_published(suffix);
        let address = data.resource.address(self.node());
        let mut st = lock(&self.state);
        let wanted = st.of(Api::V2).any(|a| a.resource == address)
            || st.pending.iter().any(|p| p.resource == address);
        if !wanted {
            return;
        }
        let body = v2_event(data, &uuid::Uuid::new_v4(), time);
        let headers: Arc<[(HeaderName, HeaderValue)]> = Arc::from(Vec::new());
        let outgoing = |id: &str| Outgoing {
            body: body.clone(),
            headers: headers.clone(),
            tag: id.into(),
            published_at,
            resource: suffix,
            api: "v2",
        };
        for p in st.pending.iter_mut().filter(|p| p.resource == address) {
            let item = outgoing(&p.id);
            p.buffer.push(item);
        }
        let mut seen: Vec<&SubscriberKey> = Vec::new();
        for a in st.of(Api::V2).filter(|a| a.resource == address) {
            let Some(t) = &a.target else { continue };
            if seen.contains(&&t.key) {
                continue;
            }
            seen.push(&t.key);
            if let Err(e) = self.delivery.enqueue(&t.key, &t.url, outgoing(&a.id)) {
                tracing::warn!(subscriber = %t.key, error = %e, "event not queued");
            }
        }
    }

    /// §4.5, §4.6: a v1 application event per local subscription (its id
    /// in the body) and one binary-mode transport event for every client
    /// of the address.
    fn publish_v1(&self, data: &EventData, time: SystemTime, published_at: Instant) {
        if !Resource::V1.contains(&data.resource) {
            return;
        }
        let address = data.resource.v1_address(self.node());
        self.metrics.event_published(&address);
        self.v1_queue_for(data, &address, time, None, published_at);
        let st = lock(&self.state);
        let clients: Vec<_> = st
            .clients
            .iter()
            .filter(|c| c.resources.contains(&address))
            .collect();
        if clients.is_empty() {
            return;
        }
        let (headers, body) = transport_event(data, self.node(), &uuid::Uuid::new_v4(), time);
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
                resource: v1_suffix(data.resource),
                api: "transport",
            };
            if let Err(e) = self.delivery.enqueue(&c.target.key, &c.target.url, item) {
                tracing::warn!(subscriber = %c.target.key, error = %e, "transport event not queued");
            }
        }
    }

    /// v1 sidecar: queues a received transport event for the local
    /// subscriptions of its resource; returns how many.
    pub fn forward(&self, ev: &IncomingEvent) -> usize {
        let kind = ev.resource_kind();
        self.metrics
            .transport_received(ev.resource.as_str(), kind.is_some());
        let Some(kind) = kind else {
            tracing::warn!(resource = %ev.resource, "transport event for an unknown resource dropped");
            return 0;
        };
        let data = EventData {
            resource: kind,
            values: ev.values.clone(),
        };
        let time = ev.system_time().unwrap_or_else(SystemTime::now);
        self.v1_queue_for(&data, &ev.resource, time, None, Instant::now())
    }
}
