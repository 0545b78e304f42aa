//! T-GM: ts2phc offsets (K8), NMEA status (K9), GNSS (K10), DPLL (K11) and
//! the daemon's `T-GM-STATUS` (K12), with the clock class it announces.

use ptp_event_core::linuxptp::{Body, Dpll, GmStatus, Gnss, NmeaStatus, Servo, Ts2phcOffset};
use rand::rngs::StdRng;

use super::out::{servo, Out};
use super::process::class;
use crate::scenario::format::ServoToken;
use crate::scenario::sampler::Dist;

fn gnss(o: &mut Out<'_>, t: f64, iface: &str, fix: i64, offset: i64, state: &str) {
    let body = Body::Gnss(Gnss {
        iface,
        fix,
        offset,
        state: Out::token(state),
    });
    o.synthetic(t, "gnss", body);
}

fn dpll(o: &mut Out<'_>, t: f64, iface: &str, status: i64, state: &str) {
    let body = Body::Dpll(Dpll {
        iface,
        frequency_status: Some(status),
        offset: Some(0),
        phase_status: Some(status),
        pps_status: Some(1),
        state: Out::token(state),
    });
    o.synthetic(t, "dpll", body);
}

/// One `T-GM-STATUS` line.
pub fn gm(o: &mut Out<'_>, t: f64, iface: &str, state: &str) {
    let body = Body::GmStatus(GmStatus {
        iface,
        state: Out::token(state),
    });
    o.synthetic(t, "GM", body);
}

fn nmea(o: &mut Out<'_>, t: f64, iface: &str, available: bool) {
    let state = if available { "s2" } else { "s0" };
    let body = Body::NmeaStatus(NmeaStatus {
        iface,
        available,
        offset: 0,
        state: Out::token(state),
    });
    o.synthetic(t, "ts2phc", body);
}

fn ts2phc(o: &mut Out<'_>, t: f64, iface: &str, offset: i64, s: Servo, holdover: bool) {
    let body = Body::Ts2phcOffset(Ts2phcOffset {
        iface,
        offset,
        servo: s,
        freq: -1.0,
        holdover,
        legacy: false,
    });
    let cfg = o.p.ts2phc_config();
    o.raw_on(t, "ts2phc", &cfg, None, body);
}

/// Per second: gnss, dpll, ts2phc offset, nmea status, `T-GM-STATUS s2`.
pub fn steady(
    o: &mut Out<'_>,
    iface: &str,
    duration: f64,
    dist: &Dist,
    s: ServoToken,
    rng: &mut StdRng,
) {
    let mut t = 0.0;
    while t < duration {
        let off = dist.sample(rng);
        gnss(o, t, iface, 3, off.abs().min(5), "s2");
        dpll(o, t + 0.1, iface, 3, "s2");
        ts2phc(o, t + 0.3, iface, off, servo(s), false);
        nmea(o, t + 0.3, iface, true);
        gm(o, t + 0.4, iface, "s2");
        t += 1.0;
    }
}

/// GNSS lost: DPLL and T-GM in holdover, class 7.
pub fn gnss_loss(o: &mut Out<'_>, iface: &Option<String>) -> f64 {
    let i = o.leader(iface);
    gnss(o, 0.0, &i, 0, 0, "s0");
    o.other(0.1, "ts2phc", "source ts not valid");
    ts2phc(o, 1.1, &i, 2, Servo::S3, true);
    nmea(o, 1.1, &i, false);
    dpll(o, 1.3, &i, 4, "s1");
    gm(o, 1.3, &i, "s1");
    class(o, 1.3, 7);
    1.3
}

/// The daemon's holdover budget expired: DPLL free-run, class 248.
pub fn dpll_freerun(o: &mut Out<'_>, iface: &Option<String>) -> f64 {
    let i = o.leader(iface);
    dpll(o, 0.0, &i, 1, "s0");
    gm(o, 0.0, &i, "s0");
    class(o, 0.0, 248);
    0.0
}

/// GNSS acquiring, then synchronized; DPLL locked, class 6.
pub fn gnss_recovery(o: &mut Out<'_>, iface: &Option<String>, acquire: f64) -> f64 {
    let i = o.leader(iface);
    gnss(o, 0.0, &i, 1, 0, "s0");
    let t = acquire;
    gnss(o, t, &i, 3, 4, "s2");
    dpll(o, t + 0.9, &i, 3, "s2");
    nmea(o, t + 1.1, &i, true);
    ts2phc(o, t + 1.1, &i, 3, Servo::S2, false);
    gm(o, t + 1.2, &i, "s2");
    class(o, t + 1.2, 6);
    t + 1.2
}
