//! File loading at the edge: the configuration directory and the threshold
//! profile file. Everything else in `config/` is pure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ptp_event_core::node_config::parse_profiles;
use ptp_event_core::node_config::parse_ptp4l_config;
use ptp_event_core::node_config::{ConfigError, Warning};
use ptp_event_core::node_config::{ProfileSettings, Ptp4lConfig};

/// Whether `name` is a file the proxy reads from the configuration
/// directory: `ptp4l.<N>.config` or `phc2sys.<N>.config`, N decimal digits.
pub fn is_config_file_name(name: &str) -> bool {
    let rest = name
        .strip_prefix("ptp4l.")
        .or_else(|| name.strip_prefix("phc2sys."));
    rest.and_then(|r| r.strip_suffix(".config"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Read every `ptp4l.<N>.config` and `phc2sys.<N>.config` of `dir`.
///
/// Files that cannot be read or parsed are left out of the map and
/// reported; a missing or unreadable directory is one error. The result
/// holds files that parsed, valid or not ([`Ptp4lConfig::is_valid`]).
pub fn load_config_dir(dir: &Path) -> (BTreeMap<String, Ptp4lConfig>, Vec<ConfigError>) {
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return (files, vec![ConfigError::io(dir, &e)]),
    };
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                if let Some(name) = entry.file_name().to_str() {
                    if is_config_file_name(name) {
                        names.push(name.to_string());
                    }
                }
            }
            Err(e) => errors.push(ConfigError::io(dir, &e)),
        }
    }
    names.sort();
    for name in names {
        match load_config_file(dir, &name) {
            Ok(cfg) => {
                files.insert(name, cfg);
            }
            Err(e) => errors.push(e),
        }
    }
    (files, errors)
}

/// Read one configuration file of `dir` (lazy loading, when a socket line
/// names a configuration not loaded yet). `name` must be a plain file name:
/// it comes from socket lines, so path separators and `..` are refused.
pub fn load_config_file(dir: &Path, name: &str) -> Result<Ptp4lConfig, ConfigError> {
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name == "." || name == ".." {
        return Err(ConfigError::Invalid {
            path: dir.join(name).display().to_string(),
            message: format!("{name:?} is not a plain file name"),
        });
    }
    let path = dir.join(name);
    let text = read_text(&path)?;
    let mut cfg = parse_ptp4l_config(&path.display().to_string(), &text)?;
    cfg.name = name.to_string();
    Ok(cfg)
}

/// The threshold profile file as loaded by [`load_profiles`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfilesFile {
    /// The file was read and parsed.
    Loaded {
        /// Its path.
        path: PathBuf,
        /// Profiles in file order.
        profiles: Vec<ProfileSettings>,
        /// Values that fell back to defaults.
        warnings: Vec<Warning>,
    },
    /// The file does not exist: every profile gets the default thresholds.
    /// The caller logs this once, not on every reload.
    Missing {
        /// The path that was looked for.
        path: PathBuf,
    },
}

impl ProfilesFile {
    /// The profiles (empty when the file is missing).
    pub fn profiles(&self) -> &[ProfileSettings] {
        match self {
            ProfilesFile::Loaded { profiles, .. } => profiles,
            ProfilesFile::Missing { .. } => &[],
        }
    }

    /// The profiles, by value.
    pub fn into_profiles(self) -> Vec<ProfileSettings> {
        match self {
            ProfilesFile::Loaded { profiles, .. } => profiles,
            ProfilesFile::Missing { .. } => Vec::new(),
        }
    }

    /// Warnings of the parse (none when the file is missing).
    pub fn warnings(&self) -> &[Warning] {
        match self {
            ProfilesFile::Loaded { warnings, .. } => warnings,
            ProfilesFile::Missing { .. } => &[],
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            ProfilesFile::Loaded { path, .. } | ProfilesFile::Missing { path } => path,
        }
    }
}

/// Path of the threshold profile file: `<profile_path>/<node_name>`.
pub fn profiles_file_path(profile_path: &Path, node_name: &str) -> Result<PathBuf, ConfigError> {
    if node_name.is_empty() || node_name.contains(['/', '\\', '\0']) || node_name == ".." {
        return Err(ConfigError::Value {
            name: "NODE_NAME".into(),
            message: format!("{node_name:?} cannot name the threshold profile file"),
        });
    }
    Ok(profile_path.join(node_name))
}

/// Load the threshold profile file `<profile_path>/<node_name>`.
///
/// A missing file is `Ok(ProfilesFile::Missing)`; an unreadable or
/// malformed file is an error (the caller keeps defaults and logs it).
pub fn load_profiles(profile_path: &Path, node_name: &str) -> Result<ProfilesFile, ConfigError> {
    let path = profiles_file_path(profile_path, node_name)?;
    let text = match read_text(&path) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(ProfilesFile::Missing { path }),
        Err(e) => return Err(e),
    };
    let (profiles, warnings) = parse_profiles(&path.display().to_string(), &text)?;
    Ok(ProfilesFile::Loaded {
        path,
        profiles,
        warnings,
    })
}

