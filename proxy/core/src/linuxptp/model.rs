//! The typed model of every socket line shape (spec socket-and-lines.md §3).
//!
//! Every string field borrows from the line it was parsed from; nothing here
//! allocates. The same model renders back into the exact text linuxptp or the
//! daemon prints (see `render.rs`).

/// A whole socket line after framing: a control line or a tagged log line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogLine<'a> {
    /// `CMD RESTART` / `CMD LIVE_START` (§1.4).
    Control(Control),
    /// Any line carrying a configuration tag.
    Entry(Entry<'a>),
}

/// The two control lines of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// `CMD RESTART`: the daemon applied a new configuration.
    Restart,
    /// `CMD LIVE_START`: what follows on this connection is live.
    LiveStart,
}

/// How the prefix of a line was written (§2.1). Kept so that rendering
/// reproduces the producer's exact text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `<prog>[<s.ms>]: [<tag>] `: raw linuxptp output.
    Raw,
    /// `<source>[<unix>]:[<tag>] `: the daemon's synthetic lines.
    Synthetic,
    /// `chronyd[<pid>][<tag>]: `.
    Chronyd,
    /// `<source> <stamp> <tag> `: the bracket-free test form.
    Bare,
}

/// A tagged line: prefix fields and the typed body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'a> {
    /// Prefix form, for rendering.
    pub prefix: Prefix,
    /// `T[0]`: the producing program or synthetic source (`ptp4l`, `GM`, ...).
    pub source: &'a str,
    /// The number in the first brackets. Never used for timing.
    pub stamp: &'a str,
    /// The raw configuration name `T[2]` (`ts2phc.0.config`).
    pub config: &'a str,
    /// The level suffix of replayed port lines (`5` in `[ptp4l.0.config:5]`).
    pub level: Option<&'a str>,
    /// What the line says.
    pub body: Body<'a>,
}

impl<'a> Entry<'a> {
    /// The profile key: `config` with a leading `ts2phc` replaced by `ptp4l`
    /// (§2.2 step 6). Returned as (prefix, rest) so no allocation is needed:
    /// the key is `prefix` followed by `rest`.
    pub fn profile_key(&self) -> ProfileKey<'a> {
        ProfileKey::of(self.config)
    }
}

/// The profile key of a configuration name, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileKey<'a> {
    folded: bool,
    config: &'a str,
}

impl<'a> ProfileKey<'a> {
    /// Folds `ts2phc.N.config` onto `ptp4l.N.config`.
    pub fn of(config: &'a str) -> Self {
        ProfileKey {
            folded: config.starts_with("ts2phc"),
            config,
        }
    }
    /// Whether the key equals the given string.
    pub fn is(&self, key: &str) -> bool {
        if self.folded {
            key.strip_prefix("ptp4l") == self.config.strip_prefix("ts2phc")
        } else {
            key == self.config
        }
    }
    /// The key as an owned string (done once per new entity, not per line).
    pub fn to_owned_string(&self) -> String {
        if self.folded {
            format!("ptp4l{}", &self.config["ts2phc".len()..])
        } else {
            self.config.to_string()
        }
    }
}

impl std::fmt::Display for ProfileKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.folded {
            write!(f, "ptp4l{}", &self.config["ts2phc".len()..])
        } else {
            f.write_str(self.config)
        }
    }
}

/// The kind of a line, as used in `cne_socket_lines_total{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Ptp4lOffset,
    Ptp4lSummary,
    PortState,
    ClockClass,
    ProcessStatus,
    Phc2sysOffset,
    Phc2sysSummary,
    Ts2phcOffset,
    NmeaStatus,
    Gnss,
    Dpll,
    GmStatus,
    TbcStatus,
    Synce,
    Chronyd,
    HaProfile,
    Control,
    /// A daemon JSON message (next-generation.md §1), not a log line.
    Json,
    Other,
}

