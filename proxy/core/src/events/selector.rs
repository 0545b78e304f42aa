//! What a v2 subscription's `ResourceAddress` selects (next-generation.md
//! §2, rest-api.md §3.3): O-RAN v4 addresses — the current node `.`, a
//! leading `/./` for the cluster, node wildcards, inclusive paths — and,
//! for every other address, the reference's rule (the address contains a
//! resource suffix; pushes only when it equals the full address on this
//! node exactly).

use super::Resource;

/// The node segment of a v4 address.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NodePattern {
    /// `.`: this node.
    Current,
    /// A node name, compared exactly.
    Exact(Box<str>),
    /// `*` (empty prefix) or `compute-*`.
    Prefix(Box<str>),
}

impl NodePattern {
    fn parse(segment: &str) -> NodePattern {
        match segment {
            "." => NodePattern::Current,
            s => match s.strip_suffix('*') {
                Some(prefix) => NodePattern::Prefix(prefix.into()),
                None => NodePattern::Exact(s.into()),
            },
        }
    }

    fn matches(&self, node: &str) -> bool {
        match self {
            NodePattern::Current => true,
            NodePattern::Exact(n) => **n == *node,
            NodePattern::Prefix(p) => node.starts_with(&**p),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A v4 address: the resources under its path, on the nodes its
    /// pattern names. `inclusive` when the path stops above a resource.
    V4 {
        node: NodePattern,
        resources: Vec<Resource>,
        inclusive: bool,
    },
    /// rest-api.md §3.3 step 5: the longest suffix the address contains.
    Legacy {
        resource: Resource,
        address: Box<str>,
    },
}

/// A subscription address, resolved once when the subscription is created
/// or loaded; matching an event against it allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    kind: Kind,
}

impl Selector {
    /// Resolves an address; `None` when it names no published resource
    /// (404). Addresses in the form the reference accepts keep its rule:
    /// an address that uses no v4 feature (cluster `cluster`, a literal
    /// node, a full resource path) is resolved exactly as before.
    pub fn parse(address: &str) -> Option<Selector> {
        if let Some(kind) = v4(address) {
            return Some(Selector { kind });
        }
        Resource::from_v2_address(address).map(|resource| Selector {
            kind: Kind::Legacy {
                resource,
                address: address.into(),
            },
        })
    }

    /// An event of `resource` published on `node` is delivered for this
    /// subscription.
    pub fn matches(&self, resource: Resource, node: &str) -> bool {
        match &self.kind {
            Kind::V4 {
                node: pattern,
                resources,
                ..
            } => resources.contains(&resource) && pattern.matches(node),
            Kind::Legacy {
                resource: r,
                address,
            } => *r == resource && is_full_address(address, resource, node),
        }
    }

    /// The resources whose current state the subscription's CurrentState
    /// and initial notification carry, in publisher order. A v4 address of
    /// another node has none; a reference-form address has its one
    /// resource whatever node it names (the node part is not checked).
    pub fn resources(&self, node: &str) -> Vec<Resource> {
        match &self.kind {
            Kind::V4 {
                node: pattern,
                resources,
                ..
            } => {
                if pattern.matches(node) {
                    resources.clone()
                } else {
                    Vec::new()
                }
            }
            Kind::Legacy { resource, .. } => vec![*resource],
        }
    }

    /// The address stops above the resources (`…/sync`,
    /// `…/sync/ptp-status`): CurrentState answers a JSON array.
    pub fn is_inclusive(&self) -> bool {
        matches!(
            &self.kind,
            Kind::V4 {
                inclusive: true,
                ..
            }
        )
    }

    /// The address is an O-RAN v4 address (not the reference's form).
    pub fn is_v4(&self) -> bool {
        matches!(&self.kind, Kind::V4 { .. })
    }

