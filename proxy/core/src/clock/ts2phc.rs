//! ts2phc offset lines (K8): ts2phc-driven main clocks, one per interface
//! alias, or metric-only interface clocks under a T-GM/T-BC (§5, §12).

use super::effects::{Effects, Family, Now};
use super::ptp4l::{apply, classify};
use super::state::{IfaceClock, MainClock, ProfileType};
use super::Engine;
use crate::linuxptp::Ts2phcOffset;

impl Engine {
    /// K8.
    pub(super) fn ts2phc_offset(
        &mut self,
        pi: usize,
        o: &Ts2phcOffset<'_>,
        now: Now,
        fx: &mut Effects,
    ) {
        let alias = self.alias(o.iface);
        let ts2phc = self.l.ts2phc.clone();
        let labels = self
            .l
            .src_proc_iface(&self.l.master, &ts2phc, alias.clone());
        fx.set(Family::OffsetNs, labels.clone(), o.offset as f64);
        fx.max(
            Family::MaxOffsetNs,
            labels.clone(),
            o.offset.unsigned_abs() as f64,
        );
        fx.set(Family::FrequencyAdjustmentNs, labels, o.freq);
        let state_labels = self.l.proc_iface(&ts2phc, alias.clone());
        let p = &mut self.profiles[pi];
        let class = classify(o.servo, o.holdover, o.offset, &p.thresholds);
        if p.kind == ProfileType::OcBc {
            // First ts2phc line: the profile becomes ts2phc-driven.
            p.kind = ProfileType::Ts2phc;
            p.main.deadline = None;
        }
        match p.kind {
            ProfileType::Ts2phc => {
                let timeout = p.thresholds.holdover_timeout_s;
                let idx = match p
                    .ts2phc_mains
                    .iter()
                    .position(|m| m.alias.as_ref() == Some(&alias))
                {
                    Some(i) => i,
                    None => {
                        p.ts2phc_mains.push(MainClock {
                            alias: Some(alias.clone()),
                            ..MainClock::default()
                        });
                        p.ts2phc_mains.len() - 1
                    }
                };
                let m = &mut p.ts2phc_mains[idx];
                m.offset = o.offset;
                let changed = apply(m, class, true, timeout, now);
                let m = m.clone();
                self.settle(m, changed, state_labels, now, fx);
            }
            _ => {
                let state = class.plain_state();
                match p.iface_clocks.iter_mut().find(|c| c.alias == alias) {
                    Some(c) => c.state = state,
                    None => p.iface_clocks.push(IfaceClock { alias, state }),
                }
                fx.set(Family::ClockState, state_labels, state.metric_code());
            }
        }
    }
}
