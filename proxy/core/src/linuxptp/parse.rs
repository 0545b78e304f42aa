//! `parse(&str) -> Result<LogLine, ParseError>`: normalisation (§2.2),
//! dispatch (§2.3) and the per-kind patterns of the line catalogue (§3).
//!
//! Shape before values: a line whose literal words do not fit its kind's
//! pattern is `Body::Other` (ignored); one whose words fit but whose values do
//! not parse, or that has too few tokens for its kind, is a `ParseError`
//! (rejected). Profile validation needs the configuration and is done by the
//! engine, not here.

use super::model::*;
use super::tokens::{has_config_name, tokenize};

/// Why a line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?} line rejected: {reason}")]
pub struct ParseError {
    /// The kind the line was dispatched to (`Other` before dispatch).
    pub kind: Kind,
    /// What was wrong.
    pub reason: Reason,
}

/// The reasons a line is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("no configuration name")]
    NoConfig,
    #[error("fewer than 3 tokens")]
    TooFewTokens,
    #[error("too few tokens for its kind")]
    Truncated,
    #[error("field `{0}` does not parse")]
    BadField(&'static str),
    #[error("unknown servo token")]
    BadServo,
}

fn err(kind: Kind, reason: Reason) -> ParseError {
    ParseError { kind, reason }
}

/// Parses one framed line (already trimmed of its terminator and trailing
/// blanks).
pub fn parse(line: &str) -> Result<LogLine<'_>, ParseError> {
    match line {
        "CMD RESTART" => return Ok(LogLine::Control(Control::Restart)),
        "CMD LIVE_START" => return Ok(LogLine::Control(Control::LiveStart)),
        _ => {}
    }
    if !has_config_name(line) {
        return Err(err(Kind::Other, Reason::NoConfig));
    }
    let toks = tokenize(line);
    let t = toks.as_slice();
    if t.len() < 3 {
        return Err(err(Kind::Other, Reason::TooFewTokens));
    }
    let (source, stamp, config) = (t[0], t[1], t[2]);
    let b = &t[3..];
    let text = if t.len() > 3 {
        &line[toks.start(3)..]
    } else {
        ""
    };
    let body = if toks.overflow {
        Body::Other {
            kind: Kind::Other,
            text,
        }
    } else {
        body(source, stamp, b, text)?
    };
    Ok(LogLine::Entry(Entry {
        prefix: prefix_of(&line[toks.start(0) + source.len()..]),
        source,
        stamp,
        config,
        level: toks.level,
        body,
    }))
}

/// The prefix form, from the text right after the source token.
fn prefix_of(rest: &str) -> Prefix {
    let Some(after) = rest.strip_prefix('[') else {
        return Prefix::Bare;
    };
    let Some(close) = after.find(']') else {
        return Prefix::Raw;
    };
    let tail = &after[close + 1..];
    if tail.starts_with(":[") {
        Prefix::Synthetic
    } else if tail.starts_with('[') {
        Prefix::Chronyd
    } else {
        Prefix::Raw
    }
}

fn other(kind: Kind, text: &str) -> Result<Body<'_>, ParseError> {
    Ok(Body::Other { kind, text })
}

fn body<'a>(
    source: &'a str,
    stamp: &'a str,
    b: &[&'a str],
    text: &'a str,
) -> Result<Body<'a>, ParseError> {
    let b0 = b.first().copied().unwrap_or("");
    if b0 == "PTP_PROCESS_STATUS" {
        return process_status(b, text);
    }
    if b0 == "CLOCK_CLASS_CHANGE" {
        return clock_class(b, text);
    }
    match source {
        "gnss" => gnss(b, text),
        "dpll" => dpll(b, text),
        "GM" => gm_status(b, text),
        "T-BC" => tbc_status(b, text),
        "synce4l" => synce(stamp, b, text),
        "chronyd" => Ok(chronyd(text)),
        "ptp4l" => match b0 {
            "master" if b.get(1) == Some(&"offset") => ptp_offset(b, text),
            "rms" => summary(Kind::Ptp4lSummary, b, text, Body::PtpSummary),
            "port" => port_state(b, text),
            _ => other(Kind::Other, text),
        },
        "phc2sys" => {
            if b0 == "ptp_ha_profile" {
                ha_profile(b, text)
            } else if b0 == "CLOCK_REALTIME" && b.get(1) == Some(&"rms") {
                summary(Kind::Phc2sysSummary, &b[1..], text, Body::Phc2sysSummary)
            } else if b0 == "CLOCK_REALTIME" && b.get(2) == Some(&"offset") {
                phc2sys_offset(b, text)
            } else {
                other(Kind::Other, text)
            }
        }
        "ts2phc" => match (b.get(1).copied(), b.get(2).copied()) {
            (Some("nmea_status"), _) => nmea(b, text),
            (Some("offset"), _) => ts2phc_offset(b, false, text),
            (Some("master"), Some("offset")) => ts2phc_offset(b, true, text),
            _ => other(Kind::Other, text),
        },
        _ => other(Kind::Other, text),
    }
}

