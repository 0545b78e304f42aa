//! The scenario file format (TOML, serde). See `scenarios/README.md`.

use std::path::Path;

use serde::Deserialize;

use super::expect::Expectations;
use super::generators::Step;

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
    /// The PTP profiles of the node.
    #[serde(rename = "profile", default)]
    pub profiles: Vec<Profile>,
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

impl Profile {
    /// `ptp4l.N.config`.
    pub fn ptp4l_config(&self) -> String {
        format!("ptp4l.{}.config", self.config)
    }
    /// `ts2phc.N.config`.
    pub fn ts2phc_config(&self) -> String {
        format!("ts2phc.{}.config", self.config)
    }
    /// Whether ts2phc runs (T-GM and T-BC).
    pub fn has_ts2phc(&self) -> bool {
        matches!(self.kind, ProfileType::Tgm | ProfileType::Tbc)
    }
    /// The first SLAVE interface, else the first interface.
    pub fn upstream(&self) -> Option<&str> {
        self.interfaces
            .iter()
            .find(|i| i.role == IfaceRole::Slave)
            .or(self.interfaces.first())
            .map(|i| i.name.as_str())
    }
    /// The text of `ptp4l.N.config`.
    pub fn ptp4l_file(&self) -> String {
        let mut s = format!(
            "#profile: {}\n[global]\n#\n# Default Data Set\n#\ntwoStepFlag 1\nslaveOnly 0\n\
             priority1 128\ndomainNumber 24\nclock_class_threshold 135\n\
             message_tag [{cfg}:{{level}}]\nuds_address /var/run/ptp4l.{n}.socket\n",
            self.name,
            cfg = self.ptp4l_config(),
            n = self.config
        );
        for i in &self.interfaces {
            let m = u8::from(i.role == IfaceRole::Master);
            s.push_str(&format!("[{}]\nmasterOnly {m}\n", i.name));
        }
        s
    }
    /// This profile's entry of the threshold profile JSON file.
    pub fn threshold_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "name": self.name,
            "interface": self.upstream().unwrap_or_default(),
            "ptp4lOpts": "-2 --summary_interval -4",
            "phc2sysOpts": if self.phc2sys { "-a -r -n 24" } else { "" },
            "ptpClockThreshold": {
                "holdOverTimeout": self.holdover_timeout,
                "maxOffsetThreshold": self.max_offset,
                "minOffsetThreshold": self.min_offset,
            }
        });
        if let Some(obj) = v.as_object_mut() {
            match self.kind {
                ProfileType::Tgm => {
                    obj.insert("ts2phcOpts".into(), "-s nmea -a".into());
                }
                ProfileType::Tbc => {
                    obj.insert(
                        "ts2phcOpts".into(),
                        "-s generic -a --ts2phc.rh_external_pps 1".into(),
                    );
                    obj.insert(
                        "ptpSettings".into(),
                        serde_json::json!({"controllingProfile": self.name}),
                    );
                }
                _ => {}
            }
        }
        v
    }
}

/// The threshold profile file of all profiles.
pub fn threshold_file(profiles: &[Profile]) -> String {
    let list: Vec<_> = profiles.iter().map(Profile::threshold_json).collect();
    serde_json::Value::Array(list).to_string()
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
            let c = step.config();
            if !self.profiles.iter().any(|p| p.config == c) {
                return Err(format!(
                    "step {} ({}): no profile with config = {c}",
                    i + 1,
                    step.kind_name()
                ));
            }
        }
        self.expect.validate()
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
mod tests {
    use super::*;

    #[test]
    fn syntax_error_names_file_and_line() {
        let text = "node = \"n\"\n[[profile]]\nname = \"p\"\ntype = \"XX\"\n";
        let err = Scenario::from_str_named(text, "bad.toml", "bad")
            .expect_err("invalid type must fail")
            .to_string();
        assert!(err.starts_with("bad.toml:4:"), "{err}");
        assert!(err.contains("XX") || err.contains("variant"), "{err}");
    }

    #[test]
    fn unknown_step_config_is_invalid() {
        let text = r#"
[[profile]]
name = "p"
type = "OC"
[[profile.interface]]
name = "ens2f0"
role = "slave"
[[step]]
kind = "clock_class"
config = 3
class = 6
"#;
        let err = Scenario::from_str_named(text, "x.toml", "x")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("no profile with config = 3"), "{err}");
    }
}
