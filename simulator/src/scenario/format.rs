//! The whole scenario file schema (TOML, serde): the node, its profiles,
//! the fake daemon, the timeline steps and the expectations. Every closed
//! set of values is an enum, so a typo is a parse error naming the file,
//! the line and the value. See `scenarios/README.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::sampler::Dist;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name (defaults to the file stem).
    #[serde(default)]
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The field failure it guards against (regression scenarios).
    #[serde(default)]
    pub guards: String,
    /// Set when the proxy is known to fail this scenario: the runner reports
    /// it as expected-to-fail (XFAIL) with this reason, and fails when it
    /// unexpectedly passes.
    #[serde(default)]
    pub known_failure: Option<String>,
    /// `NODE_NAME` of the simulated node.
    #[serde(default = "default_node")]
    pub node: String,
    /// Seed of every random choice (offsets).
    #[serde(default)]
    pub seed: u64,
    /// Send `CMD LIVE_START` and `PTP_PROCESS_STATUS:1` on every process
    /// connection at t = 0 (default true).
    #[serde(default = "yes")]
    pub preamble: bool,
    /// Minimum length of the run in seconds (the timeline may be longer).
    #[serde(default)]
    pub duration: f64,
    /// What the simulated daemon speaks on the socket: `lines` (linuxptp
    /// log lines, the default) or `json` (the newer daemon's JSON messages,
    /// next-generation.md §1: the same timeline's states as the daemon
    /// would have decided them).
    #[serde(default)]
    pub protocol: Protocol,
    /// The PTP profiles of the node.
    #[serde(rename = "profile", default)]
    pub profiles: Vec<Profile>,
    /// What the fake linuxptp-daemon does.
    #[serde(default)]
    pub daemon: DaemonSettings,
    /// Real-mode settings (ignored in virtual time).
    #[serde(default)]
    pub real: RealSettings,
    /// The timeline, played in order.
    #[serde(rename = "step", default)]
    pub steps: Vec<Step>,
    /// What the proxy must publish.
    #[serde(default)]
    pub expect: Expectations,
}

fn default_node() -> String {
    "compute-1.example.com".to_string()
}

fn yes() -> bool {
    true
}

/// The protocol of the simulated daemon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// linuxptp log lines, one connection per process.
    #[default]
    Lines,
    /// Daemon JSON messages on one connection.
    Json,
}

/// Profile types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ProfileType {
    /// Ordinary clock: one SLAVE port.
    #[serde(rename = "OC")]
    Oc,
    /// Boundary clock: one SLAVE port, MASTER ports.
    #[serde(rename = "BC")]
    Bc,
    /// Dual NIC boundary clock (one of two profiles).
    #[serde(rename = "dual-NIC")]
    DualNic,
    /// Telecom grandmaster fed by GNSS (ts2phc).
    #[serde(rename = "T-GM")]
    Tgm,
    /// Telecom boundary clock (daemon T-BC status lines).
    #[serde(rename = "T-BC")]
    Tbc,
}

/// Port roles in the configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfaceRole {
    /// Upstream port (`masterOnly 0`).
    Slave,
    /// Downstream port (`masterOnly 1`).
    Master,
}

/// One interface section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    pub name: String,
    pub role: IfaceRole,
}

/// One PTP profile run: `ptp4l.<config>.config` plus its threshold entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Profile name (`#profile:` header and threshold file `name`).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ProfileType,
    /// Configuration index N of `ptp4l.N.config`.
    #[serde(default)]
    pub config: u32,
    /// Interfaces in file order (port 1, port 2, …).
    #[serde(rename = "interface")]
    pub interfaces: Vec<Interface>,
    /// `holdOverTimeout` (s).
    #[serde(default = "default_holdover")]
    pub holdover_timeout: u64,
    /// `maxOffsetThreshold` (ns).
    #[serde(default = "default_max")]
    pub max_offset: i64,
    /// `minOffsetThreshold` (ns).
    #[serde(default = "default_min")]
    pub min_offset: i64,
    /// Whether phc2sys runs for this profile (tagged with this config).
    #[serde(default = "yes")]
    pub phc2sys: bool,
    /// NTP failover: chronyd runs (`chronydOpts` set) and owns the OS clock.
    #[serde(default)]
    pub chronyd: bool,
    /// synce4l runs (`synce4l.N.config`, its own connection).
    #[serde(default)]
    pub synce: bool,
    /// `slaveOnly 1` in `[global]` (dual follower).
    #[serde(default)]
    pub slave_only: bool,
}

