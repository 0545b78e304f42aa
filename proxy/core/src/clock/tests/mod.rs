//! Engine tests: a small harness, table tests for every rule of
//! clock-states.md, the timed sequences of socket-and-lines.md §6, and
//! property tests.

mod json;
mod props;
mod rules;
mod sequences;

use std::time::Duration;

use super::{Effect, Effects, Engine, Family, LineResult, MetricOp, Now};
use crate::events::{EventData, Resource};
use crate::linuxptp::{parse, Role, SyncState};
use crate::node_config::{NodeConfig, PortConfig, ProfileSettings, Ptp4lConfig, Thresholds};

pub(super) const NODE: &str = "compute-1.example.com";

/// `(file name, profile name, ports)`; a port written `name:M` starts as
/// MASTER.
pub(super) fn file(name: &str, profile: &str, ports: &[&str]) -> Ptp4lConfig {
    Ptp4lConfig {
        name: name.to_string(),
        profile: Some(profile.to_string()),
        ports: ports
            .iter()
            .map(|p| match p.strip_suffix(":M") {
                Some(iface) => PortConfig {
                    iface: iface.to_string(),
                    initial_role: Role::Master,
                },
                None => PortConfig {
                    iface: p.to_string(),
                    initial_role: Role::Slave,
                },
            })
            .collect(),
    }
}

pub(super) fn settings(name: &str, holdover: u64) -> ProfileSettings {
    ProfileSettings {
        name: name.to_string(),
        thresholds: Thresholds {
            holdover_timeout_s: holdover,
            ..Thresholds::default()
        },
        ..ProfileSettings::default()
    }
}

pub(super) fn node(files: Vec<Ptp4lConfig>, profiles: Vec<ProfileSettings>) -> NodeConfig {
    NodeConfig {
        files: files.into_iter().map(|f| (f.name.clone(), f)).collect(),
        profiles,
        aliases: Default::default(),
    }
}

/// Seconds (with millisecond precision) as a monotonic reading.
pub(super) fn at(t: f64) -> Now {
    Now::virtual_at(Duration::from_millis((t * 1000.0).round() as u64))
}

/// A compact rendering of an event, in the notation of socket-and-lines.md
/// §6: `E1 <alias> <STATE> (<offset>)`, `E3 <STATE> (<offset>)`,
/// `SYNC <STATE>`, `CLASS <n> <alias>`, `GNSS <VALUE> (<offset>) fix <n>`.
pub(super) fn show(d: &EventData) -> String {
    let prefix = format!("/cluster/node/{NODE}/");
    let addr = |i: usize| {
        d.values[i]
            .address
            .strip_prefix(&prefix)
            .unwrap_or(&d.values[i].address)
            .to_string()
    };
    let v = |i: usize| d.values[i].value.clone();
    match d.resource {
        Resource::LockState => {
            assert_eq!(d.values.len(), 2);
            assert_eq!(d.values[0].address, d.values[1].address);
            let a = addr(0);
            let alias = a.strip_suffix("/master").unwrap_or(&a);
            format!("E1 {alias} {} ({})", v(0), v(1))
        }
        Resource::OsClockSyncState => {
            assert_eq!(addr(0), "CLOCK_REALTIME");
            format!("E3 {} ({})", v(0), v(1))
        }
        Resource::SyncState => {
            assert_eq!(addr(0), "sync/sync-status/sync-state");
            format!("SYNC {}", v(0))
        }
        Resource::ClockClass => {
            let a = addr(0);
            let alias = a.strip_suffix("/master").unwrap_or(&a);
            format!("CLASS {} {alias}", v(0))
        }
        Resource::GnssSyncStatus => format!("GNSS {} ({}) fix {}", v(0), v(1), v(2)),
        Resource::SynceLockState => format!("SYNCE {} {}", addr(0), v(0)),
        Resource::SynceClockQuality => format!("SYNCE-QL {} {} {}", addr(0), v(0), v(1)),
    }
}

pub(super) fn shown(fx: &Effects) -> Vec<String> {
    fx.events().map(show).collect()
}

/// An engine with a loaded configuration, driven at explicit times.
pub(super) struct H {
    pub e: Engine,
    /// Added to every time, so that set-up can happen "before 0".
    pub base: f64,
}

