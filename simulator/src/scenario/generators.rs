//! Timeline steps and the generators that turn them into socket lines.
//!
//! Every line is rendered with the proxy's own line model
//! (`ptp_event_core::linuxptp`), so the text is byte-exact linuxptp/daemon
//! output. Randomness comes from the scenario seed only.

use ptp_event_core::linuxptp::{
    Body, ClockClass, ClockSource, DaemonToken, Dpll, Entry, GmStatus, Gnss, Kind, LogLine,
    NmeaStatus, Phc2sysOffset, PortState, Prefix, ProcessStatus, PtpOffset, Servo, TbcStatus,
    Ts2phcOffset,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use super::format::{Profile, ProfileType, Scenario};

/// A clipped normal distribution of offsets (ns).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    #[serde(default)]
    pub mean: f64,
    #[serde(default = "default_sd")]
    pub sd: f64,
    /// Lowest value produced.
    #[serde(default = "default_lo")]
    pub min: i64,
    /// Highest value produced.
    #[serde(default = "default_hi")]
    pub max: i64,
}

fn default_sd() -> f64 {
    8.0
}
fn default_lo() -> i64 {
    -40
}
fn default_hi() -> i64 {
    40
}

impl Default for Dist {
    fn default() -> Self {
        Dist {
            mean: 0.0,
            sd: default_sd(),
            min: default_lo(),
            max: default_hi(),
        }
    }
}

impl Dist {
    /// One sample: normal(mean, sd) by Box-Muller, redrawn when outside
    /// `[min, max]` (a truncated normal), clamped after 32 misses.
    pub fn sample(&self, rng: &mut StdRng) -> i64 {
        let mut v = self.mean;
        for _ in 0..32 {
            let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            let u2: f64 = rng.gen::<f64>();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            v = (self.mean + self.sd * z).round();
            if v >= self.min as f64 && v <= self.max as f64 {
                return v as i64;
            }
        }
        (v as i64).clamp(self.min, self.max.max(self.min))
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
    /// Port start-up: INITIALIZING → LISTENING → UNCALIBRATED (s0 samples) → SLAVE.
    Startup {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_calibration")]
        calibration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
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
        servo: String,
        /// phc2sys lines (default: the profile's `phc2sys`).
        #[serde(default)]
        phc2sys: Option<bool>,
        #[serde(default)]
        phc_offset: Dist,
        #[serde(default = "default_phc_rate")]
        phc_rate: f64,
    },
    /// Out-of-range offsets with a locked servo, one per 1/rate s.
    OffsetSpike {
        offsets: Vec<i64>,
        #[serde(default = "default_rate")]
        rate: f64,
    },
    /// Announce timeout: the SLAVE port becomes MASTER (or LISTENING).
    GmLoss {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_gm_to")]
        to: String,
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
        from: String,
        #[serde(default = "default_calibration")]
        calibration: f64,
        #[serde(default = "default_rate")]
        rate: f64,
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
    /// `PTP_PROCESS_STATUS:0` for a process (it died).
    ProcessStop { process: String },
    /// `PTP_PROCESS_STATUS:1` for a process (it was restarted).
    ProcessStart { process: String },
    /// `CLOCK_CLASS_CHANGE <class>`.
    ClockClass { class: u8 },
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
    /// T-BC status line.
    TbcStatus {
        #[serde(default)]
        iface: Option<String>,
        #[serde(default)]
        offset: i64,
        state: String,
    },
    /// Nothing happens for `duration` seconds.
    Wait { duration: f64 },
    /// Lines given verbatim, each optionally prefixed by `@<seconds> `.
    Raw {
        #[serde(default = "default_conn")]
        conn: String,
        lines: Vec<String>,
    },
    /// Daemon reconnect and replay (socket-and-lines.md §6.7).
    Replay {
        #[serde(default = "default_port")]
        port: u32,
        #[serde(default = "default_level")]
        level: String,
        #[serde(default)]
        class: Option<u8>,
    },
}

fn default_servo() -> String {
    "s2".into()
}
fn default_phc_rate() -> f64 {
    8.0
}
fn default_gm_to() -> String {
    "MASTER".into()
}
fn default_from() -> String {
    "FAULTY".into()
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
fn default_level() -> String {
    "5".into()
}

impl Step {
    /// The configuration index the step acts on.
    pub fn config(&self) -> u32 {
        self.config
    }
    /// The step's `kind`.
    pub fn kind_name(&self) -> &'static str {
        match &self.action {
            Action::Startup { .. } => "startup",
            Action::SteadyLock { .. } => "steady_lock",
            Action::OffsetSpike { .. } => "offset_spike",
            Action::GmLoss { .. } => "gm_loss",
            Action::LinkFault { .. } => "link_fault",
            Action::Recovery { .. } => "recovery",
            Action::ServoUnlock { .. } => "servo_unlock",
            Action::Relock { .. } => "relock",
            Action::ProcessStop { .. } => "process_stop",
            Action::ProcessStart { .. } => "process_start",
            Action::ClockClass { .. } => "clock_class",
            Action::GnssLoss { .. } => "gnss_loss",
            Action::DpllFreerun { .. } => "dpll_freerun",
            Action::GnssRecovery { .. } => "gnss_recovery",
            Action::TbcStatus { .. } => "tbc_status",
            Action::Wait { .. } => "wait",
            Action::Raw { .. } => "raw",
            Action::Replay { .. } => "replay",
        }
    }
}

/// The connection a line is written on: `handler` (the daemon's event
/// handler) or `<process>.<N>` (one per simulated process).
pub type Conn = String;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedLine {
    /// Seconds since the scenario start.
    pub t: f64,
    pub conn: Conn,
    pub text: String,
    /// The connection is closed and opened again before this line.
    pub reconnect: bool,
}

/// A step's place on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpan {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

/// The whole timeline of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub lines: Vec<TimedLine>,
    pub steps: Vec<StepSpan>,
    /// When the run ends (last line, last step end, or `duration`).
    pub end: f64,
}

/// Servo token → model.
fn servo(s: &str) -> Servo {
    match s {
        "s0" => Servo::S0,
        "s1" => Servo::S1,
        "s3" => Servo::S3,
        _ => Servo::S2,
    }
}

/// Builds lines at one point of time for one profile.
struct Out<'a> {
    p: &'a Profile,
    /// Start of the step (for the timestamps inside lines).
    base: f64,
    lines: &'a mut Vec<TimedLine>,
}

