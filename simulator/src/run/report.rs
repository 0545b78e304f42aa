//! The readable report of a run: lines sent and events received on one
//! timeline, then each failed expectation with what arrived instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::scenario::{Failure, Observed, Timeline};

/// One received event.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub obs: Observed,
    /// `(address, data_type, value)` of every value.
    pub values: Vec<(String, String, String)>,
}

/// The result of running one scenario.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub scenario: String,
    pub mode: &'static str,
    pub timeline: Timeline,
    pub received: Vec<Received>,
    pub finals: BTreeMap<String, String>,
    pub failures: Vec<Failure>,
    /// Lines that did not parse or were rejected, harness errors.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
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
        let _ = writeln!(out, "== scenario {} ({} time)", self.scenario, self.mode);
        let mut items: Vec<(f64, u8, String)> = Vec::new();
        for s in &self.timeline.steps {
            items.push((s.start, 0, format!("-- step {}", s.label)));
        }
        let mut hidden = 0usize;
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
        for r in &self.received {
            items.push((r.obs.t, 2, format!("   < {}", event_line(&r.obs))));
        }
        items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (t, _, text) in items {
            let _ = writeln!(out, "{t:9.3} {text}");
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "          ({hidden} periodic offset lines not shown; use --verbose)"
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
        if self.failures.is_empty() {
            let _ = writeln!(
                out,
                "PASS {} ({} events)",
                self.scenario,
                self.received.len()
            );
        } else {
            let _ = writeln!(
                out,
                "FAIL {} ({} of the expectations failed)",
                self.scenario,
                self.failures.len()
            );
            for f in &self.failures {
                let _ = writeln!(out, "  expected: {}\n       got: {}", f.what, f.instead);
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
