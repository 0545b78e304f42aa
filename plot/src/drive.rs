//! The core's virtual-time driver (`ptp_event_core::clock::driver`) with
//! everything it does recorded into a [`Timeline`].

use ptp_event_core::clock::driver::Driver as Core;
use ptp_event_core::clock::{Effects, Engine, LineResult};
use ptp_event_core::events::EventData;
use ptp_event_core::linuxptp::{parse, Control, LogLine};
use ptp_event_core::node_config::NodeConfig;

use crate::model::Timeline;
use crate::record::Recorder;

/// What a driven run produced.
#[derive(Debug, Clone)]
pub struct Run {
    pub timeline: Timeline,
    /// Every published event with its time (s), in order.
    pub events: Vec<(f64, EventData)>,
    /// Lines that did not parse or that the engine rejected: `(t, text)`.
    pub rejected: Vec<(f64, String)>,
}

/// The engine, its configuration and a recorder, driven in virtual time.
pub struct Driver {
    core: Core,
    recorder: Recorder,
    events: Vec<(f64, EventData)>,
    rejected: Vec<(f64, String)>,
}

impl Driver {
    /// A fresh engine for `node` with `cfg` loaded.
    pub fn new(node: &str, cfg: &NodeConfig) -> Driver {
        Driver {
            core: Core::new(node, cfg.clone()),
            recorder: Recorder::new(node, cfg),
            events: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// The recorder (to set a title).
    pub fn recorder(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// The engine (for a final snapshot).
    pub fn engine(&self) -> &Engine {
        self.core.engine()
    }

    fn record(&mut self, t: f64, fx: &Effects) {
        self.recorder.effects(t, fx);
        for d in fx.events() {
            self.events.push((t, d.clone()));
        }
    }

    /// Fires every deadline due at or before `t`, each at its own instant.
    /// Returns the effects of each tick with its time.
    pub fn advance(&mut self, t: f64) -> Vec<(f64, Effects)> {
        let out = self.core.advance(t);
        for (dt, fx) in &out {
            self.record(*dt, fx);
        }
        out
    }

    /// One line at `t` seconds (time never goes backwards). `CMD RESTART`
    /// resets the engine and reloads the configuration, as the proxy does.
    pub fn line(&mut self, t: f64, text: &str) -> Option<Effects> {
        self.advance(t);
        let t = self.core.now();
        let line = match parse(text) {
            Ok(l) => l,
            Err(_) => {
                self.rejected.push((t, text.to_string()));
                return None;
            }
        };
        self.recorder.line(t, &line);
        let fx = self.core.line(&line);
        if fx.result == LineResult::Rejected {
            self.rejected.push((t, text.to_string()));
        }
        if line == LogLine::Control(Control::Restart) {
            self.recorder.on_config(self.core.config());
        }
        self.record(t, &fx);
        Some(fx)
    }

    /// Ends the run at `end` (deadlines up to it fire).
    pub fn finish(mut self, end: f64) -> Run {
        self.advance(end);
        Run {
            timeline: self.recorder.finish(end),
            events: self.events,
            rejected: self.rejected,
        }
    }
}

/// Runs `lines` (`(seconds, text)`, in order) through a fresh engine and
/// records the timeline. `end` defaults to the last line's time (deadlines
/// after it do not fire, as in `explain`).
pub fn drive<'a>(
    node: &str,
    cfg: &NodeConfig,
    lines: impl IntoIterator<Item = (f64, &'a str)>,
    end: Option<f64>,
) -> Run {
    let mut d = Driver::new(node, cfg);
    for (t, text) in lines {
        d.line(t, text);
    }
    let end = end.unwrap_or(d.core.now());
    d.finish(end)
}
