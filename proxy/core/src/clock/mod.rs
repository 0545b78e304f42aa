//! The sans-IO clock-state engine (spec clock-states.md).
//!
//! `on_line(&LogLine, now) -> Effects`, `on_tick(now) -> Effects`,
//! `next_deadline()`, `snapshot()`. No tokio, no sockets, no system clock:
//! time is an argument, effects are values.

mod current;
mod derived;
pub mod driver;
mod effects;
pub mod invariants;
mod json_states;
mod labels;
mod process;
mod ptp4l;
mod publish;
mod snapshot;
mod state;
mod synthetic;
mod ts2phc;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use effects::*;
pub use snapshot::Snapshot;
pub use state::{DEAD_OFFSET, UNKNOWN_OFFSET};

use crate::linuxptp::{Body, Control, Entry, Kind, LogLine, ProfileKey, SyncState};
use crate::node_config::{alias, NodeConfig};
use labels::LabelCache;
use publish::Published;
use state::{MainClock, Port, Profile, ProfileType};

/// SyncE port record.
#[derive(Debug, Clone)]
struct SyncePort {
    device: Label,
    iface: Label,
    state: Option<SyncState>,
    quality: Option<(u8, Option<u8>)>,
}

/// GNSS receiver record.
#[derive(Debug, Clone)]
struct Receiver {
    key: Label,
    alias: Label,
    value: &'static str,
    offset: i64,
    fix: i64,
}

/// The most ports a profile key holds. ptp4l numbers a configuration's
/// ports 1, 2, … in the order of its interfaces; a port line with a number
/// the configuration lacks adds a port, so without a bound a stream of
/// corrupt lines with distinct numbers would grow the list for ever. Beyond
/// it such lines are ignored. `explain` synthesises no more ports either.
pub const MAX_PORTS: usize = 256;

/// The clock-state engine of one node.
pub struct Engine {
    node: Arc<str>,
    cfg: NodeConfig,
    profiles: Vec<Profile>,
    /// chronyd candidates by configuration name.
    chronyd: Vec<(Label, state::Candidate)>,
    /// chronyd owns E3 (NTP-failover profile configured or chronyd seen).
    chronyd_owns: bool,
    gnss: Vec<Receiver>,
    synce: Vec<SyncePort>,
    /// Last status per (process, raw config).
    processes: HashMap<(String, String), bool>,
    published: Published,
    /// Node E3 (state, offset) as last computed.
    e3: Option<(SyncState, i64)>,
    /// Node sync-state as last computed.
    sync: Option<SyncState>,
    aliases: HashMap<String, Label>,
    seq: u64,
    l: LabelCache,
    /// States learnt from daemon JSON messages (`on_message`).
    json: json_states::JsonStates,
    /// Storage of a consumed `Effects::items`, handed back with
    /// [`Engine::recycle`]: the next line's effects need no allocation.
    spare: Vec<Effect>,
}

impl Engine {
    /// A new engine for `node`. `last_sync_state` is the persisted node
    /// sync-state, treated as already published.
    pub fn new(node: &str, last_sync_state: Option<SyncState>) -> Engine {
        let published = Published {
            sync: last_sync_state,
            ..Published::default()
        };
        Engine {
            node: Arc::from(node),
            cfg: NodeConfig::default(),
            profiles: Vec::new(),
            chronyd: Vec::new(),
            chronyd_owns: false,
            gnss: Vec::new(),
            synce: Vec::new(),
            processes: HashMap::new(),
            published,
            e3: None,
            sync: None,
            aliases: HashMap::new(),
            seq: 0,
            l: LabelCache::default(),
            json: json_states::JsonStates::default(),
            spare: Vec::new(),
        }
    }

    /// Takes back the storage of effects the driver has carried out (the
    /// vector is emptied here), for the effects of a later line.
    pub fn recycle(&mut self, mut items: Vec<Effect>) {
        items.clear();
        if items.capacity() <= 64 {
            self.spare = items;
        }
    }

    /// The node name.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// New configuration after a load or reload (`on_config`): thresholds,
    /// profile types and initial port roles. Exports `threshold` and the
    /// initial `interface_role` series.
    pub fn on_config(&mut self, cfg: NodeConfig) -> Effects {
        let mut fx = Effects::new(Kind::Control);
        self.cfg = cfg;
        self.chronyd_owns |= self.cfg.profiles.iter().any(|p| p.ntp_failover);
        for p in &self.cfg.profiles {
            let profile: Label = Label::from(p.name.as_str());
            for (name, v) in [
                ("HoldOverTimeout", p.thresholds.holdover_timeout_s as f64),
                ("MaxOffsetThreshold", p.thresholds.max_offset as f64),
                ("MinOffsetThreshold", p.thresholds.min_offset as f64),
            ] {
                let labels = Labels {
                    threshold: Some(Label::from(name)),
                    profile: Some(profile.clone()),
                    ..Labels::default()
                };
                fx.set(Family::Threshold, labels, v);
            }
        }
        let files: Vec<_> = self.cfg.files.values().cloned().collect();
        for file in files {
            self.initial_roles(&file, &mut fx);
            // Refresh thresholds and type of already known profiles.
            let settings = self.cfg.profile(file.profile.as_deref()).cloned();
            if let Some(p) = self.profiles.iter_mut().find(|p| *p.key == *file.name) {
                p.thresholds = settings.as_ref().map(|s| s.thresholds).unwrap_or_default();
            }
        }
        fx
    }