impl Kind {
    /// Every kind, in the order of the metric documentation.
    pub const ALL: [Kind; 19] = [
        Kind::Ptp4lOffset,
        Kind::Ptp4lSummary,
        Kind::PortState,
        Kind::ClockClass,
        Kind::ProcessStatus,
        Kind::Phc2sysOffset,
        Kind::Phc2sysSummary,
        Kind::Ts2phcOffset,
        Kind::NmeaStatus,
        Kind::Gnss,
        Kind::Dpll,
        Kind::GmStatus,
        Kind::TbcStatus,
        Kind::Synce,
        Kind::Chronyd,
        Kind::HaProfile,
        Kind::Control,
        Kind::Json,
        Kind::Other,
    ];

    /// The metric label value.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ptp4lOffset => "ptp4l_offset",
            Kind::Ptp4lSummary => "ptp4l_summary",
            Kind::PortState => "port_state",
            Kind::ClockClass => "clock_class",
            Kind::ProcessStatus => "process_status",
            Kind::Phc2sysOffset => "phc2sys_offset",
            Kind::Phc2sysSummary => "phc2sys_summary",
            Kind::Ts2phcOffset => "ts2phc_offset",
            Kind::NmeaStatus => "nmea_status",
            Kind::Gnss => "gnss",
            Kind::Dpll => "dpll",
            Kind::GmStatus => "gm_status",
            Kind::TbcStatus => "tbc_status",
            Kind::Synce => "synce",
            Kind::Chronyd => "chronyd",
            Kind::HaProfile => "ha_profile",
            Kind::Control => "control",
            Kind::Json => "json",
            Kind::Other => "other",
        }
    }
}

/// linuxptp servo state of raw offset lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Servo {
    /// `s0`: unlocked.
    S0,
    /// `s1`: clock stepped.
    S1,
    /// `s2`: locked.
    S2,
    /// `s3`: locked and stable.
    S3,
}

impl Servo {
    /// `s2` or `s3`.
    pub fn is_locked(self) -> bool {
        matches!(self, Servo::S2 | Servo::S3)
    }
    /// The token as printed.
    pub fn token(self) -> &'static str {
        match self {
            Servo::S0 => "s0",
            Servo::S1 => "s1",
            Servo::S2 => "s2",
            Servo::S3 => "s3",
        }
    }
}

/// A sync state as decided by the daemon or the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SyncState {
    /// Synchronised within thresholds (best).
    Locked,
    /// Source lost, running on the local oscillator.
    Holdover,
    /// Not synchronised (worst).
    Freerun,
}

impl SyncState {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Locked => "LOCKED",
            SyncState::Holdover => "HOLDOVER",
            SyncState::Freerun => "FREERUN",
        }
    }
    /// `openshift_ptp_clock_state` code.
    pub fn metric_code(self) -> f64 {
        match self {
            SyncState::Freerun => 0.0,
            SyncState::Locked => 1.0,
            SyncState::Holdover => 2.0,
        }
    }
    /// Worst of two (FREERUN > HOLDOVER > LOCKED).
    pub fn worst(self, other: SyncState) -> SyncState {
        self.max(other)
    }
    /// Parses a wire name.
    pub fn from_name(s: &str) -> Option<SyncState> {
        match s {
            "LOCKED" => Some(SyncState::Locked),
            "HOLDOVER" => Some(SyncState::Holdover),
            "FREERUN" => Some(SyncState::Freerun),
            _ => None,
        }
    }
}

/// A state token of the daemon's synthetic lines (`s0` FREERUN, `s1`
/// HOLDOVER, `s2` LOCKED, anything else FREERUN; §3.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonToken<'a>(pub &'a str);

impl DaemonToken<'_> {
    /// The state the token stands for.
    pub fn state(self) -> SyncState {
        match self.0 {
            "s1" => SyncState::Holdover,
            "s2" => SyncState::Locked,
            _ => SyncState::Freerun,
        }
    }
}

