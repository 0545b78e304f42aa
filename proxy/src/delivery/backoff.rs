//! Retry delays with random jitter (spec §7.2: 250 ms, 500 ms, 1 s, ±20 %).

use rand::Rng;
use std::time::Duration;

/// `base` scaled by a uniform random factor in `[1 - jitter, 1 + jitter]`.
/// `jitter` is clamped to `[0, 1]`.
pub(crate) fn jittered(base: Duration, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if jitter == 0.0 || base.is_zero() {
        return base;
    }
    let factor = rand::thread_rng().gen_range((1.0 - jitter)..=(1.0 + jitter));
    base.mul_f64(factor)
}

/// The wait before retry number `retry` (0-based), or `None` when the retries
/// are used up and the last outcome is final.
pub(crate) fn retry_delay(delays: &[Duration], retry: usize, jitter: f64) -> Option<Duration> {
    delays.get(retry).map(|base| jittered(*base, jitter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let base = Duration::from_millis(250);
        let (lo, hi) = (Duration::from_millis(200), Duration::from_millis(300));
        let mut seen_below = false;
        let mut seen_above = false;
        for _ in 0..2000 {
            let d = jittered(base, 0.2);
            assert!(d >= lo && d <= hi, "{d:?} outside [{lo:?}, {hi:?}]");
            seen_below |= d < base;
            seen_above |= d > base;
        }
        assert!(seen_below && seen_above, "jitter goes both ways");
    }

    #[test]
    fn no_jitter_and_odd_inputs() {
        let base = Duration::from_millis(500);
        assert_eq!(jittered(base, 0.0), base);
        assert_eq!(jittered(base, f64::NAN), base);
        assert_eq!(jittered(Duration::ZERO, 0.2), Duration::ZERO);
        assert!(jittered(base, 5.0) <= base * 2);
    }

    #[test]
    fn retry_schedule_ends_after_the_configured_delays() {
        let delays = [Duration::from_millis(250), Duration::from_millis(500)];
        assert_eq!(retry_delay(&delays, 0, 0.0), Some(delays[0]));
        assert_eq!(retry_delay(&delays, 1, 0.0), Some(delays[1]));
        assert_eq!(retry_delay(&delays, 2, 0.0), None);
    }
}
