//! Registration of the metric families (events-and-metrics.md §9).

use prometheus::{core::Collector, GaugeVec, IntCounterVec, Opts, Registry};

pub(super) fn gauge_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> GaugeVec {
    let v = GaugeVec::new(Opts::new(name, help), labels).expect("static metric definition");
    register(r, &v);
    v
}

pub(super) fn counter_vec(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let v = IntCounterVec::new(Opts::new(name, help), labels).expect("static metric definition");
    register(r, &v);
    v
}

pub(super) fn register<C: Collector + Clone + 'static>(r: &Registry, c: &C) {
    if let Err(e) = r.register(Box::new(c.clone())) {
        tracing::error!(error = %e, "metric registration failed");
    }
}