    /// Exports the initial role of every port of a loaded file.
    fn initial_roles(&self, file: &crate::node_config::Ptp4lConfig, fx: &mut Effects) {
        for port in &file.ports {
            let labels = self.l.ptp4l_raw(&port.iface);
            fx.set(
                Family::InterfaceRole,
                labels,
                port.initial_role.metric_code(),
            );
        }
    }

    /// A configuration file loaded lazily after `Effect::WantConfig`.
    pub fn on_config_file(&mut self, file: crate::node_config::Ptp4lConfig) -> Effects {
        let mut fx = Effects::new(Kind::Control);
        self.initial_roles(&file, &mut fx);
        self.cfg.files.insert(file.name.clone(), file);
        fx
    }

    /// The configuration reset of `CMD RESTART` (socket-and-lines.md §1.4
    /// step 3): everything but the last published node sync-state and the
    /// states learnt from JSON messages (another connection's; only their
    /// `cache_clear` forgets them). The driver then reloads the
    /// configuration and calls `on_config`.
    pub fn on_restart(&mut self) -> Effects {
        let node = self.node.clone();
        let sync = self.published.sync;
        let json = std::mem::take(&mut self.json);
        *self = Engine::new(&node, sync);
        self.json = json;
        let mut fx = Effects::new(Kind::Control);
        fx.items.push(Effect::Metric(MetricOp::ClearPtp));
        fx
    }

    /// One line, in engine-queue order.
    pub fn on_line(&mut self, line: &LogLine<'_>, now: Now) -> Effects {
        match line {
            LogLine::Control(Control::Restart) => self.on_restart(),
            LogLine::Control(Control::LiveStart) => Effects::new(Kind::Control),
            LogLine::Entry(e) => self.on_entry(e, now),
        }
    }

    fn on_entry(&mut self, e: &Entry<'_>, now: Now) -> Effects {
        let mut fx = Effects::new(e.body.kind());
        if matches!(
            e.body,
            Body::PtpOffset(_) | Body::Phc2sysOffset(_) | Body::Ts2phcOffset(_)
        ) {
            // Offset lines produce 5-6 metric updates: one allocation, or
            // none with the storage of an earlier line's effects.
            fx.items = std::mem::take(&mut self.spare);
            fx.items.reserve(8);
        }
        match &e.body {
            Body::ProcessStatus(s) => {
                self.process_status(e, s.running, now, &mut fx);
                return fx;
            }
            Body::Synce(s) => {
                self.synce_line(e, s, now, &mut fx);
                return fx;
            }
            Body::Chronyd(c) => {
                self.chronyd_line(e, c.locked, now, &mut fx);
                return fx;
            }
            // synce4l and chronyd lines skip validation (§5.1).
            Body::Other { .. } if matches!(e.source, "synce4l" | "chronyd") => {
                fx.result = LineResult::Ignored;
                return fx;
            }
            Body::Other { .. } => {
                // Dispatch rule 2 comes before the "otherwise ignored" rules:
                // a line of an unknown configuration is rejected.
                fx.result = if self.profile_index(e.profile_key(), &mut fx).is_some() {
                    LineResult::Ignored
                } else {
                    LineResult::Rejected
                };
                return fx;
            }
            _ => {}
        }
        let key = e.profile_key();
        let Some(pi) = self.profile_index(key, &mut fx) else {
            fx.result = LineResult::Rejected;
            return fx;
        };
        // A PTP-HA key (`phc2sys.N.config`) has no main clock (§2.3): lines
        // that drive one change nothing under it. Found by the engine fuzz
        // target: a T-GM status line so tagged published a lock-state that
        // no snapshot showed.
        let drives_main = matches!(
            e.body,
            Body::PtpOffset(_) | Body::Ts2phcOffset(_) | Body::GmStatus(_) | Body::TbcStatus(_)
        );
        if drives_main && self.profiles[pi].ha {
            fx.result = LineResult::Ignored;
            return fx;
        }
        match &e.body {
            Body::PtpOffset(o) => self.ptp4l_offset(pi, o, now, &mut fx),
            Body::PtpSummary(s) => self.ptp4l_summary(pi, s, &mut fx),
            Body::PortState(p) => self.port_state(pi, p, e.level.is_some(), now, &mut fx),
            Body::ClockClass(c) => self.clock_class(pi, c.class, now, &mut fx),
            Body::Phc2sysOffset(o) => self.phc2sys_offset(pi, o, now, &mut fx),
            Body::Phc2sysSummary(s) => self.phc2sys_summary(s, &mut fx),
            Body::HaProfile(h) => {
                let labels = Labels {
                    process: Some(self.l.phc2sys.clone()),
                    profile: Some(Label::from(h.profile)),
                    ..Labels::default()
                };
                fx.set(
                    Family::HaProfileStatus,
                    labels,
                    f64::from(u8::from(h.active)),
                );
            }
            Body::Ts2phcOffset(o) => self.ts2phc_offset(pi, o, now, &mut fx),
            Body::NmeaStatus(n) => {
                let alias = self.alias(n.iface);
                let labels = self.l.proc_iface(&self.l.ts2phc, alias);
                fx.set(Family::NmeaStatus, labels, f64::from(u8::from(n.available)));
            }
            Body::Gnss(g) => self.gnss_line(pi, g, now, &mut fx),
            Body::Dpll(d) => self.dpll_line(pi, d, &mut fx),
            Body::GmStatus(g) => self.gm_status(pi, g, now, &mut fx),
            Body::TbcStatus(t) => self.tbc_status(pi, t, now, &mut fx),
            _ => {}
        }
        fx
    }

