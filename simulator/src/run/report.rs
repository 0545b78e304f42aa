//! The readable report of a run: lines sent and events received on one
//! timeline, then each failed expectation with what arrived instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::scenario::{Failure, Observed, Timeline};

/// Events listed in a report without `--verbose`.
const MAX_SHOWN: usize = 120;

/// One received event.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub obs: Observed,
    /// `(address, data_type, value)` of every value.
    pub values: Vec<(String, String, String)>,
    /// The body as the consumer received it (real runs; empty in virtual time).
    pub body: String,
}

/// The result of running one scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub scenario: String,
    /// `virtual time` or `real time`, and the protocol when it is JSON.
    pub mode: &'static str,
    /// The field failure the scenario guards against.
    pub guards: String,
    /// The scenario's `known_failure` reason, if any.
    pub known_failure: Option<String>,
    pub timeline: Timeline,
    pub received: Vec<Received>,
    pub finals: BTreeMap<String, String>,
    pub failures: Vec<Failure>,
    /// Lines that did not parse or were rejected, harness errors.
    pub problems: Vec<String>,
    /// The timeline to plot (`--plot`).
    pub plot: Option<ptp_timeline::Timeline>,
    /// How many daemon replays the proxy triggered.
    pub replays: usize,
    /// How many `status_request` lines the proxy wrote on JSON connections
    /// (real runs).
    pub status_requests: usize,
    /// The replayed lines with their time (virtual runs).
    pub replayed: Vec<(f64, String)>,
}

/// How a run ended, `known_failure` taken into account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A known failure failed as expected.
    XFail,
    /// A known failure passed: the mark must go.
    XPass,
}

impl Outcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The verdict, with `known_failure` taken into account.
    pub fn verdict(&self) -> Verdict {
        match (self.passed(), self.known_failure.is_some()) {
            (true, false) => Verdict::Pass,
            (false, false) => Verdict::Fail,
            (false, true) => Verdict::XFail,
            (true, true) => Verdict::XPass,
        }
    }

    /// One line per event: `t resource value [metric] (iface)`.
    #[cfg(test)]
    pub fn event_lines(&self) -> Vec<String> {
        self.received.iter().map(|r| event_line(&r.obs)).collect()
    }

    /// The full report. `verbose` lists every line sent; otherwise only
    /// state-changing lines (everything except periodic offsets) are shown.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== scenario {} ({})", self.scenario, self.mode);
        if !self.guards.is_empty() {
            let _ = writeln!(out, "   guards: {}", self.guards);
        }
        let mut items: Vec<(f64, u8, String)> = Vec::new();
        for s in &self.timeline.steps {
            items.push((s.start, 0, format!("-- step {}", s.label)));
        }
        let mut hidden = 0usize;
        let mut hidden_events = 0usize;
        for l in &self.timeline.lines {
            let periodic = l.text.contains(" master offset ")
                || l.text.contains("CLOCK_REALTIME phc offset")
                || (l.text.contains("] ens")
                    && l.text.contains(" offset ")
                    && !l.text.contains("STATUS"));
            if periodic && !verbose {
                hidden += 1;
                continue;
            }
            items.push((l.t, 1, format!("   > [{}] {}", l.conn, l.text)));
        }
        for (t, text) in &self.replayed {
            items.push((*t, 1, format!("   » [handler, replay] {text}")));
        }
        let cap = if verbose { usize::MAX } else { MAX_SHOWN };
        for r in self.received.iter().take(cap) {
            items.push((r.obs.t, 2, format!("   < {}", event_line(&r.obs))));
        }
        if self.received.len() > cap {
            hidden_events = self.received.len() - cap;
        }
        items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (t, _, text) in items {
            let _ = writeln!(out, "{t:9.3} {text}");
        }
        if hidden_events > 0 {
            let _ = writeln!(
                out,
                "          ({hidden_events} later events not shown; use --verbose)"
            );
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "          ({hidden} periodic offset lines not shown; use --verbose)"
            );
        }
        if self.replays > 0 {
            let _ = writeln!(
                out,
                "          ({} daemon replay(s) on /emit-logs)",
                self.replays
            );
        }
        if self.status_requests > 0 {
            let _ = writeln!(
                out,
                "          ({} status_request(s) from the proxy answered)",
                self.status_requests
            );
        }
        for p in &self.problems {
            let _ = writeln!(out, "  ! {p}");
        }
        if !self.finals.is_empty() {
            let f: Vec<String> = self
                .finals
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = writeln!(out, "  final: {}", f.join(" "));
        }
        let reason = self.known_failure.as_deref().unwrap_or_default();
        match self.verdict() {
            Verdict::Pass => {
                let _ = writeln!(
                    out,
                    "PASS {} ({} events)",
                    self.scenario,
                    self.received.len()
                );
            }
            Verdict::XPass => {
                let _ = writeln!(
                    out,
                    "XPASS {}: marked known_failure ({reason}) but every expectation held: remove the mark",
                    self.scenario
                );
            }
            Verdict::Fail | Verdict::XFail => {
                let head = if self.verdict() == Verdict::XFail {
                    format!("XFAIL {} (known failure: {reason})", self.scenario)
                } else {
                    format!("FAIL {}", self.scenario)
                };
                let _ = writeln!(
                    out,
                    "{head} ({} of the expectations failed)",
                    self.failures.len()
                );
                for f in &self.failures {
                    let _ = writeln!(out, "  expected: {}\n       got: {}", f.what, f.instead);
                }
            }
        }
        out
    }
}

/// `t resource value [metric] (iface)`.
pub fn event_line(o: &Observed) -> String {
    format!(
        "{:.3} {} {}{}{}",
        o.t,
        o.resource,
        o.value,
        o.metric
            .as_ref()
            .map(|m| format!(" [{m}]"))
            .unwrap_or_default(),
        o.iface
            .as_ref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default()
    )
}
