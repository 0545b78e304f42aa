//! What `CurrentState` serves (clock-states.md §17): values per resource,
//! built from the engine's current state.

use super::synthetic::synce_quality_values;
use super::Engine;
use crate::events::{Resource, Value};

/// The values of every resource that has data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    entries: Vec<(Resource, Vec<Value>)>,
}

impl Snapshot {
    /// The values of a resource, or `None` ("no data").
    pub fn values(&self, resource: Resource) -> Option<&[Value]> {
        self.entries
            .iter()
            .find(|(r, _)| *r == resource)
            .map(|(_, v)| v.as_slice())
    }
}

impl Engine {
    /// The current values of every resource.
    pub fn snapshot(&self) -> Snapshot {
        let mut entries = Vec::new();
        let mut lock = Vec::new();
        let mut class = Vec::new();
        for p in &self.profiles {
            for m in p.mains() {
                if let (Some(alias), Some(state)) = (&m.alias, m.state) {
                    lock.extend(self.lock_values(alias, state, m.offset));
                }
            }
            if p.class != 0 {
                if let Some(alias) = p.class_alias() {
                    let addr = format!("{}/CLOCK_CLASS", self.master_address(&alias));
                    class.push(Value::metric(addr, p.class));
                }
            }
        }
        // A resource with JSON states is served from them only.
        let mut push = |r: Resource, v: Vec<Value>| {
            let v = self.json_values(r).unwrap_or(v);
            if !v.is_empty() {
                entries.push((r, v));
            }
        };
        push(Resource::LockState, lock);
        push(Resource::ClockClass, class);
        let mut e3 = Vec::new();
        if let Some((state, offset)) = self.e3 {
            let addr = format!("/cluster/node/{}/CLOCK_REALTIME", self.node);
            e3 = vec![
                Value::state(addr.clone(), state.as_str()),
                Value::metric(addr, offset),
            ];
        }
        push(Resource::OsClockSyncState, e3);
        if let Some(state) = self.sync {
            let addr = format!("/cluster/node/{}/sync/sync-status/sync-state", self.node);
            push(
                Resource::SyncState,
                vec![Value::state(addr, state.as_str())],
            );
        }
        push(
            Resource::GnssSyncStatus,
            self.gnss.iter().flat_map(|r| self.gnss_values(r)).collect(),
        );
        let mut lock = Vec::new();
        let mut quality = Vec::new();
        for p in &self.synce {
            let addr = format!("/cluster/node/{}/{}/{}", self.node, p.device, p.iface);
            if let Some(s) = p.state {
                lock.push(Value::state(addr.clone(), s.as_str()));
            }
            if let Some((ql, ext)) = p.quality {
                quality.extend(synce_quality_values(&addr, ql, ext));
            }
        }
        push(Resource::SynceLockState, lock);
        push(Resource::SynceClockQuality, quality);
        Snapshot { entries }
    }
}
