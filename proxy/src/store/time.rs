//! Clock readings of the store: the creation stamp of imported entries (the
//! core's one RFC 3339 formatter) and the Unix seconds of quarantined files.

use std::time::{SystemTime, UNIX_EPOCH};

/// Current UTC time in RFC 3339 with `Z` (events-and-metrics.md §4.4).
pub(super) fn now_rfc3339() -> String {
    ptp_event_core::events::rfc3339(SystemTime::now())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(super) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