fn read_text(path: &Path) -> Result<String, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| ConfigError::io(path, &e))?;
    String::from_utf8(bytes).map_err(|e| ConfigError::Invalid {
        path: path.display().to_string(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ptp_event_core::linuxptp::Role;

    fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/config")
    }

    #[test]
    fn file_names() {
        for (n, ok) in [
            ("ptp4l.0.config", true),
            ("ptp4l.12.config", true),
            ("phc2sys.1.config", true),
            ("ts2phc.0.config", false),
            ("ptp4l..config", false),
            ("ptp4l.x.config", false),
            ("ptp4l.0.config~", false),
            ("synce4l.0.config", false),
        ] {
            assert_eq!(is_config_file_name(n), ok, "{n}");
        }
    }

    #[test]
    fn good_dir_loads_every_file() {
        let (files, errors) = load_config_dir(&testdata().join("good"));
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "phc2sys.2.config",
                "ptp4l.0.config",
                "ptp4l.1.config",
                "ptp4l.2.config",
                "ptp4l.3.config"
            ]
        );
        assert!(files.values().all(Ptp4lConfig::is_valid));
        let oc = &files["ptp4l.0.config"];
        assert_eq!(oc.profile.as_deref(), Some("oc-profile"));
        assert_eq!(oc.ports.len(), 1);
        assert_eq!(oc.ports[0].initial_role, Role::Slave);
        let bc = &files["ptp4l.1.config"];
        let roles: Vec<(&str, Role)> = bc
            .ports
            .iter()
            .map(|p| (p.iface.as_str(), p.initial_role))
            .collect();
        assert_eq!(
            roles,
            [
                ("ens2f0", Role::Slave),
                ("ens2f1", Role::Master),
                ("ens2f2", Role::Master)
            ]
        );
        let dual = &files["ptp4l.2.config"];
        assert_eq!(dual.ports.len(), 2);
        assert!(dual.ports.iter().all(|p| p.initial_role == Role::Slave));
        let ha = &files["phc2sys.2.config"];
        assert!(ha.ports.is_empty());
        assert_eq!(ha.profile.as_deref(), Some("ha-phc2sys"));
    }

    #[test]
    fn broken_dir_reports_and_keeps_the_rest() {
        let dir = testdata().join("broken");
        let (files, errors) = load_config_dir(&dir);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let want = format!(
            "{}:4: section header is not closed: \"[ens2f1\" has no ']'",
            dir.join("ptp4l.2.config").display()
        );
        assert_eq!(errors[0].to_string(), want);
        assert!(!files["ptp4l.0.config"].is_valid()); // no header
        assert!(!files["ptp4l.1.config"].is_valid()); // no interfaces
        assert!(!files.contains_key("ptp4l.2.config"));
    }

    #[test]
    fn missing_dir_is_one_error() {
        let (files, errors) = load_config_dir(&testdata().join("does-not-exist"));
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].is_not_found());
    }

    #[test]
    fn lazy_load_refuses_paths() {
        let dir = testdata().join("good");
        assert!(load_config_file(&dir, "ptp4l.0.config").is_ok());
        for bad in ["../good/ptp4l.0.config", "..", "", "a/b"] {
            let e = load_config_file(&dir, bad).expect_err(bad);
            assert!(matches!(e, ConfigError::Invalid { .. }), "{e}");
        }
        let e = load_config_file(&dir, "ptp4l.9.config").expect_err("missing");
        assert!(e.is_not_found());
    }

    #[test]
    fn non_utf8_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("ptp4l.0.config"), b"#profile: p\n\xff\n").expect("write");
        let e = load_config_file(tmp.path(), "ptp4l.0.config").expect_err("binary");
        assert!(e.to_string().contains("not UTF-8"), "{e}");
    }

    #[test]
    fn profiles_file() {
        let dir = testdata().join("profiles");
        let f = load_profiles(&dir, "good-node.example.com").expect("loads");
        assert!(matches!(f, ProfilesFile::Loaded { .. }));
        assert_eq!(f.profiles().len(), 5);
        assert!(f.warnings().is_empty(), "{:?}", f.warnings());
        let f = load_profiles(&dir, "absent-node").expect("missing is ok");
        assert_eq!(
            f,
            ProfilesFile::Missing {
                path: dir.join("absent-node")
            }
        );
        assert!(f.profiles().is_empty());
        let e = load_profiles(&dir, "broken-node").expect_err("broken");
        assert_eq!(
            e.path(),
            Some(dir.join("broken-node").display().to_string().as_str())
        );
        assert!(e.line().is_some(), "{e}");
        let e = load_profiles(&dir, "object-node").expect_err("not a list");
        assert!(e
            .to_string()
            .ends_with("expected a JSON list of profiles, found an object"));
        let f = load_profiles(&dir, "warn-node").expect("loads with warnings");
        assert_eq!(f.warnings().len(), 2, "{:?}", f.warnings());
        assert!(load_profiles(&dir, "../profiles/good-node.example.com").is_err());
    }
}
