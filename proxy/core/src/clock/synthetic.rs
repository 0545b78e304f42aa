//! The daemon's synthetic lines: clock class (K4), GNSS (K10), DPLL (K11),
//! T-GM status (K12), T-BC status (K13) and SyncE (K14).

use super::effects::{Effects, Family, Labels, Now};
use super::state::{ProfileType, UNKNOWN_OFFSET};
use super::{Engine, Receiver, SyncePort};
use crate::events::{Resource, Value};
use crate::linuxptp::{Dpll, Entry, GmStatus, Gnss, SyncState, Synce, SynceReport, TbcStatus};

impl Engine {
    /// K4 (§10).
    pub(super) fn clock_class(&mut self, pi: usize, class: u8, now: Now, fx: &mut Effects) {
        let p = &self.profiles[pi];
        let labels = Labels {
            process: Some(self.l.ptp4l.clone()),
            config: Some(p.key.clone()),
            ..Labels::default()
        };
        fx.set(Family::ClockClass, labels, f64::from(class));
        if class == 0 || class == p.class {
            return;
        }
        let alias = p.class_alias();
        self.profiles[pi].class = class;
        if let Some(alias) = alias {
            let values = vec![Value::metric(self.master_address(&alias), class)];
            self.emit(Resource::ClockClass, values, now, fx);
        }
    }

