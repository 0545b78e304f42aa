//! phc2sys output: `CLOCK_REALTIME` offsets (K6).

use ptp_event_core::linuxptp::{Body, ClockSource, Phc2sysOffset, Servo};
use rand::rngs::StdRng;

use super::out::Out;
use crate::scenario::sampler::Dist;

/// One `CLOCK_REALTIME phc offset` line, tagged with the ptp4l config.
pub fn offset(o: &mut Out<'_>, t: f64, offset: i64, s: Servo) {
    let body = Body::Phc2sysOffset(Phc2sysOffset {
        source: ClockSource::Phc,
        offset,
        servo: s,
        freq: 2726.0,
        delay: Some(547),
    });
    let cfg = o.p.ptp4l_config();
    o.raw_on(t, "phc2sys", &cfg, None, body);
}

/// Locked system-clock samples at `rate` Hz, 30 ms after each period start.
pub fn steady(o: &mut Out<'_>, duration: f64, rate: f64, dist: &Dist, rng: &mut StdRng) {
    let dt = 1.0 / rate.max(0.1);
    let n = (duration / dt).floor() as usize;
    for i in 0..n {
        let off = dist.sample(rng);
        offset(o, dt * i as f64 + 0.03, off, Servo::S2);
    }
}