fn default_holdover() -> u64 {
    5
}
fn default_max() -> i64 {
    100
}
fn default_min() -> i64 {
    -100
}

/// What the fake linuxptp-daemon answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonSettings {
    /// Answer `/emit-logs` by replaying the recorded lines (200), as the
    /// real daemon does; `false` always answers 204 (not ready).
    #[serde(default = "yes")]
    pub replay: bool,
    /// Level suffix of replayed port lines (`[ptp4l.0.config:5]`).
    #[serde(default = "default_level")]
    pub replay_level: String,
    /// The `/port-aliases` map (empty: the proxy's own alias rule).
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Delay before `/port-aliases` answers (s): an alias race.
    #[serde(default)]
    pub aliases_delay: f64,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        DaemonSettings {
            replay: true,
            replay_level: default_level(),
            aliases: BTreeMap::new(),
            aliases_delay: 0.0,
        }
    }
}

fn default_level() -> String {
    "5".into()
}

/// Real-mode settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealSettings {
    /// Extra subscribers whose endpoint accepts connections and never
    /// answers (dead consumers).
    #[serde(default)]
    pub dead_consumers: u32,
    /// Extra time after the timeline for late events (s).
    #[serde(default)]
    pub grace: Option<f64>,
}

/// A simulated process (the source of `PTP_PROCESS_STATUS` lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    Ptp4l,
    Phc2sys,
    Ts2phc,
    Synce4l,
    Chronyd,
    Pmc,
    Gpsd,
    Gpspipe,
}

impl Process {
    /// The program name as printed.
    pub fn name(self) -> &'static str {
        match self {
            Process::Ptp4l => "ptp4l",
            Process::Phc2sys => "phc2sys",
            Process::Ts2phc => "ts2phc",
            Process::Synce4l => "synce4l",
            Process::Chronyd => "chronyd",
            Process::Pmc => "pmc",
            Process::Gpsd => "gpsd",
            Process::Gpspipe => "gpspipe",
        }
    }
}

/// linuxptp servo tokens of raw offset lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServoToken {
    S0,
    S1,
    S2,
    S3,
}

/// The daemon's state tokens of synthetic lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DaemonState {
    /// FREERUN.
    S0,
    /// HOLDOVER.
    S1,
    /// LOCKED.
    S2,
}

impl DaemonState {
    /// The token as printed.
    pub fn token(self) -> &'static str {
        match self {
            DaemonState::S0 => "s0",
            DaemonState::S1 => "s1",
            DaemonState::S2 => "s2",
        }
    }
}

/// Where an announce timeout leaves the SLAVE port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GmLossTo {
    Master,
    Listening,
}

/// The state a port recovers from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecoverFrom {
    Faulty,
    Master,
    Listening,
}

/// synce4l EEC states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum EecState {
    #[serde(rename = "EEC_LOCKED")]
    Locked,
    #[serde(rename = "EEC_LOCKED_HO_ACQ")]
    LockedHoldoverAcquired,
    #[serde(rename = "EEC_HOLDOVER")]
    Holdover,
    #[serde(rename = "EEC_FREERUN")]
    Freerun,
}

