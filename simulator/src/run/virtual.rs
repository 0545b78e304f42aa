//! Virtual-time runner: the scenario's lines go straight into the proxy's
//! sans-IO engine with `Now::virtual_at(t)`; holdover deadlines are fired
//! with `on_tick` between lines. Instant and deterministic.

use std::collections::BTreeMap;
use std::time::Duration;

use ptp_event_core::clock::{Effects, Engine, Now, Snapshot};
use ptp_event_core::events::{EventData, Resource};
use ptp_event_core::linuxptp::{parse, Role};
use ptp_event_core::node_config::{
    NodeConfig, PortConfig, ProfileSettings, Ptp4lConfig, Thresholds,
};

use super::report::{Outcome, Received};
use crate::scenario::expect::resource_name;
use crate::scenario::format::{IfaceRole, Scenario};
use crate::scenario::{build, check, Observed};

/// The engine configuration the proxy would load from the files the real
/// runner writes.
pub fn node_config(s: &Scenario) -> NodeConfig {
    let mut cfg = NodeConfig::default();
    for p in &s.profiles {
        let ports = p
            .interfaces
            .iter()
            .map(|i| PortConfig {
                iface: i.name.clone(),
                initial_role: match i.role {
                    IfaceRole::Slave => Role::Slave,
                    IfaceRole::Master => Role::Master,
                },
            })
            .collect();
        let name = p.ptp4l_config();
        cfg.files.insert(
            name.clone(),
            Ptp4lConfig {
                name,
                profile: Some(p.name.clone()),
                ports,
            },
        );
        let mut t = Thresholds {
            holdover_timeout_s: p.holdover_timeout,
            max_offset: p.max_offset,
            min_offset: p.min_offset,
        };
        if t.min_offset >= t.max_offset {
            t.min_offset = t.max_offset - 1;
        }
        cfg.profiles.push(ProfileSettings {
            name: p.name.clone(),
            thresholds: t,
            tbc: p.kind == crate::scenario::format::ProfileType::Tbc,
            ..ProfileSettings::default()
        });
    }
    cfg
}

fn secs(t: f64) -> Duration {
    Duration::from_secs_f64(t.max(0.0))
}

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

/// Runs a scenario through the engine in virtual time.
pub fn run(s: &Scenario) -> Outcome {
    let tl = build(s);
    let mut engine = Engine::new(&s.node, None);
    engine.on_config(node_config(s));
    let mut received = Vec::new();
    let mut problems = Vec::new();
    let mut collect = |fx: Effects, t: f64, received: &mut Vec<Received>| {
        for d in fx.events() {
            let vals = triples(d);
            received.push(Received {
                obs: Observed::from_values(t, d.resource, &s.node, &vals),
                values: vals,
            });
        }
    };
    let tick_until =
        |engine: &mut Engine,
         t: f64,
         received: &mut Vec<Received>,
         collect: &mut dyn FnMut(Effects, f64, &mut Vec<Received>)| {
            while let Some(d) = engine.next_deadline() {
                if d > secs(t) {
                    break;
                }
                let fx = engine.on_tick(Now::virtual_at(d));
                collect(fx, d.as_secs_f64(), received);
            }
        };
    for l in &tl.lines {
        tick_until(&mut engine, l.t, &mut received, &mut collect);
        match parse(&l.text) {
            Ok(line) => {
                let fx = engine.on_line(&line, Now::virtual_at(secs(l.t)));
                if fx.result == ptp_event_core::clock::LineResult::Rejected {
                    problems.push(format!("{:.3} rejected by the engine: {}", l.t, l.text));
                }
                collect(fx, l.t, &mut received);
            }
            Err(e) => problems.push(format!("{:.3} does not parse ({e:?}): {}", l.t, l.text)),
        }
    }
    tick_until(&mut engine, tl.end, &mut received, &mut collect);
    let finals = finals(&engine.snapshot());
    let events: Vec<Observed> = received.iter().map(|r| r.obs.clone()).collect();
    let failures = check(&s.expect, &events, &finals, 0.0);
    Outcome {
        scenario: s.name.clone(),
        mode: "virtual",
        timeline: tl,
        received,
        finals,
        failures,
        problems,
    }
}
