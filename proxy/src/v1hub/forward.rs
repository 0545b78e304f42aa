//! The consumer sidecar's forwarding (rest-api.md §5.3): a transport event
//! received on `POST /event` becomes a v1 application event for every local
//! subscription of its resource that has an endpoint, `id` = the
//! subscription id, queued in the per-endpoint delivery queues. Also the
//! status ping's queued current state (both roles).

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::fanout::v1_suffix;
use super::{lock, V1Hub};
use crate::delivery::Outgoing;
use ptp_event_core::events::{v1_event_with_source, EventData, IncomingEvent};

impl V1Hub {
    /// Queues an incoming transport event; returns how many local
    /// subscriptions it was queued for.
    pub fn forward(&self, ev: &IncomingEvent) -> usize {
        let ok = ev.resource_kind();
        if let Ok(m) = self.metrics.lock() {
            m.transport_events_received
                .with_label_values(&[
                    ev.resource.as_str(),
                    if ok.is_some() { "success" } else { "failed" },
                ])
                .inc();
        }
        let Some(kind) = ok else {
            tracing::warn!(resource = %ev.resource, "transport event for an unknown resource dropped");
            return 0;
        };
        let data = EventData {
            resource: kind,
            values: ev.values.clone(),
        };
        let time = ev.system_time().unwrap_or_else(SystemTime::now);
        self.queue_for(&data, &ev.resource, time, None)
    }

    /// Queues `data` as a v1 application event to the local subscriptions
    /// of `address` (only `only` when given). Returns how many were queued.
    pub(crate) fn queue_for(
        &self,
        data: &EventData,
        address: &str,
        time: SystemTime,
        only: Option<&str>,
    ) -> usize {
        let st = lock(&self.state);
        let mut n = 0;
        for a in st
            .subs
            .iter()
            .filter(|a| a.sub.resource == address && only.is_none_or(|id| a.sub.id == id))
        {
            let Some((key, url)) = &a.target else {
                tracing::info!(subscription = %a.sub.id, resource = %address, "event for a v1 subscription without endpoint");
                continue;
            };
            let item = Outgoing {
                body: v1_event_with_source(data, address, &a.sub.id, time, self.format),
                headers: Arc::from(Vec::new()),
                tag: a.sub.id.as_str().into(),
                published_at: Instant::now(),
                resource: v1_suffix(data.resource),
                api: "v1",
            };
            match self.delivery.enqueue(key, url, item) {
                Ok(_) => n += 1,
                Err(e) => tracing::warn!(subscriber = %key, error = %e, "v1 event not queued"),
            }
        }
        n
    }
}
