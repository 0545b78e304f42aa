//! Checking received events against a scenario's expectations.

use std::collections::BTreeMap;

use ptp_event_core::events::Resource;

use super::format::{Expectations, ExpectedEvent, ResourceName};

impl ResourceName {
    /// The published resource.
    pub fn resource(self) -> Resource {
        match self {
            ResourceName::SyncState => Resource::SyncState,
            ResourceName::LockState => Resource::LockState,
            ResourceName::OsClockSyncState => Resource::OsClockSyncState,
            ResourceName::ClockClass => Resource::ClockClass,
            ResourceName::GnssSyncStatus => Resource::GnssSyncStatus,
            ResourceName::SynceLockState => Resource::SynceLockState,
            ResourceName::SynceClockQuality => Resource::SynceClockQuality,
        }
    }
    /// The short name used in files and reports.
    pub fn as_str(self) -> &'static str {
        resource_name(self.resource())
    }
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

/// The resource of a short name (`lock-state`).
pub fn resource_by_short(name: &str) -> Option<Resource> {
    Resource::V2.into_iter().find(|r| resource_name(*r) == name)
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
    /// The clock alias (or SyncE port) from the first value's address.
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
            let (alias, _) = rest.split_once('/')?;
            (alias != "sync" && alias != "CLOCK_REALTIME").then(|| alias.to_string())
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
    let expected = exp.expanded();
    // Order is checked per resource and clock: events of two clocks (two
    // NICs, on two daemon connections) may interleave either way.
    let mut by_res: BTreeMap<(&str, Option<&str>), Vec<&ExpectedEvent>> = BTreeMap::new();
    for e in &expected {
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
            let found = got
                .iter()
                .enumerate()
                .skip(next)
                .find(|(_, o)| o.value == e.value);
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
    let mut counts: BTreeMap<ResourceName, usize> = BTreeMap::new();
    if exp.exact {
        for e in &expected {
            *counts.entry(e.resource).or_default() += 1;
        }
    }
    counts.extend(exp.count.iter().map(|(k, v)| (*k, *v)));
    for (res, n) in counts {
        let got: Vec<&Observed> = events
            .iter()
            .filter(|o| o.resource == res.as_str())
            .collect();
        if got.len() != n {
            failures.push(Failure {
                what: format!("exactly {n} {} event(s)", res.as_str()),
                instead: format!("{}: {}", got.len(), summary_short(&got)),
            });
        }
    }
    for q in &exp.quiet {
        let hits: Vec<&Observed> = events
            .iter()
            .filter(|o| q.resource.is_none_or(|r| r.as_str() == o.resource))
            .filter(|o| o.t >= q.within[0] && o.t <= q.within[1])
            .collect();
        if !hits.is_empty() {
            failures.push(Failure {
                what: format!(
                    "no {} event within [{}, {}]",
                    q.resource.map_or("any", ResourceName::as_str),
                    q.within[0],
                    q.within[1]
                ),
                instead: summary_short(&hits),
            });
        }
    }
    for (res, want) in &exp.final_state {
        let got = finals
            .get(res.as_str())
            .map(String::as_str)
            .unwrap_or("(no data)");
        if got != want {
            failures.push(Failure {
                what: format!("final {} = {want}", res.as_str()),
                instead: got.to_string(),
            });
        }
    }
    failures
}

impl Expectations {
    /// The listed events followed by every `[[expect.sequence]]` expanded.
    pub fn expanded(&self) -> Vec<ExpectedEvent> {
        let mut out = self.events.clone();
        for s in &self.sequence {
            for _ in 0..s.times {
                for v in &s.values {
                    out.push(ExpectedEvent {
                        resource: s.resource,
                        value: v.clone(),
                        within: s.within,
                        iface: s.iface.clone(),
                    });
                }
            }
        }
        out
    }
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

/// Like [`summary`], but at most the first 12 events.
fn summary_short(events: &[&Observed]) -> String {
    const MAX: usize = 12;
    if events.len() <= MAX {
        return summary(events);
    }
    format!(
        "{} … ({} more)",
        summary(&events[..MAX]),
        events.len() - MAX
    )
}

#[cfg(test)]
mod tests;