    /// K10 (§11).
    pub(super) fn gnss_line(&mut self, pi: usize, g: &Gnss<'_>, now: Now, fx: &mut Effects) {
        let alias = self.alias(g.iface);
        let token = g.state.state();
        let value = if token == SyncState::Locked {
            "SYNCHRONIZED"
        } else if g.fix <= 0 {
            "FAILURE-NOFIX"
        } else {
            "ACQUIRING-SYNC"
        };
        let gnss = self.l.gnss.clone();
        fx.set(
            Family::OffsetNs,
            self.l.src_proc_iface(&gnss, &gnss, alias.clone()),
            g.offset as f64,
        );
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&gnss, alias.clone()),
            token.metric_code(),
        );
        fx.set(
            Family::GnssStatus,
            self.l.src_proc_iface(&gnss, &gnss, alias.clone()),
            g.fix as f64,
        );
        let key = self.profiles[pi].key.clone();
        let idx = match self
            .gnss
            .iter()
            .position(|r| r.key == key && r.alias == alias)
        {
            Some(i) => i,
            None => {
                self.gnss.push(Receiver {
                    key,
                    alias: alias.clone(),
                    value: "",
                    offset: 0,
                    fix: 0,
                });
                self.gnss.len() - 1
            }
        };
        let r = &mut self.gnss[idx];
        r.offset = g.offset;
        r.fix = g.fix;
        if r.value != value {
            r.value = value;
            let values = self.gnss_values(&self.gnss[idx]);
            self.emit(Resource::GnssSyncStatus, values, now, fx);
        }
    }

    pub(super) fn gnss_values(&self, r: &Receiver) -> Vec<Value> {
        let addr = self.master_address(&r.alias);
        vec![
            Value::state(addr.clone(), r.value),
            Value::metric(addr.clone(), r.offset),
            Value::metric(format!("{addr}/gpsFix"), r.fix),
        ]
    }

    /// K11: metrics, and the phase offset remembered for T-GM events.
    pub(super) fn dpll_line(&mut self, pi: usize, d: &Dpll<'_>, fx: &mut Effects) {
        let alias = self.alias(d.iface);
        let dpll = self.l.dpll.clone();
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&dpll, alias.clone()),
            d.state.state().metric_code(),
        );
        let labels = self.l.src_proc_iface(&dpll, &dpll, alias);
        for (family, v) in [
            (Family::OffsetNs, d.offset),
            (Family::FrequencyStatus, d.frequency_status),
            (Family::PhaseStatus, d.phase_status),
            (Family::PpsStatus, d.pps_status),
        ] {
            if let Some(v) = v {
                fx.set(family, labels.clone(), v as f64);
            }
        }
        if let Some(off) = d.offset {
            let offsets = &mut self.profiles[pi].dpll_offsets;
            match offsets.iter_mut().find(|(i, _)| **i == *d.iface) {
                Some((_, o)) => *o = off,
                None => offsets.push((super::Label::from(d.iface), off)),
            }
        }
    }

    /// Makes a profile daemon-driven, cancelling the timers of its previous
    /// main clocks (§2.3). The new driver's main clock starts unset, so the
    /// first status line recomputes the sync-state (its inputs changed:
    /// the previous main clocks are gone) even when it publishes nothing
    /// (the last published value carries over). Found by the engine fuzz
    /// target: a ts2phc-driven LOCKED main clock dropped by a T-BC status
    /// line left the sync-state LOCKED beside the T-BC clock's FREERUN.
    fn become_kind(&mut self, pi: usize, kind: ProfileType) {
        let p = &mut self.profiles[pi];
        if p.kind != kind {
            p.kind = kind;
            p.main.deadline = None;
            p.main.state = None;
            p.ts2phc_mains.clear();
        }
    }

    /// K12 (§12).
    pub(super) fn gm_status(&mut self, pi: usize, g: &GmStatus<'_>, now: Now, fx: &mut Effects) {
        if self.profiles[pi].kind == ProfileType::Tbc {
            return;
        }
        self.become_kind(pi, ProfileType::Tgm);
        let alias = self.alias(g.iface);
        let p = &mut self.profiles[pi];
        let offset = p
            .dpll_offsets
            .iter()
            .find(|(i, _)| **i == *g.iface)
            .map_or(UNKNOWN_OFFSET, |(_, o)| *o);
        let state = g.state.state();
        self.daemon_main(pi, alias, state, offset, self.l.gm.clone(), now, fx);
    }

    /// K13 (§13).
    pub(super) fn tbc_status(&mut self, pi: usize, t: &TbcStatus<'_>, now: Now, fx: &mut Effects) {
        self.become_kind(pi, ProfileType::Tbc);
        let alias = self.alias(t.iface);
        let state = t.state.state();
        let ts2phc = self.l.ts2phc.clone();
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&ts2phc, alias.clone()),
            state.metric_code(),
        );
        self.daemon_main(pi, alias, state, t.offset, self.l.tbc.clone(), now, fx);
    }

    /// Sets a daemon-driven main clock and publishes by the rule of §4.
    #[allow(clippy::too_many_arguments)]
    fn daemon_main(
        &mut self,
        pi: usize,
        alias: super::Label,
        state: SyncState,
        offset: i64,
        process: super::Label,
        now: Now,
        fx: &mut Effects,
    ) {
        fx.set(
            Family::OffsetNs,
            self.l.src_proc_iface(&process, &process, alias.clone()),
            offset as f64,
        );
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&process, alias.clone()),
            state.metric_code(),
        );
        let m = &mut self.profiles[pi].main;
        let changed = m.state != Some(state) || m.alias.as_ref() != Some(&alias);
        m.alias = Some(alias);
        m.state = Some(state);
        m.offset = offset;
        let m = m.clone();
        let published = self.publish_lock(&m, now, fx);
        if changed || published {
            self.recompute(now, fx);
        }
    }

    /// K14 (§14): events only on a change of state or quality.
    pub(super) fn synce_line(&mut self, e: &Entry<'_>, s: &Synce<'_>, now: Now, fx: &mut Effects) {
        let state = s.state.state();
        let synce4l = self.l.synce4l.clone();
        let iface: super::Label = super::Label::from(s.iface);
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&synce4l, iface.clone()),
            state.metric_code(),
        );
        let idx = match self
            .synce
            .iter()
            .position(|p| *p.device == *s.device && *p.iface == *s.iface)
        {
            Some(i) => i,
            None => {
                self.synce.push(SyncePort {
                    device: super::Label::from(s.device),
                    iface: iface.clone(),
                    state: None,
                    quality: None,
                });
                self.synce.len() - 1
            }
        };
        let addr = format!("/cluster/node/{}/{}/{}", self.node, s.device, s.iface);
        match s.report {
            SynceReport::State { .. } => {
                if self.synce[idx].state != Some(state) {
                    self.synce[idx].state = Some(state);
                    let values = vec![Value::metric(addr, state.as_str())];
                    self.emit(Resource::SynceLockState, values, now, fx);
                }
            }
            SynceReport::Quality { ql, ext_ql, .. } => {
                let base = Labels {
                    process: Some(synce4l),
                    profile: Some(super::Label::from(e.config)),
                    network_option: Some(super::Label::from(s.network_option.to_string().as_str())),
                    iface: Some(iface),
                    device: Some(self.synce[idx].device.clone()),
                    ..Labels::default()
                };
                let ext = ext_ql.map_or(255.0, f64::from);
                fx.set(Family::SynceClockQuality, base.clone(), f64::from(ql) + ext);
                let mut ssm = base.clone();
                ssm.ql_type = Some(self.l.ssm.clone());
                fx.set(Family::SynceSsmQl, ssm, f64::from(ql));
                let mut ext_l = base;
                ext_l.ql_type = Some(self.l.ext_ssm.clone());
                fx.set(Family::SynceSsmQl, ext_l, ext);
                if self.synce[idx].quality != Some((ql, ext_ql)) {
                    self.synce[idx].quality = Some((ql, ext_ql));
                    self.emit(
                        Resource::SynceClockQuality,
                        synce_quality_values(&addr, ql, ext_ql),
                        now,
                        fx,
                    );
                }
            }
        }
    }
}

/// The `Ql`/`extQl` values of a SyncE port.
pub(super) fn synce_quality_values(addr: &str, ql: u8, ext_ql: Option<u8>) -> Vec<Value> {
    vec![
        Value::metric(format!("{addr}/Ql"), ql),
        Value::metric(format!("{addr}/extQl"), ext_ql.map_or(255, u16::from)),
    ]
}
