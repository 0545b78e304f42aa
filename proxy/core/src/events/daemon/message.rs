//! The daemon's JSON messages as values (next-generation.md §1).

use std::time::SystemTime;

use crate::linuxptp::SyncState;

/// One accepted message: what the daemon decided, for which configuration
/// and interface, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonMessage {
    /// `timestamp`; `None` when absent or not RFC 3339 (the caller's time
    /// is used).
    pub time: Option<SystemTime>,
    /// `profile`: the configuration the state belongs to (may be empty).
    pub profile: String,
    /// `iface`: the interface alias (empty for node-wide types). For SyncE
    /// types it is the address path below the node, `<device>/<port>`.
    pub iface: String,
    pub body: MessageBody,
}

/// The `type` and `values` of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageBody {
    /// `ptp_state`: a main clock's state (lock-state).
    PtpState {
        state: SyncState,
        offset: Option<i64>,
    },
    /// `os_clock_state`: the OS clock (os-clock-sync-state).
    OsClockState {
        state: SyncState,
        offset: Option<i64>,
    },
    /// `clock_class`.
    ClockClass { class: u8 },
    /// `gnss_state`; `fix` is the optional `gps_fix` member (0 if absent).
    GnssState {
        state: GnssState,
        offset: Option<i64>,
        fix: Option<i64>,
    },
    /// `synce_state`: a SyncE port's state.
    SynceState { state: SyncState },
    /// `synce_clock_quality`; `extended_ql` absent = not in extended mode.
    SynceClockQuality { ql: u8, extended_ql: Option<u8> },
    /// `sync_state`: the node sync-state as the daemon computed it.
    SyncState { state: SyncState },
    /// `cache_clear`: forget every state learnt from JSON messages.
    CacheClear,
    /// `status_request` (ignored when received).
    StatusRequest,
    /// `status_response` (ignored when received).
    StatusResponse,
}

/// The `type` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    PtpState,
    OsClockState,
    ClockClass,
    GnssState,
    SynceState,
    SynceClockQuality,
    SyncState,
    CacheClear,
    StatusRequest,
    StatusResponse,
}

impl MessageType {
    /// Every type, in the order of the spec's table.
    pub const ALL: [MessageType; 10] = [
        MessageType::PtpState,
        MessageType::OsClockState,
        MessageType::ClockClass,
        MessageType::GnssState,
        MessageType::SynceState,
        MessageType::SynceClockQuality,
        MessageType::SyncState,
        MessageType::CacheClear,
        MessageType::StatusRequest,
        MessageType::StatusResponse,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::PtpState => "ptp_state",
            MessageType::OsClockState => "os_clock_state",
            MessageType::ClockClass => "clock_class",
            MessageType::GnssState => "gnss_state",
            MessageType::SynceState => "synce_state",
            MessageType::SynceClockQuality => "synce_clock_quality",
            MessageType::SyncState => "sync_state",
            MessageType::CacheClear => "cache_clear",
            MessageType::StatusRequest => "status_request",
            MessageType::StatusResponse => "status_response",
        }
    }

    /// Parses a wire name.
    pub fn from_name(s: &str) -> Option<MessageType> {
        MessageType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The state belongs to one interface: `iface` must not be empty.
    pub fn needs_iface(self) -> bool {
        matches!(
            self,
            MessageType::PtpState
                | MessageType::ClockClass
                | MessageType::GnssState
                | MessageType::SynceState
                | MessageType::SynceClockQuality
        )
    }

    /// The message carries a `values` object.
    pub fn has_values(self) -> bool {
        !matches!(
            self,
            MessageType::CacheClear | MessageType::StatusRequest | MessageType::StatusResponse
        )
    }
}

impl MessageBody {
    /// The type of the body.
    pub fn message_type(&self) -> MessageType {
        match self {
            MessageBody::PtpState { .. } => MessageType::PtpState,
            MessageBody::OsClockState { .. } => MessageType::OsClockState,
            MessageBody::ClockClass { .. } => MessageType::ClockClass,
            MessageBody::GnssState { .. } => MessageType::GnssState,
            MessageBody::SynceState { .. } => MessageType::SynceState,
            MessageBody::SynceClockQuality { .. } => MessageType::SynceClockQuality,
            MessageBody::SyncState { .. } => MessageType::SyncState,
            MessageBody::CacheClear => MessageType::CacheClear,
            MessageBody::StatusRequest => MessageType::StatusRequest,
            MessageBody::StatusResponse => MessageType::StatusResponse,
        }
    }
}

/// A GNSS receiver state: underscores on the wire (`ACQUIRING_SYNC`),
/// hyphens in events as O-RAN writes them (`ACQUIRING-SYNC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GnssState {
    Synchronized,
    AcquiringSync,
    AntennaDisconnected,
    AntennaShortCircuit,
    Booting,
    FailureMultipath,
    FailureNofix,
    FailureLowSnr,
    FailurePll,
    Unlocked,
}

impl GnssState {
    /// Every state.
    pub const ALL: [GnssState; 10] = [
        GnssState::Synchronized,
        GnssState::AcquiringSync,
        GnssState::AntennaDisconnected,
        GnssState::AntennaShortCircuit,
        GnssState::Booting,
        GnssState::FailureMultipath,
        GnssState::FailureNofix,
        GnssState::FailureLowSnr,
        GnssState::FailurePll,
        GnssState::Unlocked,
    ];

    /// The spelling of the daemon's messages.
    pub fn wire(self) -> &'static str {
        match self {
            GnssState::Synchronized => "SYNCHRONIZED",
            GnssState::AcquiringSync => "ACQUIRING_SYNC",
            GnssState::AntennaDisconnected => "ANTENNA_DISCONNECTED",
            GnssState::AntennaShortCircuit => "ANTENNA_SHORT_CIRCUIT",
            GnssState::Booting => "BOOTING",
            GnssState::FailureMultipath => "FAILURE_MULTIPATH",
            GnssState::FailureNofix => "FAILURE_NOFIX",
            GnssState::FailureLowSnr => "FAILURE_LOW_SNR",
            GnssState::FailurePll => "FAILURE_PLL",
            GnssState::Unlocked => "UNLOCKED",
        }
    }

    /// The spelling of events (events-and-metrics.md §2.2).
    pub fn oran(self) -> &'static str {
        match self {
            GnssState::Synchronized => "SYNCHRONIZED",
            GnssState::AcquiringSync => "ACQUIRING-SYNC",
            GnssState::AntennaDisconnected => "ANTENNA-DISCONNECTED",
            GnssState::AntennaShortCircuit => "ANTENNA-SHORT-CIRCUIT",
            GnssState::Booting => "BOOTING",
            GnssState::FailureMultipath => "FAILURE-MULTIPATH",
            GnssState::FailureNofix => "FAILURE-NOFIX",
            GnssState::FailureLowSnr => "FAILURE-LOW-SNR",
            GnssState::FailurePll => "FAILURE-PLL",
            GnssState::Unlocked => "UNLOCKED",
        }
    }

    /// Parses either spelling (the wire's underscores, or the hyphens of an
    /// event).
    pub fn from_name(s: &str) -> Option<GnssState> {
        GnssState::ALL
            .into_iter()
            .find(|g| g.wire() == s || g.oran() == s)
    }

    /// The state the `openshift_ptp_clock_state{process="gnss"}` gauge
    /// reports: LOCKED when synchronised, otherwise FREERUN.
    pub fn clock_state(self) -> SyncState {
        match self {
            GnssState::Synchronized => SyncState::Locked,
            _ => SyncState::Freerun,
        }
    }
}
