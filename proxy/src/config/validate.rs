//! `cloud-event-proxy validate`: load what a run would load and report
//! precisely what is wrong.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::load::{load_config_dir, load_profiles, ProfilesFile};
use super::settings::{ProxyRole, Settings};
use ptp_event_core::node_config::ConfigError;
use ptp_event_core::node_config::{NodeConfig, Ptp4lConfig};

/// What `validate` found in a usable configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The configuration directory.
    pub config_dir: PathBuf,
    /// Its configuration files, all valid.
    pub files: BTreeMap<String, Ptp4lConfig>,
    /// The threshold profile file (None in the consumer role).
    pub profiles: Option<ProfilesFile>,
    /// Things that fall back to defaults.
    pub warnings: Vec<String>,
}

impl Report {
    /// The configuration as the engine receives it (no daemon aliases).
    pub fn node_config(&self) -> NodeConfig {
        NodeConfig {
            files: self.files.clone(),
            profiles: self
                .profiles
                .as_ref()
                .map(|p| p.profiles().to_vec())
                .unwrap_or_default(),
            aliases: BTreeMap::new(),
        }
    }
}

/// Validate what a run with `settings` would load. The consumer sidecar
/// reads no PTP configuration: its report is empty but for warnings.
pub fn validate(settings: &Settings) -> Result<Report, Vec<ConfigError>> {
    let mut report = match (settings.role, settings.node_name.as_deref()) {
        (ProxyRole::V1Consumer, _) | (_, None) => Report {
            config_dir: settings.config_dir.clone(),
            files: BTreeMap::new(),
            profiles: None,
            warnings: vec![format!(
                "{}: no PTP configuration is read in this role",
                settings.role.describe()
            )],
        },
        (_, Some(node)) => validate_paths(&settings.config_dir, &settings.profile_path, node)?,
    };
    let mut warnings = settings.warnings.clone();
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    Ok(report)
}

