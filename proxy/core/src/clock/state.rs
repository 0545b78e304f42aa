//! The entity records the engine keeps (clock-states.md §2.2).

use std::time::Duration;

use super::effects::Label;
use crate::linuxptp::{Role, SyncState};
use crate::node_config::Thresholds;

/// Offset published when the measuring process died.
pub const DEAD_OFFSET: i64 = -9_999_999_999_999_999;
/// Offset meaning "unknown".
pub const UNKNOWN_OFFSET: i64 = 99_999_999_999;

/// Who drives a profile's main clock (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileType {
    OcBc,
    Ts2phc,
    Tgm,
    Tbc,
}

/// Input class of an offset line (§3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputClass {
    /// Locked, in range.
    L,
    /// Locked, out of range.
    O,
    /// Free-running servo.
    F,
    /// Holdover asserted.
    H,
}

impl InputClass {
    /// The class-based state used by metric-only clocks.
    pub fn plain_state(self) -> SyncState {
        match self {
            InputClass::L => SyncState::Locked,
            InputClass::O | InputClass::F => SyncState::Freerun,
            InputClass::H => SyncState::Holdover,
        }
    }
}

/// A main clock (E1) or a proxy-derived ts2phc clock.
#[derive(Debug, Clone, Default)]
pub struct MainClock {
    pub alias: Option<Label>,
    pub state: Option<SyncState>,
    pub offset: i64,
    pub deadline: Option<Duration>,
}

/// What the transition table of §5.2 decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing changes.
    Stay,
    /// Enter HOLDOVER and start the timer.
    Holdover,
    /// Refresh the deadline (ts2phc `holdover` while in HOLDOVER).
    Refresh,
    /// Go to this state (cancelling any timer).
    To(SyncState),
}

/// The transition table of §5.2 (proxy-derived main clocks).
pub fn step(current: Option<SyncState>, input: InputClass, refreshes: bool) -> Step {
    use InputClass::*;
    use SyncState::*;
    match (current, input) {
        (Some(Holdover), L) => Step::To(Locked),
        (Some(Holdover), H) if refreshes => Step::Refresh,
        (Some(Holdover), _) => Step::Stay,
        (_, H) => Step::Holdover,
        (Some(Locked), L) | (Some(Freerun), O | F) => Step::Stay,
        (_, L) => Step::To(Locked),
        (_, O | F) => Step::To(Freerun),
    }
}

/// A port of a ptp4l configuration.
#[derive(Debug, Clone)]
pub struct Port {
    /// Port number: position in the file (1-based), or the number of a line
    /// naming a port beyond the file's sections.
    pub number: u32,
    pub iface: Label,
    pub alias: Label,
    pub role: Role,
}

/// A system-clock candidate (§8.1).
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub p: SyncState,
    pub offset: i64,
    /// Update sequence number, for "most recently updated on a tie".
    pub seq: u64,
}

/// A ts2phc interface clock that only feeds metrics (T-GM, T-BC).
#[derive(Debug, Clone)]
pub struct IfaceClock {
    pub alias: Label,
    pub state: SyncState,
}

/// Everything kept per profile key.
#[derive(Debug, Clone)]
pub struct Profile {
    pub key: Label,
    pub thresholds: Thresholds,
    pub kind: ProfileType,
    /// The profile is a PTP-HA `phc2sys.N.config` (no main clock).
    pub ha: bool,
    pub ports: Vec<Port>,
    /// Main clock of OC/BC, T-GM and T-BC profiles.
    pub main: MainClock,
    /// Main clocks of a ts2phc-driven profile, one per interface alias.
    pub ts2phc_mains: Vec<MainClock>,
    /// ts2phc interface clocks under a T-GM/T-BC (metrics only).
    pub iface_clocks: Vec<IfaceClock>,
    /// The ptp4l internal clock of a T-BC profile (metrics only).
    pub ptp4l_internal: Option<SyncState>,
    /// Last clock class (0 = none).
    pub class: u8,
    /// The system-clock candidate fed by phc2sys lines of this key.
    pub candidate: Option<Candidate>,
    /// Last DPLL phase offset per raw interface name.
    pub dpll_offsets: Vec<(Label, i64)>,
}

impl Profile {
    /// The main-clock state of the profile key (worst over ts2phc mains).
    pub fn main_state(&self) -> Option<SyncState> {
        if self.ha {
            return None;
        }
        match self.kind {
            ProfileType::Ts2phc => self.ts2phc_mains.iter().filter_map(|m| m.state).max(),
            _ => self.main.state,
        }
    }

    /// Every main clock that can have a state, in order.
    pub fn mains(&self) -> impl Iterator<Item = &MainClock> {
        let ts = if self.kind == ProfileType::Ts2phc {
            &self.ts2phc_mains[..]
        } else {
            &[]
        };
        let main = (self.kind != ProfileType::Ts2phc && !self.ha).then_some(&self.main);
        main.into_iter().chain(ts.iter())
    }

    /// Alias of the first SLAVE port, if any.
    pub fn slave_alias(&self) -> Option<&Label> {
        self.ports
            .iter()
            .find(|p| p.role == Role::Slave)
            .map(|p| &p.alias)
    }

    /// The alias clock-class events use (§10).
    pub fn class_alias(&self) -> Option<Label> {
        let main_alias = match self.kind {
            ProfileType::Ts2phc => self.ts2phc_mains.first().and_then(|m| m.alias.clone()),
            _ => self.main.alias.clone(),
        };
        main_alias
            .or_else(|| self.slave_alias().cloned())
            .or_else(|| self.ports.first().map(|p| p.alias.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InputClass::*;
    use SyncState::*;

    /// Every cell of the §5.2 table.
    #[test]
    fn transition_table() {
        let rows: [(Option<SyncState>, [Step; 4]); 4] = [
            (
                None,
                [
                    Step::To(Locked),
                    Step::To(Freerun),
                    Step::To(Freerun),
                    Step::Holdover,
                ],
            ),
            (
                Some(Locked),
                [
                    Step::Stay,
                    Step::To(Freerun),
                    Step::To(Freerun),
                    Step::Holdover,
                ],
            ),
            (
                Some(Freerun),
                [Step::To(Locked), Step::Stay, Step::Stay, Step::Holdover],
            ),
            (
                Some(Holdover),
                [Step::To(Locked), Step::Stay, Step::Stay, Step::Stay],
            ),
        ];
        for (current, expected) in rows {
            for (input, want) in [L, O, F, H].into_iter().zip(expected) {
                assert_eq!(step(current, input, false), want, "{current:?} {input:?}");
            }
        }
        assert_eq!(step(Some(Holdover), H, true), Step::Refresh);
        assert_eq!(step(Some(Locked), H, true), Step::Holdover);
    }
}
