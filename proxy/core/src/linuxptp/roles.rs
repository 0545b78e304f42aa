//! The role rules of K3 port-state lines (§3 K3): which role a transition
//! gives the port and which clock-state hint it carries.

use super::model::{PortState, Role, SyncState};

/// Forward compatibility: newer linuxptp state names mapped to the old ones.
fn canonical(state: &str) -> &str {
    match state {
        "PRE_TIME_TRANSMITTER" => "PRE_MASTER",
        "TIME_TRANSMITTER" => "MASTER",
        "TIME_RECEIVER" => "SLAVE",
        other => other,
    }
}

impl PortState<'_> {
    /// The (role, hint) of the transition, first matching rule wins; `None`
    /// for transitions no rule covers (the line is then ignored).
    ///
    /// The rules are written as substrings of the body text in the spec; on
    /// tokens, "`X to Y`" means the old state ends with X and the new state
    /// starts with Y, which is what the substring matches on a single-spaced
    /// body.
    pub fn transition(&self) -> Option<(Role, Option<SyncState>)> {
        let from = canonical(self.from);
        let to = canonical(self.to);
        let event = self.event;
        let pair = |a: &str, b: &str| from.ends_with(a) && to.starts_with(b);
        let any_fault = ["FAULT_DETECTED", "SYNCHRONIZATION_FAULT"]
            .iter()
            .any(|f| event.contains(f) || self.fault.is_some_and(|x| x.contains(f)));
        let rs_slave = event.starts_with("RS_SLAVE");
        if pair("UNCALIBRATED", "SLAVE") || pair("LISTENING", "SLAVE") {
            Some((Role::Slave, None))
        } else if ["UNCALIBRATED", "MASTER", "SLAVE", "LISTENING"]
            .iter()
            .any(|a| pair(a, "PASSIVE"))
        {
            Some((Role::Passive, Some(SyncState::Freerun)))
        } else if pair("UNCALIBRATED", "MASTER") || pair("LISTENING", "MASTER") {
            Some((Role::Master, Some(SyncState::Freerun)))
        } else if any_fault
            || pair("SLAVE", "UNCALIBRATED")
            || (pair("MASTER", "UNCALIBRATED") && rs_slave)
            || (pair("LISTENING", "UNCALIBRATED") && rs_slave)
        {
            Some((Role::Faulty, Some(SyncState::Holdover)))
        } else if pair("SLAVE", "MASTER") || pair("SLAVE", "GRAND_MASTER") {
            Some((Role::Master, Some(SyncState::Holdover)))
        } else if pair("SLAVE", "LISTENING") {
            Some((Role::Listening, Some(SyncState::Holdover)))
        } else if ["FAULTY", "UNCALIBRATED", "INITIALIZING"]
            .iter()
            .any(|a| pair(a, "LISTENING"))
        {
            Some((Role::Listening, Some(SyncState::Freerun)))
        } else {
            None
        }
    }
}
