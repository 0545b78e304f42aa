//! The virtual-time driver, written once for `explain`, `ptp-sim run
//! --virtual` and the timeline plots: lines go into the engine at their
//! time (seconds from an origin of the caller's choice); time never goes
//! backwards; holdover deadlines fire at their own instant between lines;
//! `CMD RESTART` resets the engine, which then gets its configuration again
//! (as the daemon's restart does for the proxy).

use std::time::Duration;

use super::{Effects, Engine, Now};
use crate::linuxptp::{Control, LogLine};
use crate::node_config::NodeConfig;

/// The engine driven in virtual time.
pub struct Driver {
    engine: Engine,
    cfg: NodeConfig,
    now: f64,
}

/// The latest instant of virtual time, in seconds (about 3 170 years):
/// later times count as this one, so that any time column is valid input
/// and a deadline after it still fits a `Duration` and a `SystemTime`.
pub const MAX_VIRTUAL_S: f64 = 1e11;

/// `t` seconds as engine time (negative and NaN as 0, beyond
/// [`MAX_VIRTUAL_S`] as that).
pub fn at(t: f64) -> Now {
    let t = if t.is_nan() {
        0.0
    } else {
        t.clamp(0.0, MAX_VIRTUAL_S)
    };
    Now::virtual_at(Duration::from_secs_f64(t))
}

impl Driver {
    /// A fresh engine for `node` with `cfg` loaded; the initial effects are
    /// discarded (they are metric updates only).
    pub fn new(node: &str, cfg: NodeConfig) -> Driver {
        let mut engine = Engine::new(node, None);
        let _ = engine.on_config(cfg.clone());
        Driver {
            engine,
            cfg,
            now: 0.0,
        }
    }

    /// The engine (for a snapshot).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The configuration the engine gets back after `CMD RESTART`.
    pub fn config(&self) -> &NodeConfig {
        &self.cfg
    }

    /// The current time (s).
    pub fn now(&self) -> f64 {
        self.now
    }

    /// Fires every deadline due at or before `t`, each at its own instant,
    /// then moves the clock to `t` (never backwards). Returns the effects
    /// of each tick with its time.
    pub fn advance(&mut self, t: f64) -> Vec<(f64, Effects)> {
        let mut out = Vec::new();
        while let Some(d) = self.engine.next_deadline() {
            let dt = d.as_secs_f64();
            if dt > t {
                break;
            }
            out.push((dt, self.engine.on_tick(Now::virtual_at(d))));
        }
        self.now = self.now.max(t);
        out
    }

    /// One line at the current time (call [`Driver::advance`] first).
    pub fn line(&mut self, line: &LogLine<'_>) -> Effects {
        let fx = self.engine.on_line(line, at(self.now));
        if *line == LogLine::Control(Control::Restart) {
            let _ = self.engine.on_config(self.cfg.clone());
        }
        fx
    }

    /// One daemon JSON message at the current time (call
    /// [`Driver::advance`] first), through [`Engine::on_message`].
    pub fn message(&mut self, msg: &crate::events::daemon::DaemonMessage) -> Effects {
        self.engine.on_message(msg, at(self.now))
    }

    /// The earliest deadline not fired yet (s).
    pub fn pending_deadline(&self) -> Option<f64> {
        self.engine.next_deadline().map(|d| d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linuxptp::parse;
    use crate::node_config::{PortConfig, ProfileSettings, Ptp4lConfig, Thresholds};

    fn cfg() -> NodeConfig {
        let mut files = std::collections::BTreeMap::new();
        files.insert(
            "ptp4l.0.config".to_string(),
            Ptp4lConfig {
                name: "ptp4l.0.config".into(),
                profile: Some("p".into()),
                ports: vec![PortConfig {
                    iface: "ens2f0".into(),
                    initial_role: crate::linuxptp::Role::Slave,
                }],
            },
        );
        NodeConfig {
            files,
            profiles: vec![ProfileSettings {
                name: "p".into(),
                thresholds: Thresholds {
                    holdover_timeout_s: 2,
                    ..Thresholds::default()
                },
                ..ProfileSettings::default()
            }],
            aliases: Default::default(),
        }
    }

    /// Found by the engine fuzz target: `explain` of a line at
    /// `@88888888888888888888888888888888880.050` panicked converting it
    /// to a `Duration`.
    #[test]
    fn any_time_is_an_instant() {
        let max = at(MAX_VIRTUAL_S);
        let huge: f64 = "88888888888888888888888888888888880.050"
            .parse()
            .expect("f64");
        assert_eq!(at(huge).mono, max.mono);
        assert_eq!(at(f64::INFINITY).mono, max.mono);
        assert_eq!(at(f64::NAN).mono, Duration::ZERO);
        assert_eq!(at(-1.0).mono, Duration::ZERO);
        let mut d = Driver::new("n", cfg());
        assert!(d.advance(huge).is_empty());
        let line = parse("ptp4l[0.1]: [ptp4l.0.config] master offset 3 s2 freq -1 path delay 9")
            .expect("line");
        assert_eq!(
            d.line(&line).events().count(),
            2,
            "LOCKED and the sync-state"
        );
    }

    #[test]
    fn deadlines_fire_at_their_instant_and_time_never_goes_back() {
        let mut d = Driver::new("n", cfg());
        for (t, text) in [
            (0.0, "ptp4l[0.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"),
            (0.1, "ptp4l[0.1]: [ptp4l.0.config] master offset 3 s2 freq -1 path delay 9"),
            (1.0, "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to FAULTY on FAULT_DETECTED"),
        ] {
            assert!(d.advance(t).is_empty());
            let line = parse(text).expect("line");
            let _ = d.line(&line);
        }
        assert_eq!(d.pending_deadline(), Some(3.0));
        assert!(d.advance(2.5).is_empty());
        let ticks = d.advance(10.0);
        assert_eq!(ticks.len(), 1);
        assert_eq!(ticks[0].0, 3.0);
        assert!(
            ticks[0].1.events().count() > 0,
            "FREERUN published at the deadline"
        );
        assert!(d.advance(5.0).is_empty());
        assert_eq!(d.now(), 10.0);
    }
}
