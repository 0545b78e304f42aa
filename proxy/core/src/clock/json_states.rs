//! States learnt from the daemon's JSON messages (next-generation.md §1).
//!
//! The daemon has already decided them: no threshold, holdover or port-role
//! logic runs. Each (type, iface) entry publishes when its value changes
//! (the state; the class; the SyncE state or quality pair; the GNSS value),
//! through the same `Effect::Publish` and the same value objects as the
//! states derived from log lines. A resource that has JSON states is served
//! from them only: log-derived states of that resource are neither
//! published nor shown, and the first time both exist the engine returns
//! `Effect::ProtocolConflict` (once per resource).

use super::effects::{Effect, Effects, Family, Label, Labels, Now};
use super::synthetic::synce_quality_values;
use super::Engine;
use crate::events::daemon::{DaemonMessage, GnssState, MessageBody};
use crate::events::{EventData, Resource, Value};
use crate::linuxptp::{Kind, SyncState};

/// A main clock or SyncE port state of one interface.
#[derive(Debug, Clone)]
struct Clock {
    profile: String,
    iface: String,
    state: SyncState,
    offset: i64,
}

#[derive(Debug, Clone)]
struct Class {
    profile: String,
    iface: String,
    class: u8,
}

#[derive(Debug, Clone)]
struct Gnss {
    profile: String,
    iface: String,
    state: GnssState,
    offset: i64,
    fix: i64,
}

#[derive(Debug, Clone)]
struct Quality {
    profile: String,
    iface: String,
    ql: u8,
    extended_ql: Option<u8>,
}

/// Every state learnt from JSON messages, in (profile, iface) order.
#[derive(Debug, Clone, Default)]
pub(super) struct JsonStates {
    locks: Vec<Clock>,
    os: Option<(SyncState, i64)>,
    classes: Vec<Class>,
    gnss: Vec<Gnss>,
    synce: Vec<Clock>,
    quality: Vec<Quality>,
    /// The node sync-state as the daemon sent it.
    sync: Option<SyncState>,
    /// Resources already reported as fed by both protocols (survives
    /// `cache_clear`: the warning is logged once per resource).
    warned: Vec<Resource>,
}

/// The entry of `iface` in a list sorted by (profile, iface), created (and
/// the list re-sorted) when missing or when its profile changed.
fn entry<T>(
    list: &mut Vec<T>,
    profile: &str,
    iface: &str,
    key: impl Fn(&T) -> (&str, &str),
    new: impl FnOnce() -> T,
) -> (usize, bool) {
    if let Some(i) = list.iter().position(|x| key(x).1 == iface) {
        if key(&list[i]).0 == profile {
            return (i, false);
        }
        list.remove(i);
    }
    let item = new();
    let at = list
        .iter()
        .position(|x| key(x) > (profile, iface))
        .unwrap_or(list.len());
    list.insert(at, item);
    (at, true)
}

impl JsonStates {
    /// The resource has at least one JSON state.
    pub(super) fn owns(&self, r: Resource) -> bool {
        match r {
            Resource::LockState => !self.locks.is_empty(),
            Resource::OsClockSyncState => self.os.is_some(),
            Resource::ClockClass => !self.classes.is_empty(),
            Resource::GnssSyncStatus => !self.gnss.is_empty(),
            Resource::SynceLockState => !self.synce.is_empty(),
            Resource::SynceClockQuality => !self.quality.is_empty(),
            // Derived: its inputs decide (see `Engine::update_sync`).
            Resource::SyncState => false,
        }
    }

    /// The worst JSON main-clock state, if any.
    pub(super) fn worst_main(&self) -> Option<SyncState> {
        self.locks.iter().map(|c| c.state).max()
    }

    pub(super) fn os(&self) -> Option<(SyncState, i64)> {
        self.os
    }

    pub(super) fn sync(&self) -> Option<SyncState> {
        self.sync
    }
}