/// Validate `config_dir` and `<profile_path>/<node_name>`.
pub fn validate_paths(
    config_dir: &Path,
    profile_path: &Path,
    node_name: &str,
) -> Result<Report, Vec<ConfigError>> {
    let (files, mut errors) = load_config_dir(config_dir);
    let mut warnings = Vec::new();
    for (name, cfg) in &files {
        let path = config_dir.join(name).display().to_string();
        if cfg.profile.is_none() {
            errors.push(ConfigError::Invalid {
                path: path.clone(),
                message: "no '#profile: <name>' header: socket lines of this configuration will be rejected".into(),
            });
        }
        if cfg.ports.is_empty() && !name.starts_with("phc2sys") {
            errors.push(ConfigError::Invalid {
                path,
                message: "no interface section (such as [ens2f0]): socket lines of this configuration will be rejected".into(),
            });
        }
    }
    if files.is_empty() && errors.is_empty() {
        warnings.push(format!(
            "{}: no ptp4l.N.config or phc2sys.N.config file (the daemon writes them when a profile is applied)",
            config_dir.display()
        ));
    }
    let profiles = match load_profiles(profile_path, node_name) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if let Some(p) = &profiles {
        match p {
            ProfilesFile::Missing { path } => warnings.push(format!(
                "{}: not found: every profile uses the default thresholds 5 s / 100 ns / -100 ns",
                path.display()
            )),
            ProfilesFile::Loaded { path, profiles, .. } => {
                warnings.extend(p.warnings().iter().map(ToString::to_string));
                for (name, cfg) in &files {
                    if let Some(header) = &cfg.profile {
                        if !profiles.iter().any(|s| &s.name == header) {
                            warnings.push(format!(
                                "{}: profile {header:?} is not in {}: default thresholds apply",
                                config_dir.join(name).display(),
                                path.display()
                            ));
                        }
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Report {
        config_dir: config_dir.to_path_buf(),
        files,
        profiles,
        warnings,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} configuration file(s)",
            self.config_dir.display(),
            self.files.len()
        )?;
        for (name, cfg) in &self.files {
            let ports: Vec<String> = cfg
                .ports
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{}={} ({:?})", i + 1, p.iface, p.initial_role))
                .collect();
            writeln!(
                f,
                "  {name}: profile {}, ports [{}]",
                cfg.profile.as_deref().unwrap_or("-"),
                ports.join(", ")
            )?;
        }
        if let Some(p) = &self.profiles {
            match p {
                ProfilesFile::Missing { path } => {
                    writeln!(f, "{}: missing (default thresholds)", path.display())?
                }
                ProfilesFile::Loaded { path, profiles, .. } => {
                    writeln!(f, "{}: {} profile(s)", path.display(), profiles.len())?;
                    for s in profiles {
                        let t = s.thresholds;
                        write!(
                            f,
                            "  {}: holdOverTimeout {} s, maxOffsetThreshold {} ns, minOffsetThreshold {} ns",
                            s.name, t.holdover_timeout_s, t.max_offset, t.min_offset
                        )?;
                        if s.tbc {
                            write!(f, ", T-BC")?;
                        }
                        if s.ntp_failover {
                            write!(f, ", NTP failover")?;
                        }
                        if !s.ha_profiles.is_empty() {
                            write!(f, ", PTP-HA of {}", s.ha_profiles.join(","))?;
                        }
                        writeln!(f)?;
                    }
                }
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::settings::Command;

    fn testdata(sub: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/config")
            .join(sub)
    }

    #[test]
    fn good_configuration() {
        let r = validate_paths(
            &testdata("good"),
            &testdata("profiles"),
            "good-node.example.com",
        )
        .expect("valid");
        assert_eq!(r.files.len(), 5);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let nc = r.node_config();
        assert_eq!(nc.profiles.len(), 5);
        let bc = nc.profile(Some("bc-profile")).expect("bc-profile");
        assert_eq!(bc.thresholds.holdover_timeout_s, 30);
        assert_eq!(bc.thresholds.max_offset, 50);
        assert_eq!(bc.thresholds.min_offset, -100);
        assert!(nc.profile(Some("ha-member")).is_some_and(|p| p.tbc));
        assert!(nc
            .profile(Some("dual-follower"))
            .is_some_and(|p| p.ntp_failover));
        assert_eq!(
            nc.profile(Some("ha-phc2sys"))
                .map(|p| p.ha_profiles.clone()),
            Some(vec!["ha-member".to_string(), "dual-follower".to_string()])
        );
        let text = r.to_string();
        assert!(text.contains("ptp4l.1.config: profile bc-profile, ports [1=ens2f0 (Slave), 2=ens2f1 (Master), 3=ens2f2 (Master)]"), "{text}");
    }

    #[test]
    fn missing_profile_file_is_a_warning() {
        let r =
            validate_paths(&testdata("good"), &testdata("profiles"), "other-node").expect("valid");
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("not found"), "{:?}", r.warnings);
        let r =
            validate_paths(&testdata("good"), &testdata("profiles"), "warn-node").expect("valid");
        // Two value warnings + four headers without a profile.
        assert_eq!(r.warnings.len(), 6, "{:?}", r.warnings);
    }

    #[test]
    fn broken_configuration_reports_every_problem() {
        let dir = testdata("broken");
        let errors =
            validate_paths(&dir, &testdata("profiles"), "broken-node").expect_err("broken");
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let p = |n: &str| dir.join(n).display().to_string();
        assert_eq!(text.len(), 4, "{text:#?}");
        assert!(text[0].starts_with(&format!(
            "{}:4: section header is not closed",
            p("ptp4l.2.config")
        )));
        assert!(text[1].starts_with(&format!(
            "{}: no '#profile: <name>' header",
            p("ptp4l.0.config")
        )));
        assert!(text[2].starts_with(&format!("{}: no interface section", p("ptp4l.1.config"))));
        assert!(
            text[3].starts_with(&format!(
                "{}:4:",
                testdata("profiles").join("broken-node").display()
            )),
            "{}",
            text[3]
        );
    }

    #[test]
    fn from_settings() {
        let env = |k: &str| match k {
            "NODE_NAME" => Some("good-node.example.com".to_string()),
            "PTP_PROFILE_PATH" => Some(testdata("profiles").display().to_string()),
            _ => None,
        };
        let dir = testdata("good").display().to_string();
        let argv = [
            "cloud-event-proxy",
            "validate",
            "--ptp-config-dir",
            dir.as_str(),
        ];
        let Ok(Command::Validate(s)) = Settings::from_args(argv, &env) else {
            panic!("validate expected");
        };
        let r = validate(&s).expect("valid");
        assert_eq!(r.files.len(), 5);
        let argv = ["cloud-event-proxy", "--api-version=1.0", "validate"];
        let Ok(Command::Validate(s)) = Settings::from_args(argv, &|_| None) else {
            panic!("validate expected");
        };
        let r = validate(&s).expect("consumer");
        assert!(r.files.is_empty() && r.profiles.is_none());
    }
}
