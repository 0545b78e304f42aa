//! CurrentState and the initial notification of a subscription address
//! (rest-api.md §3.3 step 6 and §3.5, next-generation.md §2): which events
//! the snapshot gives for a selector.

use super::Snapshot;
use crate::events::{placeholder, EventData, Selector};

impl Snapshot {
    /// The current-state events of the resources `selector` covers on
    /// `node` that have data, in publisher order. Empty → 404. A full path
    /// gives at most one (answered as one CloudEvent); an inclusive path
    /// (`Selector::is_inclusive`) is answered as a JSON array of them.
    pub fn current_state(&self, selector: &Selector, node: &str) -> Vec<EventData> {
        selector
            .resources(node)
            .into_iter()
            .filter_map(|resource| {
                self.values(resource).map(|values| EventData {
                    resource,
                    values: values.to_vec(),
                })
            })
            .collect()
    }

    /// The initial notification of a new subscription, one POST per event,
    /// before any push: its current-state events; when none of its
    /// resources has data, the placeholder (events-and-metrics.md §3.8) of
    /// the first one, so that the endpoint is still checked with one POST.
    /// Empty for a v4 address of another node: it receives nothing.
    pub fn initial_notification(&self, selector: &Selector, node: &str) -> Vec<EventData> {
        let current = self.current_state(selector, node);
        if !current.is_empty() {
            return current;
        }
        selector
            .resources(node)
            .first()
            .map(|r| vec![placeholder(*r, node)])
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::{Engine, Now};
    use crate::events::daemon::parse;
    use crate::events::{v2_array, Resource, Selector};
    use std::time::Duration;

    const NODE: &str = "compute-1.example.com";

    fn sel(a: &str) -> Selector {
        Selector::parse(a).expect("address")
    }

    fn engine(lines: &[&str]) -> Engine {
        let mut e = Engine::new(NODE, None);
        for l in lines {
            let m = parse(l).expect("message");
            let _ = e.on_message(&m, Now::virtual_at(Duration::from_secs(1)));
        }
        e
    }

    const LOCK: &str = r#"{"version":1,"type":"ptp_state","iface":"ens2fx","values":{"state":"LOCKED","offset":4}}"#;
    const OS: &str =
        r#"{"version":1,"type":"os_clock_state","values":{"state":"LOCKED","offset":-2}}"#;

    #[test]
    fn a_parent_gives_the_events_of_every_resource_with_data_in_publisher_order() {
        let s = engine(&[OS, LOCK]).snapshot();
        let got: Vec<Resource> = s
            .current_state(&sel("/cluster/node/./sync"), NODE)
            .iter()
            .map(|d| d.resource)
            .collect();
        assert_eq!(
            got,
            [
                Resource::SyncState,
                Resource::LockState,
                Resource::OsClockSyncState
            ]
        );
        let ptp = s.current_state(&sel("/cluster/node/./sync/ptp-status"), NODE);
        assert_eq!(ptp.len(), 1);
        assert_eq!(ptp[0].resource, Resource::LockState);
        assert_eq!(ptp[0].values, s.values(Resource::LockState).expect("data"));
        assert!(s
            .current_state(&sel("/cluster/node/./sync/gnss-status"), NODE)
            .is_empty());
        assert!(s
            .current_state(&sel("/cluster/node/worker-*/sync"), NODE)
            .is_empty());
        // The reference form: node not checked.
        let short = s.current_state(
            &sel("/cluster/node/compute-1/sync/ptp-status/lock-state"),
            NODE,
        );
        assert_eq!(short.len(), 1);
    }

    #[test]
    fn initial_notifications() {
        let empty = Engine::new(NODE, None).snapshot();
        let sync = empty.initial_notification(&sel("/cluster/node/./sync"), NODE);
        assert_eq!(sync.len(), 1);
        assert_eq!(
            sync[0],
            crate::events::placeholder(Resource::SyncState, NODE)
        );
        let cc =
            empty.initial_notification(&sel("/cluster/node/./sync/ptp-status/clock-class"), NODE);
        assert_eq!(cc, [crate::events::placeholder(Resource::ClockClass, NODE)]);
        let legacy = empty
            .initial_notification(&sel("/cluster/node/short/sync/ptp-status/lock-state"), NODE);
        assert_eq!(
            legacy,
            [crate::events::placeholder(Resource::LockState, NODE)]
        );
        assert!(empty
            .initial_notification(&sel("/cluster/node/worker-*/sync"), NODE)
            .is_empty());
        let s = engine(&[LOCK]).snapshot();
        let got: Vec<Resource> = s
            .initial_notification(&sel("/./node/./sync"), NODE)
            .iter()
            .map(|d| d.resource)
            .collect();
        assert_eq!(got, [Resource::SyncState, Resource::LockState]);
    }

    #[test]
    fn the_array_body() {
        let s = engine(&[OS, LOCK]).snapshot();
        let events = s.current_state(&sel("/cluster/node/./sync/sync-status"), NODE);
        let mut n = 0u128;
        let body = v2_array(
            &events,
            || {
                n += 1;
                uuid::Uuid::from_u128(n)
            },
            std::time::SystemTime::UNIX_EPOCH,
        );
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let items = v.as_array().expect("array");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["source"], "/sync/sync-status/sync-state");
        assert_eq!(items[1]["source"], "/sync/sync-status/os-clock-sync-state");
        assert_eq!(items[1]["data"]["values"][0]["value"], "LOCKED");
        assert_ne!(items[0]["id"], items[1]["id"]);
        assert_eq!(
            &*v2_array(&[], uuid::Uuid::new_v4, std::time::SystemTime::UNIX_EPOCH),
            b"[]"
        );
    }
}