impl Engine {
    /// One accepted daemon JSON message. Events carry the message's
    /// `timestamp`, or `now.wall` when it had none.
    pub fn on_message(&mut self, msg: &DaemonMessage, now: Now) -> Effects {
        let mut fx = Effects::new(Kind::Json);
        let now = Now {
            mono: now.mono,
            wall: msg.time.unwrap_or(now.wall),
        };
        let (profile, iface) = (msg.profile.as_str(), msg.iface.as_str());
        let resource = match msg.body {
            MessageBody::PtpState { state, offset } => {
                self.json_lock(profile, iface, state, offset, now, &mut fx);
                Some(Resource::LockState)
            }
            MessageBody::OsClockState { state, offset } => {
                self.json_os(state, offset, now, &mut fx);
                Some(Resource::OsClockSyncState)
            }
            MessageBody::ClockClass { class } => {
                self.json_class(profile, iface, class, now, &mut fx);
                (class != 0).then_some(Resource::ClockClass)
            }
            MessageBody::GnssState { state, offset, fix } => {
                self.json_gnss(profile, iface, state, offset, fix, now, &mut fx);
                Some(Resource::GnssSyncStatus)
            }
            MessageBody::SynceState { state } => {
                self.json_synce(profile, iface, state, now, &mut fx);
                Some(Resource::SynceLockState)
            }
            MessageBody::SynceClockQuality { ql, extended_ql } => {
                self.json_quality(profile, iface, ql, extended_ql, now, &mut fx);
                Some(Resource::SynceClockQuality)
            }
            MessageBody::SyncState { state } => {
                self.json.sync = Some(state);
                None
            }
            MessageBody::CacheClear => {
                let warned = std::mem::take(&mut self.json.warned);
                self.json = JsonStates {
                    warned,
                    ..JsonStates::default()
                };
                None
            }
            MessageBody::StatusRequest | MessageBody::StatusResponse => return fx,
        };
        if let Some(r) = resource {
            if self.log_has(r) {
                self.warn_conflict(r, &mut fx);
            }
        }
        self.update_sync(now, &mut fx);
        fx
    }

    /// JSON states win over log-derived ones for `r`: returns true (after
    /// reporting the conflict once) when the log-derived value must not be
    /// published.
    pub(super) fn json_wins(&mut self, r: Resource, fx: &mut Effects) -> bool {
        if !self.json.owns(r) {
            return false;
        }
        self.warn_conflict(r, fx);
        true
    }

    fn warn_conflict(&mut self, r: Resource, fx: &mut Effects) {
        if !self.json.warned.contains(&r) {
            self.json.warned.push(r);
            fx.items.push(Effect::ProtocolConflict(r));
        }
    }

    /// Log lines gave the resource a state.
    fn log_has(&self, r: Resource) -> bool {
        match r {
            Resource::LockState => self
                .profiles
                .iter()
                .any(|p| p.mains().any(|m| m.state.is_some())),
            Resource::OsClockSyncState => self.e3.is_some(),
            Resource::ClockClass => self.profiles.iter().any(|p| p.class != 0),
            Resource::GnssSyncStatus => !self.gnss.is_empty(),
            Resource::SynceLockState => self.synce.iter().any(|p| p.state.is_some()),
            Resource::SynceClockQuality => self.synce.iter().any(|p| p.quality.is_some()),
            Resource::SyncState => false,
        }
    }

    /// The node sync-state (clock-states.md §16): the daemon's `sync_state`
    /// when it sent one; otherwise the worst of the main clocks and the OS
    /// clock, each taken from JSON states when there are any, else from log
    /// lines. Published and persisted when it differs from the last
    /// published value.
    pub(super) fn update_sync(&mut self, now: Now, fx: &mut Effects) {
        let sync = self.json.sync().or_else(|| {
            let mains = if self.json.owns(Resource::LockState) {
                self.json.worst_main()
            } else {
                self.profiles
                    .iter()
                    .flat_map(|p| p.mains().filter_map(|m| m.state))
                    .max()
            };
            let os = match self.json.os() {
                Some((s, _)) => Some(s),
                None => self.e3.map(|(s, _)| s),
            };
            mains.into_iter().chain(os).max()
        });
        self.sync = sync;
        if let Some(state) = sync {
            if self.published.sync != Some(state) {
                self.published.sync = Some(state);
                let addr = format!("/cluster/node/{}/sync/sync-status/sync-state", self.node);
                publish(
                    Resource::SyncState,
                    vec![Value::state(addr, state.as_str())],
                    now,
                    fx,
                );
                fx.items.push(Effect::PersistSyncState(state));
            }
        }
    }

