//! The time source of token validation: wall-clock seconds for `exp` and
//! `nbf`, and a monotonic reading for the JWKS refresh limits. Injectable,
//! so tests move time instead of waiting for it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// What token validation asks of time.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the UNIX epoch.
    fn unix_seconds(&self) -> i64;
    /// A monotonic reading (for intervals only).
    fn monotonic(&self) -> Duration;
}

/// The system's clocks.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn unix_seconds(&self) -> i64 {
        match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }

    fn monotonic(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to; both readings move together.
#[derive(Debug)]
pub struct ManualClock {
    start: i64,
    now: AtomicI64,
}

impl ManualClock {
    /// Starts at `unix_seconds`.
    pub fn at(unix_seconds: i64) -> Self {
        Self {
            start: unix_seconds,
            now: AtomicI64::new(unix_seconds),
        }
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.now.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn unix_seconds(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn monotonic(&self) -> Duration {
        let elapsed = self.now.load(Ordering::SeqCst).saturating_sub(self.start);
        Duration::from_secs(u64::try_from(elapsed).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_clock_moves_both_readings() {
        let c = ManualClock::at(1_700_000_000);
        assert_eq!(c.monotonic(), Duration::ZERO);
        c.advance(Duration::from_secs(31));
        assert_eq!(c.unix_seconds(), 1_700_000_031);
        assert_eq!(c.monotonic(), Duration::from_secs(31));
    }

    #[test]
    fn the_system_clock_is_after_2020() {
        assert!(SystemClock::default().unix_seconds() > 1_577_836_800);
    }
}