impl EecState {
    /// The token as printed.
    pub fn token(self) -> &'static str {
        match self {
            EecState::Locked => "EEC_LOCKED",
            EecState::LockedHoldoverAcquired => "EEC_LOCKED_HO_ACQ",
            EecState::Holdover => "EEC_HOLDOVER",
            EecState::Freerun => "EEC_FREERUN",
        }
    }
    /// The daemon's state token for it.
    pub fn daemon_state(self) -> DaemonState {
        match self {
            EecState::Locked | EecState::LockedHoldoverAcquired => DaemonState::S2,
            EecState::Holdover => DaemonState::S1,
            EecState::Freerun => DaemonState::S0,
        }
    }
}

fn default_rate() -> f64 {
    16.0
}
fn default_port() -> u32 {
    1
}
fn default_calibration() -> f64 {
    2.0
}
fn default_servo() -> ServoToken {
    ServoToken::S2
}
fn default_phc_rate() -> f64 {
    8.0
}
fn default_gm_to() -> GmLossTo {
    GmLossTo::Master
}
fn default_from() -> RecoverFrom {
    RecoverFrom::Faulty
}
fn default_unlock_offset() -> i64 {
    48211
}
fn default_relock() -> f64 {
    1.0
}
fn default_conn() -> String {
    "handler".into()
}
fn default_reconnect_after() -> f64 {
    1.0
}
fn default_device() -> String {
    "synce1".into()
}
fn default_network_option() -> i64 {
    1
}
fn default_blip() -> f64 {
    1.0
}
fn default_flap_interval() -> f64 {
    0.01
}
fn default_flap_low() -> i64 {
    5
}
fn default_flap_high() -> i64 {
    500
}
fn default_source() -> String {
    "192.168.1.1".into()
}

/// One step of the timeline: when it starts, which profile, and what it does.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    /// Absolute start time (s). Default: where the previous step ended.
    #[serde(default)]
    pub at: Option<f64>,
    /// Gap after the previous step (s), when `at` is absent.
    #[serde(default)]
    pub after: f64,
    /// Configuration index N of the profile the step acts on.
    #[serde(default)]
    pub config: u32,
    #[serde(flatten)]
    pub action: Action,
}

