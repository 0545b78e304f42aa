//! Invariants of the engine's output that hold for any input sequence
//! (clock-states.md §4 and §16), checked by the property tests
//! (`tests/props.rs`) and the engine fuzz target (`fuzz/`):
//!
//! 1. no repeated publication: an event for a resource address carries a
//!    value different from the last one published for that address (the
//!    first decision after start-up or `CMD RESTART` is always new; the node
//!    sync-state survives a restart); the clock class and GNSS receivers
//!    are per profile key (§10, §11), so an address that two profile keys
//!    share is exempt, and so is a clock class whose address moved away
//!    and back with its main clock's alias (§10 compares with the class
//!    stored per profile key, §4 with the last value at the address: the
//!    spec does not say which wins when the address changes);
//! 2. the node sync-state is the worst over the main clocks and E3 that have
//!    a state (none when none has one);
//! 3. no silent transitions: every current state was published (for an
//!    address that one clock holds; see [`Invariants::state`]).
//!
//! A violation is returned as text, so that a proptest and a fuzz target
//! both report it in their own way.

use std::collections::{HashMap, HashSet};

use super::{Effects, Engine};
use crate::events::{DataType, EventData, Resource};

/// The published values seen so far, per (resource, address).
#[derive(Debug, Default, Clone)]
pub struct Invariants {
    last: HashMap<(Resource, String), Vec<String>>,
    /// Lock-state addresses two main clocks have held at once: the last
    /// value published there may be either's, also after one moved away.
    shared: HashSet<(Resource, String)>,
    /// Address of the last clock-class event.
    class_at: Option<String>,
}

/// The part of an event that decides whether it is new (§4): the state,
/// the clock class, the GNSS value, or the SyncE quality pair; never an
/// offset or a `gpsFix`. Keyed by the address of the first value.
fn published(d: &EventData) -> Option<((Resource, String), Vec<String>)> {
    let first = d.values.first()?;
    let value = match d.resource {
        Resource::SynceClockQuality => d.values.iter().map(|v| v.value.clone()).collect(),
        _ => vec![first.value.clone()],
    };
    Some(((d.resource, first.address.clone()), value))
}

/// Addresses that more than one entity of `e` publishes under, each on
/// its own changes: the clock class is stored per profile key (clock-states
/// .md §10), a GNSS receiver is one per (profile key, interface alias)
/// (§11). Two profile keys whose aliases are equal (interfaces `ens4f0` and
/// `ens4f1`, two configurations without interfaces under `explain`, or a
/// line whose tag names another configuration) publish under one address.
fn shared_addresses(e: &Engine) -> HashSet<(Resource, String)> {
    let mut seen = HashSet::new();
    let mut shared = HashSet::new();
    let classes = e
        .profiles
        .iter()
        .filter_map(|p| p.class_alias())
        .map(|a| (Resource::ClockClass, e.master_address(&a)));
    let receivers = e
        .gnss
        .iter()
        .map(|r| (Resource::GnssSyncStatus, e.master_address(&r.alias)));
    for key in classes.chain(receivers) {
        if !seen.insert(key.clone()) {
            shared.insert(key);
        }
    }
    shared
}

fn rank(v: &str) -> u8 {
    match v {
        "LOCKED" => 0,
        "HOLDOVER" => 1,
        _ => 2,
    }
}

impl Invariants {
    /// Nothing published yet (a new engine without a persisted sync-state).
    pub fn new() -> Invariants {
        Invariants::default()
    }

    /// After `CMD RESTART`: every value but the node sync-state counts as
    /// unpublished again.
    pub fn restarted(&mut self) {
        self.last.retain(|(r, _), _| *r == Resource::SyncState);
    }

    /// The last value published for a resource address.
    pub fn last(&self, resource: Resource, address: &str) -> Option<&[String]> {
        self.last
            .get(&(resource, address.to_string()))
            .map(Vec::as_slice)
    }

    /// Invariant 1 over the events `fx` of one input to `e`.
    pub fn events(&mut self, fx: &Effects, e: &Engine) -> Result<(), String> {
        let shared = shared_addresses(e);
        for d in fx.events() {
            let Some((key, value)) = published(d) else {
                return Err(format!("{:?} event without values", d.resource));
            };
            let moved_back = d.resource == Resource::ClockClass
                && self.class_at.as_deref() != Some(key.1.as_str());
            if d.resource == Resource::ClockClass {
                self.class_at = Some(key.1.clone());
            }
            if let Some(prev) = self.last.insert(key.clone(), value.clone()) {
                if prev == value && !shared.contains(&key) && !moved_back {
                    return Err(format!("repeated {key:?} = {value:?}"));
                }
            }
        }
        Ok(())
    }

