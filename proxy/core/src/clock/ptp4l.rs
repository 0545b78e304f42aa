//! ptp4l lines: offsets (K1), summaries (K2) and port states (K3), with the
//! main-clock transition table (§5.2), port roles (§6) and the holdover
//! timer (§7).

use std::time::Duration;

use super::effects::{Effects, Family, Label, LineResult, Now};
use super::state::{step, InputClass, MainClock, Port, ProfileType, Step};
use super::Engine;
use crate::linuxptp::{PortState, PtpOffset, Role, Servo, Summary, SyncState};
use crate::node_config::Thresholds;

/// Input class of an offset line (§3.1).
pub(super) fn classify(servo: Servo, holdover: bool, offset: i64, th: &Thresholds) -> InputClass {
    if holdover {
        InputClass::H
    } else if !servo.is_locked() {
        InputClass::F
    } else if th.in_range(offset) {
        InputClass::L
    } else {
        InputClass::O
    }
}

/// Applies the transition table to a proxy-derived main clock. Returns
/// whether the state changed.
pub(super) fn apply(
    m: &mut MainClock,
    class: InputClass,
    refresh: bool,
    timeout_s: u64,
    now: Now,
) -> bool {
    match step(m.state, class, refresh) {
        Step::Stay => false,
        Step::Refresh => {
            m.deadline = Some(now.mono + Duration::from_secs(timeout_s));
            false
        }
        Step::Holdover => {
            m.state = Some(SyncState::Holdover);
            m.deadline = Some(now.mono + Duration::from_secs(timeout_s));
            true
        }
        Step::To(s) => {
            m.state = Some(s);
            m.deadline = None;
            true
        }
    }
}

impl Engine {
    /// After an offset line was applied to a proxy-derived main clock: the
    /// state metric, and on a change the event, E3 and the sync-state.
    pub(super) fn settle(
        &mut self,
        m: MainClock,
        changed: bool,
        state_labels: std::sync::Arc<super::Labels>,
        now: Now,
        fx: &mut Effects,
    ) {
        if let Some(s) = m.state {
            fx.set(Family::ClockState, state_labels, s.metric_code());
        }
        if changed {
            self.publish_lock(&m, now, fx);
            self.recompute(now, fx);
        }
    }

    fn offset_metrics(
        &self,
        process: &Label,
        alias: &Label,
        offset: i64,
        freq: f64,
        delay: Option<i64>,
        fx: &mut Effects,
    ) {
        let labels = self.l.src_proc_iface(&self.l.master, process, alias);
        fx.set(Family::OffsetNs, labels.clone(), offset as f64);
        fx.max(
            Family::MaxOffsetNs,
            labels.clone(),
            offset.unsigned_abs() as f64,
        );
        fx.set(Family::FrequencyAdjustmentNs, labels.clone(), freq);
        if let Some(d) = delay {
            fx.set(Family::DelayNs, labels, d as f64);
        }
    }

    /// K1.
    pub(super) fn ptp4l_offset(&mut self, pi: usize, o: &PtpOffset, now: Now, fx: &mut Effects) {
        let Some(alias) = self.profiles[pi].slave_alias().cloned() else {
            fx.result = LineResult::Ignored;
            return;
        };
        let ptp4l = self.l.ptp4l.clone();
        self.offset_metrics(&ptp4l, &alias, o.offset, o.freq, o.delay, fx);
        let p = &mut self.profiles[pi];
        let class = classify(o.servo, o.delay.is_none(), o.offset, &p.thresholds);
        let state_labels = self.l.proc_iface(&ptp4l, &alias);
        match p.kind {
            ProfileType::OcBc => {
                let timeout = p.thresholds.holdover_timeout_s;
                let m = &mut p.main;
                // The SLAVE port moved to an interface of another alias: the
                // state is now that of a new address, published there unless
                // it already holds that value (§4; found by the engine fuzz
                // target: HOLDOVER moved to the new address silently).
                let moved = m.state.is_some() && m.alias.as_ref() != Some(&alias);
                m.alias = Some(alias);
                m.offset = o.offset;
                let changed = apply(m, class, false, timeout, now) || moved;
                let m = m.clone();
                self.settle(m, changed, state_labels, now, fx);
            }
            ProfileType::Tbc => {
                let mut internal = MainClock {
                    state: p.ptp4l_internal,
                    ..MainClock::default()
                };
                apply(&mut internal, class, false, 0, now);
                p.ptp4l_internal = internal.state;
                if let Some(s) = internal.state {
                    fx.set(Family::ClockState, state_labels, s.metric_code());
                }
            }
            ProfileType::Tgm | ProfileType::Ts2phc => {}
        }
    }

