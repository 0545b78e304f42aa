//! The Prometheus registry: the reference's `openshift_ptp_*` and `cne_*`
//! families plus the new delivery and socket families
//! (events-and-metrics.md §9), fed from engine effects.
//!
//! The engine path goes through two caches of series handles. The first is
//! keyed by the identity of the label values (the engine reuses the same
//! `Arc`s line after line), so a metric update usually costs a hash of a few
//! words and an atomic store; the second, keyed by the label text, catches a
//! series built from new `Arc`s.

use std::collections::HashMap;
use std::sync::Arc;

use prometheus::{
    core::Collector, Encoder, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter,
    IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::clock::{Family, Label, Labels, MetricOp, Series};

/// Entries of the identity cache before it is emptied (new `Arc`s for known
/// series, such as a port's raw name on each role change, add entries).
const MAX_BY_ID: usize = 4096;

/// A series by the addresses of its label texts. The cache entry keeps its
/// `Series`, and so its `Arc`s, alive (static texts live for ever): an
/// address cannot be reused for another value while it is a key.
#[derive(PartialEq, Eq, Hash)]
struct SeriesId {
    family: Family,
    labels: [usize; 9],
}

impl SeriesId {
    fn of(s: &Series) -> SeriesId {
        fn id(l: &Option<Label>) -> usize {
            l.as_ref().map_or(0, Label::addr)
        }
        let l = &s.labels;
        SeriesId {
            family: s.family,
            labels: [
                id(&l.from),
                id(&l.process),
                id(&l.iface),
                id(&l.config),
                id(&l.profile),
                id(&l.threshold),
                id(&l.network_option),
                id(&l.device),
                id(&l.ql_type),
            ],
        }
    }
}

/// Every metric of the proxy.
pub struct Metrics {
    registry: Registry,
    node: String,
    ptp: HashMap<Family, GaugeVec>,
    restart_count: IntCounterVec,
    // Fx, not SipHash: hashed 4–5 times per offset line (SipHash was a
    // quarter of the ingest CPU); keys are not attacker-chosen.
    cache: HashMap<Series, PtpHandle, rustc_hash::FxBuildHasher>,
    by_id: HashMap<SeriesId, (Series, PtpHandle), rustc_hash::FxBuildHasher>,
    pub events_published: GaugeVec,
    pub api_subscriptions: GaugeVec,
    pub api_publishers: GaugeVec,
    pub status_ping: GaugeVec,
    pub events_received: GaugeVec,
    pub events_ack: GaugeVec,
    pub status_check_received: GaugeVec,
    pub delivery_latency: HistogramVec,
    pub queue_depth: GaugeVec,
    pub events_dropped: IntCounterVec,
    pub subscribers_removed: IntCounter,
    pub delivery_attempts: IntCounterVec,
    pub socket_lines: IntCounterVec,
    pub socket_connections: IntGauge,
    pub transport_events_published: GaugeVec,
    pub transport_events_received: GaugeVec,
    pub transport_sender: GaugeVec,
    pub transport_receiver: GaugeVec,
    pub transport_status_check_published: GaugeVec,
    pub transport_connection_reset: Gauge,
    /// `cne_store_write_errors_total` and `cne_store_writable` (store §8.2).
    pub store: crate::store::StoreMetrics,
}

#[derive(Clone)]
enum PtpHandle {
    Gauge(Gauge),
    Counter(prometheus::IntCounter),
}

/// Name, help and label names of each `openshift_ptp_*` family (without `node`).
fn ptp_family(f: Family) -> (&'static str, &'static str, &'static [&'static str]) {
    const FPI: &[&str] = &["from", "process", "iface"];
    const PI: &[&str] = &["process", "iface"];
    match f {
        Family::OffsetNs => ("openshift_ptp_offset_ns", "offset in ns", FPI),
        Family::MaxOffsetNs => ("openshift_ptp_max_offset_ns", "max offset in ns", FPI),
        Family::FrequencyAdjustmentNs => (
            "openshift_ptp_frequency_adjustment_ns",
            "frequency adjustment in ppb",
            FPI,
        ),
        Family::DelayNs => ("openshift_ptp_delay_ns", "path delay in ns", FPI),
        Family::ClockState => (
            "openshift_ptp_clock_state",
            "0 = FREERUN, 1 = LOCKED, 2 = HOLDOVER",
            PI,
        ),
        Family::NmeaStatus => (
            "openshift_ptp_nmea_status",
            "0 = UNAVAILABLE, 1 = AVAILABLE",
            PI,
        ),
        Family::Threshold => (
            "openshift_ptp_threshold",
            "thresholds of the profile",
            &["threshold", "profile"],
        ),
        Family::InterfaceRole => (
            "openshift_ptp_interface_role",
            "0 = PASSIVE, 1 = SLAVE, 2 = MASTER, 3 = FAULTY, 4 = UNKNOWN, 5 = LISTENING",
            PI,
        ),
        Family::ClockClass => (
            "openshift_ptp_clock_class",
            "clock class",
            &["process", "config"],
        ),
        Family::ProcessStatus => (
            "openshift_ptp_process_status",
            "0 = DOWN, 1 = UP",
            &["process", "config"],
        ),
        Family::ProcessRestartCount => (
            "openshift_ptp_process_restart_count",
            "real restarts of the process",
            &["process", "config"],
        ),
        Family::HaProfileStatus => (
            "openshift_ptp_ha_profile_status",
            "0 = INACTIVE, 1 = ACTIVE",
            &["process", "profile"],
        ),
        Family::SynceClockQuality => (
            "openshift_ptp_synce_clock_quality",
            "ql + ext_ql (or ql + 255 when not extended)",
            &["process", "profile", "network_option", "iface", "device"],
        ),
        Family::SynceSsmQl => (
            "openshift_ptp_synce_ssm_ql",
            "SSM quality levels",
            &[
                "process",
                "profile",
                "network_option",
                "iface",
                "device",
                "ql_type",
            ],
        ),
        Family::GnssStatus => ("openshift_ptp_gnss_status", "gpsFix 0-5", FPI),
        Family::FrequencyStatus => (
            "openshift_ptp_frequency_status",
            "DPLL frequency status",
            FPI,
        ),
        Family::PhaseStatus => ("openshift_ptp_phase_status", "DPLL phase status", FPI),
        Family::PpsStatus => (
            "openshift_ptp_pps_status",
            "0 = UNAVAILABLE, 1 = AVAILABLE",
            FPI,
        ),
    }
}

