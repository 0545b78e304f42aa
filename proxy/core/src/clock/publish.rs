//! The publication rule (clock-states.md §4): a value is published when it
//! differs from the last value published for the same resource address.

use std::collections::HashMap;

use super::effects::{Effect, Effects, Label, Now};
use super::state::MainClock;
use super::Engine;
use crate::events::{EventData, Resource, Value};
use crate::linuxptp::SyncState;

/// Last published values of the state resources.
#[derive(Debug, Default, Clone)]
pub struct Published {
    /// lock-state per main-clock alias.
    pub lock: HashMap<Label, SyncState>,
    /// Node E3.
    pub e3: Option<SyncState>,
    /// Node sync-state (persisted across restarts).
    pub sync: Option<SyncState>,
}

impl Engine {
    /// `/cluster/node/<node>/<alias>/master`.
    pub(super) fn master_address(&self, alias: &str) -> String {
        format!("/cluster/node/{}/{alias}/master", self.node)
    }

    /// The two lock-state values of a main clock.
    pub(super) fn lock_values(&self, alias: &str, state: SyncState, offset: i64) -> [Value; 2] {
        let addr = self.master_address(alias);
        [
            Value::state(addr.clone(), state.as_str()),
            Value::metric(addr, offset),
        ]
    }

    /// Publishes a main clock's state if it differs from the last published
    /// value for its address. Returns whether an event was published.
    pub(super) fn publish_lock(&mut self, m: &MainClock, now: Now, fx: &mut Effects) -> bool {
        let (Some(alias), Some(state)) = (&m.alias, m.state) else {
            return false;
        };
        if self.published.lock.get(alias) == Some(&state) {
            return false;
        }
        if self.json_wins(Resource::LockState, fx) {
            return false;
        }
        self.published.lock.insert(alias.clone(), state);
        let values = self.lock_values(alias, state, m.offset).to_vec();
        fx.items.push(Effect::Publish(
            EventData {
                resource: Resource::LockState,
                values,
            },
            now.wall,
        ));
        true
    }

    /// Pushes an event, unless JSON states serve the resource.
    pub(super) fn emit(
        &mut self,
        resource: Resource,
        values: Vec<Value>,
        now: Now,
        fx: &mut Effects,
    ) {
        if self.json_wins(resource, fx) {
            return;
        }
        fx.items
            .push(Effect::Publish(EventData { resource, values }, now.wall));
    }
}