/// Raw linuxptp stamps: seconds since boot (with ms).
const BOOT: f64 = 5365.0;
/// Synthetic stamps: Unix seconds.
const UNIX: f64 = 1_700_000_000.0;

impl Out<'_> {
    fn push(&mut self, t: f64, conn: String, text: String) {
        self.lines.push(TimedLine {
            t,
            conn,
            text,
            reconnect: false,
        });
    }
    fn conn(&self, proc_: &str) -> String {
        format!("{proc_}.{}", self.p.config)
    }
    /// A raw line of `src`, tagged `cfg`, written on the process connection.
    fn raw_on(&mut self, t: f64, src: &str, cfg: &str, level: Option<&str>, body: Body<'_>) {
        let stamp = format!(
            "{:.3}",
            BOOT + 1000.0 * f64::from(self.p.config) + self.base + t
        );
        let e = Entry {
            prefix: Prefix::Raw,
            source: src,
            stamp: &stamp,
            config: cfg,
            level,
            body,
        };
        let text = LogLine::Entry(e).to_string();
        let conn = if level.is_some() {
            "handler".to_string()
        } else {
            self.conn(src)
        };
        self.push(t, conn, text);
    }
    fn ptp4l(&mut self, t: f64, body: Body<'_>) {
        let cfg = self.p.ptp4l_config();
        self.raw_on(t, "ptp4l", &cfg, None, body);
    }
    fn other(&mut self, t: f64, src: &str, text: &str) {
        let cfg = if src == "ts2phc" {
            self.p.ts2phc_config()
        } else {
            self.p.ptp4l_config()
        };
        let kind = Kind::Other;
        self.raw_on(t, src, &cfg, None, Body::Other { kind, text });
    }
    /// A synthetic daemon line on the event-handler connection.
    fn synthetic_on(&mut self, t: f64, conn: String, src: &str, cfg: &str, body: Body<'_>) {
        let stamp = format!("{}", (UNIX + self.base + t).floor() as i64);
        let e = Entry {
            prefix: Prefix::Synthetic,
            source: src,
            stamp: &stamp,
            config: cfg,
            level: None,
            body,
        };
        let text = LogLine::Entry(e).to_string();
        self.push(t, conn, text);
    }
    fn synthetic(&mut self, t: f64, src: &str, body: Body<'_>) {
        let cfg = if self.p.has_ts2phc() && src != "ptp4l" || self.p.kind == ProfileType::Tgm {
            self.p.ts2phc_config()
        } else {
            self.p.ptp4l_config()
        };
        self.synthetic_on(t, "handler".into(), src, &cfg, body);
    }
    fn offset(&mut self, t: f64, offset: i64, s: Servo) {
        let body = Body::PtpOffset(PtpOffset {
            offset,
            servo: s,
            freq: (-1100.0 + (offset as f64) / 4.0).round(),
            delay: Some(1585),
        });
        self.ptp4l(t, body);
    }
    fn phc2sys(&mut self, t: f64, offset: i64, s: Servo) {
        let body = Body::Phc2sysOffset(Phc2sysOffset {
            source: ClockSource::Phc,
            offset,
            servo: s,
            freq: 2726.0,
            delay: Some(547),
        });
        let cfg = self.p.ptp4l_config();
        self.raw_on(t, "phc2sys", &cfg, None, body);
    }
    fn port(&mut self, t: f64, port: u32, from: &str, to: &str, event: &str, fault: Option<&str>) {
        self.port_level(t, port, from, to, event, fault, None);
    }
    #[allow(clippy::too_many_arguments)]
    fn port_level(
        &mut self,
        t: f64,
        port: u32,
        from: &str,
        to: &str,
        event: &str,
        fault: Option<&str>,
        level: Option<&str>,
    ) {
        let iface = self.iface(port);
        let n = port.to_string();
        let body = Body::PortState(PortState {
            port: &n,
            iface: Some(&iface),
            from,
            to,
            event,
            fault,
        });
        let cfg = self.p.ptp4l_config();
        self.raw_on(t, "ptp4l", &cfg, level, body);
    }
    fn iface(&self, port: u32) -> String {
        let i = port.saturating_sub(1) as usize;
        self.p
            .interfaces
            .get(i)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| format!("eth{i}"))
    }
    fn leader(&self, iface: &Option<String>) -> String {
        iface
            .clone()
            .or_else(|| self.p.upstream().map(str::to_string))
            .unwrap_or_default()
    }
    fn class(&mut self, t: f64, class: u8) {
        let body = Body::ClockClass(ClockClass {
            class,
            fractional: false,
        });
        self.synthetic(t, "ptp4l", body);
    }
    fn status(&mut self, t: f64, conn: String, process: &str, running: bool) {
        let cfg = match process {
            "ts2phc" | "gpsd" | "gpspipe" => self.p.ts2phc_config(),
            _ => self.p.ptp4l_config(),
        };
        let body = Body::ProcessStatus(ProcessStatus {
            running,
            colon: true,
        });
        self.synthetic_on(t, conn, process, &cfg, body);
    }
    fn gnss(&mut self, t: f64, iface: &str, fix: i64, offset: i64, state: &str) {
        let body = Body::Gnss(Gnss {
            iface,
            fix,
            offset,
            state: DaemonToken(state),
        });
        self.synthetic(t, "gnss", body);
    }
    fn dpll(&mut self, t: f64, iface: &str, status: i64, state: &str) {
        let body = Body::Dpll(Dpll {
            iface,
            frequency_status: Some(status),
            offset: Some(0),
            phase_status: Some(status),
            pps_status: Some(1),
            state: DaemonToken(state),
        });
        self.synthetic(t, "dpll", body);
    }
    fn gm(&mut self, t: f64, iface: &str, state: &str) {
        let body = Body::GmStatus(GmStatus {
            iface,
            state: DaemonToken(state),
        });
        self.synthetic(t, "GM", body);
    }
    fn nmea(&mut self, t: f64, iface: &str, available: bool) {
        let state = if available { "s2" } else { "s0" };
        let body = Body::NmeaStatus(NmeaStatus {
            iface,
            available,
            offset: 0,
            state: DaemonToken(state),
        });
        self.synthetic(t, "ts2phc", body);
    }
    fn ts2phc(&mut self, t: f64, iface: &str, offset: i64, s: Servo, holdover: bool) {
        let body = Body::Ts2phcOffset(Ts2phcOffset {
            iface,
            offset,
            servo: s,
            freq: -1.0,
            holdover,
            legacy: false,
        });
        let cfg = self.p.ts2phc_config();
        self.raw_on(t, "ts2phc", &cfg, None, body);
    }
    fn tbc(&mut self, t: f64, iface: &str, offset: i64, state: &str) {
        let body = Body::TbcStatus(TbcStatus {
            iface,
            offset,
            state: DaemonToken(state),
        });
        self.synthetic(t, "T-BC", body);
    }
}