    /// K2: metrics only.
    pub(super) fn ptp4l_summary(&mut self, pi: usize, s: &Summary, fx: &mut Effects) {
        let Some(alias) = self.profiles[pi].slave_alias().cloned() else {
            fx.result = LineResult::Ignored;
            return;
        };
        let labels = self.l.src_proc_iface(&self.l.master, &self.l.ptp4l, alias);
        fx.set(Family::OffsetNs, labels.clone(), s.rms as f64);
        fx.set(Family::MaxOffsetNs, labels.clone(), s.max as f64);
        fx.set(Family::FrequencyAdjustmentNs, labels.clone(), s.freq);
        if let Some((d, _)) = s.delay {
            fx.set(Family::DelayNs, labels, d as f64);
        }
    }

    /// K3 (§6). A `replayed` line (the daemon's `/emit-logs` replay keeps
    /// the level suffix) changes roles only: it is the latest port line,
    /// possibly older than the live data already seen, and handling it
    /// again must be harmless (socket-and-lines.md §1.5), so its hint never
    /// moves the clock state.
    pub(super) fn port_state(
        &mut self,
        pi: usize,
        ps: &PortState<'_>,
        replayed: bool,
        now: Now,
        fx: &mut Effects,
    ) {
        let Some((role, hint)) = ps.transition() else {
            fx.result = LineResult::Ignored;
            return;
        };
        let Ok(number) = ps.port.parse::<u32>() else {
            fx.result = LineResult::Ignored;
            return;
        };
        let idx = match self.profiles[pi]
            .ports
            .iter()
            .position(|p| p.number == number)
        {
            Some(i) => i,
            None => {
                let Some(iface) = ps.iface else {
                    fx.result = LineResult::Ignored;
                    return;
                };
                if self.profiles[pi].ports.len() >= super::MAX_PORTS {
                    fx.result = LineResult::Ignored;
                    return;
                }
                let alias = self.alias(iface);
                let ports = &mut self.profiles[pi].ports;
                ports.push(Port {
                    number,
                    iface: super::Label::from(iface),
                    alias,
                    role: Role::Unknown,
                });
                ports.len() - 1
            }
        };
        let p = &mut self.profiles[pi];
        let port = &mut p.ports[idx];
        let previous = port.role;
        if previous == role {
            return;
        }
        port.role = role;
        let (raw, port_alias) = (port.iface.clone(), port.alias.clone());
        fx.set(
            Family::InterfaceRole,
            self.l.proc_iface(&self.l.ptp4l, raw),
            role.metric_code(),
        );
        if replayed {
            return;
        }
        match p.kind {
            ProfileType::OcBc => {
                let hold = previous == Role::Slave
                    && hint == Some(SyncState::Holdover)
                    && matches!(p.main.state, Some(SyncState::Locked | SyncState::Freerun));
                if hold {
                    let timeout = p.thresholds.holdover_timeout_s;
                    p.main.state = Some(SyncState::Holdover);
                    p.main.deadline = Some(now.mono + Duration::from_secs(timeout));
                    let m = p.main.clone();
                    if let Some(a) = &m.alias {
                        let labels = self.l.proc_iface(&self.l.ptp4l, a.clone());
                        fx.set(
                            Family::ClockState,
                            labels,
                            SyncState::Holdover.metric_code(),
                        );
                    }
                    self.publish_lock(&m, now, fx);
                    self.recompute(now, fx);
                }
            }
            ProfileType::Tbc => {
                if previous == Role::Slave && role == Role::Faulty {
                    p.ptp4l_internal = Some(SyncState::Freerun);
                    let labels = self.l.proc_iface(&self.l.ptp4l, port_alias);
                    fx.set(Family::ClockState, labels, 0.0);
                }
            }
            ProfileType::Tgm | ProfileType::Ts2phc => {}
        }
    }
}
