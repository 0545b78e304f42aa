//! The configuration values the engine consumes.

use std::collections::BTreeMap;

use crate::linuxptp::Role;

/// Per-profile thresholds (socket-and-lines.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Seconds in HOLDOVER before FREERUN.
    pub holdover_timeout_s: u64,
    /// Offsets must be strictly below this (ns).
    pub max_offset: i64,
    /// Offsets must be strictly above this (ns).
    pub min_offset: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            holdover_timeout_s: 5,
            max_offset: 100,
            min_offset: -100,
        }
    }
}

impl Thresholds {
    /// `min < offset < max`, both strict.
    pub fn in_range(&self, offset: i64) -> bool {
        self.min_offset < offset && offset < self.max_offset
    }
}

/// One port (interface section) of a ptp4l configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortConfig {
    /// Raw interface name (section name).
    pub iface: String,
    /// MASTER for `serverOnly`/`masterOnly 1`, else SLAVE.
    pub initial_role: Role,
}

/// A `ptp4l.N.config` or `phc2sys.N.config` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ptp4lConfig {
    /// File name, e.g. `ptp4l.0.config`.
    pub name: String,
    /// The `#profile:` header.
    pub profile: Option<String>,
    /// Interface sections in file order: port 1, port 2, ...
    pub ports: Vec<PortConfig>,
}

impl Ptp4lConfig {
    /// Whether socket lines of this configuration are accepted (§5.1
    /// validation): a profile header, and at least one interface unless it
    /// is a `phc2sys.N.config`.
    pub fn is_valid(&self) -> bool {
        self.profile.is_some() && (self.name.starts_with("phc2sys") || !self.ports.is_empty())
    }
}

/// The part of one operator PTP profile the proxy uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfileSettings {
    /// `name`.
    pub name: String,
    /// Thresholds, each omitted field defaulted on its own.
    pub thresholds: Thresholds,
    /// `ptpSettings.controllingProfile` present or `ts2phcOpts` has `external_pps`.
    pub tbc: bool,
    /// Non-empty `chronydOpts`.
    pub ntp_failover: bool,
    /// `ptpSettings.haProfiles`, split on commas.
    pub ha_profiles: Vec<String>,
}

/// Everything the engine needs from files, loaded at start and on `CMD RESTART`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeConfig {
    /// Configuration files by file name.
    pub files: BTreeMap<String, Ptp4lConfig>,
    /// Operator profiles from the threshold file, in file order.
    pub profiles: Vec<ProfileSettings>,
    /// The daemon's interface → alias map.
    pub aliases: BTreeMap<String, String>,
}

impl NodeConfig {
    /// Settings of a profile by name (defaults for an unknown name).
    pub fn profile(&self, name: Option<&str>) -> Option<&ProfileSettings> {
        let name = name?;
        self.profiles.iter().find(|p| p.name == name)
    }
}
