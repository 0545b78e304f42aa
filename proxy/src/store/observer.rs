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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_observer_ignores_everything() {
        let e = StoreError::Format {
            path: "/x".into(),
            found: 2,
        };
        NoObserver.write_failed(&e);
        NoObserver.writable_changed(true);
    }
}
