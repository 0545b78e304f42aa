//! Derived states: the OS clock E3 (§8, §9) and the node sync-state (§16),
//! and the phc2sys lines that feed E3.

use super::effects::{Effects, Family, LineResult, Now};
use super::state::{Candidate, InputClass};
use super::Engine;
use crate::events::{Resource, Value};
use crate::linuxptp::{Entry, Phc2sysOffset, Summary, SyncState};

impl Engine {
    /// K6: the system-clock candidate of the profile key.
    pub(super) fn phc2sys_offset(
        &mut self,
        pi: usize,
        o: &Phc2sysOffset,
        now: Now,
        fx: &mut Effects,
    ) {
        let th = self.profiles[pi].thresholds;
        let class = if o.servo.is_locked() {
            if th.in_range(o.offset) {
                InputClass::L
            } else {
                InputClass::O
            }
        } else {
            InputClass::F
        };
        let from = if o.source.from_label() == "sys" {
            self.l.sys.clone()
        } else {
            self.l.phc.clone()
        };
        let labels = self
            .l
            .src_proc_iface(&from, &self.l.phc2sys, &self.l.clock_realtime);
        fx.set(Family::OffsetNs, labels.clone(), o.offset as f64);
        fx.max(
            Family::MaxOffsetNs,
            labels.clone(),
            o.offset.unsigned_abs() as f64,
        );
        fx.set(Family::FrequencyAdjustmentNs, labels.clone(), o.freq);
        if let Some(d) = o.delay {
            fx.set(Family::DelayNs, labels, d as f64);
        }
        let seq = self.next_seq();
        let p = class.plain_state();
        self.profiles[pi].candidate = Some(Candidate {
            p,
            offset: o.offset,
            seq,
        });
        if self.chronyd_owns {
            let state = self.candidate_state(pi).unwrap_or(p);
            let labels = self.l.proc_iface(&self.l.phc2sys, &self.l.clock_realtime);
            fx.set(Family::ClockState, labels, state.metric_code());
        }
        self.recompute(now, fx);
    }

    /// K7: metrics only.
    pub(super) fn phc2sys_summary(&mut self, s: &Summary, fx: &mut Effects) {
        let labels =
            self.l
                .src_proc_iface(&self.l.phc, &self.l.phc2sys, self.l.clock_realtime.clone());
        fx.set(Family::OffsetNs, labels.clone(), s.rms as f64);
        fx.set(Family::MaxOffsetNs, labels.clone(), s.max as f64);
        fx.set(Family::FrequencyAdjustmentNs, labels.clone(), s.freq);
        if let Some((d, _)) = s.delay {
            fx.set(Family::DelayNs, labels, d as f64);
        }
    }

    /// K15: chronyd candidates; chronyd becomes the only E3 owner.
    pub(super) fn chronyd_line(&mut self, e: &Entry<'_>, locked: bool, now: Now, fx: &mut Effects) {
        self.chronyd_owns = true;
        let p = if locked {
            SyncState::Locked
        } else {
            SyncState::Freerun
        };
        self.set_chronyd(e.config, p, fx);
        fx.result = LineResult::Parsed;
        self.recompute(now, fx);
    }

    pub(super) fn set_chronyd(&mut self, config: &str, p: SyncState, fx: &mut Effects) {
        let seq = self.next_seq();
        let cand = Candidate { p, offset: 0, seq };
        match self.chronyd.iter_mut().find(|(k, _)| **k == *config) {
            Some((_, c)) => *c = cand,
            None => self.chronyd.push((config.into(), cand)),
        }
        let labels = self
            .l
            .proc_iface(&self.l.chronyd, self.l.clock_realtime.clone());
        fx.set(Family::ClockState, labels, p.metric_code());
    }

    /// A phc2sys candidate's state: worst(P, E1) (§8.2).
    fn candidate_state(&self, pi: usize) -> Option<SyncState> {
        let p = &self.profiles[pi];
        let c = p.candidate?;
        Some(match p.main_state() {
            Some(e1) => c.p.worst(e1),
            None => c.p,
        })
    }

    /// Recomputes E3 and the node sync-state, publishing what changed, in
    /// that order.
    pub(super) fn recompute(&mut self, now: Now, fx: &mut Effects) {
        // E3: worst over the owners; offset of the deciding candidate.
        let mut best: Option<(SyncState, i64, u64)> = None;
        let mut consider = |state: SyncState, offset: i64, seq: u64| {
            let better = match best {
                None => true,
                Some((s, _, q)) => state > s || (state == s && seq > q),
            };
            if better {
                best = Some((state, offset, seq));
            }
        };
        if self.chronyd_owns {
            for (_, c) in &self.chronyd {
                consider(c.p, c.offset, c.seq);
            }
        } else {
            for pi in 0..self.profiles.len() {
                if let (Some(state), Some(c)) =
                    (self.candidate_state(pi), self.profiles[pi].candidate)
                {
                    consider(state, c.offset, c.seq);
                }
            }
        }
        self.e3 = best.map(|(s, o, _)| (s, o));
        if let Some((state, offset)) = self.e3 {
            if !self.chronyd_owns {
                let labels = self
                    .l
                    .proc_iface(&self.l.phc2sys, self.l.clock_realtime.clone());
                fx.set(Family::ClockState, labels, state.metric_code());
            }
            if self.published.e3 != Some(state) && !self.json_wins(Resource::OsClockSyncState, fx) {
                self.published.e3 = Some(state);
                let addr = format!("/cluster/node/{}/CLOCK_REALTIME", self.node);
                let values = vec![
                    Value::state(addr.clone(), state.as_str()),
                    Value::metric(addr, offset),
                ];
                self.emit(Resource::OsClockSyncState, values, now, fx);
            }
        }
        // Node sync-state: worst over main clocks and E3 (or the JSON
        // states that serve them).
        self.update_sync(now, fx);
    }
}
