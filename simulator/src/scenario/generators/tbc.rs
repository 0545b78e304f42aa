//! T-BC: the daemon's `T-BC-STATUS` lines (K13) over ptp4l offsets.

use ptp_event_core::linuxptp::{Body, TbcStatus};
use rand::rngs::StdRng;

use super::out::Out;
use super::ptp4l;
use crate::scenario::format::{DaemonState, ServoToken};
use crate::scenario::sampler::Dist;

/// The offset a free-running T-BC reports.
const UNKNOWN: i64 = 99_999_999_999;

/// One `T-BC-STATUS` line.
pub fn status(o: &mut Out<'_>, t: f64, iface: &str, offset: i64, state: &str) {
    let body = Body::TbcStatus(TbcStatus {
        iface,
        offset,
        state: Out::token(state),
    });
    o.synthetic(t, "T-BC", body);
}

/// ptp4l offsets at `rate` Hz and, once per second, the daemon's status.
#[allow(clippy::too_many_arguments)]
pub fn steady(
    o: &mut Out<'_>,
    iface: &str,
    duration: f64,
    rate: f64,
    dist: &Dist,
    s: ServoToken,
    state: DaemonState,
    rng: &mut StdRng,
) {
    let dt = 1.0 / rate.max(0.1);
    let n = (duration / dt).floor() as usize;
    let per_second = (1.0 / dt).round().max(1.0) as usize;
    for i in 0..n {
        let off = dist.sample(rng);
        let t = dt * i as f64;
        ptp4l::offset(o, t, off, super::out::servo(s), Some(1585));
        if i % per_second == 0 {
            let reported = if state == DaemonState::S0 {
                UNKNOWN
            } else {
                off
            };
            status(o, t + 0.001, iface, reported, state.token());
        }
    }
}
