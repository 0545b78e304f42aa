//! Event time stamps (§4.4): RFC 3339 in UTC with `Z`, fractional seconds up
//! to 9 digits with trailing zeros removed and no fraction when it is zero.
//! Also the reverse, for consumers, which accepts any RFC 3339 form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECS_PER_DAY: i64 = 86_400;

/// Formats `t` per §4.4: `2025-05-14T14:11:24.123456789Z`,
/// `2025-05-14T14:11:24.1234Z`, `2025-05-14T14:11:24Z`.
pub fn rfc3339(t: SystemTime) -> String {
    Rfc3339Buf::new(t).as_str().to_owned()
}

/// A formatted time stamp on the stack, so that envelopes can copy it into
/// their buffer without an allocation.
#[derive(Clone, Copy)]
pub(crate) struct Rfc3339Buf {
    bytes: [u8; 48],
    len: usize,
}

impl Rfc3339Buf {
    pub(crate) fn new(t: SystemTime) -> Rfc3339Buf {
        let (secs, nanos) = unix_parts(t);
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let mut b = Rfc3339Buf {
            bytes: [0; 48],
            len: 0,
        };
        if (0..=9999).contains(&year) {
            b.digits(year.unsigned_abs(), 4);
        } else {
            // Outside RFC 3339's range; still write something readable.
            if year < 0 {
                b.push(b'-');
            }
            b.digits(year.unsigned_abs(), 1);
        }
        b.push(b'-');
        b.digits(u64::from(month), 2);
        b.push(b'-');
        b.digits(u64::from(day), 2);
        b.push(b'T');
        b.digits((sod / 3600).unsigned_abs(), 2);
        b.push(b':');
        b.digits((sod / 60 % 60).unsigned_abs(), 2);
        b.push(b':');
        b.digits((sod % 60).unsigned_abs(), 2);
        if nanos != 0 {
            let mut frac = nanos;
            let mut width = 9;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            b.push(b'.');
            b.digits(u64::from(frac), width);
        }
        b.push(b'Z');
        b
    }

    fn push(&mut self, c: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = c;
            self.len += 1;
        }
    }

    /// Writes `n` in decimal, zero-padded to at least `width` digits.
    fn digits(&mut self, n: u64, width: usize) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut n = n;
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for _ in (tmp.len() - i)..width {
            self.push(b'0');
        }
        for &c in &tmp[i..] {
            self.push(c);
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// Seconds since the epoch (floored) and the nanoseconds within that second.
fn unix_parts(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(e) => {
            let d = e.duration();
            let secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            match d.subsec_nanos() {
                0 => (secs, 0),
                n => (secs - 1, 1_000_000_000 - n),
            }
        }
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01; the inverse of
/// [`civil_from_days`].
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Why a time stamp is not RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time stamp: {0:?}")]
pub struct TimeParseError(pub String);

/// Parses any RFC 3339 date-time (`T`/`t`/space separator, `Z`/`z` or a
/// numeric offset, any number of fraction digits; beyond 9 are truncated).
pub fn parse_rfc3339(s: &str) -> Result<SystemTime, TimeParseError> {
    parse_parts(s.as_bytes()).ok_or_else(|| TimeParseError(s.to_owned()))
}

fn parse_parts(b: &[u8]) -> Option<SystemTime> {
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let year = i64::from(num(0..4)?);
    let (month, day) = (num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    let offset: i64 = match b.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * SECS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset;
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))?
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    base.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, nanos: u32) -> SystemTime {
        let base = if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        base + Duration::from_nanos(u64::from(nanos))
    }

    #[test]
    fn spec_examples() {
        let s = 1_747_231_884; // 2025-05-14T14:11:24Z
        assert_eq!(
            rfc3339(at(s, 123_456_789)),
            "2025-05-14T14:11:24.123456789Z"
        );
        assert_eq!(rfc3339(at(s, 123_400_000)), "2025-05-14T14:11:24.1234Z");
        assert_eq!(rfc3339(at(s, 0)), "2025-05-14T14:11:24Z");
        assert_eq!(rfc3339(at(s, 1)), "2025-05-14T14:11:24.000000001Z");
        assert_eq!(rfc3339(at(s, 500_000_000)), "2025-05-14T14:11:24.5Z");
        assert_eq!(rfc3339(at(s, 130_150_000)), "2025-05-14T14:11:24.13015Z");
    }

    #[test]
    fn epoch_and_before() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(-1, 0)), "1969-12-31T23:59:59Z");
        // 0.25 s before the epoch.
        assert_eq!(
            rfc3339(UNIX_EPOCH - Duration::from_millis(250)),
            "1969-12-31T23:59:59.75Z"
        );
        assert_eq!(rfc3339(at(-2_208_988_800, 0)), "1900-01-01T00:00:00Z");
    }

    #[test]
    fn leap_years() {
        assert_eq!(rfc3339(at(951_868_799, 0)), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(at(951_868_800, 0)), "2000-03-01T00:00:00Z");
        assert_eq!(rfc3339(at(1_709_164_800, 0)), "2024-02-29T00:00:00Z");
        // 2100 is not a leap year: Feb 28 is followed by Mar 1.
        assert_eq!(rfc3339(at(4_107_542_400, 0)), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339(at(4_107_542_400 - 1, 0)), "2100-02-28T23:59:59Z");
        assert_eq!(rfc3339(at(1_704_067_199, 0)), "2023-12-31T23:59:59Z");
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000..800_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parse_accepts_any_rfc3339_form() {
        let t = at(1_747_231_884, 123_456_789);
        assert_eq!(parse_rfc3339("2025-05-14T14:11:24.123456789Z"), Ok(t));
        assert_eq!(parse_rfc3339("2025-05-14t14:11:24.123456789z"), Ok(t));
        assert_eq!(parse_rfc3339("2025-05-14 16:11:24.123456789+02:00"), Ok(t));
        assert_eq!(parse_rfc3339("2025-05-14T13:41:24.123456789-00:30"), Ok(t));
        assert_eq!(parse_rfc3339("2025-05-14T14:11:24.1234567891Z"), Ok(t));
        assert_eq!(
            parse_rfc3339("2025-05-14T14:11:24.5Z"),
            Ok(at(1_747_231_884, 500_000_000))
        );
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(UNIX_EPOCH));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Ok(at(-1, 0)));
    }

    #[test]
    fn parse_rejects_garbage() {
        for s in [
            "",
            "2025-05-14",
            "2025-05-14T14:11:24",
            "2025-05-14T14:11:24.Z",
            "2025-13-14T14:11:24Z",
            "2023-02-29T00:00:00Z",
            "2025-05-14T24:00:00Z",
            "2025-05-14T14:11:24+0200",
            "2025-05-14T14:11:24Zjunk",
            "2025/05/14T14:11:24Z",
            "2025-05-14T14:11:2xZ",
        ] {
            assert!(parse_rfc3339(s).is_err(), "{s}");
        }
    }

    #[test]
    fn format_parse_round_trip() {
        for (s, n) in [
            (0, 0),
            (1_747_231_884, 1),
            (-86_401, 999_999_999),
            (253_402_300_799, 10),
        ] {
            let t = at(s, n);
            assert_eq!(parse_rfc3339(&rfc3339(t)), Ok(t));
        }
    }
}
