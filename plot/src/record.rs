//! Builds a [`Timeline`] from a virtual-time run: the parsed lines give the
//! offsets and the profile types, the engine's published events give the
//! states, the timers and the clock class.

use std::collections::BTreeMap;

use ptp_event_core::clock::Effects;
use ptp_event_core::events::{DataType, EventData, Resource};
use ptp_event_core::linuxptp::{Body, Control, LogLine, Role};
use ptp_event_core::node_config::{alias, NodeConfig, Thresholds};

use crate::model::{
    ClassStep, EventMark, OffsetSeries, StateInterval, StateTrack, Timeline, TimerInterval,
};

/// The offset printed while a daemon-driven clock free-runs (no sample).
const UNKNOWN: i64 = 99_999_999_999;
/// How close a FREERUN must be to the deadline to count as the expiry (s).
const EXPIRY_SLACK: f64 = 0.05;

/// Who times the holdover of a profile's main clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// OC/BC or ts2phc-driven: the proxy's holdover timer.
    Proxy,
    /// T-GM or T-BC: the daemon owns the holdover budget.
    Daemon,
}

#[derive(Debug, Clone)]
struct Port {
    alias: String,
    initial: Role,
    role: Role,
}

#[derive(Debug, Clone)]
struct Profile {
    thresholds: Thresholds,
    driver: Driver,
    ports: Vec<Port>,
}

/// Records lines and events into a [`Timeline`].
///
/// Call [`Recorder::line`] for every line handed to the engine (before or
/// after `Engine::on_line`, at the same time), [`Recorder::effects`] with
/// what the engine returned (lines and ticks), and [`Recorder::finish`] at
/// the end of the run.
#[derive(Debug, Clone)]
pub struct Recorder {
    prefix: String,
    profiles: BTreeMap<String, Profile>,
    series: Vec<OffsetSeries>,
    tracks: Vec<StateTrack>,
    /// Open interval per track: (start, value).
    open: BTreeMap<String, (f64, String)>,
    timers: Vec<TimerInterval>,
    /// Open timer per track: index into `timers`.
    running: BTreeMap<String, usize>,
    events: Vec<EventMark>,
    classes: Vec<ClassStep>,
    title: String,
    last: f64,
}

impl Recorder {
    /// A recorder for `node` with the configuration the engine was given.
    pub fn new(node: &str, cfg: &NodeConfig) -> Recorder {
        let mut r = Recorder {
            prefix: format!("/cluster/node/{node}/"),
            profiles: BTreeMap::new(),
            series: Vec::new(),
            tracks: Vec::new(),
            open: BTreeMap::new(),
            timers: Vec::new(),
            running: BTreeMap::new(),
            events: Vec::new(),
            classes: Vec::new(),
            title: format!("node {node}"),
            last: 0.0,
        };
        r.on_config(cfg);
        r
    }

    /// The configuration the engine was given (again): thresholds, profile
    /// types and initial port roles. Call it whenever the engine's
    /// `on_config` is called (`explain` synthesises its configuration from
    /// the log, so it can hand it over only once it has read the log).
    pub fn on_config(&mut self, cfg: &NodeConfig) {
        let alias_of = |iface: &str| {
            cfg.aliases
                .get(iface)
                .cloned()
                .unwrap_or_else(|| alias(iface))
        };
        for f in cfg.files.values() {
            let settings = cfg.profile(f.profile.as_deref());
            let seen_daemon = self
                .profiles
                .get(&f.name)
                .is_some_and(|p| p.driver == Driver::Daemon);
            let profile = Profile {
                thresholds: settings.map(|s| s.thresholds).unwrap_or_default(),
                driver: if seen_daemon || settings.is_some_and(|s| s.tbc) {
                    Driver::Daemon
                } else {
                    Driver::Proxy
                },
                ports: f
                    .ports
                    .iter()
                    .map(|p| Port {
                        alias: alias_of(&p.iface),
                        initial: p.initial_role,
                        role: p.initial_role,
                    })
                    .collect(),
            };
            self.profiles.insert(f.name.clone(), profile);
        }
    }

    /// Sets the title drawn above the plot.
    pub fn title(&mut self, title: impl Into<String>) {
        self.title = title.into();
    }

    fn sample(&mut self, clock: String, band: Option<(i64, i64)>, t: f64, offset: i64) {
        let i = match self.series.iter().position(|s| s.clock == clock) {
            Some(i) => i,
            None => {
                self.series.push(OffsetSeries {
                    clock,
                    band,
                    samples: Vec::new(),
                });
                self.series.len() - 1
            }
        };
        self.series[i].samples.push((t, offset));
    }

    /// One line handed to the engine at `t` seconds.
    pub fn line(&mut self, t: f64, line: &LogLine<'_>) {
        self.last = self.last.max(t);
        let e = match line {
            LogLine::Control(Control::Restart) => {
                self.restart(t);
                return;
            }
            LogLine::Control(_) => return,
            LogLine::Entry(e) => e,
        };
        let key = e.profile_key().to_owned_string();
        let Some(p) = self.profiles.get_mut(&key) else {
            return;
        };
        let band = Some((p.thresholds.min_offset, p.thresholds.max_offset));
        match &e.body {
            Body::PortState(ps) => {
                if let (Some((role, _)), Ok(n)) = (ps.transition(), ps.port.parse::<usize>()) {
                    if let Some(port) = n.checked_sub(1).and_then(|i| p.ports.get_mut(i)) {
                        port.role = role;
                    }
                }
            }
            Body::PtpOffset(o) => {
                let slave = p.ports.iter().find(|x| x.role == Role::Slave);
                if let Some(a) = slave.map(|x| x.alias.clone()) {
                    self.sample(format!("ptp4l {a}"), band, t, o.offset);
                }
            }
            Body::Phc2sysOffset(o) => {
                self.sample("phc2sys CLOCK_REALTIME".into(), band, t, o.offset);
            }
            Body::Ts2phcOffset(o) => {
                let a = alias(o.iface);
                let refresh = o.holdover && p.driver == Driver::Proxy;
                let timeout = p.thresholds.holdover_timeout_s as f64;
                self.sample(format!("ts2phc {a}"), band, t, o.offset);
                if refresh {
                    if let Some(&i) = self.running.get(&format!("lock-state {a}")) {
                        self.timers[i].deadline = t + timeout;
                    }
                }
            }
            Body::TbcStatus(s) => {
                p.driver = Driver::Daemon;
                if s.offset != UNKNOWN {
                    self.sample(format!("T-BC {}", alias(s.iface)), None, t, s.offset);
                }
            }
            Body::GmStatus(_) => p.driver = Driver::Daemon,
            _ => {}
        }
    }