    /// Invariants 2 and 3 over the engine's state after an input.
    pub fn state(&mut self, e: &Engine) -> Result<(), String> {
        let s = e.snapshot();
        let states = |r: Resource| -> Vec<(String, String)> {
            s.values(r)
                .unwrap_or_default()
                .iter()
                .filter(|v| v.data_type == DataType::Notification)
                .map(|v| (v.address.clone(), v.value.clone()))
                .collect()
        };
        let inputs: Vec<_> = states(Resource::LockState)
            .into_iter()
            .map(|(a, v)| (Resource::LockState, a, v))
            .chain(
                states(Resource::OsClockSyncState)
                    .into_iter()
                    .map(|(a, v)| (Resource::OsClockSyncState, a, v)),
            )
            .collect();
        let worst = inputs.iter().map(|(_, _, v)| v).max_by_key(|v| rank(v));
        let sync = states(Resource::SyncState);
        if sync.first().map(|(_, v)| v) != worst {
            return Err(format!(
                "sync-state {sync:?} is not the worst of its inputs {inputs:?}"
            ));
        }
        // Main clocks of two profiles whose interfaces share an alias
        // (`ens4f0` under one configuration, `ens4f1` under another) publish
        // under one address; only an address held by one clock, now and
        // before, has one current state to compare with.
        for (r, a, _) in &inputs {
            let holders = inputs.iter().filter(|(q, b, _)| q == r && b == a);
            if holders.count() > 1 {
                self.shared.insert((*r, a.clone()));
            }
        }
        let current = inputs
            .iter()
            .cloned()
            .chain(sync.into_iter().map(|(a, v)| (Resource::SyncState, a, v)))
            .filter(|(r, a, _)| !self.shared.contains(&(*r, a.clone())))
            .collect::<Vec<_>>();
        for (r, addr, v) in current {
            if self.last(r, &addr) != Some(std::slice::from_ref(&v)) {
                return Err(format!(
                    "silent {r:?} {addr} = {v}: last published {:?}",
                    self.last(r, &addr)
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::tests::{at, node};
    use crate::explain::{auto_config, AUTO_PROFILE};
    use crate::linuxptp::parse;

    /// An engine configured as `explain` configures one for `lines`.
    fn engine_for(lines: &[&str]) -> Engine {
        let files = auto_config(lines.iter().copied(), AUTO_PROFILE);
        let mut e = Engine::new("compute-1.example.com", None);
        let _ = e.on_config(node(files, vec![]));
        e
    }

    /// Found by the engine fuzz target (its input, minimised): two
    /// configurations whose class alias is the same (`explain` gives each
    /// configuration without interfaces the port `unknown`) each publish
    /// their first class, 6, under one address. Not a repeat: the class is
    /// per profile key (§10). A repeat by one profile still is one.
    #[test]
    fn two_profiles_publish_their_class_under_one_address() {
        let input = b"CRTED t]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6\n\
                      ] ptp4l.0.config]\xff\xff\xffe g]CLOCK_CLASS_CHANGE 6";
        let text = String::from_utf8_lossy(input);
        let lines: Vec<&str> = text.lines().collect();
        let files = auto_config(lines.iter().copied(), AUTO_PROFILE);
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(files.iter().all(|f| f.ports[0].iface == "unknown"));
        let engine = |files| {
            let mut e = Engine::new("compute-1.example.com", None);
            let _ = e.on_config(node(files, vec![]));
            e
        };
        let mut e = engine(files.clone());
        let mut inv = Invariants::new();
        for line in &lines {
            let parsed = parse(line).unwrap_or_else(|err| panic!("{line}: {err:?}"));
            let fx = e.on_line(&parsed, at(0.0));
            assert_eq!(fx.events().count(), 1, "{line}");
            inv.events(&fx, &e).expect("two profiles, one address");
        }
        // One profile alone: the same event twice is a repeat.
        // The first line's profile key is `ptp4l.0.config`, the second's `g`.
        let first = files.iter().filter(|f| f.name == "ptp4l.0.config");
        let mut e = engine(first.cloned().collect());
        let parsed = parse(lines[0]).expect("parses");
        let fx = e.on_line(&parsed, at(0.0));
        assert_eq!(fx.events().count(), 1);
        let mut inv = Invariants::new();
        inv.events(&fx, &e).expect("the first class");
        assert!(inv.events(&fx, &e).is_err(), "a repeat by one profile");
    }

    /// Found by the engine fuzz target (its inputs, minimised): the class
    /// address follows the main clock's alias (§10); when a T-GM or T-BC
    /// status line moves it away and back, the profile's next class is new
    /// to the profile (§10) though not to the address (§4).
    #[test]
    fn a_clock_class_that_moved_away_and_back() {
        let tgm = [
            "ptp4l[1700002011]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 7",
            "dpll[1700005611]:[ts2phc.0.config] ens1f0 frequency_status 1 offset 0 phase_status 1 pps_status 1 s0",
            "GM[1700005611]:[ts2phc.0.config] ensext_ql1f0 T-GM-STATUS s0",
            "ptp4l[1700005611]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 248",
            "GM[1700002011]:[ts2phc.0.config] ens1f0 T-GM-STATUS s1",
            "ptp4l[1700002011]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 7",
        ];
        let tbc = [
            "ptp4l[1757601760]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 165",
            "T-BC[1757601705]:[ts2phc.0.config] ens4m0 offset 0 T-BC-STATUS s1",
            "ptp4l[1757601705]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 135",
            "ptp4l[5012.000]: [ptp4l.0.config] port 1 (ens4f0): FAULTY to LISTENING on INIT_COMPLETE",
            "T-BC[1757601760]:[ts2phc.0.config] ens4f0 offset 1600 T-BC-STATUS s1",
            "ptp4l[1757601760]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 165",
        ];
        for (lines, back) in [(tgm, "ens1fx"), (tbc, "ens4fx")] {
            let mut e = engine_for(&lines);
            let mut inv = Invariants::new();
            let mut classes = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                let parsed = parse(line).unwrap_or_else(|err| panic!("{line}: {err:?}"));
                let fx = e.on_line(&parsed, at(i as f64));
                for d in fx.events().filter(|d| d.resource == Resource::ClockClass) {
                    classes.push(d.values[0].address.clone());
                }
                inv.events(&fx, &e)
                    .unwrap_or_else(|err| panic!("{line}: {err}"));
                inv.state(&e).unwrap_or_else(|err| panic!("{line}: {err}"));
            }
            assert_eq!(classes.len(), 3, "{classes:?}");
            assert!(classes[0].contains(back) && classes[2].contains(back));
            assert!(!classes[1].contains(back), "{classes:?}");
        }
    }

    /// Found by the engine fuzz target (its input, minimised): the T-GM
    /// main clocks of two profile keys (a tag with leading NULs names
    /// another key) held `ens1fx` together, then one moved to `ens0fx`;
    /// the last value published at `ens1fx` is the one that left.
    #[test]
    fn an_address_once_shared_stays_exempt() {
        let lines = [
            "GM[1700001005]:[\0\0\0\0\0ts2phc.0.config] ens1f0 T-GM-STATUS s1",
            "GM[1700005611]:[ts2phc.0.config] ens1f0 T-GM-STATUS s0",
            "GM[1700005611]:[ts2phc.0.config] ens0f0 T-GM-STATUS s0",
        ];
        let mut e = engine_for(&lines);
        let mut inv = Invariants::new();
        for (i, line) in lines.iter().enumerate() {
            let parsed = parse(line).unwrap_or_else(|err| panic!("{line}: {err:?}"));
            let fx = e.on_line(&parsed, at(i as f64));
            assert!(fx.events().count() > 0, "{line}");
            inv.events(&fx, &e).expect("no repeat");
            inv.state(&e).expect("the shared address is exempt");
        }
        assert!(inv
            .shared
            .iter()
            .any(|(_, a)| a.ends_with("/ens1fx/master")));
    }

    /// Found by the engine fuzz target (its input, minimised): a GNSS line
    /// whose tag is cut (`:_ts2phc.0.config]`) names another profile key;
    /// its receiver and the one of `[ts2phc.0.config]` each publish their
    /// first value under one address (one receiver per profile key and
    /// alias, §11).
    #[test]
    fn two_receivers_publish_under_one_address() {
        let lines = [
            "gnss[1700001990]:_ts2phc.0.config] ens1f0 gnss_status 5 offset 1 s2",
            "gnss[1700002000]:[ts2phc.0.config] ens1f0 gnss_status 3 offset 1 s2",
        ];
        let mut e = engine_for(&lines);
        let mut inv = Invariants::new();
        for (i, line) in lines.iter().enumerate() {
            let parsed = parse(line).unwrap_or_else(|err| panic!("{line}: {err:?}"));
            let fx = e.on_line(&parsed, at(i as f64 * 10.0));
            assert_eq!(fx.events().count(), 1, "{line}");
            inv.events(&fx, &e).expect("two receivers, one address");
        }
    }
}