/// The processes simulated for a profile, each with its own connection.
pub fn processes(p: &Profile) -> Vec<&'static str> {
    let mut v = vec!["ptp4l"];
    if p.phc2sys {
        v.push("phc2sys");
    }
    if p.has_ts2phc() {
        v.push("ts2phc");
    }
    v
}

/// Builds the timeline of a scenario.
pub fn build(s: &Scenario) -> Timeline {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let mut lines = Vec::new();
    let mut steps = Vec::new();
    if s.preamble {
        for p in &s.profiles {
            let mut o = Out {
                p,
                base: 0.0,
                lines: &mut lines,
            };
            for proc_ in processes(p) {
                let conn = o.conn(proc_);
                o.push(0.0, conn.clone(), "CMD LIVE_START".into());
                o.status(0.0, conn, proc_, true);
            }
        }
    }
    let mut cursor = 0.0f64;
    for step in &s.steps {
        let start = step.at.unwrap_or(cursor + step.after);
        let Some(p) = s.profile(step.config) else {
            continue;
        };
        let mut local = Vec::new();
        let dur = {
            let mut o = Out {
                p,
                base: start,
                lines: &mut local,
            };
            generate(&mut o, &step.action, &mut rng)
        };
        for mut l in local {
            l.t += start;
            lines.push(l);
        }
        steps.push(StepSpan {
            start,
            end: start + dur,
            label: format!("{} (config {})", step.kind_name(), step.config),
        });
        cursor = start + dur;
    }
    lines.sort_by(|a, b| a.t.total_cmp(&b.t));
    let last = lines.last().map_or(0.0, |l| l.t);
    let end = last.max(cursor).max(s.duration);
    Timeline { lines, steps, end }
}

