//! SyncE: the daemon's synce4l state and quality lines (K14).

use ptp_event_core::linuxptp::{Body, Synce, SynceReport};

use super::out::Out;
use crate::scenario::format::{DaemonState, EecState};

fn line(o: &mut Out<'_>, s: Synce<'_>) {
    let cfg = o.p.synce_config();
    o.synthetic_on(0.0, super::HANDLER.into(), "synce4l", &cfg, Body::Synce(s));
}

/// An EEC state line.
pub fn state(
    o: &mut Out<'_>,
    iface: &str,
    device: &str,
    eec: EecState,
    network_option: i64,
) -> f64 {
    line(
        o,
        Synce {
            iface,
            device,
            network_option,
            report: SynceReport::State {
                eec_state: eec.token(),
            },
            state: Out::token(eec.daemon_state().token()),
        },
    );
    0.0
}

/// The fields of a quality line.
pub struct Quality<'a> {
    pub iface: &'a str,
    pub device: &'a str,
    pub clock_quality: &'a str,
    pub ql: u8,
    pub ext_ql: Option<u8>,
    pub network_option: i64,
    pub state: DaemonState,
}

/// A quality line (extended when `ext_ql` is set).
pub fn quality(o: &mut Out<'_>, q: Quality<'_>) -> f64 {
    line(
        o,
        Synce {
            iface: q.iface,
            device: q.device,
            network_option: q.network_option,
            report: SynceReport::Quality {
                clock_quality: q.clock_quality,
                ql: q.ql,
                ext_ql: q.ext_ql,
            },
            state: Out::token(q.state.token()),
        },
    );
    0.0
}