    /// The CurrentState values of a resource that JSON states serve.
    pub(super) fn json_values(&self, r: Resource) -> Option<Vec<Value>> {
        if !self.json.owns(r) {
            return None;
        }
        let node = &self.node;
        let j = &self.json;
        Some(match r {
            Resource::LockState => j
                .locks
                .iter()
                .flat_map(|c| self.lock_values(&c.iface, c.state, c.offset))
                .collect(),
            Resource::OsClockSyncState => {
                let (state, offset) = j.os?;
                os_values(node, state, offset)
            }
            Resource::ClockClass => j
                .classes
                .iter()
                .map(|c| {
                    let addr = format!("{}/CLOCK_CLASS", self.master_address(&c.iface));
                    Value::metric(addr, c.class)
                })
                .collect(),
            Resource::GnssSyncStatus => j
                .gnss
                .iter()
                .flat_map(|g| gnss_values(&self.master_address(&g.iface), g))
                .collect(),
            Resource::SynceLockState => j
                .synce
                .iter()
                .map(|c| {
                    Value::state(
                        format!("/cluster/node/{node}/{}", c.iface),
                        c.state.as_str(),
                    )
                })
                .collect(),
            Resource::SynceClockQuality => j
                .quality
                .iter()
                .flat_map(|q| {
                    let addr = format!("/cluster/node/{node}/{}", q.iface);
                    synce_quality_values(&addr, q.ql, q.extended_ql)
                })
                .collect(),
            Resource::SyncState => return None,
        })
    }

