//! ptp4l output: offsets (K1), port state transitions (K3) and the
//! messages around them that the proxy ignores.

use ptp_event_core::linuxptp::{Body, PortState, PtpOffset, Servo};
use rand::rngs::StdRng;

use super::out::{servo, Out};
use crate::scenario::format::{GmLossTo, RecoverFrom, ServoToken};
use crate::scenario::sampler::Dist;

/// The path delay every offset line carries (ns).
const PATH_DELAY: i64 = 1585;

/// One `master offset` line.
pub fn offset(o: &mut Out<'_>, t: f64, offset: i64, s: Servo, delay: Option<i64>) {
    let body = Body::PtpOffset(PtpOffset {
        offset,
        servo: s,
        freq: (-1100.0 + (offset as f64) / 4.0).round(),
        delay,
    });
    o.ptp4l(t, body);
}

/// A locked offset line (s2, with path delay).
pub fn locked(o: &mut Out<'_>, t: f64, value: i64) {
    offset(o, t, value, Servo::S2, Some(PATH_DELAY));
}

/// One port transition, optionally with a level suffix (replayed form).
pub fn port(o: &mut Out<'_>, t: f64, port: u32, tr: (&str, &str, &str), fault: Option<&str>) {
    port_level(o, t, port, tr, fault, None);
}

/// One port transition with an optional level suffix.
pub fn port_level(
    o: &mut Out<'_>,
    t: f64,
    port: u32,
    (from, to, event): (&str, &str, &str),
    fault: Option<&str>,
    level: Option<&str>,
) {
    let iface = o.iface(port);
    let n = port.to_string();
    let body = Body::PortState(PortState {
        port: &n,
        iface: Some(&iface),
        from,
        to,
        event,
        fault,
    });
    let cfg = o.p.ptp4l_config();
    o.raw_on(t, "ptp4l", &cfg, level, body);
}

/// Port start-up: INITIALIZING → LISTENING → UNCALIBRATED (s0) → SLAVE.
pub fn startup(o: &mut Out<'_>, port_n: u32, calibration: f64, rate: f64) -> f64 {
    port(
        o,
        0.0,
        port_n,
        ("INITIALIZING", "LISTENING", "INIT_COMPLETE"),
        None,
    );
    let iface = o.iface(port_n);
    o.other(
        0.8,
        "ptp4l",
        &format!("port {port_n} ({iface}): new foreign master 001122.fffe.334455-1"),
    );
    o.other(
        1.0,
        "ptp4l",
        "selected best master clock 001122.fffe.334455",
    );
    port(
        o,
        1.0,
        port_n,
        ("LISTENING", "UNCALIBRATED", "RS_SLAVE"),
        None,
    );
    let dt = 1.0 / rate.max(0.1);
    let n = (calibration / dt).floor() as usize;
    for i in 0..n {
        let t = 1.0 + dt * (i as f64 + 1.0);
        offset(o, t, -50_000 / (i as i64 + 1), Servo::S0, Some(PATH_DELAY));
    }
    let t = 1.0 + calibration + dt;
    locked(o, t, -59);
    port(
        o,
        t,
        port_n,
        ("UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED"),
        None,
    );
    t
}

/// A standby port comes up and stays LISTENING.
pub fn standby(o: &mut Out<'_>, port_n: u32) -> f64 {
    port(
        o,
        0.0,
        port_n,
        ("INITIALIZING", "LISTENING", "INIT_COMPLETE"),
        None,
    );
    0.0
}

/// Offsets at `rate` Hz from `dist`.
pub fn steady(
    o: &mut Out<'_>,
    duration: f64,
    rate: f64,
    dist: &Dist,
    s: ServoToken,
    rng: &mut StdRng,
) {
    let dt = 1.0 / rate.max(0.1);
    let n = (duration / dt).floor() as usize;
    for i in 0..n {
        let off = dist.sample(rng);
        offset(o, dt * i as f64, off, servo(s), Some(PATH_DELAY));
    }
}

/// Given offsets, one per 1/rate s.
pub fn offsets(o: &mut Out<'_>, values: &[i64], rate: f64, s: ServoToken, path_delay: bool) -> f64 {
    let dt = 1.0 / rate.max(0.1);
    let delay = path_delay.then_some(PATH_DELAY);
    for (i, off) in values.iter().enumerate() {
        offset(o, dt * i as f64, *off, servo(s), delay);
    }
    dt * values.len() as f64
}

/// `transitions` alternations between out-of-range and in-range samples,
/// starting with an out-of-range one (from LOCKED).
pub fn flapping(o: &mut Out<'_>, transitions: u32, interval: f64, low: i64, high: i64) -> f64 {
    for i in 0..transitions {
        let v = if i % 2 == 0 { high } else { low };
        locked(o, interval * f64::from(i), v);
    }
    interval * f64::from(transitions)
}

/// In-range offset lines, as fast as `rate`.
pub fn flood(o: &mut Out<'_>, lines: u32, rate: f64) -> f64 {
    let dt = 1.0 / rate.max(1.0);
    for i in 0..lines {
        locked(o, dt * f64::from(i), i64::from(i % 7) - 3);
    }
    dt * f64::from(lines)
}

