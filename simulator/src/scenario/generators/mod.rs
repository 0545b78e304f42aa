//! Timeline generation: every step of a scenario becomes timed socket
//! lines, rendered with the proxy's own line model so the text is
//! byte-exact linuxptp/daemon output. One file per family of lines;
//! randomness comes from the scenario seed only.

mod chronyd;
mod out;
mod phc2sys;
mod process;
mod ptp4l;
mod raw;
mod synce;
mod tbc;
mod tgm;

use rand::rngs::StdRng;
use rand::SeedableRng;

pub use out::HANDLER;
pub use raw::split_at_offset;

use super::format::{Action, Profile, Scenario};
use out::Out;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedLine {
    /// Seconds since the scenario start.
    pub t: f64,
    /// The connection: `handler` (the daemon's event handler), `restart`
    /// (short-lived), or `<process>.<N>` (one per simulated process).
    pub conn: String,
    /// The line; empty: the connection is only (re)opened.
    pub text: String,
    /// The connection is closed and opened again before this line.
    pub reconnect: bool,
    /// After this line every connection is closed (`CMD RESTART`: the
    /// proxy drops them all).
    pub hangup: bool,
}

/// A step's place on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpan {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

/// The whole timeline of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub lines: Vec<TimedLine>,
    pub steps: Vec<StepSpan>,
    /// When the run ends (last line, last step end, or `duration`).
    pub end: f64,
}

/// The processes simulated for a profile, each with its own connection.
pub fn processes(p: &Profile) -> Vec<&'static str> {
    let mut v = vec!["ptp4l"];
    if p.phc2sys {
        v.push("phc2sys");
    }
    if p.has_ts2phc() {
        v.push("ts2phc");
    }
    if p.synce {
        v.push("synce4l");
    }
    if p.chronyd {
        v.push("chronyd");
    }
    v
}

/// Builds the timeline of a scenario.
pub fn build(s: &Scenario) -> Timeline {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let mut lines = Vec::new();
    let mut steps = Vec::new();
    if s.preamble {
        for p in &s.profiles {
            let mut o = Out {
                p,
                base: 0.0,
                lines: &mut lines,
            };
            process::writers_connect(&mut o, 0.0, false);
        }
    }
    let mut cursor = 0.0f64;
    for step in &s.steps {
        let start = step.at.unwrap_or(cursor + step.after);
        let Some(p) = s.profile(step.config) else {
            continue;
        };
        let mut local = Vec::new();
        let dur = {
            let mut o = Out {
                p,
                base: start,
                lines: &mut local,
            };
            generate(&mut o, &step.action, &mut rng)
        };
        for mut l in local {
            l.t += start;
            lines.push(l);
        }
        steps.push(StepSpan {
            start,
            end: start + dur,
            label: format!("{} (config {})", step.kind_name(), step.config),
        });
        cursor = start + dur;
    }
    // Stable: lines of the same instant keep their generation order.
    lines.sort_by(|a, b| a.t.total_cmp(&b.t));
    let last = lines.last().map_or(0.0, |l| l.t);
    let end = last.max(cursor).max(s.duration);
    Timeline { lines, steps, end }
}

/// Emits the lines of one action relative to its start; returns its duration.
fn generate(o: &mut Out<'_>, a: &Action, rng: &mut StdRng) -> f64 {
    match a {
        Action::Startup {
            port,
            calibration,
            rate,
        } => ptp4l::startup(o, *port, *calibration, *rate),
        Action::Standby { port } => ptp4l::standby(o, *port),
        Action::SteadyLock { .. } => steady_lock(o, a, rng),
        Action::OffsetSpike {
            offsets,
            rate,
            servo,
            path_delay,
        } => ptp4l::offsets(o, offsets, *rate, *servo, *path_delay),
        Action::Flapping {
            transitions,
            interval,
            low,
            high,
        } => ptp4l::flapping(o, *transitions, *interval, *low, *high),
        Action::Flood { lines, rate } => ptp4l::flood(o, *lines, *rate),
        Action::GmLoss { port, to } => ptp4l::gm_loss(o, *port, *to),
        Action::LinkFault { port } => ptp4l::link_fault(o, *port),
        Action::Recovery {
            port,
            from,
            calibration,
            rate,
        } => ptp4l::recovery(o, *port, *from, *calibration, *rate),
        Action::PortSwitch { from, to, gap } => ptp4l::port_switch(o, *from, *to, *gap),
        Action::ServoUnlock { port, offset } => ptp4l::servo_unlock(o, *port, *offset),
        Action::Relock {
            port,
            calibration,
            rate,
        } => ptp4l::relock(o, *port, *calibration, *rate),
        Action::ProcessStop { process } => process::status(o, *process, false),
        Action::ProcessStart { process } => process::status(o, *process, true),
        Action::ProcessBlip { process, down } => process::blip(o, *process, *down),
        Action::Restart { reconnect_after } => process::restart(o, *reconnect_after),
        Action::Reconnect { processes } => process::reconnect(o, *processes),
        Action::ClockClass { class } => {
            process::class(o, 0.0, *class);
            0.0
        }
        Action::GnssLoss { iface } => tgm::gnss_loss(o, iface),
        Action::DpllFreerun { iface } => tgm::dpll_freerun(o, iface),
        Action::GnssRecovery { iface, acquire } => tgm::gnss_recovery(o, iface, *acquire),
        Action::GmStatus { iface, state } => {
            let i = o.leader(iface);
            tgm::gm(o, 0.0, &i, state.token());
            0.0
        }
        Action::TbcStatus {
            iface,
            offset,
            state,
        } => {
            let i = o.leader(iface);
            tbc::status(o, 0.0, &i, *offset, state.token());
            0.0
        }
        Action::SynceState {
            iface,
            device,
            eec_state,
            network_option,
        } => synce::state(o, iface, device, *eec_state, *network_option),
        Action::SynceQuality {
            iface,
            device,
            clock_quality,
            ql,
            ext_ql,
            network_option,
            state,
        } => synce::quality(
            o,
            synce::Quality {
                iface,
                device,
                clock_quality,
                ql: *ql,
                ext_ql: *ext_ql,
                network_option: *network_option,
                state: *state,
            },
        ),
        Action::ChronydSelected { source } => chronyd::selected(o, source),
        Action::ChronydNoSources => chronyd::no_sources(o),
        Action::Wait { duration } => *duration,
        Action::Raw { conn, lines } => raw::lines(o, conn, lines),
    }
}

/// Locked operation of every family the profile runs.
fn steady_lock(o: &mut Out<'_>, a: &Action, rng: &mut StdRng) -> f64 {
    let Action::SteadyLock {
        duration,
        rate,
        offset,
        servo,
        phc2sys: with_phc2sys,
        phc_offset,
        phc_rate,
        tbc: tbc_state,
        ptp4l: with_ptp4l,
        leader,
    } = a
    else {
        return 0.0;
    };
    let leader = o.leader(leader);
    match o.p.kind {
        _ if !with_ptp4l => {}
        super::format::ProfileType::Tgm => tgm::steady(o, &leader, *duration, offset, *servo, rng),
        super::format::ProfileType::Tbc => {
            let state = tbc_state.unwrap_or(super::format::DaemonState::S2);
            tbc::steady(o, &leader, *duration, *rate, offset, *servo, state, rng);
        }
        _ => ptp4l::steady(o, *duration, *rate, offset, *servo, rng),
    }
    if with_phc2sys.unwrap_or(o.p.phc2sys) {
        phc2sys::steady(o, *duration, *phc_rate, phc_offset, rng);
    }
    *duration
}

#[cfg(test)]
mod tests;
