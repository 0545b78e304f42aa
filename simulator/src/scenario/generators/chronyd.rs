//! chronyd output as the daemon forwards it (K15): NTP failover.

use super::out::Out;

/// `Selected source <addr>`: chronyd is synchronised (LOCKED).
pub fn selected(o: &mut Out<'_>, source: &str) -> f64 {
    o.chronyd(0.0, true, &format!("Selected source {source}"));
    0.0
}

/// `Can't synchronise: no selectable sources` (FREERUN).
pub fn no_sources(o: &mut Out<'_>) -> f64 {
    o.chronyd(0.0, false, "Can't synchronise: no selectable sources");
    0.0
}