    /// The one resource of a full path (`None` for an inclusive address).
    pub fn resource(&self) -> Option<Resource> {
        match &self.kind {
            Kind::V4 {
                resources,
                inclusive: false,
                ..
            } => resources.first().copied(),
            Kind::V4 { .. } => None,
            Kind::Legacy { resource, .. } => Some(*resource),
        }
    }

    /// Events of `node` can reach this subscription. When false the
    /// subscription is accepted and receives nothing (rest-api.md §3.3
    /// step 5 logs a warning for the reference form; for a v4 pattern
    /// another node's proxy serves it).
    pub fn serves_node(&self, node: &str) -> bool {
        match &self.kind {
            Kind::V4 { node: pattern, .. } => pattern.matches(node),
            Kind::Legacy { resource, address } => is_full_address(address, *resource, node),
        }
    }
}

/// `address == "/cluster/node/" + node + resource.suffix()`, without
/// building the string.
fn is_full_address(address: &str, resource: Resource, node: &str) -> bool {
    address
        .strip_prefix("/cluster/node/")
        .and_then(|a| a.strip_prefix(node))
        .is_some_and(|a| a == resource.suffix())
}

/// `/{cluster}/node/{node}/{path}` with cluster `cluster` or `.`, a node
/// segment (`.`, a name, `*`, `prefix*`) and a path that is a resource
/// suffix or a parent of one, segment by segment. An address in the
/// reference's form (`cluster`, a literal node, a full path) is not one.
fn v4(address: &str) -> Option<Kind> {
    let rest = address.strip_prefix('/')?;
    let mut parts = rest.splitn(4, '/');
    let cluster = parts.next()?;
    let site = parts.next()?;
    let node = parts.next()?;
    let path = parts.next()?;
    if !matches!(cluster, "cluster" | ".") || site != "node" || node.is_empty() {
        return None;
    }
    if path.is_empty() || path.split('/').any(str::is_empty) {
        return None;
    }
    let resources: Vec<Resource> = Resource::V2
        .into_iter()
        .filter(|r| {
            r.suffix()
                .strip_prefix('/')
                .and_then(|s| s.strip_prefix(path))
                .is_some_and(|tail| tail.is_empty() || tail.starts_with('/'))
        })
        .collect();
    if resources.is_empty() {
        return None;
    }
    let inclusive = !(resources.len() == 1 && resources[0].suffix()[1..] == *path);
    let node = NodePattern::parse(node);
    let reference_form =
        cluster == "cluster" && matches!(node, NodePattern::Exact(_)) && !inclusive;
    if reference_form {
        return None;
    }
    Some(Kind::V4 {
        node,
        resources,
        inclusive,
    })
}

/// Which one of a subscriber's subscriptions (given in creation order) an
/// event of `resource` on `node` is delivered for: the first that matches.
/// A subscriber whose subscriptions overlap (`…/sync` and
/// `…/sync/ptp-status/lock-state`) receives each event once.
pub fn delivered_for<'a>(
    subscriptions: impl IntoIterator<Item = &'a Selector>,
    resource: Resource,
    node: &str,
) -> Option<usize> {
    subscriptions
        .into_iter()
        .position(|s| s.matches(resource, node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Resource::*;

    const NODE: &str = "compute-1.example.com";

    fn sel(address: &str) -> Selector {
        Selector::parse(address).unwrap_or_else(|| panic!("{address} resolves"))
    }

    /// (address, [events delivered on NODE]); every other resource is not
    /// delivered.
    #[test]
    fn which_events_an_address_receives() {
        let all = Resource::V2.to_vec();
        let rows: Vec<(String, Vec<Resource>)> = vec![
            // The reference's exact form.
            (LockState.address(NODE), vec![LockState]),
            (SyncState.address(NODE), vec![SyncState]),
            (SynceLockState.address(NODE), vec![SynceLockState]),
            // Current node, current cluster.
            (
                "/cluster/node/./sync/ptp-status/lock-state".into(),
                vec![LockState],
            ),
            (
                "/./node/./sync/ptp-status/lock-state".into(),
                vec![LockState],
            ),
            (
                format!("/./node/{NODE}/sync/ptp-status/clock-class"),
                vec![ClockClass],
            ),
            // Inclusive paths at every level.
            ("/cluster/node/./sync".into(), all.clone()),
            (format!("/cluster/node/{NODE}/sync"), all.clone()),
            ("/./node/./sync".into(), all.clone()),
            (
                "/cluster/node/./sync/sync-status".into(),
                vec![SyncState, OsClockSyncState],
            ),
            (
                "/cluster/node/./sync/ptp-status".into(),
                vec![LockState, ClockClass],
            ),
            (
                "/cluster/node/./sync/gnss-status".into(),
                vec![GnssSyncStatus],
            ),
            (
                "/cluster/node/./sync/synce-status".into(),
                vec![SynceLockState, SynceClockQuality],
            ),
            // Node wildcards matching this node.
            ("/cluster/node/*/sync".into(), all.clone()),
            (
                "/cluster/node/compute-*/sync/ptp-status".into(),
                vec![LockState, ClockClass],
            ),
            (
                "/cluster/node/compute-1.example.com*/sync".into(),
                all.clone(),
            ),
            (
                "/cluster/node/*/sync/synce-status/lock-state".into(),
                vec![SynceLockState],
            ),
            // Another node (accepted, never delivered here).
            ("/cluster/node/compute-2*/sync".into(), vec![]),
            (
                "/cluster/node/worker-*/sync/ptp-status/lock-state".into(),
                vec![],
            ),
            ("/cluster/node/compute-2.example.com/sync".into(), vec![]),
            (
                "/./node/compute-2.example.com/sync/ptp-status/lock-state".into(),
                vec![],
            ),
            // The reference's rule: accepted, delivered only when exact.
            (
                "/cluster/node/compute-1/sync/ptp-status/lock-state".into(),
                vec![],
            ),
            (
                "/cluster/node/COMPUTE-1.example.com/sync/ptp-status/lock-state".into(),
                vec![],
            ),
            (
                format!("/cluster/node/{NODE}/sync/ptp-status/lock-state/"),
                vec![],
            ),
            (
                format!("/cluster/node/{NODE}//sync/ptp-status/lock-state"),
                vec![],
            ),
            (
                format!("cluster/node/{NODE}/sync/ptp-status/lock-state"),
                vec![],
            ),
            (
                format!("/mycluster/node/{NODE}/sync/ptp-status/lock-state"),
                vec![],
            ),
            ("/sync/ptp-status/lock-state".into(), vec![]),
            (
                format!("/cluster/node/{NODE}/sync/synce-status/lock-state-extended"),
                vec![],
            ),
            (
                "/cluster/node/./sync/sync-status/sync-state/extra".into(),
                vec![],
            ),
        ];
        for (address, want) in rows {
            let s = sel(&address);
            for r in Resource::V2 {
                assert_eq!(s.matches(r, NODE), want.contains(&r), "{address} ← {r:?}");
            }
            assert_eq!(s.serves_node(NODE), !want.is_empty(), "{address}");
        }
    }

    #[test]
    fn addresses_that_name_no_resource_are_refused() {
        for address in [
            "",
            "/",
            "/cluster/node/./",
            "/cluster/node/.",
            "/cluster/node/./sy",
            "/cluster/node/./sync/ptp",
            "/cluster/node/./sync/ptp-status/lock",
            "/cluster/node/./sync//ptp-status",
            "/cluster/node/./sync/",
            "/cluster/node//sync",
            "/cluster/nodes/./sync",
            "/cluster/node/./SYNC",
            "/cluster/node/compute-1.example.com/sync/nope",
            "/other/node/./sync",
        ] {
            assert_eq!(Selector::parse(address), None, "{address}");
        }
    }

    /// Every address the reference accepts resolves to the resource it
    /// resolved to before and matches exactly when it equals the full
    /// address (rest-api.md §3.3 step 5 and the push rule).
    #[test]
    fn reference_addresses_keep_their_rule() {
        let tails = ["", "/", "x", "/x", "/extra/tail"];
        let heads = [
            format!("/cluster/node/{NODE}"),
            "/cluster/node/compute-1".to_string(),
            "/east/edge/compute-1.example.com".to_string(),
            String::new(),
            "garbage".to_string(),
        ];
        for r in Resource::V2 {
            for head in &heads {
                for tail in tails {
                    let address = format!("{head}{}{tail}", r.suffix());
                    let Some(expected) = Resource::from_v2_address(&address) else {
                        continue;
                    };
                    let s = sel(&address);
                    for e in Resource::V2 {
                        let exact = e == expected && address == e.address(NODE);
                        assert_eq!(s.matches(e, NODE), exact, "{address} ← {e:?}");
                    }
                    assert_eq!(s.resource(), Some(expected), "{address}");
                    assert_eq!(s.resources("other"), vec![expected], "{address}");
                    assert!(!s.is_inclusive() && !s.is_v4(), "{address}");
                }
            }
        }
    }

    #[test]
    fn resources_for_current_state_and_initial_notification() {
        assert_eq!(
            sel("/cluster/node/./sync").resources(NODE),
            Resource::V2.to_vec()
        );
        assert!(sel("/cluster/node/./sync").is_inclusive());
        assert_eq!(
            sel("/cluster/node/./sync/sync-status").resources(NODE),
            vec![SyncState, OsClockSyncState]
        );
        let full = sel("/cluster/node/./sync/ptp-status/lock-state");
        assert!(!full.is_inclusive() && full.is_v4());
        assert_eq!(full.resource(), Some(LockState));
        assert_eq!(full.resources(NODE), vec![LockState]);
        assert_eq!(sel("/cluster/node/./sync").resource(), None);
        assert!(sel("/cluster/node/worker-*/sync")
            .resources(NODE)
            .is_empty());
        // `.` is whichever node the proxy runs on.
        assert_eq!(
            sel("/cluster/node/./sync/ptp-status").resources("n2"),
            vec![LockState, ClockClass]
        );
    }

    #[test]
    fn overlapping_subscriptions_deliver_each_event_once() {
        let subs = [
            sel("/cluster/node/./sync"),
            sel("/cluster/node/./sync/ptp-status/lock-state"),
            sel(&LockState.address(NODE)),
            sel("/cluster/node/*/sync/ptp-status"),
        ];
        for r in Resource::V2 {
            assert_eq!(delivered_for(&subs, r, NODE), Some(0), "{r:?}");
        }
        // Without the inclusive one, the first that covers the event.
        assert_eq!(delivered_for(&subs[1..], LockState, NODE), Some(0));
        assert_eq!(delivered_for(&subs[1..], ClockClass, NODE), Some(2));
        assert_eq!(delivered_for(&subs[1..], SyncState, NODE), None);
        assert_eq!(delivered_for(&subs[1..2], LockState, "other"), Some(0));
        assert_eq!(delivered_for(&subs[2..3], LockState, "other"), None);
        // A consumer with `…/sync` and `…/sync/ptp-status/lock-state`
        // receives each lock-state event once: count deliveries of a
        // stream of events.
        let consumer = [
            sel("/cluster/node/./sync/ptp-status/lock-state"),
            sel("/cluster/node/./sync"),
        ];
        let stream = [LockState, SyncState, LockState, OsClockSyncState, LockState];
        let mut per_sub = [0usize; 2];
        for r in stream {
            if let Some(i) = delivered_for(&consumer, r, NODE) {
                per_sub[i] += 1;
            }
        }
        assert_eq!(per_sub, [3, 2], "3 lock-state events once each, 2 others");
        assert_eq!(per_sub.iter().sum::<usize>(), stream.len());
    }
}