/// A frequency adjustment (ppb). Kept as a float so that `-0` survives.
pub type Freq = f64;

/// K1 `master offset <offset> <servo> freq <freq> [path delay <delay>]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PtpOffset {
    pub offset: i64,
    pub servo: Servo,
    pub freq: Freq,
    pub delay: Option<i64>,
}

/// K2 / K7 summary: `rms <rms> max <max> freq <freq> +/- <sd> [delay <d> +/- <sd>]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub rms: i64,
    pub max: i64,
    pub freq: Freq,
    pub freq_sd: i64,
    /// `(delay, delay_sd)` when present.
    pub delay: Option<(i64, i64)>,
}

/// Port roles (§3 K3), with their metric codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Passive,
    Slave,
    Master,
    Faulty,
    Unknown,
    Listening,
}

impl Role {
    /// `openshift_ptp_interface_role` code.
    pub fn metric_code(self) -> f64 {
        match self {
            Role::Passive => 0.0,
            Role::Slave => 1.0,
            Role::Master => 2.0,
            Role::Faulty => 3.0,
            Role::Unknown => 4.0,
            Role::Listening => 5.0,
        }
    }
}

/// K3 port state transition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortState<'a> {
    /// The port number token (all digits for a usable line).
    pub port: &'a str,
    /// The interface in parentheses (linuxptp ≥ 4.0), without the parentheses.
    pub iface: Option<&'a str>,
    /// Old state name as printed.
    pub from: &'a str,
    /// New state name as printed.
    pub to: &'a str,
    /// The event name after `on`.
    pub event: &'a str,
    /// The fault in parentheses after the event, without them.
    pub fault: Option<&'a str>,
}

/// K4 `CLOCK_CLASS_CHANGE <class>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockClass {
    pub class: u8,
    /// Printed as `248.000000` rather than `248`.
    pub fractional: bool,
}

/// K5 `PTP_PROCESS_STATUS:<n>` or `PTP_PROCESS_STATUS <n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessStatus {
    /// 1 = running, 0 = stopped.
    pub running: bool,
    /// Written with a colon (the daemon's form).
    pub colon: bool,
}

/// Source of a phc2sys system-clock line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSource {
    Phc,
    Sys,
    Pps,
}

impl ClockSource {
    /// The token as printed.
    pub fn token(self) -> &'static str {
        match self {
            ClockSource::Phc => "phc",
            ClockSource::Sys => "sys",
            ClockSource::Pps => "pps",
        }
    }
    /// The `from` metric label: `sys` for sys, `phc` otherwise.
    pub fn from_label(self) -> &'static str {
        match self {
            ClockSource::Sys => "sys",
            _ => "phc",
        }
    }
}

/// K6 `CLOCK_REALTIME <src> offset <offset> <servo> freq <freq> [delay <delay>]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phc2sysOffset {
    pub source: ClockSource,
    pub offset: i64,
    pub servo: Servo,
    pub freq: Freq,
    pub delay: Option<i64>,
}

/// K8 ts2phc offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ts2phcOffset<'a> {
    pub iface: &'a str,
    pub offset: i64,
    pub servo: Servo,
    pub freq: Freq,
    /// Trailing `holdover` token.
    pub holdover: bool,
    /// Old `<iface> master offset` form.
    pub legacy: bool,
}

/// K9 `<iface> nmea_status <0|1> offset <offset> <state>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NmeaStatus<'a> {
    pub iface: &'a str,
    pub available: bool,
    pub offset: i64,
    pub state: DaemonToken<'a>,
}

/// K10 `<iface> gnss_status <fix> offset <offset> <state>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gnss<'a> {
    pub iface: &'a str,
    pub fix: i64,
    pub offset: i64,
    pub state: DaemonToken<'a>,
}

