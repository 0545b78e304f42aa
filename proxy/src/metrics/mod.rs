//! The Prometheus registry (events-and-metrics.md §9): the reference's
//! `openshift_ptp_*` and `cne_*` families plus the new delivery, socket and
//! store families, behind one typed facade.
//!
//! [`Metrics`] is a cheap `Clone` handle: every family is internally
//! synchronised, so no caller takes a lock and no update can be lost to a
//! poisoned one. Callers name what happened (`event_published`,
//! `delivery_final`, ...); label names and the `success`/`failed` spellings
//! live here only. The engine's `openshift_ptp_*` updates go through the
//! [`PtpWriter`] the engine task owns.

mod families;
mod ptp;

use std::sync::Arc;

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    Registry, TextEncoder,
};

use crate::delivery::{AttemptResult, DropReason};
use crate::http::security::AuthOutcome;
use families::{counter_vec, gauge_vec, register};
use ptp::PtpFamilies;
pub use ptp::PtpWriter;
use ptp_event_core::clock::LineResult;
use ptp_event_core::linuxptp::Kind;

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `status` label of the `cne_*` families.
fn status(ok: bool) -> &'static str {
    if ok {
        "success"
    } else {
        "failed"
    }
}

/// Every metric of the proxy.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Families>,
}

struct Families {
    registry: Registry,
    ptp: PtpFamilies,
    events_published: GaugeVec,
    api_subscriptions: GaugeVec,
    api_publishers: GaugeVec,
    status_ping: GaugeVec,
    events_received: GaugeVec,
    events_ack: GaugeVec,
    status_check_received: GaugeVec,
    delivery_latency: HistogramVec,
    queue_depth: GaugeVec,
    events_dropped: IntCounterVec,
    subscribers_removed: IntCounter,
    delivery_attempts: IntCounterVec,
    socket_lines: IntCounterVec,
    socket_connections: IntGauge,
    transport_events_published: GaugeVec,
    transport_events_received: GaugeVec,
    transport_sender: GaugeVec,
    transport_receiver: GaugeVec,
    transport_status_check_published: GaugeVec,
    transport_connection_reset: Gauge,
    store_write_errors: IntCounter,
    store_writable: IntGauge,
    api_auth: IntCounterVec,
}