    /// Fires every deadline due at `now`.
    pub fn on_tick(&mut self, now: Now) -> Effects {
        let mut fx = Effects::new(Kind::Control);
        let mut changed = false;
        for pi in 0..self.profiles.len() {
            let p = &mut self.profiles[pi];
            let mut expired: Vec<MainClock> = Vec::new();
            let process = if p.kind == ProfileType::Ts2phc {
                self.l.ts2phc.clone()
            } else {
                self.l.ptp4l.clone()
            };
            for m in std::iter::once(&mut p.main).chain(p.ts2phc_mains.iter_mut()) {
                if m.deadline.is_some_and(|d| d <= now.mono) {
                    m.deadline = None;
                    if m.state == Some(SyncState::Holdover) {
                        m.state = Some(SyncState::Freerun);
                        expired.push(m.clone());
                    }
                }
            }
            for m in expired {
                self.publish_lock(&m, now, &mut fx);
                if let Some(a) = &m.alias {
                    let labels = self.l.proc_iface(&process, a.clone());
                    fx.set(Family::ClockState, labels, 0.0);
                }
                changed = true;
            }
        }
        if changed {
            self.recompute(now, &mut fx);
        }
        fx
    }

    /// The earliest pending holdover deadline.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.profiles
            .iter()
            .flat_map(|p| std::iter::once(&p.main).chain(p.ts2phc_mains.iter()))
            .filter_map(|m| m.deadline)
            .min()
    }

    /// Finds or creates the profile of a key, validating its configuration
    /// (dispatch rule 2). `None` → the line is rejected.
    fn profile_index(&mut self, key: ProfileKey<'_>, fx: &mut Effects) -> Option<usize> {
        if let Some(i) = self.profiles.iter().position(|p| key.is(&p.key)) {
            return Some(i);
        }
        let name = key.to_owned_string();
        let Some(file) = self.cfg.files.get(&name).filter(|f| f.is_valid()).cloned() else {
            fx.items.push(Effect::WantConfig(name));
            return None;
        };
        let settings = self.cfg.profile(file.profile.as_deref()).cloned();
        let ports = file
            .ports
            .iter()
            .zip(1u32..)
            .map(|(pc, number)| Port {
                number,
                iface: Label::from(pc.iface.as_str()),
                alias: self.alias(&pc.iface),
                role: pc.initial_role,
            })
            .collect();
        let ha = name.starts_with("phc2sys");
        let tbc = settings.as_ref().is_some_and(|s| s.tbc);
        self.profiles.push(Profile {
            key: Label::from(name.as_str()),
            thresholds: settings.map(|s| s.thresholds).unwrap_or_default(),
            kind: if tbc {
                ProfileType::Tbc
            } else {
                ProfileType::OcBc
            },
            ha,
            ports,
            main: MainClock::default(),
            ts2phc_mains: Vec::new(),
            iface_clocks: Vec::new(),
            ptp4l_internal: None,
            class: 0,
            candidate: None,
            dpll_offsets: Vec::new(),
        });
        self.profiles.sort_by(|a, b| a.key.cmp(&b.key));
        self.profiles.iter().position(|p| *p.key == *name)
    }

    /// The alias of an interface: the daemon's map, else the local rule.
    fn alias(&mut self, iface: &str) -> Label {
        if let Some(a) = self.aliases.get(iface) {
            return a.clone();
        }
        let a: Label = match self.cfg.aliases.get(iface) {
            Some(a) => Label::from(a.as_str()),
            None => Label::from(alias(iface)),
        };
        self.aliases.insert(iface.to_string(), a.clone());
        a
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

impl Effects {
    pub(crate) fn set(&mut self, family: Family, labels: impl Into<Arc<Labels>>, v: f64) {
        let labels = labels.into();
        self.items
            .push(Effect::Metric(MetricOp::Set(Series { family, labels }, v)));
    }
    pub(crate) fn max(&mut self, family: Family, labels: impl Into<Arc<Labels>>, v: f64) {
        let labels = labels.into();
        self.items
            .push(Effect::Metric(MetricOp::Max(Series { family, labels }, v)));
    }
}
