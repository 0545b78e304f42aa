//! The `openshift_ptp_*` families and the engine's writer of them: the
//! engine task owns one [`PtpWriter`] and applies every `MetricOp` effect
//! through it, without a lock.
//!
//! The writer goes through two caches of series handles. The first is keyed
//! by the family and the address of the series' shared label set (the
//! engine reuses the same set line after line), so a metric update usually
//! costs a hash of two words and an atomic store; the second, keyed by the
//! label text, catches a series built from a new set.

use std::collections::HashMap;

use prometheus::{Gauge, GaugeVec, IntCounterVec, Registry};

use super::families::{counter_vec, gauge_vec};
use ptp_event_core::clock::{Family, Labels, MetricOp, Series};

/// Entries of the identity cache before it is emptied (new label sets for
/// known series, such as a port's raw name on each role change, add
/// entries).
const MAX_BY_ID: usize = 4096;

/// A series by the address of its label set. The cache entry keeps its
/// `Series`, and so the set, alive: an address cannot be reused for another
/// set while it is a key.
#[derive(PartialEq, Eq, Hash)]
struct SeriesId {
    family: Family,
    labels: usize,
}

impl SeriesId {
    fn of(s: &Series) -> SeriesId {
        SeriesId {
            family: s.family,
            labels: std::sync::Arc::as_ptr(&s.labels) as usize,
        }
    }
}

/// The `openshift_ptp_*` vectors, registered once.
#[derive(Clone)]
pub(super) struct PtpFamilies {
    node: String,
    gauges: HashMap<Family, GaugeVec>,
    restart_count: IntCounterVec,
}

impl PtpFamilies {
    pub(super) fn register(r: &Registry, node: &str) -> PtpFamilies {
        let mut gauges = HashMap::new();
        for f in FAMILIES {
            let (name, help, labels) = ptp_family(f);
            let mut names: Vec<&str> = labels.to_vec();
            names.push("node");
            gauges.insert(f, gauge_vec(r, name, help, &names));
        }
        let (name, help, labels) = ptp_family(Family::ProcessRestartCount);
        let mut names: Vec<&str> = labels.to_vec();
        names.push("node");
        PtpFamilies {
            node: node.to_string(),
            gauges,
            restart_count: counter_vec(r, name, help, &names),
        }
    }
}

/// Applies the engine's metric effects (owned by the engine task).
pub struct PtpWriter {
    families: PtpFamilies,
    // Fx, not SipHash: hashed 4–5 times per offset line (SipHash was a
    // quarter of the ingest CPU); keys are not attacker-chosen.
    cache: HashMap<Series, PtpHandle, rustc_hash::FxBuildHasher>,
    by_id: HashMap<SeriesId, (Series, PtpHandle), rustc_hash::FxBuildHasher>,
    /// The last series of each family (an offset line updates four
    /// families with one label set): its set's address and handle, valid
    /// while the set is a key of `by_id` (emptied with it).
    last: Vec<Option<(usize, PtpHandle)>>,
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

impl PtpWriter {
    pub(super) fn new(families: PtpFamilies) -> PtpWriter {
        PtpWriter {
            families,
            cache: HashMap::default(),
            by_id: HashMap::default(),
            last: Vec::new(),
        }
    }