/// Emits the lines of one action relative to its start; returns its duration.
fn generate(o: &mut Out<'_>, a: &Action, rng: &mut StdRng) -> f64 {
    match a {
        Action::Startup {
            port,
            calibration,
            rate,
        } => {
            let port = *port;
            o.port(
                0.0,
                port,
                "INITIALIZING",
                "LISTENING",
                "INIT_COMPLETE",
                None,
            );
            o.other(
                0.8,
                "ptp4l",
                &format!(
                    "port {port} ({}): new foreign master 001122.fffe.334455-1",
                    o.iface(port)
                ),
            );
            o.other(
                1.0,
                "ptp4l",
                "selected best master clock 001122.fffe.334455",
            );
            o.port(1.0, port, "LISTENING", "UNCALIBRATED", "RS_SLAVE", None);
            let dt = 1.0 / rate.max(0.1);
            let n = (calibration / dt).floor() as usize;
            for i in 0..n {
                let t = 1.0 + dt * (i as f64 + 1.0);
                o.offset(t, -50_000 / (i as i64 + 1), Servo::S0);
            }
            let t = 1.0 + calibration + dt;
            o.offset(t, -59, Servo::S2);
            o.port(
                t,
                port,
                "UNCALIBRATED",
                "SLAVE",
                "MASTER_CLOCK_SELECTED",
                None,
            );
            t
        }
        Action::SteadyLock {
            duration,
            rate,
            offset,
            servo: sv,
            phc2sys,
            phc_offset,
            phc_rate,
        } => {
            let sv = servo(sv);
            match o.p.kind {
                ProfileType::Tgm => {
                    let iface = o.leader(&None);
                    let mut t = 0.0;
                    while t < *duration {
                        let off = offset.sample(rng);
                        o.gnss(t, &iface, 3, off.abs().min(5), "s2");
                        o.dpll(t + 0.1, &iface, 3, "s2");
                        o.ts2phc(t + 0.3, &iface, off, sv, false);
                        o.nmea(t + 0.3, &iface, true);
                        o.gm(t + 0.4, &iface, "s2");
                        t += 1.0;
                    }
                }
                kind => {
                    let dt = 1.0 / rate.max(0.1);
                    let n = (duration / dt).floor() as usize;
                    for i in 0..n {
                        let t = dt * i as f64;
                        let off = offset.sample(rng);
                        o.offset(t, off, sv);
                        if kind == ProfileType::Tbc && (i as f64 * dt).fract() < dt {
                            let iface = o.leader(&None);
                            o.tbc(t + 0.001, &iface, off, "s2");
                        }
                    }
                }
            }
            if phc2sys.unwrap_or(o.p.phc2sys) {
                let dt = 1.0 / phc_rate.max(0.1);
                let n = (duration / dt).floor() as usize;
                for i in 0..n {
                    let off = phc_offset.sample(rng);
                    o.phc2sys(dt * i as f64 + 0.03, off, Servo::S2);
                }
            }
            *duration
        }
        Action::OffsetSpike { offsets, rate } => {
            let dt = 1.0 / rate.max(0.1);
            for (i, off) in offsets.iter().enumerate() {
                o.offset(dt * i as f64, *off, Servo::S2);
            }
            dt * offsets.len() as f64
        }
        Action::GmLoss { port, to } => {
            let port = *port;
            let to = if to.eq_ignore_ascii_case("LISTENING") {
                "LISTENING"
            } else {
                "MASTER"
            };
            o.port(
                0.0,
                port,
                "SLAVE",
                to,
                "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
                None,
            );
            o.other(
                0.0,
                "ptp4l",
                "selected local clock 507c6f.fffe.1fb1b9 as best master",
            );
            if to == "MASTER" {
                let text = format!(
                    "port {port} ({}): assuming the grand master role",
                    o.iface(port)
                );
                o.other(0.0, "ptp4l", &text);
            }
            0.0
        }
        Action::LinkFault { port } => {
            let port = *port;
            let iface = o.iface(port);
            o.other(
                0.0,
                "ptp4l",
                "recvmsg tx timestamp failed: Resource temporarily unavailable",
            );
            o.other(
                0.0,
                "ptp4l",
                &format!("port {port} ({iface}): send delay request failed"),
            );
            o.port(
                0.0,
                port,
                "SLAVE",
                "FAULTY",
                "FAULT_DETECTED",
                Some("FT_UNSPECIFIED"),
            );
            o.other(0.023, "ptp4l", &format!("port {port} ({iface}): link down"));
            0.023
        }
        Action::Recovery {
            port,
            from,
            calibration,
            rate,
        } => {
            let port = *port;
            let iface = o.iface(port);
            let mut t = 0.0;
            if from.eq_ignore_ascii_case("FAULTY") {
                o.other(t, "ptp4l", &format!("port {port} ({iface}): link up"));
                o.port(t, port, "FAULTY", "LISTENING", "INIT_COMPLETE", None);
                t += 0.1;
                o.other(
                    t,
                    "ptp4l",
                    &format!("port {port} ({iface}): new foreign master 507c6f.fffe.1fb16c-4"),
                );
                t += 0.25;
                o.other(t, "ptp4l", "selected best master clock 507c6f.fffe.1fb16c");
                o.port(t, port, "LISTENING", "UNCALIBRATED", "RS_SLAVE", None);
            } else {
                let f = if from.eq_ignore_ascii_case("LISTENING") {
                    "LISTENING"
                } else {
                    "MASTER"
                };
                o.other(t, "ptp4l", "selected best master clock 001122.fffe.334455");
                o.port(t, port, f, "UNCALIBRATED", "RS_SLAVE", None);
            }
            let dt = 1.0 / rate.max(0.1);
            let n = (calibration / dt).floor() as usize;
            for i in 0..n {
                t += dt;
                o.offset(t, -14 * (n - i) as i64, Servo::S0);
            }
            t += dt;
            o.offset(t, 44, Servo::S2);
            o.port(
                t,
                port,
                "UNCALIBRATED",
                "SLAVE",
                "MASTER_CLOCK_SELECTED",
                None,
            );
            t
        }
        Action::ServoUnlock { port, offset } => {
            o.offset(0.0, *offset, Servo::S0);
            o.port(
                0.0,
                *port,
                "SLAVE",
                "UNCALIBRATED",
                "SYNCHRONIZATION_FAULT",
                None,
            );
            0.0
        }
        Action::Relock {
            port,
            calibration,
            rate,
        } => {
            let dt = 1.0 / rate.max(0.1);
            o.offset(dt, 47302, Servo::S0);
            o.offset(dt + calibration / 2.0, -48190, Servo::S1);
            let t = dt + calibration;
            o.offset(t, -3, Servo::S2);
            o.port(
                t,
                *port,
                "UNCALIBRATED",
                "SLAVE",
                "MASTER_CLOCK_SELECTED",
                None,
            );
            t
        }
        Action::ProcessStop { process } => {
            o.status(0.0, "handler".into(), process, false);
            0.0
        }
        Action::ProcessStart { process } => {
            o.status(0.0, "handler".into(), process, true);
            0.0
        }
        Action::ClockClass { class } => {
            o.class(0.0, *class);
            0.0
        }
        Action::GnssLoss { iface } => {
            let i = o.leader(iface);
            o.gnss(0.0, &i, 0, 0, "s0");
            o.other(0.1, "ts2phc", "source ts not valid");
            o.ts2phc(1.1, &i, 2, Servo::S3, true);
            o.nmea(1.1, &i, false);
            o.dpll(1.3, &i, 4, "s1");
            o.gm(1.3, &i, "s1");
            o.class(1.3, 7);
            1.3
        }
        Action::DpllFreerun { iface } => {
            let i = o.leader(iface);
            o.dpll(0.0, &i, 1, "s0");
            o.gm(0.0, &i, "s0");
            o.class(0.0, 248);
            0.0
        }
        Action::GnssRecovery { iface, acquire } => {
            let i = o.leader(iface);
            o.gnss(0.0, &i, 1, 0, "s0");
            let t = *acquire;
            o.gnss(t, &i, 3, 4, "s2");
            o.dpll(t + 0.9, &i, 3, "s2");
            o.nmea(t + 1.1, &i, true);
            o.ts2phc(t + 1.1, &i, 3, Servo::S2, false);
            o.gm(t + 1.2, &i, "s2");
            o.class(t + 1.2, 6);
            t + 1.2
        }
        Action::TbcStatus {
            iface,
            offset,
            state,
        } => {
            let i = o.leader(iface);
            o.tbc(0.0, &i, *offset, state);
            0.0
        }
        Action::Wait { duration } => *duration,
        Action::Raw { conn, lines } => {
            let mut last = 0.0f64;
            for l in lines {
                let (t, text) = split_at_offset(l);
                last = last.max(t);
                o.push(t, conn.clone(), text.to_string());
            }
            last
        }
        Action::Replay { port, level, class } => {
            let conns: Vec<String> = processes(o.p).iter().map(|p| o.conn(p)).collect();
            let first = o.lines.len();
            o.port_level(
                0.015,
                *port,
                "UNCALIBRATED",
                "SLAVE",
                "MASTER_CLOCK_SELECTED",
                None,
                Some(level),
            );
            if let Some(l) = o.lines.get_mut(first) {
                l.reconnect = true;
            }
            for p in processes(o.p) {
                o.status(0.016, "handler".into(), p, true);
            }
            if let Some(c) = class {
                o.class(0.017, *c);
            }
            for (i, (conn, p)) in conns.into_iter().zip(processes(o.p)).enumerate() {
                let t = 0.03 + 0.065 * i as f64;
                o.lines.push(TimedLine {
                    t,
                    conn: conn.clone(),
                    text: "CMD LIVE_START".into(),
                    reconnect: true,
                });
                o.status(t, conn, p, true);
            }
            0.1
        }
    }
}

/// Splits `@1.25 text` into (1.25, "text"); lines without `@` are at 0.
pub fn split_at_offset(line: &str) -> (f64, &str) {
    if let Some(rest) = line.strip_prefix('@') {
        if let Some((num, text)) = rest.split_once(char::is_whitespace) {
            if let Ok(t) = num.parse::<f64>() {
                return (t, text.trim_start());
            }
        }
    }
    (0.0, line)
}
