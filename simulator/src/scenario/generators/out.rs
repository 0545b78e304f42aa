//! The line emitter shared by every generator family: renders lines with
//! the proxy's own line model (`ptp_event_core::linuxptp`) and places them
//! on the connection of the process that writes them.

use ptp_event_core::linuxptp::{Body, DaemonToken, Entry, Kind, LogLine, Prefix, Servo};

use super::TimedLine;
use crate::scenario::format::{Profile, ProfileType, ServoToken};

/// Raw linuxptp stamps: seconds since boot (with ms).
const BOOT: f64 = 5365.0;
/// Synthetic stamps: Unix seconds.
const UNIX: f64 = 1_700_000_000.0;
/// The pid chronyd lines carry.
const CHRONYD_PID: &str = "1234";

/// The event-handler connection of the daemon (synthetic lines, replay).
pub const HANDLER: &str = "handler";

/// Servo token → model.
pub fn servo(s: ServoToken) -> Servo {
    match s {
        ServoToken::S0 => Servo::S0,
        ServoToken::S1 => Servo::S1,
        ServoToken::S2 => Servo::S2,
        ServoToken::S3 => Servo::S3,
    }
}

/// Builds lines at one point of time for one profile.
pub struct Out<'a> {
    pub p: &'a Profile,
    /// Start of the step (for the timestamps inside lines).
    pub base: f64,
    pub lines: &'a mut Vec<TimedLine>,
}

impl Out<'_> {
    /// A line at `t` (relative to the step) on `conn`.
    pub fn push(&mut self, t: f64, conn: String, text: String) {
        self.lines.push(TimedLine {
            t,
            conn,
            text,
            reconnect: false,
            hangup: false,
        });
    }
    /// The connection of a process of this profile: `<process>.<N>`.
    pub fn conn(&self, process: &str) -> String {
        format!("{process}.{}", self.p.config)
    }
    fn entry(&mut self, t: f64, conn: String, e: Entry<'_>) {
        let text = LogLine::Entry(e).to_string();
        self.push(t, conn, text);
    }
    /// A raw line of `src`, tagged `cfg`, on the process connection (or on
    /// the handler connection when it carries a level suffix: a replay).
    pub fn raw_on(&mut self, t: f64, src: &str, cfg: &str, level: Option<&str>, body: Body<'_>) {
        let stamp = format!(
            "{:.3}",
            BOOT + 1000.0 * f64::from(self.p.config) + self.base + t
        );
        let conn = if level.is_some() {
            HANDLER.to_string()
        } else {
            self.conn(src)
        };
        let e = Entry {
            prefix: Prefix::Raw,
            source: src,
            stamp: &stamp,
            config: cfg,
            level,
            body,
        };
        self.entry(t, conn, e);
    }
    /// A raw ptp4l line.
    pub fn ptp4l(&mut self, t: f64, body: Body<'_>) {
        let cfg = self.p.ptp4l_config();
        self.raw_on(t, "ptp4l", &cfg, None, body);
    }
    /// Output of `src` the proxy ignores (§3.17).
    pub fn other(&mut self, t: f64, src: &str, text: &str) {
        let cfg = if src == "ts2phc" {
            self.p.ts2phc_config()
        } else {
            self.p.ptp4l_config()
        };
        let kind = Kind::Other;
        self.raw_on(t, src, &cfg, None, Body::Other { kind, text });
    }
    /// A synthetic daemon line on `conn`.
    pub fn synthetic_on(&mut self, t: f64, conn: String, src: &str, cfg: &str, body: Body<'_>) {
        let stamp = format!("{}", (UNIX + self.base + t).floor() as i64);
        let e = Entry {
            prefix: Prefix::Synthetic,
            source: src,
            stamp: &stamp,
            config: cfg,
            level: None,
            body,
        };
        self.entry(t, conn, e);
    }
    /// A synthetic daemon line on the handler connection, tagged with the
    /// configuration its source uses.
    pub fn synthetic(&mut self, t: f64, src: &str, body: Body<'_>) {
        let cfg = if self.p.has_ts2phc() && src != "ptp4l" || self.p.kind == ProfileType::Tgm {
            self.p.ts2phc_config()
        } else {
            self.p.ptp4l_config()
        };
        self.synthetic_on(t, HANDLER.into(), src, &cfg, body);
    }
    /// A chronyd line as the daemon forwards it.
    pub fn chronyd(&mut self, t: f64, locked: bool, text: &str) {
        let cfg = self.p.chronyd_config();
        let conn = self.conn("chronyd");
        let e = Entry {
            prefix: Prefix::Chronyd,
            source: "chronyd",
            stamp: CHRONYD_PID,
            config: &cfg,
            level: None,
            body: Body::Chronyd(ptp_event_core::linuxptp::Chronyd { locked, text }),
        };
        self.entry(t, conn, e);
    }
    /// The interface of port N (1-based) of the profile.
    pub fn iface(&self, port: u32) -> String {
        let i = port.saturating_sub(1) as usize;
        self.p
            .interfaces
            .get(i)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| format!("eth{i}"))
    }
    /// The leading interface: the given one, else the profile's upstream.
    pub fn leader(&self, iface: &Option<String>) -> String {
        iface
            .clone()
            .or_else(|| self.p.upstream().map(str::to_string))
            .unwrap_or_default()
    }
    /// A daemon state token.
    pub fn token(s: &str) -> DaemonToken<'_> {
        DaemonToken(s)
    }
}