/// What a step does.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    // ---- ptp4l
    /// Port start-up: INITIALIZING → LISTENING → UNCALIBRATED (s0 samples) → SLAVE.
    Startup {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_calibration")]
        calibration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
    },
    /// A standby port comes up and stays LISTENING (dual follower).
    Standby {
        #[serde(default = "default_port")]
        port: u32,
    },
    /// Locked operation: offsets at `rate` Hz from `offset`, phc2sys lines,
    /// and for T-GM/T-BC the daemon's per-second status lines.
    SteadyLock {
        duration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
        #[serde(default)]
        offset: Dist,
        #[serde(default = "default_servo")]
        servo: ServoToken,
        /// phc2sys lines (default: the profile's `phc2sys`).
        #[serde(default)]
        phc2sys: Option<bool>,
        #[serde(default)]
        phc_offset: Dist,
        #[serde(default = "default_phc_rate")]
        phc_rate: f64,
        /// T-BC: the daemon's status lines during the step (default s2).
        #[serde(default)]
        tbc: Option<DaemonState>,
        /// `false`: only the phc2sys lines (ptp4l, ts2phc and the daemon's
        /// status lines are silent).
        #[serde(default = "yes")]
        ptp4l: bool,
        /// T-GM / T-BC: the leading interface named by the status lines
        /// (default: the profile's upstream interface).
        #[serde(default)]
        leader: Option<String>,
    },
    /// Given offsets, one per 1/rate s (default servo s2, with path delay).
    OffsetSpike {
        offsets: Vec<i64>,
        #[serde(default = "default_rate")]
        rate: f64,
        #[serde(default = "default_servo")]
        servo: ServoToken,
        /// `false`: no `path delay` field (the holdover input class H).
        #[serde(default = "yes")]
        path_delay: bool,
    },
    /// A servo that flaps: `transitions` alternations between an in-range
    /// (`low`) and an out-of-range (`high`) s2 offset, `interval` apart.
    Flapping {
        transitions: u32,
        #[serde(default = "default_flap_interval")]
        interval: f64,
        #[serde(default = "default_flap_low")]
        low: i64,
        #[serde(default = "default_flap_high")]
        high: i64,
    },
    /// `lines` in-range offset lines as fast as `rate` allows (a flood).
    Flood {
        lines: u32,
        #[serde(default = "default_flood_rate")]
        rate: f64,
    },
    /// Announce timeout: the SLAVE port becomes MASTER (or LISTENING).
    GmLoss {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_gm_to")]
        to: GmLossTo,
    },
    /// Link fault: SLAVE → FAULTY on FAULT_DETECTED, link down.
    LinkFault {
        #[serde(default = "default_port")]
        port: u32,
    },
    /// Back to SLAVE from `from` (FAULTY, MASTER or LISTENING).
    Recovery {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_from")]
        from: RecoverFrom,
        #[serde(default = "default_calibration")]
        calibration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
    },
    /// Dual follower: the SLAVE port `from` faults and the standby port
    /// `to` takes over (`LISTENING to SLAVE`), then in-range samples.
    PortSwitch {
        from: u32,
        to: u32,
        /// Seconds between the fault and the take-over.
        #[serde(default = "default_switch")]
        gap: f64,
    },
    /// Servo reset while SLAVE: an s0 sample, SLAVE → UNCALIBRATED.
    ServoUnlock {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_unlock_offset")]
        offset: i64,
    },
    /// Servo relock: s1 step, s2, UNCALIBRATED → SLAVE.
    Relock {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_relock")]
        calibration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
    },
    // ---- processes and the daemon
    /// `PTP_PROCESS_STATUS:0` for a process (it died).
    ProcessStop { process: Process },
    /// `PTP_PROCESS_STATUS:1` for a process (it was restarted).
    ProcessStart { process: Process },
    /// A process stops and is restarted `down` seconds later.
    ProcessBlip {
        process: Process,
        #[serde(default = "default_blip")]
        down: f64,
    },
    /// `CMD RESTART` on a short-lived connection: the proxy drops every
    /// connection; `reconnect_after` s later the daemon's writers reconnect
    /// (`CMD LIVE_START`, `PTP_PROCESS_STATUS:1`) and the proxy's
    /// `/emit-logs` calls make the daemon replay.
    Restart {
        #[serde(default = "default_reconnect_after")]
        reconnect_after: f64,
    },
    /// The daemon's connections reconnect (the event handler, and with
    /// `processes` every process writer): the proxy calls `/emit-logs`
    /// and the daemon replays.
    Reconnect {
        #[serde(default = "yes")]
        processes: bool,
    },
    /// `CLOCK_CLASS_CHANGE <class>`.
    ClockClass { class: u8 },
    // ---- T-GM
    /// T-GM: GNSS lost, DPLL and T-GM in holdover, class 7.
    GnssLoss {
        #[serde(default)]
        iface: Option<String>,
    },
    /// T-GM: the daemon's holdover budget expired: DPLL free-run, class 248.
    DpllFreerun {
        #[serde(default)]
        iface: Option<String>,
    },
    /// T-GM: GNSS acquiring, then synchronized; DPLL locked, class 6.
    GnssRecovery {
        #[serde(default)]
        iface: Option<String>,
        #[serde(default = "default_calibration")]
        acquire: f64,
    },
    /// A `T-GM-STATUS` line.
    GmStatus {
        #[serde(default)]
        iface: Option<String>,
        state: DaemonState,
    },
    // ---- T-BC
    /// A `T-BC-STATUS` line.
    TbcStatus {
        #[serde(default)]
        iface: Option<String>,
        #[serde(default)]
        offset: i64,
        state: DaemonState,
    },
    // ---- SyncE
    /// synce4l EEC state line.
    SynceState {
        iface: String,
        #[serde(default = "default_device")]
        device: String,
        eec_state: EecState,
        #[serde(default = "default_network_option")]
        network_option: i64,
    },
    /// synce4l quality line (`ext_ql` set: extended QL mode).
    SynceQuality {
        iface: String,
        #[serde(default = "default_device")]
        device: String,
        clock_quality: String,
        ql: u8,
        #[serde(default)]
        ext_ql: Option<u8>,
        #[serde(default = "default_network_option")]
        network_option: i64,
        #[serde(default = "default_synce_state")]
        state: DaemonState,
    },
    // ---- chronyd
    /// chronyd selected an NTP source (LOCKED).
    ChronydSelected {
        #[serde(default = "default_source")]
        source: String,
    },
    /// chronyd has no selectable sources (FREERUN).
    ChronydNoSources,
    // ---- raw
    /// Nothing happens for `duration` seconds.
    Wait { duration: f64 },
    /// Lines given verbatim, each optionally prefixed by `@<seconds> `.
    Raw {
        #[serde(default = "default_conn")]
        conn: String,
        lines: Vec<String>,
    },
}