impl Metrics {
    /// A registry with every family for `node`.
    pub fn new(node: &str) -> Metrics {
        let r = Registry::new();
        let ptp = PtpFamilies::register(&r, node);
        let delivery_latency = HistogramVec::new(
            HistogramOpts::new(
                "cne_delivery_latency_seconds",
                "from the engine publishing an event to the 2xx that delivered it",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["api", "resource"],
        )
        .expect("static metric definition");
        register(&r, &delivery_latency);
        let subscribers_removed = IntCounter::new(
            "cne_subscribers_removed_total",
            "subscribers removed after 10 consecutive failed deliveries",
        )
        .expect("static metric definition");
        register(&r, &subscribers_removed);
        let socket_connections = IntGauge::new("cne_socket_connections", "open daemon connections")
            .expect("static metric definition");
        register(&r, &socket_connections);
        let transport_connection_reset = Gauge::new(
            "cne_transport_connection_reset",
            "v1: connection resets seen on transport deliveries",
        )
        .expect("static metric definition");
        register(&r, &transport_connection_reset);
        let store_write_errors = IntCounter::new(
            "cne_store_write_errors_total",
            "subscription store writes that failed",
        )
        .expect("static metric definition");
        register(&r, &store_write_errors);
        let store_writable = IntGauge::new(
            "cne_store_writable",
            "1 when the subscription store can be written, else 0",
        )
        .expect("static metric definition");
        register(&r, &store_writable);
        let f = Families {
            ptp,
            events_published: gauge_vec(
                &r,
                "cne_api_events_published",
                "events published",
                &["address", "status"],
            ),
            api_subscriptions: gauge_vec(&r, "cne_api_subscriptions", "subscriptions", &["status"]),
            api_publishers: gauge_vec(&r, "cne_api_publishers", "publishers", &["status"]),
            status_ping: gauge_vec(&r, "cne_api_status_ping", "v1 status pings", &["status"]),
            events_received: gauge_vec(
                &r,
                "cne_events_received",
                "final delivery outcomes",
                &["type", "status"],
            ),
            events_ack: gauge_vec(
                &r,
                "cne_events_ack",
                "v1 transport delivery outcomes",
                &["type", "status"],
            ),
            status_check_received: gauge_vec(
                &r,
                "cne_status_check_received",
                "CurrentState requests",
                &["type", "status"],
            ),
            delivery_latency,
            queue_depth: gauge_vec(
                &r,
                "cne_subscriber_queue_depth",
                "queued plus in-flight events",
                &["client_id", "endpoint"],
            ),
            events_dropped: counter_vec(
                &r,
                "cne_events_dropped_total",
                "events not delivered",
                &["reason"],
            ),
            subscribers_removed,
            delivery_attempts: counter_vec(
                &r,
                "cne_delivery_attempts_total",
                "HTTP delivery attempts",
                &["result"],
            ),
            socket_lines: counter_vec(
                &r,
                "cne_socket_lines_total",
                "socket lines",
                &["kind", "result"],
            ),
            socket_connections,
            transport_events_published: gauge_vec(
                &r,
                "cne_transport_events_published",
                "v1 transport deliveries",
                &["address", "status"],
            ),
            transport_events_received: gauge_vec(
                &r,
                "cne_transport_events_received",
                "v1 transport events received",
                &["address", "status"],
            ),
            transport_sender: gauge_vec(
                &r,
                "cne_transport_sender",
                "v1 producer: registered clients per resource",
                &["address", "status"],
            ),
            transport_receiver: gauge_vec(
                &r,
                "cne_transport_receiver",
                "v1 consumer sidecar: local subscriptions per resource",
                &["address", "status"],
            ),
            transport_status_check_published: gauge_vec(
                &r,
                "cne_transport_status_check_published",
                "v1 consumer sidecar: CurrentState requests forwarded",
                &["address", "status"],
            ),
            transport_connection_reset,
            store_write_errors,
            store_writable,
            api_auth: counter_vec(
                &r,
                "cne_api_auth_total",
                "requests to protected API routes, by bearer-token outcome",
                &["outcome"],
            ),
            registry: r,
        };
        for reason in [
            DropReason::QueueFull,
            DropReason::DeliveryFailed,
            DropReason::SubscriberRemoved,
        ] {
            f.events_dropped.with_label_values(&[reason.as_str()]);
        }
        for result in [
            AttemptResult::Delivered,
            AttemptResult::Retryable,
            AttemptResult::Rejected,
        ] {
            f.delivery_attempts.with_label_values(&[result.as_str()]);
        }
        f.api_subscriptions.with_label_values(&["active"]).set(0.0);
        Metrics { inner: Arc::new(f) }
    }

    /// The writer of the `openshift_ptp_*` families (one, for the engine
    /// task).
    pub fn ptp_writer(&self) -> PtpWriter {
        PtpWriter::new(self.inner.ptp.clone())
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.inner.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        buf
    }

    /// The engine published an event (`address`: the suffix in v2, the
    /// full address in v1).
    pub fn event_published(&self, address: &str) {
        self.inner
            .events_published
            .with_label_values(&[address, status(true)])
            .inc();
    }

    /// The number of subscriptions and of publishers of the API served.
    pub fn api_counts(&self, subscriptions: usize, publishers: usize) {
        let f = &self.inner;
        f.api_subscriptions
            .with_label_values(&["active"])
            .set(subscriptions as f64);
        f.api_publishers
            .with_label_values(&["active"])
            .set(publishers as f64);
    }

    /// A v1 `PUT /subscriptions/status/{id}`.
    pub fn status_ping(&self, ok: bool) {
        self.inner
            .status_ping
            .with_label_values(&[status(ok)])
            .inc();
    }

    /// A CurrentState request for `address` (`ok`: answered 200); the v1
    /// sidecar also counts it as forwarded.
    pub fn status_check(&self, address: &str, ok: bool, forwarded: bool) {
        let f = &self.inner;
        f.status_check_received
            .with_label_values(&[address, status(ok)])
            .inc();
        if forwarded {
            f.transport_status_check_published
                .with_label_values(&[address, status(ok)])
                .inc();
        }
    }

    /// The final outcome of one delivery of an event of `address`;
    /// `transport` for deliveries to v1 consumer sidecars.
    pub fn delivery_final(&self, address: &str, transport: bool, delivered: bool) {
        let f = &self.inner;
        let s = status(delivered);
        if transport {
            f.events_ack.with_label_values(&[address, s]).inc();
            f.transport_events_published
                .with_label_values(&[address, s])
                .inc();
        } else {
            f.events_received.with_label_values(&[address, s]).inc();
        }
    }

    /// Publish-to-2xx latency of one delivered event.
    pub fn delivery_latency(&self, api: &str, resource: &str, seconds: f64) {
        self.inner
            .delivery_latency
            .with_label_values(&[api, resource])
            .observe(seconds);
    }

    /// One HTTP delivery attempt.
    pub fn attempt(&self, result: AttemptResult) {
        self.inner
            .delivery_attempts
            .with_label_values(&[result.as_str()])
            .inc();
    }

    /// `n` events not delivered, for `reason`.
    pub fn dropped(&self, reason: DropReason, n: usize) {
        self.inner
            .events_dropped
            .with_label_values(&[reason.as_str()])
            .inc_by(n as u64);
    }

    /// Queued plus in-flight events of one subscriber.
    pub fn queue_depth(&self, client_id: &str, endpoint: &str, depth: usize) {
        self.inner
            .queue_depth
            .with_label_values(&[client_id, endpoint])
            .set(depth as f64);
    }

    /// Forgets the queue-depth series of a subscriber that is gone.
    pub fn forget_queue(&self, client_id: &str, endpoint: &str) {
        let _ = self
            .inner
            .queue_depth
            .remove_label_values(&[client_id, endpoint]);
    }

    /// A dead subscriber was removed.
    pub fn subscriber_removed(&self) {
        self.inner.subscribers_removed.inc();
    }

    /// `n` socket lines of `kind` with `result`.
    pub fn socket_lines(&self, kind: Kind, result: LineResult, n: u64) {
        self.inner
            .socket_lines
            .with_label_values(&[kind.label(), result.label()])
            .inc_by(n);
    }

    /// A daemon connection opened (`true`) or closed.
    pub fn socket_connection(&self, opened: bool) {
        if opened {
            self.inner.socket_connections.inc();
        } else {
            self.inner.socket_connections.dec();
        }
    }

    /// The v1 consumer sidecar received a transport event for `address`.
    pub fn transport_received(&self, address: &str, ok: bool) {
        self.inner
            .transport_events_received
            .with_label_values(&[address, status(ok)])
            .inc();
    }

    /// v1 producer: the number of registered clients of `address`.
    pub fn transport_senders(&self, address: &str, clients: usize) {
        self.inner
            .transport_sender
            .with_label_values(&[address, "active"])
            .set(clients as f64);
    }

    /// v1 consumer sidecar: the local subscriptions per resource address.
    pub fn transport_receivers<'a>(&self, addresses: impl Iterator<Item = &'a str>) {
        let v = &self.inner.transport_receiver;
        v.reset();
        for a in addresses {
            v.with_label_values(&[a, "active"]).inc();
        }
    }