impl H {
    pub fn new(cfg: NodeConfig) -> H {
        H::with_last(cfg, None)
    }
    pub fn with_last(cfg: NodeConfig, last: Option<SyncState>) -> H {
        let mut e = Engine::new(NODE, last);
        let _ = e.on_config(cfg);
        H { e, base: 0.0 }
    }
    /// One OC file `ptp4l.0.config` with port `ens2f0`.
    pub fn oc() -> H {
        H::new(node(
            vec![file("ptp4l.0.config", "oc", &["ens2f0"])],
            vec![],
        ))
    }
    pub fn fx(&mut self, t: f64, line: &str) -> Effects {
        let parsed = parse(line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        self.e.on_line(&parsed, at(self.base + t))
    }
    /// Feeds a line; returns the events it caused.
    pub fn line(&mut self, t: f64, line: &str) -> Vec<String> {
        shown(&self.fx(t, line))
    }
    /// Asserts the exact events of a line.
    #[track_caller]
    pub fn expect(&mut self, t: f64, line: &str, want: &[&str]) -> Effects {
        let fx = self.fx(t, line);
        assert_eq!(shown(&fx), want, "at {t}: {line}");
        fx
    }
    /// Asserts a line is classified `ignored` and has no effect at all.
    #[track_caller]
    pub fn ignored(&mut self, t: f64, line: &str) {
        let fx = self.fx(t, line);
        assert_eq!(fx.result, LineResult::Ignored, "at {t}: {line}");
        assert!(fx.items.is_empty(), "at {t}: {line}: {:?}", fx.items);
    }
    pub fn tick(&mut self, t: f64) -> Vec<String> {
        shown(&self.e.on_tick(at(self.base + t)))
    }
    /// The next deadline in test time (base removed).
    pub fn deadline(&self) -> Option<f64> {
        self.e
            .next_deadline()
            .map(|d| ((d.as_secs_f64() - self.base) * 1000.0).round() / 1000.0)
    }
    /// Ticks just before and exactly at `t`, expecting the events at `t`.
    #[track_caller]
    pub fn expire(&mut self, t: f64, want: &[&str]) {
        assert_eq!(self.deadline(), Some(t), "deadline");
        assert!(self.tick(t - 0.001).is_empty(), "early expiry before {t}");
        assert_eq!(self.tick(t), want, "expiry at {t}");
        assert_eq!(self.deadline(), None, "deadline after expiry");
    }
}

/// Metric sets of a family in an effects list.
pub(super) fn sets(fx: &Effects, family: Family) -> Vec<f64> {
    fx.items
        .iter()
        .filter_map(|e| match e {
            Effect::Metric(MetricOp::Set(s, v)) if s.family == family => Some(*v),
            _ => None,
        })
        .collect()
}

pub(super) fn incs(fx: &Effects) -> usize {
    fx.items
        .iter()
        .filter(|e| matches!(e, Effect::Metric(MetricOp::Inc(_))))
        .count()
}

/// Standard lines.
pub(super) fn k1(cfg: &str, offset: i64, servo: &str) -> String {
    format!("ptp4l[100.000]: [{cfg}] master offset {offset} {servo} freq -1 path delay 1585")
}
pub(super) fn k1_nodelay(cfg: &str, offset: i64, servo: &str) -> String {
    format!("ptp4l[100.000]: [{cfg}] master offset {offset} {servo} freq -1")
}
pub(super) fn k6(cfg: &str, offset: i64, servo: &str) -> String {
    format!(
        "phc2sys[100.000]: [{cfg}] CLOCK_REALTIME phc offset {offset} {servo} freq +1 delay 547"
    )
}
pub(super) fn k3(cfg: &str, port: u32, iface: &str, body: &str) -> String {
    format!("ptp4l[100.000]: [{cfg}] port {port} ({iface}): {body}")
}
pub(super) fn k8(iface: &str, offset: i64, servo: &str, holdover: bool) -> String {
    let h = if holdover { " holdover" } else { "" };
    format!("ts2phc[100.000]: [ts2phc.0.config] {iface} offset {offset} {servo} freq -1{h}")
}
pub(super) fn k5(proc_: &str, cfg: &str, n: u8) -> String {
    format!("{proc_}[1700000000]:[{cfg}] PTP_PROCESS_STATUS:{n}")
}
pub(super) fn k4(cfg: &str, class: u32) -> String {
    format!("ptp4l[1700000000]:[{cfg}] CLOCK_CLASS_CHANGE {class}")
}
