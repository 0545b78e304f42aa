//! Expectations of a scenario and how received events are checked
//! against them.

use std::collections::BTreeMap;

use ptp_event_core::events::Resource;
use serde::Deserialize;

/// The `[expect]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Ordered events per resource.
    #[serde(default)]
    pub events: Vec<ExpectedEvent>,
    /// Windows in which a resource (or any) must stay silent.
    #[serde(default)]
    pub quiet: Vec<Quiet>,
    /// Final CurrentState per resource (short name → value list joined by `,`).
    #[serde(default, rename = "final")]
    pub final_state: BTreeMap<String, String>,
    /// Resources whose events must be exactly the listed ones (default:
    /// every resource that has at least one expected event).
    #[serde(default = "yes")]
    pub exact: bool,
}

fn yes() -> bool {
    true
}

/// One expected event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedEvent {
    /// Short name (`lock-state`, `os-clock-sync-state`, `sync-state`,
    /// `clock-class`, `gnss-sync-status`, `synce-lock-state`,
    /// `synce-clock-quality`).
    pub resource: String,
    /// The state (or, for clock-class, the class).
    pub value: String,
    /// Time window `[from, to]` in seconds since the scenario start.
    pub within: [f64; 2],
    /// Alias of the clock (`ens2fx`), when several clocks publish.
    #[serde(default)]
    pub iface: Option<String>,
}

/// A window without events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiet {
    #[serde(default)]
    pub resource: Option<String>,
    pub within: [f64; 2],
}

/// Short resource names used in scenario files.
pub fn resource_by_name(name: &str) -> Option<Resource> {
    Some(match name {
        "sync-state" => Resource::SyncState,
        "lock-state" => Resource::LockState,
        "os-clock-sync-state" => Resource::OsClockSyncState,
        "clock-class" => Resource::ClockClass,
        "gnss-sync-status" => Resource::GnssSyncStatus,
        "synce-lock-state" => Resource::SynceLockState,
        "synce-clock-quality" => Resource::SynceClockQuality,
        _ => return None,
    })
}

/// The short name of a resource.
pub fn resource_name(r: Resource) -> &'static str {
    match r {
        Resource::SyncState => "sync-state",
        Resource::LockState => "lock-state",
        Resource::OsClockSyncState => "os-clock-sync-state",
        Resource::ClockClass => "clock-class",
        Resource::GnssSyncStatus => "gnss-sync-status",
        Resource::SynceLockState => "synce-lock-state",
        Resource::SynceClockQuality => "synce-clock-quality",
    }
}

impl Expectations {
    /// Checks resource names and windows.
    pub fn validate(&self) -> Result<(), String> {
        let names = self.events.iter().map(|e| (&e.resource, e.within)).chain(
            self.quiet
                .iter()
                .filter_map(|q| q.resource.as_ref().map(|r| (r, q.within))),
        );
        for (name, w) in names {
            if resource_by_name(name).is_none() {
                return Err(format!("expect: unknown resource {name:?}"));
            }
            if w[0] > w[1] {
                return Err(format!(
                    "expect: window [{}, {}] of {name} is empty",
                    w[0], w[1]
                ));
            }
        }
        for name in self.final_state.keys() {
            if resource_by_name(name).is_none() {
                return Err(format!("expect.final: unknown resource {name:?}"));
            }
        }
        Ok(())
    }
}

/// An event as received (virtual or real), reduced to what is checked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Observed {
    /// Seconds since the scenario start.
    pub t: f64,
    pub resource: &'static str,
    /// The first value (state, or the number when there is no state).
    pub value: String,
    /// The metric value accompanying a state (offset), if any.
    pub metric: Option<String>,
    /// The clock alias from the first value's address (`ens2fx`), if any.
    pub iface: Option<String>,
}

impl Observed {
    /// Reduces a values list `(address, data_type, value)`.
    pub fn from_values(
        t: f64,
        resource: Resource,
        node: &str,
        values: &[(String, String, String)],
    ) -> Observed {
        let state = values.iter().find(|v| v.1 == "notification");
        let metric = values.iter().find(|v| v.1 == "metric");
        let first = state.or(metric);
        let prefix = format!("/cluster/node/{node}/");
        let iface = first.and_then(|v| {
            let rest = v.0.strip_prefix(&prefix)?;
            let (alias, tail) = rest.split_once('/')?;
            tail.starts_with("master").then(|| alias.to_string())
        });
        Observed {
            t,
            resource: resource_name(resource),
            value: first.map(|v| v.2.clone()).unwrap_or_default(),
            metric: state.and(metric).map(|m| m.2.clone()),
            iface,
        }
    }
}

/// One failed expectation, with what arrived instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub what: String,
    pub instead: String,
}