/// Announce timeout: SLAVE → MASTER (or LISTENING).
pub fn gm_loss(o: &mut Out<'_>, port_n: u32, to: GmLossTo) -> f64 {
    let to = match to {
        GmLossTo::Listening => "LISTENING",
        GmLossTo::Master => "MASTER",
    };
    port(
        o,
        0.0,
        port_n,
        ("SLAVE", to, "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
        None,
    );
    o.other(
        0.0,
        "ptp4l",
        "selected local clock 507c6f.fffe.1fb1b9 as best master",
    );
    if to == "MASTER" {
        let text = format!(
            "port {port_n} ({}): assuming the grand master role",
            o.iface(port_n)
        );
        o.other(0.0, "ptp4l", &text);
    }
    0.0
}

/// Link fault: SLAVE → FAULTY on FAULT_DETECTED, link down.
pub fn link_fault(o: &mut Out<'_>, port_n: u32) -> f64 {
    let iface = o.iface(port_n);
    o.other(
        0.0,
        "ptp4l",
        "recvmsg tx timestamp failed: Resource temporarily unavailable",
    );
    o.other(
        0.0,
        "ptp4l",
        &format!("port {port_n} ({iface}): send delay request failed"),
    );
    port(
        o,
        0.0,
        port_n,
        ("SLAVE", "FAULTY", "FAULT_DETECTED"),
        Some("FT_UNSPECIFIED"),
    );
    o.other(
        0.023,
        "ptp4l",
        &format!("port {port_n} ({iface}): link down"),
    );
    0.023
}

/// Back to SLAVE through UNCALIBRATED (s0 samples).
pub fn recovery(
    o: &mut Out<'_>,
    port_n: u32,
    from: RecoverFrom,
    calibration: f64,
    rate: f64,
) -> f64 {
    let iface = o.iface(port_n);
    let mut t = 0.0;
    match from {
        RecoverFrom::Faulty => {
            o.other(t, "ptp4l", &format!("port {port_n} ({iface}): link up"));
            port(o, t, port_n, ("FAULTY", "LISTENING", "INIT_COMPLETE"), None);
            t += 0.1;
            o.other(
                t,
                "ptp4l",
                &format!("port {port_n} ({iface}): new foreign master 507c6f.fffe.1fb16c-4"),
            );
            t += 0.25;
            o.other(t, "ptp4l", "selected best master clock 507c6f.fffe.1fb16c");
            port(
                o,
                t,
                port_n,
                ("LISTENING", "UNCALIBRATED", "RS_SLAVE"),
                None,
            );
        }
        RecoverFrom::Master | RecoverFrom::Listening => {
            let f = if from == RecoverFrom::Listening {
                "LISTENING"
            } else {
                "MASTER"
            };
            o.other(t, "ptp4l", "selected best master clock 001122.fffe.334455");
            port(o, t, port_n, (f, "UNCALIBRATED", "RS_SLAVE"), None);
        }
    }
    let dt = 1.0 / rate.max(0.1);
    let n = (calibration / dt).floor() as usize;
    for i in 0..n {
        t += dt;
        offset(o, t, -14 * (n - i) as i64, Servo::S0, Some(PATH_DELAY));
    }
    t += dt;
    locked(o, t, 44);
    port(
        o,
        t,
        port_n,
        ("UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED"),
        None,
    );
    t
}

/// Dual follower: the SLAVE port faults, the standby port takes over.
pub fn port_switch(o: &mut Out<'_>, from: u32, to: u32, gap: f64) -> f64 {
    port(
        o,
        0.0,
        from,
        ("SLAVE", "FAULTY", "FAULT_DETECTED"),
        Some("FT_UNSPECIFIED"),
    );
    let iface = o.iface(from);
    o.other(0.02, "ptp4l", &format!("port {from} ({iface}): link down"));
    port(o, gap, to, ("LISTENING", "SLAVE", "RS_SLAVE"), None);
    // The servo keeps its lock (same PHC): a few in-range samples.
    for i in 0..4 {
        locked(o, gap + 0.0625 * f64::from(i + 1), 7 - i64::from(i));
    }
    gap + 0.25
}

/// Servo reset while SLAVE: an s0 sample, SLAVE → UNCALIBRATED.
pub fn servo_unlock(o: &mut Out<'_>, port_n: u32, value: i64) -> f64 {
    offset(o, 0.0, value, Servo::S0, Some(PATH_DELAY));
    port(
        o,
        0.0,
        port_n,
        ("SLAVE", "UNCALIBRATED", "SYNCHRONIZATION_FAULT"),
        None,
    );
    0.0
}

/// Servo relock: s0, s1 step, s2, UNCALIBRATED → SLAVE.
pub fn relock(o: &mut Out<'_>, port_n: u32, calibration: f64, rate: f64) -> f64 {
    let dt = 1.0 / rate.max(0.1);
    offset(o, dt, 47302, Servo::S0, Some(PATH_DELAY));
    offset(
        o,
        dt + calibration / 2.0,
        -48190,
        Servo::S1,
        Some(PATH_DELAY),
    );
    let t = dt + calibration;
    offset(o, t, -3, Servo::S2, Some(PATH_DELAY));
    port(
        o,
        t,
        port_n,
        ("UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED"),
        None,
    );
    t
}