/// A decimal integer with optional sign (`-98`, `+3`).
pub fn int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for c in digits.bytes() {
        v = v * 10 + i64::from(c - b'0');
    }
    Some(if neg { -v } else { v })
}

/// An integer that may carry a fraction, truncated toward zero.
fn int_trunc(s: &str) -> Option<i64> {
    match s.split_once('.') {
        Some((whole, frac)) if frac.bytes().all(|c| c.is_ascii_digit()) => {
            if whole.is_empty() || whole == "-" || whole == "+" {
                (!frac.is_empty()).then_some(0)
            } else {
                int(whole)
            }
        }
        Some(_) => None,
        None => int(s),
    }
}

/// A frequency: signed decimal `[+-]digits[.digits]` (no exponent, no
/// inf/NaN), `-0` kept as negative zero.
fn freq(s: &str) -> Option<f64> {
    if let Some(v) = int(s) {
        if v == 0 && s.starts_with('-') {
            return Some(-0.0);
        }
        return Some(v as f64);
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all(whole) || !all(frac) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

fn servo(s: &str, kind: Kind) -> Result<Servo, ParseError> {
    match s {
        "s0" => Ok(Servo::S0),
        "s1" => Ok(Servo::S1),
        "s2" => Ok(Servo::S2),
        "s3" => Ok(Servo::S3),
        _ => Err(err(kind, Reason::BadServo)),
    }
}

fn field(kind: Kind, name: &'static str, v: Option<i64>) -> Result<i64, ParseError> {
    v.ok_or(err(kind, Reason::BadField(name)))
}

fn ffield(kind: Kind, name: &'static str, v: Option<f64>) -> Result<f64, ParseError> {
    v.ok_or(err(kind, Reason::BadField(name)))
}

fn ptp_offset<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Ptp4lOffset;
    if b.len() < 6 {
        return Err(err(K, Reason::Truncated));
    }
    let delayed = b.len() == 9 && b[6] == "path" && b[7] == "delay";
    if b[4] != "freq" || !(b.len() == 6 || delayed) {
        if b[4] == "freq" && b.len() == 8 && b[6] == "path" && b[7] == "delay" {
            return Err(err(K, Reason::Truncated));
        }
        return other(K, text);
    }
    Ok(Body::PtpOffset(PtpOffset {
        offset: field(K, "offset", int(b[2]))?,
        servo: servo(b[3], K)?,
        freq: ffield(K, "freq", freq(b[5]))?,
        delay: if delayed {
            Some(field(K, "delay", int(b[8]))?)
        } else {
            None
        },
    }))
}

/// `rms <r> max <m> freq <f> +/- <sd> [delay <d> +/- <sd>]`, `b[0] == "rms"`.
fn summary<'a>(
    kind: Kind,
    b: &[&'a str],
    text: &'a str,
    wrap: fn(Summary) -> Body<'a>,
) -> Result<Body<'a>, ParseError> {
    if b.len() < 8 {
        return Err(err(kind, Reason::Truncated));
    }
    let delayed = b.len() == 12 && b[8] == "delay" && b[10] == "+/-";
    if b[2] != "max" || b[4] != "freq" || b[6] != "+/-" || !(b.len() == 8 || delayed) {
        let cut = b[2] == "max" && b[4] == "freq" && b[6] == "+/-" && b.get(8) == Some(&"delay");
        if cut && (b.len() < 11 || (b.len() == 11 && b[10] == "+/-")) {
            return Err(err(kind, Reason::Truncated));
        }
        return other(kind, text);
    }
    Ok(wrap(Summary {
        rms: field(kind, "rms", int_trunc(b[1]))?,
        max: field(kind, "max", int_trunc(b[3]))?,
        freq: ffield(kind, "freq", freq(b[5]))?,
        freq_sd: field(kind, "freq_sd", int_trunc(b[7]))?,
        delay: if delayed {
            Some((
                field(kind, "delay", int_trunc(b[9]))?,
                field(kind, "delay_sd", int_trunc(b[11]))?,
            ))
        } else {
            None
        },
    }))
}

