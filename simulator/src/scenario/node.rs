//! The node a scenario describes, as files for the real proxy
//! (`ptp4l.N.config`, the threshold profile JSON) and as the engine
//! configuration the virtual runner hands over directly.

use ptp_event_core::linuxptp::Role;
use ptp_event_core::node_config::{
    NodeConfig, PortConfig, ProfileSettings, Ptp4lConfig, Thresholds,
};
use serde_json::json;

use super::format::{IfaceRole, Profile, ProfileType, Scenario};

impl Profile {
    /// `ptp4l.N.config`.
    pub fn ptp4l_config(&self) -> String {
        format!("ptp4l.{}.config", self.config)
    }
    /// `ts2phc.N.config`.
    pub fn ts2phc_config(&self) -> String {
        format!("ts2phc.{}.config", self.config)
    }
    /// `synce4l.N.config`.
    pub fn synce_config(&self) -> String {
        format!("synce4l.{}.config", self.config)
    }
    /// `chronyd.N.config`.
    pub fn chronyd_config(&self) -> String {
        format!("chronyd.{}.config", self.config)
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
            "#profile: {}\n[global]\n#\n# Default Data Set\n#\ntwoStepFlag 1\nslaveOnly {}\n\
             priority1 128\ndomainNumber 24\nclock_class_threshold 135\n\
             message_tag [{cfg}:{{level}}]\nuds_address /var/run/ptp4l.{n}.socket\n",
            self.name,
            u8::from(self.slave_only),
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
        let mut v = json!({
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
                        json!({"controllingProfile": self.name}),
                    );
                }
                _ => {}
            }
            if self.chronyd {
                obj.insert("chronydOpts".into(), "-d".into());
            }
        }
        v
    }
    /// The thresholds as the proxy validates them (§5.3).
    pub fn thresholds(&self) -> Thresholds {
        let d = Thresholds::default();
        let mut t = Thresholds {
            holdover_timeout_s: if self.holdover_timeout > 0 {
                self.holdover_timeout
            } else {
                d.holdover_timeout_s
            },
            max_offset: if self.max_offset > 0 {
                self.max_offset
            } else {
                d.max_offset
            },
            min_offset: self.min_offset,
        };
        if t.min_offset >= t.max_offset {
            t.min_offset = t.max_offset - 1;
        }
        t
    }
}

/// The threshold profile file of all profiles.
pub fn threshold_file(profiles: &[Profile]) -> String {
    let list: Vec<_> = profiles.iter().map(Profile::threshold_json).collect();
    serde_json::Value::Array(list).to_string()
}

/// The engine configuration the proxy would load from the files the real
/// runner writes.
pub fn node_config(s: &Scenario) -> NodeConfig {
    let mut cfg = NodeConfig::default();
    for p in &s.profiles {
        let ports = p
            .interfaces
            .iter()
            .map(|i| PortConfig {
                iface: i.name.clone(),
                initial_role: match i.role {
                    IfaceRole::Slave => Role::Slave,
                    IfaceRole::Master => Role::Master,
                },
            })
            .collect();
        let name = p.ptp4l_config();
        cfg.files.insert(
            name.clone(),
            Ptp4lConfig {
                name,
                profile: Some(p.name.clone()),
                ports,
            },
        );
        cfg.profiles.push(ProfileSettings {
            name: p.name.clone(),
            thresholds: p.thresholds(),
            tbc: p.kind == ProfileType::Tbc,
            ntp_failover: p.chronyd,
            ..ProfileSettings::default()
        });
    }
    cfg.aliases = s.daemon.aliases.clone();
    cfg
}
