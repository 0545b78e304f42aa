//! `cloud-event-proxy explain [FILE|-]`: replays a captured log through the
//! clock engine in virtual time and explains every event it would publish.
//!
//! # Time
//!
//! The time of a line is, first that applies:
//! 1. a leading `@<seconds>` column (`@17.210 ptp4l[...]: ...`);
//! 2. the number in the line's first brackets (its own timestamp);
//! 3. the previous line's time (control lines, unparsable stamps).
//!
//! Time never goes backwards: a line stamped earlier than its predecessor
//! is processed at the predecessor's time. Logs that mix raw linuxptp stamps
//! (seconds since boot) with daemon stamps (Unix seconds) should carry the
//! `@` column.
//!
//! Holdover deadlines fire at their own instant between lines: before a line
//! at time `t`, every deadline `<= t` is fired at its instant. Deadlines later
//! than the last line's time are **not** fired (the log ends before them);
//! the earliest one is reported in [`ExplainSummary::pending_deadline`] and
//! mentioned in the table output.
//!
//! # Configuration
//!
//! Without configuration files, a `ptp4l.N.config` is synthesised for every
//! profile key seen in the input (see [`auto_config`]): its ports are those
//! of the `port N (ifname):` lines, in port-number order, then any other
//! interface named by lines of that key, all starting as SLAVE. Given files
//! (`--ptp4l-config`) replace the synthesised file of the same name.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Serialize;

use crate::clock::driver::Driver;
use crate::clock::{Effect, Effects, LineResult};
use crate::events::{EventData, Resource};
use crate::linuxptp::{parse, Body, Entry, LogLine};
use crate::node_config::{NodeConfig, PortConfig, ProfileSettings, Ptp4lConfig, Thresholds};

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExplainFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON object per line for tools.
    Jsonl,
}

/// Options, with configuration pieces already loaded by the CLI.
#[derive(Debug, Clone, Default)]
pub struct ExplainOptions {
    pub format: ExplainFormat,
    /// Node name used in resource addresses (default `node`).
    pub node: Option<String>,
    /// `--ptp4l-config FILE` (repeatable), already parsed.
    pub ptp4l_configs: Vec<Ptp4lConfig>,
    /// `--thresholds FILE`, already parsed.
    pub profiles: Vec<ProfileSettings>,
}

/// Counts of what happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExplainSummary {
    /// Non-empty input lines.
    pub lines: u64,
    pub parsed: u64,
    pub ignored: u64,
    pub rejected: u64,
    /// Events emitted.
    pub events: u64,
    /// The earliest holdover deadline after the last line, not fired.
    pub pending_deadline: Option<f64>,
}

/// Errors of `explain`.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("reading input: {0}")]
    Read(std::io::Error),
    #[error("writing output: {0}")]
    Write(#[from] std::io::Error),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Profile name given to synthesised configuration files when the
/// thresholds file does not name exactly one profile.
pub const AUTO_PROFILE: &str = "explain-auto";

/// One input line after the `@` column is split off.
struct InLine {
    at: Option<f64>,
    text: Result<String, ()>,
}

fn split_at_column(raw: &str) -> (Option<f64>, &str) {
    if let Some(rest) = raw.strip_prefix('@') {
        let (num, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Ok(t) = num.parse::<f64>() {
            if t.is_finite() {
                return (Some(t.max(0.0)), tail.trim_start());
            }
        }
    }
    (None, raw)
}

fn read_lines(mut input: impl BufRead) -> Result<Vec<InLine>, ExplainError> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(ExplainError::Read)?;
        if n == 0 {
            break;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        match std::str::from_utf8(&buf) {
            Ok(s) => {
                if s.trim().is_empty() {
                    continue;
                }
                let (at, text) = split_at_column(s);
                out.push(InLine {
                    at,
                    text: Ok(text.to_string()),
                });
            }
            Err(_) => out.push(InLine {
                at: None,
                text: Err(()),
            }),
        }
    }
    Ok(out)
}

/// Interfaces seen per profile key.
#[derive(Default)]
struct Seen {
    ports: BTreeMap<u32, String>,
    others: Vec<String>,
}

fn line_iface<'a>(e: &Entry<'a>) -> Option<&'a str> {
    match &e.body {
        Body::Ts2phcOffset(o) => Some(o.iface),
        Body::NmeaStatus(n) => Some(n.iface),
        Body::Gnss(g) => Some(g.iface),
        Body::Dpll(d) => Some(d.iface),
        Body::GmStatus(g) => Some(g.iface),
        Body::TbcStatus(t) => Some(t.iface),
        _ => None,
    }
    .filter(|i| !i.starts_with("/dev/"))
}