fn port_state<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::PortState;
    let Some(port) = b.get(1).copied() else {
        return other(K, text);
    };
    if port.is_empty()
        || !port.bytes().all(|c| c.is_ascii_digit())
        || port.bytes().all(|c| c == b'0')
    {
        return other(K, text);
    }
    let (iface, rest) = match b.get(2) {
        Some(p) if p.len() >= 2 && p.starts_with('(') && p.ends_with(')') => {
            (Some(&p[1..p.len() - 1]), &b[3..])
        }
        _ => (None, &b[2..]),
    };
    if rest.len() < 5 || rest[1] != "to" || rest[3] != "on" {
        return other(K, text);
    }
    let fault = match rest.len() {
        5 => None,
        6 if rest[5].len() >= 2 && rest[5].starts_with('(') && rest[5].ends_with(')') => {
            Some(&rest[5][1..rest[5].len() - 1])
        }
        _ => return other(K, text),
    };
    Ok(Body::PortState(PortState {
        port,
        iface,
        from: rest[0],
        to: rest[2],
        event: rest[4],
        fault,
    }))
}

fn clock_class<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::ClockClass;
    match b.len() {
        0 | 1 => Err(err(K, Reason::Truncated)),
        2 => {
            let v = field(K, "class", int_trunc(b[1]))?;
            let class = u8::try_from(v).map_err(|_| err(K, Reason::BadField("class")))?;
            Ok(Body::ClockClass(ClockClass {
                class,
                fractional: b[1].contains('.'),
            }))
        }
        _ => other(K, text),
    }
}

fn process_status<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::ProcessStatus;
    match b.len() {
        0 | 1 => Err(err(K, Reason::Truncated)),
        2 => {
            let running = match b[1] {
                "0" => false,
                "1" => true,
                _ => return Err(err(K, Reason::BadField("status"))),
            };
            Ok(Body::ProcessStatus(ProcessStatus {
                running,
                colon: text.starts_with("PTP_PROCESS_STATUS:"),
            }))
        }
        _ => other(K, text),
    }
}

fn phc2sys_offset<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Phc2sysOffset;
    let source = match b[1] {
        "phc" => ClockSource::Phc,
        "sys" => ClockSource::Sys,
        "pps" => ClockSource::Pps,
        _ => return other(K, text),
    };
    if b.len() < 7 {
        return Err(err(K, Reason::Truncated));
    }
    let delayed = b.len() == 9 && b[7] == "delay";
    if b[5] != "freq" || !(b.len() == 7 || delayed) {
        if b[5] == "freq" && b.len() == 8 && b[7] == "delay" {
            return Err(err(K, Reason::Truncated));
        }
        return other(K, text);
    }
    Ok(Body::Phc2sysOffset(Phc2sysOffset {
        source,
        offset: field(K, "offset", int(b[3]))?,
        servo: servo(b[4], K)?,
        freq: ffield(K, "freq", freq(b[6]))?,
        delay: if delayed {
            Some(field(K, "delay", int(b[8]))?)
        } else {
            None
        },
    }))
}

fn ts2phc_offset<'a>(b: &[&'a str], legacy: bool, text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Ts2phcOffset;
    let v = if legacy { &b[1..] } else { b };
    // v: iface offset <o> <servo> freq <f> [holdover]. Without the `freq`
    // word (no servo token: free-running output, other messages) the line does
    // not fit the pattern and is ignored; `freq` without a value is cut short.
    match v.get(4) {
        Some(&"freq") if v.len() == 5 => return Err(err(K, Reason::Truncated)),
        Some(&"freq") => {}
        _ => return other(K, text),
    }
    let holdover = match v.len() {
        6 => false,
        7 if v[6] == "holdover" => true,
        _ => return other(K, text),
    };
    let offset = field(K, "offset", int(v[2]))?;
    Ok(Body::Ts2phcOffset(Ts2phcOffset {
        iface: b[0],
        offset,
        servo: servo(v[3], K)?,
        freq: ffield(K, "freq", freq(v[5]))?,
        holdover,
        legacy,
    }))
}

fn nmea<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::NmeaStatus;
    if b.len() < 6 {
        return Err(err(K, Reason::Truncated));
    }
    if b.len() != 6 || b[3] != "offset" {
        return other(K, text);
    }
    let available = match b[2] {
        "0" => false,
        "1" => true,
        _ => return Err(err(K, Reason::BadField("nmea_status"))),
    };
    Ok(Body::NmeaStatus(NmeaStatus {
        iface: b[0],
        available,
        offset: field(K, "offset", int(b[4]))?,
        state: DaemonToken(b[5]),
    }))
}

fn gnss<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Gnss;
    if b.get(1) != Some(&"gnss_status") {
        return other(K, text);
    }
    if b.len() < 6 {
        return Err(err(K, Reason::Truncated));
    }
    if b.len() != 6 || b[3] != "offset" {
        return other(K, text);
    }
    Ok(Body::Gnss(Gnss {
        iface: b[0],
        fix: field(K, "gnss_status", int(b[2]))?,
        offset: field(K, "offset", int(b[4]))?,
        state: DaemonToken(b[5]),
    }))
}