/// Checks events (in arrival order) and final states against expectations.
/// `slack` widens every window (real mode latency).
pub fn check(
    exp: &Expectations,
    events: &[Observed],
    finals: &BTreeMap<String, String>,
    slack: f64,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    // Order is checked per resource and clock: events of two clocks (two
    // NICs, on two daemon connections) may interleave either way.
    let mut by_res: BTreeMap<(&str, Option<&str>), Vec<&ExpectedEvent>> = BTreeMap::new();
    for e in &exp.events {
        by_res
            .entry((e.resource.as_str(), e.iface.as_deref()))
            .or_default()
            .push(e);
    }
    for ((res, iface), list) in &by_res {
        let got: Vec<&Observed> = events
            .iter()
            .filter(|o| o.resource == *res && iface.is_none_or(|i| o.iface.as_deref() == Some(i)))
            .collect();
        let mut next = 0usize;
        for e in list {
            let found = got.iter().enumerate().skip(next).find(|(_, o)| {
                o.value == e.value && e.iface.as_ref().is_none_or(|i| o.iface.as_ref() == Some(i))
            });
            let what = format!(
                "{res} {}{} within [{}, {}]",
                e.value,
                e.iface
                    .as_ref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default(),
                e.within[0],
                e.within[1]
            );
            match found {
                Some((i, o)) => {
                    if o.t < e.within[0] - slack || o.t > e.within[1] + slack {
                        failures.push(Failure {
                            what,
                            instead: format!("arrived at {:.3}", o.t),
                        });
                    }
                    next = i + 1;
                }
                None => failures.push(Failure {
                    what,
                    instead: summary(&got[next.min(got.len())..]),
                }),
            }
        }
    }
    if exp.exact {
        let mut per_res: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &exp.events {
            *per_res.entry(e.resource.as_str()).or_default() += 1;
        }
        for (res, n) in per_res {
            let got: Vec<&Observed> = events.iter().filter(|o| o.resource == res).collect();
            if got.len() != n {
                failures.push(Failure {
                    what: format!("exactly {n} {res} event(s)"),
                    instead: summary(&got),
                });
            }
        }
    }
    for q in &exp.quiet {
        let hits: Vec<&Observed> = events
            .iter()
            .filter(|o| q.resource.as_deref().is_none_or(|r| r == o.resource))
            .filter(|o| o.t >= q.within[0] && o.t <= q.within[1])
            .collect();
        if !hits.is_empty() {
            failures.push(Failure {
                what: format!(
                    "no {} event within [{}, {}]",
                    q.resource.as_deref().unwrap_or("any"),
                    q.within[0],
                    q.within[1]
                ),
                instead: summary(&hits),
            });
        }
    }
    for (res, want) in &exp.final_state {
        let got = finals.get(res).map(String::as_str).unwrap_or("(no data)");
        if got != want {
            failures.push(Failure {
                what: format!("final {res} = {want}"),
                instead: got.to_string(),
            });
        }
    }
    failures
}

/// `t resource value (iface)` of each event, or `nothing`.
pub fn summary(events: &[&Observed]) -> String {
    if events.is_empty() {
        return "nothing".into();
    }
    events
        .iter()
        .map(|o| {
            format!(
                "{:.3} {} {}{}",
                o.t,
                o.resource,
                o.value,
                o.iface
                    .as_ref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(t: f64, r: &'static str, v: &str) -> Observed {
        Observed {
            t,
            resource: r,
            value: v.into(),
            metric: None,
            iface: None,
        }
    }

    #[test]
    fn two_clocks_may_interleave_either_way() {
        let exp: Expectations = toml::from_str(
            r#"
[[events]]
resource = "lock-state"
value = "LOCKED"
iface = "ens1fx"
within = [0.0, 0.1]
[[events]]
resource = "lock-state"
value = "LOCKED"
iface = "ens2fx"
within = [0.0, 0.1]
"#,
        )
        .expect("valid");
        let with = |iface: &str, t: f64| Observed {
            iface: Some(iface.into()),
            ..obs(t, "lock-state", "LOCKED")
        };
        let reversed = vec![with("ens2fx", 0.004), with("ens1fx", 0.005)];
        assert!(check(&exp, &reversed, &BTreeMap::new(), 0.0).is_empty());
        let missing = vec![with("ens1fx", 0.005)];
        let failures = check(&exp, &missing, &BTreeMap::new(), 0.0);
        assert!(
            failures.iter().any(|f| f.what.contains("ens2fx")),
            "{failures:?}"
        );
    }

    #[test]
    fn window_and_order() {
        let exp: Expectations = toml::from_str(
            r#"
[[events]]
resource = "lock-state"
value = "HOLDOVER"
within = [1.0, 2.0]
[[events]]
resource = "lock-state"
value = "FREERUN"
within = [3.0, 3.5]
"#,
        )
        .expect("valid");
        let ok = vec![
            obs(1.5, "lock-state", "HOLDOVER"),
            obs(3.2, "lock-state", "FREERUN"),
        ];
        assert!(check(&exp, &ok, &BTreeMap::new(), 0.0).is_empty());
        let late = vec![
            obs(1.5, "lock-state", "HOLDOVER"),
            obs(4.0, "lock-state", "FREERUN"),
        ];
        let f = check(&exp, &late, &BTreeMap::new(), 0.0);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].instead, "arrived at 4.000");
    }
}
