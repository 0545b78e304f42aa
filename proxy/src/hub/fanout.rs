//! Fan-out of published events (events-and-metrics.md §7.1): serialised
//! once, appended to the queue of every subscriber whose subscription
//! address equals the event's full address.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::{lock, Hub};
use crate::delivery::Outgoing;
use ptp_event_core::clock::Snapshot;
use ptp_event_core::events::{v2_event, EventData};

impl Hub {
    /// Publishes the events of one engine input and installs the new
    /// snapshot, under one lock.
    pub fn publish(
        &self,
        events: &[(&EventData, SystemTime)],
        snapshot: Snapshot,
        published_at: Instant,
    ) {
        let mut st = lock(&self.state);
        st.snapshot = snapshot;
        for (data, time) in events {
            let address = data.resource.address(&self.node);
            let suffix = data.resource.suffix();
            if let Ok(m) = self.metrics.lock() {
                m.events_published
                    .with_label_values(&[suffix, "success"])
                    .inc();
            }
            let wanted = st.subs.iter().any(|s| s.resource == address)
                || st.pending.iter().any(|p| p.resource == address);
            if !wanted {
                continue;
            }
            let body = v2_event(data, &uuid::Uuid::new_v4(), *time);
            let headers: Arc<[_]> = Arc::from(Vec::new());
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
            for s in st.subs.iter().filter(|s| s.resource == address) {
                if let Err(e) = self.delivery.enqueue(&s.key, &s.url, outgoing(&s.id)) {
                    tracing::warn!(subscriber = %s.key, error = %e, "event not queued");
                }
            }
        }
    }
}