fn default_flood_rate() -> f64 {
    20_000.0
}
fn default_switch() -> f64 {
    0.5
}
fn default_synce_state() -> DaemonState {
    DaemonState::S2
}

impl Step {
    /// The step's `kind`.
    pub fn kind_name(&self) -> &'static str {
        match &self.action {
            Action::Startup { .. } => "startup",
            Action::Standby { .. } => "standby",
            Action::SteadyLock { .. } => "steady_lock",
            Action::OffsetSpike { .. } => "offset_spike",
            Action::Flapping { .. } => "flapping",
            Action::Flood { .. } => "flood",
            Action::GmLoss { .. } => "gm_loss",
            Action::LinkFault { .. } => "link_fault",
            Action::Recovery { .. } => "recovery",
            Action::PortSwitch { .. } => "port_switch",
            Action::ServoUnlock { .. } => "servo_unlock",
            Action::Relock { .. } => "relock",
            Action::ProcessStop { .. } => "process_stop",
            Action::ProcessStart { .. } => "process_start",
            Action::ProcessBlip { .. } => "process_blip",
            Action::Restart { .. } => "restart",
            Action::Reconnect { .. } => "reconnect",
            Action::ClockClass { .. } => "clock_class",
            Action::GnssLoss { .. } => "gnss_loss",
            Action::DpllFreerun { .. } => "dpll_freerun",
            Action::GnssRecovery { .. } => "gnss_recovery",
            Action::GmStatus { .. } => "gm_status",
            Action::TbcStatus { .. } => "tbc_status",
            Action::SynceState { .. } => "synce_state",
            Action::SynceQuality { .. } => "synce_quality",
            Action::ChronydSelected { .. } => "chronyd_selected",
            Action::ChronydNoSources => "chronyd_no_sources",
            Action::Wait { .. } => "wait",
            Action::Raw { .. } => "raw",
        }
    }
}

/// Short names of the published resources used in scenario files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceName {
    SyncState,
    LockState,
    OsClockSyncState,
    ClockClass,
    GnssSyncStatus,
    SynceLockState,
    SynceClockQuality,
}

/// The `[expect]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    /// Ordered events per resource.
    #[serde(default)]
    pub events: Vec<ExpectedEvent>,
    /// Repeated patterns, checked after `events` (per resource and clock).
    #[serde(default)]
    pub sequence: Vec<Sequence>,
    /// Windows in which a resource (or any) must stay silent.
    #[serde(default)]
    pub quiet: Vec<Quiet>,
    /// Expected number of events of a resource, when listing them one by
    /// one would be unreadable (the flapping servo).
    #[serde(default)]
    pub count: BTreeMap<ResourceName, usize>,
    /// Final CurrentState per resource (short name → value list joined by `,`).
    #[serde(default, rename = "final")]
    pub final_state: BTreeMap<ResourceName, String>,
    /// Resources whose events must be exactly the listed ones (default:
    /// every resource that has at least one expected event).
    #[serde(default = "yes")]
    pub exact: bool,
}