/// The highest port number `auto_config` gives an interface: the engine's
/// bound on ports per profile key. ptp4l numbers the ports of a
/// configuration 1, 2, … in the order of its interfaces, so a real capture
/// stays far below this. A port line above it (a corrupt
/// line) is left out of the synthesised file, and the engine then ignores
/// it as a port the configuration lacks. Without the bound, one line with
/// port 913363631 made explain fill 913 million placeholder interfaces (found
/// by the engine fuzz target: out of memory).
pub const MAX_AUTO_PORT: u32 = crate::clock::MAX_PORTS as u32;

/// Synthesises a configuration file per profile key seen in `lines`.
pub fn auto_config<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    profile: &str,
) -> Vec<Ptp4lConfig> {
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for text in lines {
        let Ok(LogLine::Entry(e)) = parse(text) else {
            continue;
        };
        if matches!(e.body, Body::Synce(_) | Body::Chronyd(_)) {
            continue;
        }
        let key = e.profile_key().to_owned_string();
        let s = seen.entry(key).or_default();
        if let Body::PortState(p) = &e.body {
            if let (Ok(n), Some(iface)) = (p.port.parse::<u32>(), p.iface) {
                if (1..=MAX_AUTO_PORT).contains(&n) {
                    s.ports.entry(n).or_insert_with(|| iface.to_string());
                }
            }
        } else if let Some(iface) = line_iface(&e) {
            if !s.others.iter().any(|o| o == iface) {
                s.others.push(iface.to_string());
            }
        }
    }
    seen.into_iter()
        .map(|(name, s)| {
            let mut ifaces: Vec<String> = Vec::new();
            let max = s.ports.keys().next_back().copied().unwrap_or(0);
            for n in 1..=max {
                ifaces.push(
                    s.ports
                        .get(&n)
                        .cloned()
                        .unwrap_or_else(|| format!("port{n}")),
                );
            }
            for o in s.others {
                if !ifaces.contains(&o) {
                    ifaces.push(o);
                }
            }
            if ifaces.is_empty() && !name.starts_with("phc2sys") {
                ifaces.push("unknown".to_string());
            }
            Ptp4lConfig {
                name,
                profile: Some(profile.to_string()),
                ports: ifaces
                    .into_iter()
                    .map(|iface| PortConfig {
                        iface,
                        initial_role: crate::linuxptp::Role::Slave,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct JsonValue<'a> {
    #[serde(rename = "ResourceAddress")]
    resource_address: &'a str,
    data_type: &'static str,
    value_type: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    time: f64,
    #[serde(rename = "type")]
    event_type: &'static str,
    source: &'static str,
    values: Vec<JsonValue<'a>>,
}

struct Out<'w, W: Write> {
    w: &'w mut W,
    format: ExplainFormat,
    node_prefix: String,
    thresholds: BTreeMap<String, Thresholds>,
}

fn ms(t: f64) -> f64 {
    (t * 1000.0).round() / 1000.0
}

impl<W: Write> Out<'_, W> {
    fn event(&mut self, t: f64, d: &EventData, why: &str) -> Result<(), ExplainError> {
        match self.format {
            ExplainFormat::Jsonl => {
                let ev = JsonEvent {
                    time: ms(t),
                    event_type: d.resource.event_type(),
                    source: d.resource.suffix(),
                    values: d
                        .values
                        .iter()
                        .map(|v| JsonValue {
                            resource_address: &v.address,
                            data_type: v.data_type.as_str(),
                            value_type: v.data_type.value_type(),
                            value: &v.value,
                        })
                        .collect(),
                };
                serde_json::to_writer(&mut *self.w, &ev)?;
                writeln!(self.w)?;
            }
            ExplainFormat::Table => {
                let (what, value) = self.describe(d);
                writeln!(self.w, "{t:>10.3}  {what:<44} {value:<34} ← {why}")?;
            }
        }
        Ok(())
    }

    fn describe(&self, d: &EventData) -> (String, String) {
        let name = d.resource.suffix().rsplit('/').next().unwrap_or_default();
        let name = match d.resource {
            Resource::SynceLockState => "synce-lock-state",
            Resource::SynceClockQuality => "synce-clock-quality",
            _ => name,
        };
        let addr = d
            .values
            .first()
            .map(|v| {
                v.address
                    .strip_prefix(&self.node_prefix)
                    .unwrap_or(&v.address)
            })
            .unwrap_or_default();
        let addr = addr.strip_suffix("/Ql").unwrap_or(addr);
        let what = match d.resource {
            Resource::SyncState => name.to_string(),
            _ => format!("{name} {addr}"),
        };
        let val = |i: usize| d.values.get(i).map_or("", |v| v.value.as_str());
        let value = match d.resource {
            Resource::LockState | Resource::OsClockSyncState => {
                format!("{} (offset {})", val(0), val(1))
            }
            Resource::GnssSyncStatus => {
                format!("{} (offset {}, gpsFix {})", val(0), val(1), val(2))
            }
            Resource::SynceClockQuality => format!("ql {} ext_ql {}", val(0), val(1)),
            _ => val(0).to_string(),
        };
        (what, value)
    }

    fn note(&mut self, t: f64, text: &str) -> Result<(), ExplainError> {
        if self.format == ExplainFormat::Table {
            writeln!(self.w, "{t:>10.3}  {text}")?;
        }
        Ok(())
    }

    /// Why a line caused its own (non-derived) events.
    fn why(&self, e: &Entry<'_>) -> String {
        let th = self
            .thresholds
            .get(&e.profile_key().to_owned_string())
            .copied()
            .unwrap_or_default();
        let range = |o: i64| {
            if th.in_range(o) {
                "in range"
            } else {
                "out of range"
            }
        };
        match &e.body {
            Body::PtpOffset(o) if o.delay.is_none() => {
                format!("ptp4l offset {} without path delay (holdover)", o.offset)
            }
            Body::PtpOffset(o) if o.servo.is_locked() => {
                format!("ptp4l offset {} {}", o.offset, range(o.offset))
            }
            Body::PtpOffset(o) => format!("ptp4l servo {} (offset {})", o.servo.token(), o.offset),
            Body::PortState(p) => format!(
                "port {} ({}) {} to {} on {}",
                p.port,
                p.iface.unwrap_or("?"),
                p.from,
                p.to,
                p.event
            ),
            Body::ClockClass(c) => format!("clock class {}", c.class),
            Body::ProcessStatus(p) => format!(
                "{} {} ({})",
                e.source,
                if p.running { "started" } else { "stopped" },
                e.config
            ),
            Body::Phc2sysOffset(o) if o.servo.is_locked() => {
                format!("phc2sys offset {} {}", o.offset, range(o.offset))
            }
            Body::Phc2sysOffset(o) => {
                format!("phc2sys servo {} (offset {})", o.servo.token(), o.offset)
            }
            Body::Ts2phcOffset(o) if o.holdover => format!("ts2phc {} asserts holdover", o.iface),
            Body::Ts2phcOffset(o) if o.servo.is_locked() => {
                format!("ts2phc {} offset {} {}", o.iface, o.offset, range(o.offset))
            }
            Body::Ts2phcOffset(o) => format!("ts2phc {} servo {}", o.iface, o.servo.token()),
            Body::Gnss(g) => format!(
                "gnss {} gpsFix {} {}",
                g.iface,
                g.fix,
                g.state.state().as_str()
            ),
            Body::GmStatus(g) => format!("T-GM status {}", g.state.state().as_str()),
            Body::TbcStatus(t) => format!("T-BC status {}", t.state.state().as_str()),
            Body::Synce(s) => format!("synce4l {} {}", s.device, s.iface),
            Body::Chronyd(c) => format!(
                "chronyd {}",
                if c.locked {
                    "selected a source"
                } else {
                    "has no selectable sources"
                }
            ),
            other => format!("{:?} line", other.kind()),
        }
    }

    fn effects(
        &mut self,
        t: f64,
        fx: &Effects,
        own: &str,
        summary: &mut ExplainSummary,
    ) -> Result<(), ExplainError> {
        for item in &fx.items {
            let Effect::Publish(d, _) = item else {
                continue;
            };
            summary.events += 1;
            let why = match d.resource {
                Resource::SyncState => {
                    "node sync-state = worst of main clocks and OS clock".to_string()
                }
                Resource::OsClockSyncState
                    if !matches!(
                        fx.kind,
                        crate::linuxptp::Kind::Phc2sysOffset | crate::linuxptp::Kind::Chronyd
                    ) =>
                {
                    format!("OS clock = worst(phc2sys, main clock) after {own}")
                }
                _ => own.to_string(),
            };
            self.event(t, d, &why)?;
        }
        Ok(())
    }
}

/// What [`explain_observed`] shows its observer, in order: the
/// configuration (again after `CMD RESTART`), each parsed line at its time
/// before the engine sees it, the effects of every line and tick, and the
/// end of the run.
#[derive(Debug)]
pub enum Observation<'a> {
    Config(&'a NodeConfig),
    Line(f64, &'a LogLine<'a>),
    Effects(f64, &'a Effects),
    End(f64),
}

/// Explains `input`, writing the table or JSON lines to `out`.
pub fn explain(
    input: impl BufRead,
    opts: &ExplainOptions,
    out: &mut impl Write,
) -> Result<ExplainSummary, ExplainError> {
    explain_observed(input, opts, out, &mut |_| {})
}

/// As [`explain`], showing `observer` what the run does (a timeline plot
/// records it).
pub fn explain_observed(
    input: impl BufRead,
    opts: &ExplainOptions,
    out: &mut impl Write,
    observer: &mut dyn FnMut(Observation<'_>),
) -> Result<ExplainSummary, ExplainError> {
    let lines = read_lines(input)?;
    let profile = match opts.profiles.as_slice() {
        [only] => only.name.clone(),
        _ => AUTO_PROFILE.to_string(),
    };
    let mut files: BTreeMap<String, Ptp4lConfig> = auto_config(
        lines.iter().filter_map(|l| l.text.as_deref().ok()),
        &profile,
    )
    .into_iter()
    .map(|f| (f.name.clone(), f))
    .collect();
    for f in &opts.ptp4l_configs {
        files.insert(f.name.clone(), f.clone());
    }
    let thresholds = files
        .values()
        .map(|f| {
            let th = f
                .profile
                .as_deref()
                .and_then(|p| opts.profiles.iter().find(|s| s.name == p))
                .map(|s| s.thresholds)
                .unwrap_or_default();
            (f.name.clone(), th)
        })
        .collect();
    let node = opts.node.clone().unwrap_or_else(|| "node".to_string());
    let cfg = NodeConfig {
        files,
        profiles: opts.profiles.clone(),
        aliases: BTreeMap::new(),
    };
    observer(Observation::Config(&cfg));
    let mut driver = Driver::new(&node, cfg);
    let mut o = Out {
        w: out,
        format: opts.format,
        node_prefix: format!("/cluster/node/{node}/"),
        thresholds,
    };
    let mut summary = ExplainSummary::default();
    for l in &lines {
        summary.lines += 1;
        let parsed = l.text.as_deref().map(|t| (t, parse(t)));
        let stamp = match &parsed {
            Ok((_, Ok(LogLine::Entry(e)))) => e.stamp.parse::<f64>().ok().filter(|t| t.is_finite()),
            _ => None,
        };
        // Deadlines due before this line fire at their own instant.
        for (dt, fx) in driver.advance(l.at.or(stamp).unwrap_or(driver.now())) {
            observer(Observation::Effects(dt, &fx));
            o.effects(dt, &fx, "holdover timeout expired", &mut summary)?;
        }
        let now = driver.now();
        let (text, parsed) = match parsed {
            Err(()) => {
                summary.rejected += 1;
                o.note(now, "rejected: invalid UTF-8")?;
                continue;
            }
            Ok((text, Err(err))) => {
                summary.rejected += 1;
                o.note(now, &format!("rejected ({}): {text}", err.reason))?;
                continue;
            }
            Ok((text, Ok(p))) => (text, p),
        };
        observer(Observation::Line(now, &parsed));
        let fx = driver.line(&parsed);
        observer(Observation::Effects(now, &fx));
        match fx.result {
            LineResult::Parsed => summary.parsed += 1,
            LineResult::Ignored => summary.ignored += 1,
            LineResult::Rejected => {
                summary.rejected += 1;
                o.note(now, &format!("rejected (unknown config): {text}"))?;
                continue;
            }
        }
        if parsed == LogLine::Control(crate::linuxptp::Control::Restart) {
            observer(Observation::Config(driver.config()));
        }
        let why = match &parsed {
            LogLine::Entry(e) => o.why(e),
            LogLine::Control(c) => format!("{c:?}"),
        };
        o.effects(now, &fx, &why, &mut summary)?;
    }
    observer(Observation::End(driver.now()));
    summary.pending_deadline = driver.pending_deadline().map(ms);
    if let Some(d) = summary.pending_deadline {
        o.note(d, "(holdover deadline after the end of the log: not fired)")?;
    }
    if o.format == ExplainFormat::Table {
        writeln!(
            o.w,
            "{} lines: {} parsed, {} ignored, {} rejected; {} events",
            summary.lines, summary.parsed, summary.ignored, summary.rejected, summary.events
        )?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests;