    /// Bearer tokens are required: every `cne_api_auth_total` series is
    /// shown from 0 (without tokens the family has no series).
    pub fn api_auth_enabled(&self) {
        for o in AuthOutcome::ALL {
            self.inner.api_auth.with_label_values(&[o.label()]);
        }
    }

    /// One request to a protected route, by its token's outcome.
    pub fn api_auth(&self, outcome: AuthOutcome) {
        self.inner
            .api_auth
            .with_label_values(&[outcome.label()])
            .inc();
    }

    /// A peer reset the connection of a transport delivery.
    pub fn transport_connection_reset(&self) {
        self.inner.transport_connection_reset.inc();
    }
}

/// The store reports its failed writes and its writable state here.
impl crate::store::StoreObserver for Metrics {
    fn write_failed(&self, _error: &crate::store::StoreError) {
        self.inner.store_write_errors.inc();
    }
    fn writable_changed(&self, writable: bool) {
        self.inner.store_writable.set(i64::from(writable));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreObserver;

    #[test]
    fn store_reports_reach_their_families() {
        let m = Metrics::new("n");
        m.writable_changed(true);
        let e = crate::store::StoreError::Format {
            path: "/x".into(),
            found: 2,
        };
        m.write_failed(&e);
        m.write_failed(&e);
        m.writable_changed(false);
        let t = text(&m);
        assert!(t.contains("cne_store_write_errors_total 2"), "{t}");
        assert!(t.contains("cne_store_writable 0"), "{t}");
    }

    fn text(m: &Metrics) -> String {
        String::from_utf8(m.render()).expect("utf8")
    }

    #[test]
    fn facade_writes_the_reference_label_sets() {
        let m = Metrics::new("n");
        m.event_published("/sync/ptp-status/lock-state");
        m.status_check("/cluster/node/n/sync/ptp-status/lock-state", false, true);
        m.delivery_final("/cluster/node/n/x", true, true);
        m.api_counts(3, 7);
        let t = text(&m);
        for line in [
            "cne_api_events_published{address=\"/sync/ptp-status/lock-state\",status=\"success\"} 1",
            "cne_status_check_received{status=\"failed\",type=\"/cluster/node/n/sync/ptp-status/lock-state\"} 1",
            "cne_transport_status_check_published{address=\"/cluster/node/n/sync/ptp-status/lock-state\",status=\"failed\"} 1",
            "cne_events_ack{status=\"success\",type=\"/cluster/node/n/x\"} 1",
            "cne_transport_events_published{address=\"/cluster/node/n/x\",status=\"success\"} 1",
            "cne_api_subscriptions{status=\"active\"} 3",
            "cne_api_publishers{status=\"active\"} 7",
            "cne_events_dropped_total{reason=\"queue_full\"} 0",
        ] {
            assert!(t.contains(line), "{line} missing in\n{t}");
        }
    }

    #[test]
    fn auth_outcomes_appear_once_tokens_are_required() {
        let m = Metrics::new("n");
        assert!(!text(&m).contains("cne_api_auth_total"));
        m.api_auth_enabled();
        m.api_auth(AuthOutcome::Forbidden);
        let t = text(&m);
        for line in [
            "cne_api_auth_total{outcome=\"ok\"} 0",
            "cne_api_auth_total{outcome=\"missing\"} 0",
            "cne_api_auth_total{outcome=\"invalid\"} 0",
            "cne_api_auth_total{outcome=\"forbidden\"} 1",
            "cne_api_auth_total{outcome=\"unavailable\"} 0",
        ] {
            assert!(t.contains(line), "{line} missing in\n{t}");
        }
    }

    #[test]
    fn receivers_are_recounted_from_scratch() {
        let m = Metrics::new("n");
        m.transport_receivers(["/a", "/a", "/b"].into_iter());
        m.transport_receivers(["/b"].into_iter());
        let t = text(&m);
        assert!(!t.contains("address=\"/a\""), "{t}");
        assert!(
            t.contains("cne_transport_receiver{address=\"/b\",status=\"active\"} 1"),
            "{t}"
        );
    }

    #[test]
    fn queue_depth_series_is_forgotten() {
        let m = Metrics::new("n");
        m.queue_depth("c", "http://e/", 2);
        assert!(text(&m).contains("cne_subscriber_queue_depth{"));
        m.forget_queue("c", "http://e/");
        assert!(!text(&m).contains("cne_subscriber_queue_depth{"));
    }
}
