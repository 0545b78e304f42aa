//! The virtual-time driving loop: lines go straight into the engine at
//! their time, holdover deadlines fire at their own instant between lines,
//! and everything is recorded into a [`Timeline`].

use std::time::Duration;

use ptp_event_core::clock::{Effects, Engine, LineResult, Now};
use ptp_event_core::events::{daemon, EventData};
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

fn at(t: f64) -> Now {
    Now::virtual_at(Duration::from_secs_f64(t.max(0.0)))
}

/// The engine, its configuration and a recorder, driven in virtual time.
pub struct Driver {
    engine: Engine,
    cfg: NodeConfig,
    recorder: Recorder,
    events: Vec<(f64, EventData)>,
    rejected: Vec<(f64, String)>,
    now: f64,
}

impl Driver {
    /// A fresh engine for `node` with `cfg` loaded.
    pub fn new(node: &str, cfg: &NodeConfig) -> Driver {
        let mut engine = Engine::new(node, None);
        engine.on_config(cfg.clone());
        Driver {
            engine,
            cfg: cfg.clone(),
            recorder: Recorder::new(node, cfg),
            events: Vec::new(),
            rejected: Vec::new(),
            now: 0.0,
        }
    }

    /// The recorder (to set a title).
    pub fn recorder(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    /// The engine (for a final snapshot).
    pub fn engine(&self) -> &Engine {
        &self.engine
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
        let mut out = Vec::new();
        while let Some(d) = self.engine.next_deadline() {
            let dt = d.as_secs_f64();
            if dt > t {
                break;
            }
            let fx = self.engine.on_tick(Now::virtual_at(d));
            self.record(dt, &fx);
            out.push((dt, fx));
        }
        self.now = self.now.max(t);
        out
    }

    /// One line at `t` seconds (time never goes backwards). `CMD RESTART`
    /// resets the engine and reloads the configuration, as the proxy does.
    pub fn line(&mut self, t: f64, text: &str) -> Option<Effects> {
        self.advance(t);
        let t = self.now;
        let line = match parse(text) {
            Ok(l) => l,
            Err(_) => {
                self.rejected.push((t, text.to_string()));
                return None;
            }
        };
        self.recorder.line(t, &line);
        let fx = self.engine.on_line(&line, at(t));
        if fx.result == LineResult::Rejected {
            self.rejected.push((t, text.to_string()));
        }
        if line == LogLine::Control(Control::Restart) {
            self.engine.on_config(self.cfg.clone());
            self.recorder.on_config(&self.cfg);
        }
        self.record(t, &fx);
        Some(fx)
    }

    /// One daemon JSON message at `t` seconds (next-generation.md §1),
    /// through `Engine::on_message`; a rejected one is recorded as
    /// rejected. Events carry the message's timestamp, else virtual time.
    pub fn message(&mut self, t: f64, text: &str) -> Option<Effects> {
        self.advance(t);
        let t = self.now;
        let Ok(msg) = daemon::parse(text) else {
            self.rejected.push((t, text.to_string()));
            return None;
        };
        let fx = self.engine.on_message(&msg, at(t));
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
    let end = end.unwrap_or(d.now);
    d.finish(end)
}