const FAMILIES: [Family; 17] = [
    Family::OffsetNs,
    Family::MaxOffsetNs,
    Family::FrequencyAdjustmentNs,
    Family::DelayNs,
    Family::ClockState,
    Family::NmeaStatus,
    Family::Threshold,
    Family::InterfaceRole,
    Family::ClockClass,
    Family::ProcessStatus,
    Family::HaProfileStatus,
    Family::SynceClockQuality,
    Family::SynceSsmQl,
    Family::GnssStatus,
    Family::FrequencyStatus,
    Family::PhaseStatus,
    Family::PpsStatus,
];

fn label_value<'a>(labels: &'a Labels, name: &str) -> &'a str {
    let v = match name {
        "from" => &labels.from,
        "process" => &labels.process,
        "iface" => &labels.iface,
        "config" => &labels.config,
        "profile" => &labels.profile,
        "threshold" => &labels.threshold,
        "network_option" => &labels.network_option,
        "device" => &labels.device,
        "ql_type" => &labels.ql_type,
        _ => &None,
    };
    v.as_deref().unwrap_or("")
}

fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let v = GaugeVec::new(Opts::new(name, help), labels).expect("static metric definition");
    register(r, &v);
    v
}

fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let v = IntCounterVec::new(Opts::new(name, help), labels).expect("static metric definition");
    register(r, &v);
    v
}

fn register<C: Collector + Clone + 'static>(r: &Registry, c: &C) {
    if let Err(e) = r.register(Box::new(c.clone())) {
        tracing::error!(error = %e, "metric registration failed");
    }
}

