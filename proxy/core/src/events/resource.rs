//! The published resources and their event types (§1.1, §1.2).

/// A published resource (v2 has all seven; v1 publishes three of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    SyncState,
    LockState,
    OsClockSyncState,
    ClockClass,
    GnssSyncStatus,
    SynceLockState,
    SynceClockQuality,
}

impl Resource {
    /// The seven v2 publishers, in the order of `GET /publishers`.
    pub const V2: [Resource; 7] = [
        Resource::SyncState,
        Resource::LockState,
        Resource::OsClockSyncState,
        Resource::ClockClass,
        Resource::GnssSyncStatus,
        Resource::SynceLockState,
        Resource::SynceClockQuality,
    ];

    /// The three v1 publishers.
    pub const V1: [Resource; 3] = [
        Resource::LockState,
        Resource::OsClockSyncState,
        Resource::ClockClass,
    ];

    /// The v2 address suffix.
    pub fn suffix(self) -> &'static str {
        match self {
            Resource::SyncState => "/sync/sync-status/sync-state",
            Resource::LockState => "/sync/ptp-status/lock-state",
            Resource::OsClockSyncState => "/sync/sync-status/os-clock-sync-state",
            Resource::ClockClass => "/sync/ptp-status/clock-class",
            Resource::GnssSyncStatus => "/sync/gnss-status/gnss-sync-status",
            Resource::SynceLockState => "/sync/synce-status/lock-state",
            Resource::SynceClockQuality => "/sync/synce-status/clock-quality",
        }
    }

    /// The v1 address suffix, for the three v1 resources.
    pub fn v1_suffix(self) -> Option<&'static str> {
        match self {
            Resource::LockState => Some("/sync/ptp-status/lock-state"),
            Resource::OsClockSyncState => Some("/sync/sync-status/os-clock-sync-state"),
            Resource::ClockClass => Some("/sync/ptp-status/ptp-clock-class-change"),
            _ => None,
        }
    }

    /// The CloudEvent `type`.
    pub fn event_type(self) -> &'static str {
        match self {
            Resource::SyncState => "event.sync.sync-status.synchronization-state-change",
            Resource::LockState => "event.sync.ptp-status.ptp-state-change",
            Resource::OsClockSyncState => "event.sync.sync-status.os-clock-sync-state-change",
            Resource::ClockClass => "event.sync.ptp-status.ptp-clock-class-change",
            Resource::GnssSyncStatus => "event.sync.gnss-status.gnss-state-change",
            Resource::SynceLockState => "event.sync.synce-status.synce-state-change",
            Resource::SynceClockQuality => "event.sync.synce-status.synce-clock-quality-change",
        }
    }

    /// Resolves a v2 address by the contains rule, longest suffix wins
    /// (rest-api.md §3.3 step 5).
    pub fn from_v2_address(address: &str) -> Option<Resource> {
        Resource::V2
            .into_iter()
            .filter(|r| address.contains(r.suffix()))
            .max_by_key(|r| r.suffix().len())
    }

    /// Resolves a v1 address by the contains rule, longest suffix wins.
    pub fn from_v1_address(address: &str) -> Option<Resource> {
        Resource::V1
            .into_iter()
            .filter_map(|r| r.v1_suffix().map(|s| (r, s)))
            .filter(|(_, s)| address.contains(s))
            .max_by_key(|(_, s)| s.len())
            .map(|(r, _)| r)
    }

    /// The resource of a CloudEvent `type` (v1 and v2 use the same types).
    pub fn from_event_type(event_type: &str) -> Option<Resource> {
        Resource::V2
            .into_iter()
            .find(|r| r.event_type() == event_type)
    }

    /// The full v2 address on a node.
    pub fn address(self, node: &str) -> String {
        format!("/cluster/node/{node}{}", self.suffix())
    }

    /// The full v1 address on a node (`…/ptp-clock-class-change` for the
    /// clock class). Resources without a v1 suffix fall back to the v2 one.
    pub fn v1_address(self, node: &str) -> String {
        format!(
            "/cluster/node/{node}{}",
            self.v1_suffix().unwrap_or(self.suffix())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_suffix_wins() {
        // synce lock-state contains no ptp lock-state suffix, but both end in lock-state.
        assert_eq!(
            Resource::from_v2_address("/cluster/node/n/sync/synce-status/lock-state"),
            Some(Resource::SynceLockState)
        );
        assert_eq!(
            Resource::from_v2_address("/cluster/node/n/sync/ptp-status/lock-state"),
            Some(Resource::LockState)
        );
        assert_eq!(Resource::from_v2_address("/cluster/node/n/sync/nope"), None);
        assert_eq!(
            Resource::from_v1_address("/cluster/node/n/sync/ptp-status/ptp-clock-class-change"),
            Some(Resource::ClockClass)
        );
    }

    #[test]
    fn event_types_are_unique() {
        for r in Resource::V2 {
            assert_eq!(Resource::from_event_type(r.event_type()), Some(r));
        }
        assert_eq!(Resource::from_event_type("event.sync.nope"), None);
    }

    #[test]
    fn v1_addresses() {
        assert_eq!(
            Resource::ClockClass.v1_address("n"),
            "/cluster/node/n/sync/ptp-status/ptp-clock-class-change"
        );
        assert_eq!(
            Resource::LockState.v1_address("n"),
            Resource::LockState.address("n")
        );
        assert_eq!(
            Resource::SyncState.v1_address("n"),
            "/cluster/node/n/sync/sync-status/sync-state"
        );
    }
}