/// K11 `<iface> {<key> <value>} <state>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dpll<'a> {
    pub iface: &'a str,
    pub frequency_status: Option<i64>,
    pub offset: Option<i64>,
    pub phase_status: Option<i64>,
    pub pps_status: Option<i64>,
    pub state: DaemonToken<'a>,
}

/// K12 `<iface> T-GM-STATUS <state>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GmStatus<'a> {
    pub iface: &'a str,
    pub state: DaemonToken<'a>,
}

/// K13 `<iface> offset <offset> T-BC-STATUS <state>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TbcStatus<'a> {
    pub iface: &'a str,
    pub offset: i64,
    pub state: DaemonToken<'a>,
}

/// What a SyncE line reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SynceReport<'a> {
    /// `eec_state <EEC_…>`.
    State { eec_state: &'a str },
    /// `clock_quality <name> … [ext_ql <0xNN>] … ql <0xN>`.
    Quality {
        clock_quality: &'a str,
        ql: u8,
        ext_ql: Option<u8>,
    },
}

/// K14 SyncE line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synce<'a> {
    pub iface: &'a str,
    pub device: &'a str,
    pub network_option: i64,
    pub report: SynceReport<'a>,
    pub state: DaemonToken<'a>,
}

/// K15 chronyd line (body text rules).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chronyd<'a> {
    /// `Selected source` → true, `no selectable sources` → false.
    pub locked: bool,
    /// The whole body text.
    pub text: &'a str,
}

/// K16 `ptp_ha_profile <profile> state <0|1>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HaProfile<'a> {
    pub profile: &'a str,
    pub active: bool,
}

/// The body of a tagged line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Body<'a> {
    PtpOffset(PtpOffset),
    PtpSummary(Summary),
    PortState(PortState<'a>),
    ClockClass(ClockClass),
    ProcessStatus(ProcessStatus),
    Phc2sysOffset(Phc2sysOffset),
    Phc2sysSummary(Summary),
    Ts2phcOffset(Ts2phcOffset<'a>),
    NmeaStatus(NmeaStatus<'a>),
    Gnss(Gnss<'a>),
    Dpll(Dpll<'a>),
    GmStatus(GmStatus<'a>),
    TbcStatus(TbcStatus<'a>),
    Synce(Synce<'a>),
    Chronyd(Chronyd<'a>),
    HaProfile(HaProfile<'a>),
    /// Well-formed output the proxy does not act on (§3.17); `kind` is the
    /// kind the dispatch table pointed at (or `Other`).
    Other {
        kind: Kind,
        text: &'a str,
    },
}

impl Body<'_> {
    /// The kind of the body.
    pub fn kind(&self) -> Kind {
        match self {
            Body::PtpOffset(_) => Kind::Ptp4lOffset,
            Body::PtpSummary(_) => Kind::Ptp4lSummary,
            Body::PortState(_) => Kind::PortState,
            Body::ClockClass(_) => Kind::ClockClass,
            Body::ProcessStatus(_) => Kind::ProcessStatus,
            Body::Phc2sysOffset(_) => Kind::Phc2sysOffset,
            Body::Phc2sysSummary(_) => Kind::Phc2sysSummary,
            Body::Ts2phcOffset(_) => Kind::Ts2phcOffset,
            Body::NmeaStatus(_) => Kind::NmeaStatus,
            Body::Gnss(_) => Kind::Gnss,
            Body::Dpll(_) => Kind::Dpll,
            Body::GmStatus(_) => Kind::GmStatus,
            Body::TbcStatus(_) => Kind::TbcStatus,
            Body::Synce(_) => Kind::Synce,
            Body::Chronyd(_) => Kind::Chronyd,
            Body::HaProfile(_) => Kind::HaProfile,
            Body::Other { kind, .. } => *kind,
        }
    }
}

impl LogLine<'_> {
    /// The kind of the line.
    pub fn kind(&self) -> Kind {
        match self {
            LogLine::Control(_) => Kind::Control,
            LogLine::Entry(e) => e.body.kind(),
        }
    }
}
