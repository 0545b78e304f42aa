//! Fan-out of published events (events-and-metrics.md §7.1): each event is
//! serialised once per envelope and appended to the queue of every
//! subscriber with a subscription that selects it (the event's full
//! address; next-generation.md §2 for v4 addresses); a subscriber receives
//! each event once, even when its subscriptions overlap. The v1 consumer sidecar forwards
//! the transport events it receives to its local subscriptions.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rustc_hash::FxHashSet;

use super::state::State;
use super::{lock, Registry, Role};
use crate::delivery::{HeaderName, HeaderValue, Outgoing, SubscriptionTag};
use crate::store::Api;
use ptp_event_core::events::{transport_event, v2_event, EventData, IncomingEvent, Resource};

/// The v1 address suffix of a resource (the `resource` label of the v1
/// latency histogram).
pub(super) fn v1_suffix(r: Resource) -> &'static str {
    r.v1_suffix().unwrap_or(r.suffix())
}

/// A random (v4) event id from the thread's generator: no system call per
/// event.
fn event_id() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
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

    /// An event goes to every subscriber with a subscription whose address
    /// selects it (next-generation.md §2: exact addresses, `.`, node
    /// patterns, inclusive paths), once per subscriber: under the first of
    /// its subscriptions that matches, in creation order
    /// (the rule of `ptp_event_core::events::delivered_for`), active ones before pending ones.
    fn publish_v2(&self, data: &EventData, time: SystemTime, published_at: Instant) {
        let resource = data.resource;
        let suffix = resource.suffix();
        self.metrics.event_published(suffix);
        let node = self.node();
        let mut st = lock(&self.state);
        let wanted = st.of(Api::V2).any(|a| a.selects(resource, node))
            || st
                .pending
                .iter()
                .any(|p| p.selector.matches(resource, node));
        if !wanted {
            return;
        }
        let body = v2_event(data, &event_id(), time);
        let headers: Arc<[(HeaderName, HeaderValue)]> = Arc::from(Vec::new());
        let outgoing = |tag: SubscriptionTag| Outgoing {
            body: body.clone(),
            headers: headers.clone(),
            tag,
            published_at,
            resource: suffix,
            api: "v2",
        };
        let State { subs, pending, .. } = &mut *st;
        // Endpoints (one per subscriber) that already have this event (a
        // set: with 500 subscribers a list cost 125 000 comparisons).
        let mut served: FxHashSet<&str> = FxHashSet::default();
        for a in subs.iter().filter(|a| a.api == Api::V2) {
            let Some(t) = &a.target else { continue };
            if !a.selects(resource, node) || !served.insert(&a.endpoint) {
                continue;
            }
            if let Err(e) = self
                .delivery
                .enqueue(&t.key, &t.url, outgoing(a.tag.clone()))
            {
                tracing::warn!(subscriber = %t.key, error = %e, "event not queued");
            }
        }
        // A pending subscription holds the event for after its initial
        // notification, unless its subscriber already has it.
        let mut held: Vec<usize> = Vec::new();
        for (i, p) in pending.iter().enumerate() {
            if !p.selector.matches(resource, node) || !served.insert(&p.endpoint) {
                continue;
            }
            held.push(i);
        }
        drop(served);
        for i in held {
            let p = &mut pending[i];
            let item = outgoing(p.id.as_str().into());
            p.buffer.push(item);
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
        let (headers, body) = transport_event(data, self.node(), &event_id(), time);
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