impl Metrics {
    /// A registry with every family for `node`.
    pub fn new(node: &str) -> Metrics {
        let r = Registry::new();
        let mut ptp = HashMap::new();
        for f in FAMILIES {
            let (name, help, labels) = ptp_family(f);
            let mut names: Vec<&str> = labels.to_vec();
            names.push("node");
            ptp.insert(f, gauge_vec(&r, name, help, &names));
        }
        let (name, help, labels) = ptp_family(Family::ProcessRestartCount);
        let mut names: Vec<&str> = labels.to_vec();
        names.push("node");
        let restart_count = counter_vec(&r, name, help, &names);
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
        let store = crate::store::StoreMetrics {
            write_errors: IntCounter::new(
                "cne_store_write_errors_total",
                "store writes that failed (the change was not applied)",
            )
            .expect("static metric definition"),
            writable: IntGauge::new(
                "cne_store_writable",
                "1 = the store can be written, 0 = not",
            )
            .expect("static metric definition"),
        };
        register(&r, &store.write_errors);
        register(&r, &store.writable);
        let m = Metrics {
            node: node.to_string(),
            ptp,
            restart_count,
            cache: HashMap::default(),
            by_id: HashMap::default(),
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
            store,
            registry: r,
        };
        for reason in ["queue_full", "delivery_failed", "subscriber_removed"] {
            m.events_dropped.with_label_values(&[reason]);
        }
        for result in ["delivered", "retryable", "rejected"] {
            m.delivery_attempts.with_label_values(&[result]);
        }
        m.api_subscriptions.with_label_values(&["active"]).set(0.0);
        m
    }

    /// Calls `f` with the handle of `series`, from the identity cache when
    /// the engine reused the label `Arc`s.
    fn with_handle(&mut self, series: &Series, f: impl FnOnce(&PtpHandle)) {
        let id = SeriesId::of(series);
        if let Some((_, h)) = self.by_id.get(&id) {
            f(h);
            return;
        }
        let h = self.handle(series);
        f(&h);
        if self.by_id.len() >= MAX_BY_ID {
            self.by_id.clear();
        }
        self.by_id.insert(id, (series.clone(), h));
    }

    fn handle(&mut self, series: &Series) -> PtpHandle {
        if let Some(h) = self.cache.get(series) {
            return h.clone();
        }
        let (_, _, names) = ptp_family(series.family);
        let mut values: Vec<&str> = names
            .iter()
            .map(|n| label_value(&series.labels, n))
            .collect();
        values.push(&self.node);
        let h = if series.family == Family::ProcessRestartCount {
            PtpHandle::Counter(self.restart_count.with_label_values(&values))
        } else {
            match self.ptp.get(&series.family) {
                Some(v) => PtpHandle::Gauge(v.with_label_values(&values)),
                None => PtpHandle::Gauge(Gauge::new("unused", "unused").expect("static")),
            }
        };
        self.cache.insert(series.clone(), h.clone());
        h
    }