    /// Calls `f` with the handle of `series`, from the identity cache when
    /// the engine reused the label `Arc`s.
    fn with_handle(&mut self, series: &Series, f: impl FnOnce(&PtpHandle)) {
        let id = SeriesId::of(series);
        let slot = series.family as usize;
        if let Some(Some((addr, h))) = self.last.get(slot) {
            if *addr == id.labels {
                return f(h);
            }
        }
        let h = match self.by_id.get(&id) {
            Some((_, h)) => h.clone(),
            None => {
                let h = self.handle(series);
                if self.by_id.len() >= MAX_BY_ID {
                    self.by_id.clear();
                    self.last.clear();
                }
                self.by_id
                    .insert(SeriesId::of(series), (series.clone(), h.clone()));
                h
            }
        };
        f(&h);
        if self.last.len() <= slot {
            self.last.resize(slot + 1, None);
        }
        self.last[slot] = Some((id.labels, h));
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
        values.push(&self.families.node);
        let h = if series.family == Family::ProcessRestartCount {
            PtpHandle::Counter(self.families.restart_count.with_label_values(&values))
        } else {
            match self.families.gauges.get(&series.family) {
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
                for v in self.families.gauges.values() {
                    v.reset();
                }
                self.families.restart_count.reset();
                self.cache.clear();
                self.by_id.clear();
                self.last.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;

    #[test]
    fn restart_count_has_no_total_suffix_and_node_label() {
        let m = Metrics::new("compute-1.example.com");
        let mut w = m.ptp_writer();
        let s = Series {
            family: Family::ProcessRestartCount,
            labels: std::sync::Arc::new(Labels {
                process: Some("ptp4l".into()),
                config: Some("ptp4l.0.config".into()),
                ..Labels::default()
            }),
        };
        w.apply(&MetricOp::Touch(s.clone()));
        w.apply(&MetricOp::Inc(s));
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(text.contains("# TYPE openshift_ptp_process_restart_count counter"));
        assert!(text.contains(
            "openshift_ptp_process_restart_count{config=\"ptp4l.0.config\",node=\"compute-1.example.com\",process=\"ptp4l\"} 1"
        ));
        assert!(!text.contains("openshift_ptp_process_restart_count_total"));
    }

    #[test]
    fn max_keeps_largest_and_clear_removes_ptp_series() {
        let m = Metrics::new("n");
        let mut w = m.ptp_writer();
        let s = Series {
            family: Family::MaxOffsetNs,
            labels: std::sync::Arc::new(Labels {
                from: Some("master".into()),
                process: Some("ptp4l".into()),
                iface: Some("ens2fx".into()),
                ..Labels::default()
            }),
        };
        w.apply(&MetricOp::Max(s.clone(), 40.0));
        w.apply(&MetricOp::Max(s.clone(), 7.0));
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(text.contains("openshift_ptp_max_offset_ns{from=\"master\",iface=\"ens2fx\",node=\"n\",process=\"ptp4l\"} 40"));
        w.apply(&MetricOp::ClearPtp);
        let text = String::from_utf8(m.render()).expect("utf8");
        assert!(!text.contains("openshift_ptp_max_offset_ns{"));
        assert!(text.contains("cne_events_dropped_total"));
    }

    fn offset(iface: &str) -> Series {
        Series {
            family: Family::OffsetNs,
            labels: std::sync::Arc::new(Labels {
                from: Some("master".into()),
                process: Some("ptp4l".into()),
                iface: Some(iface.into()),
                ..Labels::default()
            }),
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
        let m = Metrics::new("n");
        let mut w = m.ptp_writer();
        let s = offset("ens2fx");
        w.apply(&MetricOp::Set(s.clone(), 5.0));
        // Same text, new Arcs: a miss in the identity cache, same series.
        w.apply(&MetricOp::Set(offset("ens2fx"), -3.0));
        assert_eq!(
            offsets(&m),
            ["openshift_ptp_offset_ns{from=\"master\",iface=\"ens2fx\",node=\"n\",process=\"ptp4l\"} -3"]
        );
        // The reused Arcs still hit the same gauge.
        w.apply(&MetricOp::Set(s, 9.0));
        assert!(offsets(&m)[0].ends_with(" 9"));
        w.apply(&MetricOp::Set(offset("ens3fx"), 1.0));
        assert_eq!(offsets(&m).len(), 2);
    }

    #[test]
    fn a_cached_series_comes_back_after_clear() {
        let m = Metrics::new("n");
        let mut w = m.ptp_writer();
        let s = offset("ens2fx");
        w.apply(&MetricOp::Set(s.clone(), 5.0));
        w.apply(&MetricOp::ClearPtp);
        assert!(offsets(&m).is_empty());
        // Without emptying the caches this would set a gauge the registry
        // no longer exports.
        w.apply(&MetricOp::Set(s, 6.0));
        assert_eq!(offsets(&m).len(), 1);
        assert!(offsets(&m)[0].ends_with(" 6"));
    }

    #[test]
    fn identity_cache_is_bounded() {
        let m = Metrics::new("n");
        let mut w = m.ptp_writer();
        for i in 0..(MAX_BY_ID + 10) {
            w.apply(&MetricOp::Set(offset("ens2fx"), i as f64));
        }
        assert!(w.by_id.len() <= MAX_BY_ID);
        assert_eq!(offsets(&m).len(), 1);
    }
}
