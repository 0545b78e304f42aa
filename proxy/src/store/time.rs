//! RFC 3339 UTC time stamps of stored subscriptions (spec
//! events-and-metrics.md §4.4), without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// Current UTC time in RFC 3339 with `Z`.
pub(super) fn now_rfc3339() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs(), d.subsec_nanos())
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub(super) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Formats Unix seconds and nanoseconds as RFC 3339 UTC, fraction without
/// trailing zeros and omitted when zero.
pub(super) fn rfc3339(secs: u64, nanos: u32) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formatting() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(1_747_231_202, 300_000_000),
            "2025-05-14T14:00:02.3Z"
        );
        assert_eq!(
            rfc3339(951_868_799, 123_456_789),
            "2000-02-29T23:59:59.123456789Z"
        );
        assert_eq!(rfc3339(4_107_542_400, 0), "2100-03-01T00:00:00Z");
        assert!(now_rfc3339().ends_with('Z'));
        assert!(unix_seconds() > 1_700_000_000);
    }
}