    /// Applies one engine metric update.
    pub fn apply(&mut self, op: &MetricOp) {
        match op {
            MetricOp::Set(s, v) => self.with_handle(s, |h| {
                if let PtpHandle::Gauge(g) = h {
                    g.set(*v);
                }
            }),
            MetricOp::Max(s, v) => self.with_handle(s, |h| {
                if let PtpHandle::Gauge(g) = h {
                    if *v > g.get() {
                        g.set(*v);
                    }
                }
            }),
            MetricOp::Inc(s) => self.with_handle(s, |h| {
                if let PtpHandle::Counter(c) = h {
                    c.inc();
                }
            }),
            MetricOp::Touch(s) => self.with_handle(s, |_| {}),
            MetricOp::ClearPtp => {
                for v in self.ptp.values() {
                    v.reset();
                }
                self.restart_count.reset();
                self.cache.clear();
                self.by_id.clear();
            }
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        buf
    }
}

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Metrics shared between tasks.
pub type SharedMetrics = Arc<std::sync::Mutex<Metrics>>;

/// Records a histogram observation (used by delivery).
pub fn observe(h: &Histogram, seconds: f64) {
    h.observe(seconds);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Labels;

    #[test]
    fn restart_count_has_no_total_suffix_and_node_label() {
        let mut m = Metrics::new("compute-1.example.com");
        let s = Series {
            family: Family::ProcessRestartCount,
            labels: Labels {
                process: Some("ptp4l".into()),
                config: Some("ptp4l.0.config".into()),
                ..Labels::default()
            },
        };
        m.apply(&MetricOp::Touch(s.clone()));
        m.apply(&MetricOp::Inc(s));
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(text.contains("# TYPE openshift_ptp_process_restart_count counter"));
        assert!(text.contains(
            "openshift_ptp_process_restart_count{config=\"ptp4l.0.config\",node=\"compute-1.example.com\",process=\"ptp4l\"} 1"
        ));
        assert!(!text.contains("openshift_ptp_process_restart_count_total"));
    }

    #[test]
    fn max_keeps_largest_and_clear_removes_ptp_series() {
        let mut m = Metrics::new("n");
        let s = Series {
            family: Family::MaxOffsetNs,
            labels: Labels {
                from: Some("master".into()),
                process: Some("ptp4l".into()),
                iface: Some("ens2fx".into()),
                ..Labels::default()
            },
        };
        m.apply(&MetricOp::Max(s.clone(), 40.0));
        m.apply(&MetricOp::Max(s.clone(), 7.0));
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(text.contains("openshift_ptp_max_offset_ns{from=\"master\",iface=\"ens2fx\",node=\"n\",process=\"ptp4l\"} 40"));
        m.apply(&MetricOp::ClearPtp);
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(!text.contains("openshift_ptp_max_offset_ns{"));
        assert!(text.contains("cne_events_dropped_total"));
    }

    fn offset(iface: &str) -> Series {
        Series {
            family: Family::OffsetNs,
            labels: Labels {
                from: Some("master".into()),
                process: Some("ptp4l".into()),
                iface: Some(iface.into()),
                ..Labels::default()
            },
        }
    }

    fn offsets(m: &Metrics) -> Vec<String> {
        String::from_utf8(m.render())
            .expect("utf8")
            .lines()
            .filter(|l| l.starts_with("openshift_ptp_offset_ns{"))
            .map(String::from)
            .collect()
    }

    #[test]
    fn same_labels_from_new_arcs_update_the_same_series() {
        let mut m = Metrics::new("n");
        let s = offset("ens2fx");
        m.apply(&MetricOp::Set(s.clone(), 5.0));
        // Same text, new Arcs: a miss in the identity cache, same series.
        m.apply(&MetricOp::Set(offset("ens2fx"), -3.0));
        assert_eq!(
            offsets(&m),
            ["openshift_ptp_offset_ns{from=\"master\",iface=\"ens2fx\",node=\"n\",process=\"ptp4l\"} -3"]
        );
        // The reused Arcs still hit the same gauge.
        m.apply(&MetricOp::Set(s, 9.0));
        assert!(offsets(&m)[0].ends_with(" 9"));
        m.apply(&MetricOp::Set(offset("ens3fx"), 1.0));
        assert_eq!(offsets(&m).len(), 2);
    }

    #[test]
    fn a_cached_series_comes_back_after_clear() {
        let mut m = Metrics::new("n");
        let s = offset("ens2fx");
        m.apply(&MetricOp::Set(s.clone(), 5.0));
        m.apply(&MetricOp::ClearPtp);
        assert!(offsets(&m).is_empty());
        // Without emptying the caches this would set a gauge the registry
        // no longer exports.
        m.apply(&MetricOp::Set(s, 6.0));
        assert_eq!(offsets(&m).len(), 1);
        assert!(offsets(&m)[0].ends_with(" 6"));
    }

    #[test]
    fn identity_cache_is_bounded() {
        let mut m = Metrics::new("n");
        for i in 0..(MAX_BY_ID + 10) {
            m.apply(&MetricOp::Set(offset("ens2fx"), i as f64));
        }
        assert!(m.by_id.len() <= MAX_BY_ID);
        assert_eq!(offsets(&m).len(), 1);
    }
}
