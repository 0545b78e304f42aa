//! Process status lines (K5, §15): metrics, real-restart counting, and the
//! effects of a process death.

use super::effects::{Effect, Effects, Family, Labels, MetricOp, Now, Series};
use super::state::{ProfileType, DEAD_OFFSET};
use super::Engine;
use crate::linuxptp::{Entry, SyncState};

impl Engine {
    /// K5.
    pub(super) fn process_status(
        &mut self,
        e: &Entry<'_>,
        running: bool,
        now: Now,
        fx: &mut Effects,
    ) {
        let labels = std::sync::Arc::new(Labels {
            process: Some(super::Label::from(e.source)),
            config: Some(super::Label::from(e.config)),
            ..Labels::default()
        });
        fx.set(
            Family::ProcessStatus,
            labels.clone(),
            f64::from(u8::from(running)),
        );
        let counter = Series {
            family: Family::ProcessRestartCount,
            labels,
        };
        let previous = self
            .processes
            .insert((e.source.to_string(), e.config.to_string()), running);
        fx.items
            .push(Effect::Metric(MetricOp::Touch(counter.clone())));
        if running && previous == Some(false) {
            fx.items.push(Effect::Metric(MetricOp::Inc(counter)));
        }
        if running {
            return;
        }
        if e.source == "chronyd" {
            self.set_chronyd(e.config, SyncState::Freerun, fx);
            self.recompute(now, fx);
            return;
        }
        let key = e.profile_key();
        let Some(pi) = self.profiles.iter().position(|p| key.is(&p.key)) else {
            return;
        };
        match e.source {
            "ptp4l" => {
                let p = &mut self.profiles[pi];
                if matches!(p.kind, ProfileType::OcBc | ProfileType::Tbc) && p.main.alias.is_some()
                {
                    p.main.state = Some(SyncState::Freerun);
                    p.main.offset = DEAD_OFFSET;
                    p.main.deadline = None;
                    let m = p.main.clone();
                    let process = if p.kind == ProfileType::Tbc {
                        self.l.tbc.clone()
                    } else {
                        self.l.ptp4l.clone()
                    };
                    if let Some(a) = &m.alias {
                        fx.set(
                            Family::ClockState,
                            self.l.proc_iface(&process, a.clone()),
                            0.0,
                        );
                    }
                    self.publish_lock(&m, now, fx);
                }
                self.kill_candidate(pi);
            }
            "phc2sys" => self.kill_candidate(pi),
            "ts2phc" => {
                let ts2phc = self.l.ts2phc.clone();
                let p = &mut self.profiles[pi];
                let mut dead = Vec::new();
                for c in &mut p.iface_clocks {
                    c.state = SyncState::Freerun;
                    dead.push(c.alias.clone());
                }
                let mut mains = Vec::new();
                for m in &mut p.ts2phc_mains {
                    m.state = Some(SyncState::Freerun);
                    m.offset = DEAD_OFFSET;
                    m.deadline = None;
                    mains.push(m.clone());
                    dead.extend(m.alias.clone());
                }
                for alias in dead {
                    fx.set(
                        Family::ClockState,
                        self.l.proc_iface(&ts2phc, alias.clone()),
                        0.0,
                    );
                    let labels = self.l.src_proc_iface(&self.l.master, &ts2phc, alias);
                    fx.set(Family::OffsetNs, labels, DEAD_OFFSET as f64);
                }
                for m in mains {
                    self.publish_lock(&m, now, fx);
                }
            }
            _ => return,
        }
        self.recompute(now, fx);
    }

    /// phc2sys (or its ptp4l) died: the candidate is FREERUN until the next
    /// K6 line, unless chronyd owns E3.
    fn kill_candidate(&mut self, pi: usize) {
        if self.chronyd_owns {
            return;
        }
        let seq = self.next_seq();
        if let Some(c) = &mut self.profiles[pi].candidate {
            c.p = SyncState::Freerun;
            c.offset = DEAD_OFFSET;
            c.seq = seq;
        }
    }
}
