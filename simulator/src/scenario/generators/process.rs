//! Processes and the daemon's connections: process status (K5), downtime
//! blips, the writers' connect sequence, `CMD RESTART` and reconnects, and
//! the clock class (K4) the daemon announces.

use ptp_event_core::linuxptp::{Body, ClockClass, ProcessStatus};

use super::out::{Out, HANDLER};
use super::{processes, TimedLine};
use crate::scenario::format::Process;

/// `<process>[…]:[cfg] PTP_PROCESS_STATUS:<n>` on `conn`.
pub fn status_on(o: &mut Out<'_>, t: f64, conn: String, process: &str, running: bool) {
    let cfg = match process {
        "ts2phc" | "gpsd" | "gpspipe" => o.p.ts2phc_config(),
        "synce4l" => o.p.synce_config(),
        "chronyd" => o.p.chronyd_config(),
        _ => o.p.ptp4l_config(),
    };
    let body = Body::ProcessStatus(ProcessStatus {
        running,
        colon: true,
    });
    o.synthetic_on(t, conn, process, &cfg, body);
}

/// A status line on the event-handler connection.
pub fn status(o: &mut Out<'_>, process: Process, running: bool) -> f64 {
    status_on(o, 0.0, HANDLER.into(), process.name(), running);
    0.0
}

/// The process stops and is restarted `down` seconds later.
pub fn blip(o: &mut Out<'_>, process: Process, down: f64) -> f64 {
    status_on(o, 0.0, HANDLER.into(), process.name(), false);
    status_on(o, down, HANDLER.into(), process.name(), true);
    down
}

/// Every process writer connects: `CMD LIVE_START`, then
/// `PTP_PROCESS_STATUS:1` for itself.
pub fn writers_connect(o: &mut Out<'_>, t: f64, reconnect: bool) {
    for (i, p) in processes(o.p).into_iter().enumerate() {
        let conn = o.conn(p);
        let at = t + 0.005 * i as f64;
        o.lines.push(TimedLine {
            t: at,
            conn: conn.clone(),
            text: "CMD LIVE_START".into(),
            reconnect,
            hangup: false,
        });
        status_on(o, at, conn, p, true);
    }
}

/// `CMD RESTART` on a short-lived connection; the proxy drops every
/// connection and the writers reconnect `reconnect_after` s later.
pub fn restart(o: &mut Out<'_>, reconnect_after: f64) -> f64 {
    o.lines.push(TimedLine {
        t: 0.0,
        conn: "restart".into(),
        text: "CMD RESTART".into(),
        reconnect: false,
        hangup: true,
    });
    writers_connect(o, reconnect_after, true);
    reconnect_after + 0.05
}

/// The event handler (and, with `processes`, every writer) reconnects.
pub fn reconnect(o: &mut Out<'_>, with_processes: bool) -> f64 {
    o.lines.push(TimedLine {
        t: 0.0,
        conn: HANDLER.into(),
        text: String::new(),
        reconnect: true,
        hangup: false,
    });
    if with_processes {
        writers_connect(o, 0.03, true);
    }
    0.1
}

/// `CLOCK_CLASS_CHANGE <class>` from the daemon.
pub fn class(o: &mut Out<'_>, t: f64, class: u8) {
    let body = Body::ClockClass(ClockClass {
        class,
        fractional: false,
    });
    o.synthetic(t, "ptp4l", body);
}