fn dpll<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Dpll;
    if b.len() < 3 {
        return Err(err(K, Reason::Truncated));
    }
    if b.len() % 2 != 0 {
        return other(K, text);
    }
    let mut d = Dpll {
        iface: b[0],
        frequency_status: None,
        offset: None,
        phase_status: None,
        pps_status: None,
        state: DaemonToken(b[b.len() - 1]),
    };
    let mut known = false;
    for pair in b[1..b.len() - 1].chunks_exact(2) {
        let slot = match pair[0] {
            "frequency_status" => &mut d.frequency_status,
            "offset" => &mut d.offset,
            "phase_status" => &mut d.phase_status,
            "pps_status" => &mut d.pps_status,
            _ => continue,
        };
        *slot = Some(int(pair[1]).ok_or(err(K, Reason::BadField("dpll value")))?);
        known = true;
    }
    if !known {
        return Err(err(K, Reason::BadField("no dpll key")));
    }
    Ok(Body::Dpll(d))
}

fn gm_status<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::GmStatus;
    if b.get(1) != Some(&"T-GM-STATUS") {
        return other(K, text);
    }
    match b.len() {
        2 => Err(err(K, Reason::Truncated)),
        3 => Ok(Body::GmStatus(GmStatus {
            iface: b[0],
            state: DaemonToken(b[2]),
        })),
        _ => other(K, text),
    }
}

fn tbc_status<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::TbcStatus;
    if b.get(1) != Some(&"offset") || b.get(3).is_some_and(|w| *w != "T-BC-STATUS") {
        return other(K, text);
    }
    if b.len() < 5 {
        return Err(err(K, Reason::Truncated));
    }
    if b.len() != 5 {
        return other(K, text);
    }
    Ok(Body::TbcStatus(TbcStatus {
        iface: b[0],
        offset: field(K, "offset", int(b[2]))?,
        state: DaemonToken(b[4]),
    }))
}

fn hex_u8(s: &str) -> Option<u8> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if h.is_empty() || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u8::from_str_radix(h, 16).ok()
}

fn synce<'a>(stamp: &str, b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::Synce;
    let shaped = (text.contains("eec_state") || text.contains("clock_quality"))
        && int(stamp).is_some()
        && b.len() + 3 >= 10;
    if !shaped {
        return other(K, text);
    }
    let (mut device, mut eec, mut netopt, mut cq, mut ql, mut ext) =
        (None, None, None, None, None, None);
    for pair in b[1..b.len() - 1].chunks(2) {
        let [key, value] = pair else {
            return other(K, text);
        };
        match *key {
            "device" => device = Some(*value),
            "eec_state" => eec = Some(*value),
            "network_option" => {
                netopt = Some(int(value).ok_or(err(K, Reason::BadField("network_option")))?)
            }
            "clock_quality" => cq = Some(*value),
            "ql" => ql = Some(hex_u8(value).ok_or(err(K, Reason::BadField("ql")))?),
            "ext_ql" => ext = Some(hex_u8(value).ok_or(err(K, Reason::BadField("ext_ql")))?),
            _ => {}
        }
    }
    let device = device.ok_or(err(K, Reason::BadField("device")))?;
    let network_option = netopt.ok_or(err(K, Reason::BadField("network_option")))?;
    let report = match (eec, cq) {
        (Some(eec_state), _) => SynceReport::State { eec_state },
        (None, Some(clock_quality)) => SynceReport::Quality {
            clock_quality,
            ql: ql.ok_or(err(K, Reason::BadField("ql")))?,
            ext_ql: ext,
        },
        (None, None) => return other(K, text),
    };
    Ok(Body::Synce(Synce {
        iface: b[0],
        device,
        network_option,
        report,
        state: DaemonToken(b[b.len() - 1]),
    }))
}

fn chronyd(text: &str) -> Body<'_> {
    if text.contains("Selected source") {
        Body::Chronyd(Chronyd { locked: true, text })
    } else if text.contains("no selectable sources") {
        Body::Chronyd(Chronyd {
            locked: false,
            text,
        })
    } else {
        Body::Other {
            kind: Kind::Chronyd,
            text,
        }
    }
}

fn ha_profile<'a>(b: &[&'a str], text: &'a str) -> Result<Body<'a>, ParseError> {
    const K: Kind = Kind::HaProfile;
    if b.len() < 4 {
        return Err(err(K, Reason::Truncated));
    }
    if b.len() != 4 || b[2] != "state" {
        return other(K, text);
    }
    let active = match b[3] {
        "0" => false,
        "1" => true,
        _ => return Err(err(K, Reason::BadField("state"))),
    };
    Ok(Body::HaProfile(HaProfile {
        profile: b[1],
        active,
    }))
}