    /// `CMD RESTART`: the engine forgets everything it published.
    fn restart(&mut self, t: f64) {
        for (name, (start, value)) in std::mem::take(&mut self.open) {
            self.push_interval(&name, start, t, value);
        }
        for (_, i) in std::mem::take(&mut self.running) {
            let timer = &mut self.timers[i];
            timer.end = t.min(timer.deadline);
        }
        for p in self.profiles.values_mut() {
            for port in &mut p.ports {
                port.role = port.initial;
            }
        }
    }

    fn push_interval(&mut self, name: &str, start: f64, end: f64, value: String) {
        let i = match self.tracks.iter().position(|t| t.name == name) {
            Some(i) => i,
            None => {
                self.tracks.push(StateTrack {
                    name: name.to_string(),
                    intervals: Vec::new(),
                });
                self.tracks.len() - 1
            }
        };
        self.tracks[i]
            .intervals
            .push(StateInterval { start, end, value });
    }

    /// The events of one engine call at `t` seconds.
    pub fn effects(&mut self, t: f64, fx: &Effects) {
        for d in fx.events() {
            self.event(t, d);
        }
    }

    /// The clock alias (or interface) named by a value's address.
    fn clock_of(&self, d: &EventData) -> String {
        d.values
            .first()
            .and_then(|v| v.address.strip_prefix(&self.prefix))
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_default()
            .to_string()
    }

    /// The key of the profile whose ports carry `alias`.
    fn profile_of(&self, alias: &str) -> Option<&Profile> {
        self.profiles
            .values()
            .find(|p| p.ports.iter().any(|x| x.alias == alias))
    }

    /// One published event at `t` seconds.
    pub fn event(&mut self, t: f64, d: &EventData) {
        self.last = self.last.max(t);
        let value = d
            .values
            .iter()
            .find(|v| v.data_type == DataType::Notification)
            .or(d.values.first())
            .map(|v| v.value.clone())
            .unwrap_or_default();
        let clock = self.clock_of(d);
        let track = match d.resource {
            Resource::LockState => format!("lock-state {clock}"),
            Resource::OsClockSyncState => "os-clock-sync-state".to_string(),
            Resource::SyncState => "sync-state".to_string(),
            Resource::GnssSyncStatus => format!("gnss {clock}"),
            Resource::SynceLockState => format!("synce-lock-state {clock}"),
            Resource::SynceClockQuality => format!("synce-clock-quality {clock}"),
            Resource::ClockClass => {
                if let Ok(class) = value.parse::<u8>() {
                    self.classes.push(ClassStep { t, clock, class });
                }
                return;
            }
        };
        self.events.push(EventMark {
            t,
            track: track.clone(),
            value: value.clone(),
        });
        if let Some((start, old)) = self.open.insert(track.clone(), (t, value.clone())) {
            self.push_interval(&track, start, t, old);
        } else if !self.tracks.iter().any(|x| x.name == track) {
            // Keep the order of first appearance.
            self.tracks.push(StateTrack {
                name: track.clone(),
                intervals: Vec::new(),
            });
        }
        if d.resource == Resource::LockState {
            self.lock_timer(t, &track, &clock, &value);
        }
    }

    fn lock_timer(&mut self, t: f64, track: &str, clock: &str, value: &str) {
        if let Some(i) = self.running.remove(track) {
            let timer = &mut self.timers[i];
            timer.expired = value == "FREERUN" && (t - timer.deadline).abs() <= EXPIRY_SLACK;
            timer.end = t;
        }
        if value != "HOLDOVER" {
            return;
        }
        let Some(p) = self.profile_of(clock) else {
            return;
        };
        if p.driver != Driver::Proxy {
            return;
        }
        let deadline = t + p.thresholds.holdover_timeout_s as f64;
        self.timers.push(TimerInterval {
            track: track.to_string(),
            start: t,
            deadline,
            end: deadline,
            expired: false,
        });
        self.running
            .insert(track.to_string(), self.timers.len() - 1);
    }

    /// The timeline up to `end` seconds (at least the last input's time).
    pub fn finish(mut self, end: f64) -> Timeline {
        let end = end.max(self.last);
        for (name, (start, value)) in std::mem::take(&mut self.open) {
            self.push_interval(&name, start, end, value);
        }
        for (_, i) in std::mem::take(&mut self.running) {
            let timer = &mut self.timers[i];
            timer.end = end.min(timer.deadline);
        }
        for track in &mut self.tracks {
            track.intervals.sort_by(|a, b| a.start.total_cmp(&b.start));
        }
        Timeline {
            title: self.title,
            end,
            offsets: self.series,
            tracks: self.tracks,
            timers: self.timers,
            events: self.events,
            classes: self.classes,
        }
    }
}
