//! Virtual-time runner: the scenario's lines go straight into the proxy's
//! sans-IO engine through `ptp_timeline::drive::Driver` (the same loop
//! `explain` uses: deadlines fire at their own instant between lines,
//! `CMD RESTART` resets and reloads). The fake daemon's replays are
//! emulated: every connection the daemon opens gets the replay of what it
//! had sent so far, right when it opens. Instant and deterministic.

use std::collections::{BTreeMap, HashSet};

use ptp_event_core::clock::Snapshot;
use ptp_event_core::events::{EventData, Resource};
use ptp_timeline::drive::Driver;

use super::report::{Outcome, Received};
use crate::daemon::ReplayLog;
use crate::scenario::expect::resource_name;
use crate::scenario::format::Protocol;
use crate::scenario::node::node_config;
use crate::scenario::{build, check, Observed, Scenario, Timeline};

/// Values as `(address, data_type, value)`.
pub fn triples(d: &EventData) -> Vec<(String, String, String)> {
    d.values
        .iter()
        .map(|v| {
            (
                v.address.clone(),
                v.data_type.as_str().to_string(),
                v.value.clone(),
            )
        })
        .collect()
}

/// Final values per resource short name from a snapshot.
pub fn finals(snap: &Snapshot) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for r in Resource::V2 {
        if let Some(vals) = snap.values(r) {
            m.insert(
                resource_name(r).to_string(),
                join_values(
                    vals.iter()
                        .map(|v| (v.data_type.as_str(), v.value.as_str())),
                ),
            );
        }
    }
    m
}

/// The notification values joined by `,` (metric values when there are none).
pub fn join_values<'a>(vals: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let states: Vec<&str> = vals
        .clone()
        .filter(|v| v.0 == "notification")
        .map(|v| v.1)
        .collect();
    if states.is_empty() {
        vals.map(|v| v.1).collect::<Vec<_>>().join(",")
    } else {
        states.join(",")
    }
}

/// What driving a timeline produced, before the run is finished.
pub struct Driven {
    pub driver: Driver,
    pub replays: usize,
    pub replayed: Vec<(f64, String)>,
}

/// Drives a log-line timeline through the engine: every connection the
/// daemon opens gets the replay of what it had sent so far.
pub fn drive_lines(s: &Scenario, tl: &Timeline) -> Driven {
    let cfg = node_config(s);
    let mut driver = Driver::new(&s.node, &cfg);
    let mut log = ReplayLog::new(&s.daemon.replay_level);
    let mut open: HashSet<&str> = HashSet::new();
    let mut replays = 0usize;
    let mut replayed = Vec::new();
    for l in &tl.lines {
        let opens = l.reconnect || !open.contains(l.conn.as_str());
        if opens {
            open.insert(&l.conn);
            // The daemon does not replay for the connection that carries
            // `CMD RESTART` (it is restarting its children).
            if s.daemon.replay && !log.is_empty() && !l.hangup {
                replays += 1;
                for r in log.replay() {
                    driver.line(l.t, &r);
                    replayed.push((l.t, r));
                }
            }
        }
        if !l.text.is_empty() {
            driver.line(l.t, &l.text);
            log.record(&l.text);
        }
        if l.hangup {
            open.clear();
        }
    }
    driver.advance(tl.end);
    Driven {
        driver,
        replays,
        replayed,
    }
}

/// Drives a JSON-message timeline (`protocol = "json"`) through
/// `Engine::on_message`, as the proxy does with a JSON connection.
fn drive_messages(s: &Scenario, tl: &Timeline) -> Driven {
    let mut driver = Driver::new(&s.node, &node_config(s));
    for l in tl.lines.iter().filter(|l| !l.text.is_empty()) {
        driver.message(l.t, &l.text);
    }
    driver.advance(tl.end);
    Driven {
        driver,
        replays: 0,
        replayed: Vec::new(),
    }
}

/// Runs a scenario through the engine in virtual time, in its protocol.
pub fn run(s: &Scenario) -> Outcome {
    let (tl, driven) = match s.protocol {
        Protocol::Lines => {
            let tl = build(s);
            let d = drive_lines(s, &tl);
            (tl, d)
        }
        Protocol::Json => {
            let tl = super::json::timeline(s);
            let d = drive_messages(s, &tl);
            (tl, d)
        }
    };
    let Driven {
        mut driver,
        replays,
        replayed,
    } = driven;
    let protocol = match s.protocol {
        Protocol::Lines => "",
        Protocol::Json => ", JSON messages",
    };
    driver.recorder().title(format!(
        "{} (virtual time{protocol}, node {})",
        s.name, s.node
    ));
    let finals = finals(&driver.engine().snapshot());
    let run = driver.finish(tl.end);
    let received: Vec<Received> = run
        .events
        .iter()
        .map(|(t, d)| {
            let vals = triples(d);
            Received {
                obs: Observed::from_values(*t, d.resource, &s.node, &vals),
                values: vals,
                body: String::new(),
            }
        })
        .collect();
    let problems = run
        .rejected
        .iter()
        .map(|(t, text)| format!("{t:.3} rejected: {text}"))
        .collect();
    let events: Vec<Observed> = received.iter().map(|r| r.obs.clone()).collect();
    let failures = check(&s.expect, &events, &finals, 0.0);
    Outcome {
        scenario: s.name.clone(),
        mode: match s.protocol {
            Protocol::Lines => "virtual time",
            Protocol::Json => "virtual time, JSON messages",
        },
        guards: s.guards.clone(),
        known_failure: s.known_failure.clone(),
        timeline: tl,
        received,
        finals,
        failures,
        problems,
        plot: Some(run.timeline),
        replays,
        replayed,
        status_requests: 0,
    }
}