    /// `ptp_state`: lock-state of a main clock.
    fn json_lock(
        &mut self,
        profile: &str,
        iface: &str,
        state: SyncState,
        offset: Option<i64>,
        now: Now,
        fx: &mut Effects,
    ) {
        let process = if profile.starts_with("ts2phc") {
            self.l.ts2phc.clone()
        } else {
            self.l.ptp4l.clone()
        };
        let alias = Label::from(iface);
        self.json_offset_metrics(&self.l.master.clone(), &process, &alias, offset, fx);
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&process, alias),
            state.metric_code(),
        );
        let offset = offset.unwrap_or(0);
        let (i, new) = entry(
            &mut self.json.locks,
            profile,
            iface,
            |c| (&c.profile, &c.iface),
            || Clock {
                profile: profile.into(),
                iface: iface.into(),
                state,
                offset,
            },
        );
        let c = &mut self.json.locks[i];
        let changed = new || c.state != state;
        c.state = state;
        c.offset = offset;
        if changed {
            let values = self.lock_values(iface, state, offset).to_vec();
            publish(Resource::LockState, values, now, fx);
        }
    }

    /// `os_clock_state`.
    fn json_os(&mut self, state: SyncState, offset: Option<i64>, now: Now, fx: &mut Effects) {
        let (phc, phc2sys, rt) = (
            self.l.phc.clone(),
            self.l.phc2sys.clone(),
            self.l.clock_realtime.clone(),
        );
        self.json_offset_metrics(&phc, &phc2sys, &rt, offset, fx);
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&phc2sys, rt),
            state.metric_code(),
        );
        let offset = offset.unwrap_or(0);
        let changed = self.json.os.is_none_or(|(s, _)| s != state);
        self.json.os = Some((state, offset));
        if changed {
            publish(
                Resource::OsClockSyncState,
                os_values(&self.node, state, offset),
                now,
                fx,
            );
        }
    }

    /// `clock_class`: class 0 means "none" (metric only), as for log lines.
    fn json_class(&mut self, profile: &str, iface: &str, class: u8, now: Now, fx: &mut Effects) {
        let labels = Labels {
            process: Some(self.l.ptp4l.clone()),
            config: Some(Label::from(profile)),
            ..Labels::default()
        };
        fx.set(Family::ClockClass, labels, f64::from(class));
        if class == 0 {
            return;
        }
        let (i, new) = entry(
            &mut self.json.classes,
            profile,
            iface,
            |c| (&c.profile, &c.iface),
            || Class {
                profile: profile.into(),
                iface: iface.into(),
                class,
            },
        );
        let c = &mut self.json.classes[i];
        let changed = new || c.class != class;
        c.class = class;
        if changed {
            let values = vec![Value::metric(self.master_address(iface), class)];
            publish(Resource::ClockClass, values, now, fx);
        }
    }

    /// `gnss_state`.
    #[allow(clippy::too_many_arguments)]
    fn json_gnss(
        &mut self,
        profile: &str,
        iface: &str,
        state: GnssState,
        offset: Option<i64>,
        fix: Option<i64>,
        now: Now,
        fx: &mut Effects,
    ) {
        let gnss = self.l.gnss.clone();
        let alias = Label::from(iface);
        self.json_offset_metrics(&gnss, &gnss, &alias, offset, fx);
        fx.set(
            Family::ClockState,
            self.l.proc_iface(&gnss, alias.clone()),
            state.clock_state().metric_code(),
        );
        if let Some(f) = fix {
            fx.set(
                Family::GnssStatus,
                self.l.src_proc_iface(&gnss, &gnss, alias),
                f as f64,
            );
        }
        let (offset, fix) = (offset.unwrap_or(0), fix.unwrap_or(0));
        let (i, new) = entry(
            &mut self.json.gnss,
            profile,
            iface,
            |g| (&g.profile, &g.iface),
            || Gnss {
                profile: profile.into(),
                iface: iface.into(),
                state,
                offset,
                fix,
            },
        );
        let g = &mut self.json.gnss[i];
        let changed = new || g.state != state;
        g.state = state;
        g.offset = offset;
        g.fix = fix;
        if changed {
            let values = gnss_values(&self.master_address(iface), &self.json.gnss[i]);
            publish(Resource::GnssSyncStatus, values, now, fx);
        }
    }

    /// `synce_state`: `iface` is the address path below the node
    /// (`<device>/<port>`); the gauge is labelled with the port.
    fn json_synce(
        &mut self,
        profile: &str,
        iface: &str,
        state: SyncState,
        now: Now,
        fx: &mut Effects,
    ) {
        let port = iface.rsplit('/').next().unwrap_or(iface);
        fx.set(
            Family::ClockState,
            self.l
                .proc_iface(&self.l.synce4l.clone(), Label::from(port)),
            state.metric_code(),
        );
        let (i, new) = entry(
            &mut self.json.synce,
            profile,
            iface,
            |c| (&c.profile, &c.iface),
            || Clock {
                profile: profile.into(),
                iface: iface.into(),
                state,
                offset: 0,
            },
        );
        let c = &mut self.json.synce[i];
        let changed = new || c.state != state;
        c.state = state;
        if changed {
            let addr = format!("/cluster/node/{}/{iface}", self.node);
            // The push uses the `metric` data type, as the reference does.
            publish(
                Resource::SynceLockState,
                vec![Value::metric(addr, state.as_str())],
                now,
                fx,
            );
        }
    }

    /// `synce_clock_quality` (no gauges: the messages carry no
    /// `network_option` label value).
    fn json_quality(
        &mut self,
        profile: &str,
        iface: &str,
        ql: u8,
        extended_ql: Option<u8>,
        now: Now,
        fx: &mut Effects,
    ) {
        let (i, new) = entry(
            &mut self.json.quality,
            profile,
            iface,
            |q| (&q.profile, &q.iface),
            || Quality {
                profile: profile.into(),
                iface: iface.into(),
                ql,
                extended_ql,
            },
        );
        let q = &mut self.json.quality[i];
        let changed = new || (q.ql, q.extended_ql) != (ql, extended_ql);
        q.ql = ql;
        q.extended_ql = extended_ql;
        if changed {
            let addr = format!("/cluster/node/{}/{iface}", self.node);
            publish(
                Resource::SynceClockQuality,
                synce_quality_values(&addr, ql, extended_ql),
                now,
                fx,
            );
        }
    }

    /// `offset_ns` and `max_offset_ns` of a series, when the message had an
    /// offset.
    fn json_offset_metrics(
        &self,
        from: &Label,
        process: &Label,
        iface: &Label,
        offset: Option<i64>,
        fx: &mut Effects,
    ) {
        if let Some(o) = offset {
            let labels = self.l.src_proc_iface(from, process, iface.clone());
            fx.set(Family::OffsetNs, labels.clone(), o as f64);
            fx.max(Family::MaxOffsetNs, labels, o.unsigned_abs() as f64);
        }
    }
}

/// Pushes an event (JSON states are never suppressed).
fn publish(resource: Resource, values: Vec<Value>, now: Now, fx: &mut Effects) {
    fx.items
        .push(Effect::Publish(EventData { resource, values }, now.wall));
}

fn os_values(node: &str, state: SyncState, offset: i64) -> Vec<Value> {
    let addr = format!("/cluster/node/{node}/CLOCK_REALTIME");
    vec![
        Value::state(addr.clone(), state.as_str()),
        Value::metric(addr, offset),
    ]
}

fn gnss_values(master: &str, g: &Gnss) -> Vec<Value> {
    vec![
        Value::state(master.to_owned(), g.state.oran()),
        Value::metric(master.to_owned(), g.offset),
        Value::metric(format!("{master}/gpsFix"), g.fix),
    ]
}
