//! The store's reporting hook: failed writes and the writable state, for
//! `cne_store_write_errors_total` and `cne_store_writable` (spec
//! events-and-metrics.md §8.2).

use super::StoreError;

/// Told about every failed write and every change of the writable state.
/// Called with the store's state lock held: keep it short and non-blocking.
pub trait StoreObserver: Send + Sync {
    /// One write failed (a change, the initial store file, or a compaction).
    fn write_failed(&self, error: &StoreError);
    /// The store became writable (`true`) or not; also called once by
    /// `Store::open` with the initial value.
    fn writable_changed(&self, writable: bool);
}

/// An observer that ignores everything (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl StoreObserver for NoObserver {
    fn write_failed(&self, _error: &StoreError) {}
    fn writable_changed(&self, _writable: bool) {}
}

/// Reports to the two Prometheus families: `cne_store_write_errors_total`
/// (counter) and `cne_store_writable` (gauge, 0 or 1).
#[derive(Debug, Clone)]
pub struct StoreMetrics {
    pub write_errors: prometheus::IntCounter,
    pub writable: prometheus::IntGauge,
}

impl StoreObserver for StoreMetrics {
    fn write_failed(&self, _error: &StoreError) {
        self.write_errors.inc();
    }
    fn writable_changed(&self, writable: bool) {
        self.writable.set(i64::from(writable));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_observer_counts_and_sets() {
        let m = StoreMetrics {
            write_errors: prometheus::IntCounter::new("e", "e").expect("counter"),
            writable: prometheus::IntGauge::new("w", "w").expect("gauge"),
        };
        m.writable_changed(true);
        assert_eq!(m.writable.get(), 1);
        let e = StoreError::Format {
            path: "/x".into(),
            found: 2,
        };
        m.write_failed(&e);
        m.write_failed(&e);
        m.writable_changed(false);
        assert_eq!(m.write_errors.get(), 2);
        assert_eq!(m.writable.get(), 0);
        NoObserver.write_failed(&e);
        NoObserver.writable_changed(true);
    }
}