/// One expected event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedEvent {
    pub resource: ResourceName,
    /// The state (or, for clock-class, the class; for synce-clock-quality
    /// the `ql`).
    pub value: String,
    /// Time window `[from, to]` in seconds since the scenario start.
    pub within: [f64; 2],
    /// Alias of the clock (`ens2fx`), when several clocks publish.
    #[serde(default)]
    pub iface: Option<String>,
}

/// A repeated pattern of expected events: `values` in order, `times` times,
/// each within `within` (a flapping servo's 500 transitions).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    pub resource: ResourceName,
    pub values: Vec<String>,
    pub times: usize,
    pub within: [f64; 2],
    #[serde(default)]
    pub iface: Option<String>,
}

/// A window without events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiet {
    #[serde(default)]
    pub resource: Option<ResourceName>,
    pub within: [f64; 2],
}

/// A scenario file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            file: file.clone(),
            source,
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Scenario::from_str_named(&text, &file, &stem)
    }

    /// Parses scenario text; `file` names it in errors.
    pub fn from_str_named(text: &str, file: &str, stem: &str) -> Result<Scenario, ScenarioError> {
        let mut s: Scenario = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|sp| line_col(text, sp.start))
                .unwrap_or((0, 0));
            ScenarioError::Syntax {
                file: file.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        if s.name.is_empty() {
            s.name = stem.to_string();
        }
        s.validate().map_err(|message| ScenarioError::Invalid {
            file: file.to_string(),
            message,
        })?;
        Ok(s)
    }

    /// Checks references between sections.
    fn validate(&self) -> Result<(), String> {
        if self.profiles.is_empty() {
            return Err("no [[profile]]".into());
        }
        for p in &self.profiles {
            if p.interfaces.is_empty() {
                return Err(format!("profile {}: no [[profile.interface]]", p.name));
            }
            // The real runner writes these names into `ptp4l.N.config` and
            // the threshold file: they must read back as written
            // (socket-and-lines.md §5.1), or the real and the virtual run
            // would configure different nodes.
            if p.name.is_empty()
                || !p
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "profile {:?}: a name uses only letters, digits, '_' and '-'",
                    p.name
                ));
            }
            for (i, iface) in p.interfaces.iter().enumerate() {
                let n = &iface.name;
                if n.is_empty() || n.contains(|c: char| c.is_whitespace() || "[]#".contains(c)) {
                    return Err(format!(
                        "profile {}: interface {n:?} is not a ptp4l section name",
                        p.name
                    ));
                }
                if p.interfaces[..i].iter().any(|j| j.name == *n) {
                    return Err(format!("profile {}: interface {n} twice", p.name));
                }
            }
            if self
                .profiles
                .iter()
                .filter(|q| q.config == p.config)
                .count()
                > 1
            {
                return Err(format!("config index {} used twice", p.config));
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            let c = step.config;
            if !self.profiles.iter().any(|p| p.config == c) {
                return Err(format!(
                    "step {} ({}): no profile with config = {c}",
                    i + 1,
                    step.kind_name()
                ));
            }
        }
        let windows = self
            .expect
            .events
            .iter()
            .map(|e| e.within)
            .chain(self.expect.sequence.iter().map(|s| s.within))
            .chain(self.expect.quiet.iter().map(|q| q.within));
        for w in windows {
            if w[0] > w[1] {
                return Err(format!("expect: window [{}, {}] is empty", w[0], w[1]));
            }
        }
        Ok(())
    }

    /// The profile of a configuration index.
    pub fn profile(&self, config: u32) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.config == config)
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
