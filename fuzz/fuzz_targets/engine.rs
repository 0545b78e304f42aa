//! The sans-IO clock engine (`ptp_event_core::clock::Engine`) and the
//! `explain` replay built on it.
//!
//! Input: a captured log as `explain` reads it, one line each, with an
//! optional leading `@<seconds>` column for the time (the format of
//! `proxy/core/testdata/logs/`), so a crash input replays with
//! `cloud-event-proxy explain`.
//!
//! Must hold:
//! - `explain` never panics; its JSON-lines output is JSON, one object a
//!   line; every line is counted once (parsed, ignored or rejected);
//! - the engine, driven directly in virtual time with the configuration
//!   `explain` synthesises (so lines of any configuration name are
//!   accepted), never panics, never publishes a repeated value for one
//!   resource address, keeps the node sync-state the worst of its inputs
//!   and makes no silent transition (`clock::invariants`, shared with the
//!   property tests), after every line and every holdover expiry.
#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ptp_event_core::clock::invariants::Invariants;
use ptp_event_core::clock::{Effects, Engine, Now};
use ptp_event_core::explain::{auto_config, explain, ExplainFormat, ExplainOptions, AUTO_PROFILE};
use ptp_event_core::linuxptp::{parse, Control, LogLine};
use ptp_event_core::node_config::{NodeConfig, ProfileSettings};

const NODE: &str = "compute-1.example.com";
/// Virtual time stops here (about 31 years), so that `@` columns of any
/// size stay valid instants.
const MAX_MS: u64 = 1 << 40;

/// `@<seconds> <line>`: the time in milliseconds, and the line.
fn split_at(raw: &str) -> (Option<u64>, &str) {
    if let Some(rest) = raw.strip_prefix('@') {
        let (num, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Ok(t) = num.parse::<f64>() {
            if t.is_finite() {
                let ms = (t.max(0.0) * 1000.0).min(MAX_MS as f64) as u64;
                return (Some(ms), tail.trim_start());
            }
        }
    }
    (None, raw)
}

fn at(ms: u64) -> Now {
    Now::virtual_at(Duration::from_millis(ms))
}

fn check(inv: &mut Invariants, e: &Engine, fx: &Effects, t_ms: u64, what: &str) {
    if let Err(err) = inv.events(fx, e).and_then(|()| inv.state(e)) {
        panic!("{err} at {t_ms} ms after {what:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    // 1. explain, as the CLI runs it.
    let opts = ExplainOptions {
        format: ExplainFormat::Jsonl,
        node: Some(NODE.into()),
        ..ExplainOptions::default()
    };
    let mut out = Vec::new();
    let summary = explain(data, &opts, &mut out).expect("explain writes to memory");
    assert_eq!(
        summary.lines,
        summary.parsed + summary.ignored + summary.rejected,
        "{summary:?}"
    );
    let out = String::from_utf8(out).expect("explain writes UTF-8");
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("explain writes JSON lines");
        assert!(v.is_object(), "{l}");
    }

    // 2. the engine, directly.
    let text = String::from_utf8_lossy(data);
    let lines: Vec<(Option<u64>, &str)> = text.lines().map(split_at).collect();
    let files = auto_config(lines.iter().map(|(_, l)| *l), AUTO_PROFILE);
    let cfg = NodeConfig {
        files: files.into_iter().map(|f| (f.name.clone(), f)).collect(),
        profiles: vec![ProfileSettings {
            name: AUTO_PROFILE.into(),
            ..ProfileSettings::default()
        }],
        aliases: BTreeMap::new(),
    };
    let mut e = Engine::new(NODE, None);
    let mut inv = Invariants::new();
    let fx = e.on_config(cfg.clone());
    check(&mut inv, &e, &fx, 0, "on_config");
    let mut t_ms = 0u64;
    for (stamp, line) in lines {
        if let Some(s) = stamp {
            t_ms = t_ms.max(s);
        }
        while let Some(d) = e.next_deadline() {
            let d_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            if d_ms > t_ms {
                break;
            }
            let fx = e.on_tick(at(d_ms));
            check(&mut inv, &e, &fx, d_ms, "tick");
        }
        let Ok(parsed) = parse(line) else {
            continue;
        };
        let fx = e.on_line(&parsed, at(t_ms));
        if parsed == LogLine::Control(Control::Restart) {
            assert_eq!(fx.events().count(), 0, "CMD RESTART publishes nothing");
            inv.restarted();
            let fx = e.on_config(cfg.clone());
            check(&mut inv, &e, &fx, t_ms, "on_config after CMD RESTART");
        }
        check(&mut inv, &e, &fx, t_ms, line);
    }
});
