//! `ptp4l.N.config` / `phc2sys.N.config` parsing (socket-and-lines.md §5.1).

use super::error::ConfigError;
use super::types::{PortConfig, Ptp4lConfig};
use crate::linuxptp::Role;

/// Sections that are not interfaces.
const NON_PORT_SECTIONS: [&str; 3] = ["global", "unicast_master_table", "nmea"];

/// Parse one configuration file.
///
/// `name` is the file's path or name as it should appear in error messages;
/// [`Ptp4lConfig::name`] is its last path component (`ptp4l.0.config`).
///
/// Structure is checked strictly (an unterminated section header, an empty
/// section name, an option outside any section, or an invalid
/// `serverOnly`/`masterOnly` value is an error naming the line); the absence
/// of a profile header or of interfaces is not a parse error but makes
/// [`Ptp4lConfig::is_valid`] false.
pub fn parse_ptp4l_config(name: &str, text: &str) -> Result<Ptp4lConfig, ConfigError> {
    let file_name = name.rsplit('/').next().unwrap_or(name).to_string();
    let mut profile = None;
    let mut ports: Vec<PortBuilder> = Vec::new();
    // Index into `ports` of the current interface section; None for a
    // non-port section; outer None before the first section.
    let mut current: Option<Option<usize>> = None;

    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            if profile.is_none() {
                profile = profile_header(comment)
                    .map(|n| check_profile_name(name, lineno, n))
                    .transpose()?;
            }
            continue;
        }
        // linuxptp drops everything from a '#' on.
        let content = trimmed.split('#').next().unwrap_or("").trim_end();
        if content.starts_with('[') {
            let inner = content
                .strip_suffix(']')
                .and_then(|c| c.strip_prefix('['))
                .ok_or_else(|| {
                    ConfigError::at_line(
                        name,
                        lineno,
                        format!("section header is not closed: {content:?} has no ']'"),
                    )
                })?
                .trim();
            if inner.is_empty() {
                return Err(ConfigError::at_line(name, lineno, "empty section name"));
            }
            if inner.contains(['[', ']']) || inner.contains(char::is_whitespace) {
                return Err(ConfigError::at_line(
                    name,
                    lineno,
                    format!("invalid section name {inner:?}"),
                ));
            }
            // linuxptp compares these names case-insensitively.
            let non_port = NON_PORT_SECTIONS
                .iter()
                .any(|s| s.eq_ignore_ascii_case(inner));
            current = Some(if non_port {
                None
            } else if let Some(i) = ports.iter().position(|p| p.iface == inner) {
                // linuxptp merges a repeated interface section into the first.
                Some(i)
            } else {
                ports.push(PortBuilder::new(inner));
                Some(ports.len() - 1)
            });
            continue;
        }
        let Some(section) = current else {
            return Err(ConfigError::at_line(
                name,
                lineno,
                format!("option {content:?} is outside of any section (expected [global] first)"),
            ));
        };
        let mut parts = content.splitn(2, char::is_whitespace);
        let key = parts.next().unwrap_or("");
        let value = parts.next().unwrap_or("").trim();
        if let Some(port) = section.and_then(|i| ports.get_mut(i)) {
            match key {
                "serverOnly" => port.server_only = Some(flag_value(name, lineno, key, value)?),
                "masterOnly" => port.master_only = Some(flag_value(name, lineno, key, value)?),
                _ => {}
            }
        }
    }

    Ok(Ptp4lConfig {
        name: file_name,
        profile,
        ports: ports.into_iter().map(PortBuilder::build).collect(),
    })
}

struct PortBuilder {
    iface: String,
    server_only: Option<bool>,
    master_only: Option<bool>,
}

impl PortBuilder {
    fn new(iface: &str) -> Self {
        PortBuilder {
            iface: iface.to_string(),
            server_only: None,
            master_only: None,
        }
    }

    fn build(self) -> PortConfig {
        let master = self.server_only.or(self.master_only).unwrap_or(false);
        PortConfig {
            iface: self.iface,
            initial_role: if master { Role::Master } else { Role::Slave },
        }
    }
}

/// `^#\s*profile:\s*(\S+)` applied to the text after `#`.
fn profile_header(comment: &str) -> Option<&str> {
    let rest = comment.trim_start().strip_prefix("profile:")?;
    rest.split_whitespace().next()
}

fn check_profile_name(path: &str, line: usize, name: &str) -> Result<String, ConfigError> {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(name.to_string())
    } else {
        Err(ConfigError::at_line(
            path,
            line,
            format!("invalid profile name {name:?}: only letters, digits, '_' and '-' are allowed"),
        ))
    }
}

fn flag_value(path: &str, line: usize, key: &str, value: &str) -> Result<bool, ConfigError> {
    match value {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(ConfigError::at_line(
            path,
            line,
            format!("{key} must be 0 or 1, found {value:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_EXAMPLE: &str = "#profile: oc-profile
[global]
#
# Default Data Set
#
twoStepFlag 1
slaveOnly 0
priority1 128
domainNumber 24
clock_class_threshold 135
message_tag [ptp4l.0.config:{level}]
uds_address /var/run/ptp4l.0.socket
[ens2f0]
masterOnly 0
[ens2f1]
masterOnly 1
";

    fn port(iface: &str, role: Role) -> PortConfig {
        PortConfig {
            iface: iface.into(),
            initial_role: role,
        }
    }

    #[test]
    fn spec_example() {
        let c = parse_ptp4l_config("/var/run/ptp4l.0.config", SPEC_EXAMPLE).expect("parses");
        assert_eq!(c.name, "ptp4l.0.config");
        assert_eq!(c.profile.as_deref(), Some("oc-profile"));
        assert_eq!(
            c.ports,
            vec![port("ens2f0", Role::Slave), port("ens2f1", Role::Master)]
        );
        assert!(c.is_valid());
    }

    #[test]
    fn server_only_is_preferred_in_any_order() {
        let text = "#profile: bc\n[global]\n[a]\nmasterOnly 1\nserverOnly 0\n[b]\nserverOnly 1\nmasterOnly 0\n[c]\n[d]\nserverOnly 1\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(
            c.ports,
            vec![
                port("a", Role::Slave),
                port("b", Role::Master),
                port("c", Role::Slave),
                port("d", Role::Master),
            ]
        );
    }

    #[test]
    fn global_client_only_does_not_change_initial_role() {
        let text = "#profile: p\n[global]\nslaveOnly 1\nclientOnly 1\nmasterOnly 1\n[eth0]\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(c.ports, vec![port("eth0", Role::Slave)]);
    }

    #[test]
    fn profile_header_forms() {
        for (text, want) in [
            ("#profile: a-b_1\n", Some("a-b_1")),
            ("#   profile:x\n", Some("x")),
            ("  # profile:   tgm trailing words\n", Some("tgm")),
            ("#profile:\n#profile: second\n", Some("second")),
            ("# some comment\n#profile: p1\n#profile: p2\n", Some("p1")),
            ("#Profile: p\n", None),
            ("# no profile here\n", None),
        ] {
            let c = parse_ptp4l_config("x", &format!("{text}[global]\n")).expect(text);
            assert_eq!(c.profile.as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn non_port_sections_and_brackets_in_values() {
        let text = "#profile: p\n[global]\nmessage_tag [ptp4l.0.config:{level}]\n[unicast_master_table]\ntable_id 1\n[ NMEA ]\nts2phc.nmea_serialport /dev/gnss0\n[ ens1f0 ]  # port one\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(c.ports, vec![port("ens1f0", Role::Slave)]);
    }

    #[test]
    fn repeated_section_is_merged() {
        let text = "#profile: p\n[global]\n[a]\n[b]\n[a]\nmasterOnly 1\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(
            c.ports,
            vec![port("a", Role::Master), port("b", Role::Slave)]
        );
    }

    #[test]
    fn no_header_or_no_interfaces_parse_but_are_invalid() {
        let c = parse_ptp4l_config("ptp4l.1.config", "[global]\n[eth0]\n").expect("parses");
        assert_eq!(c.profile, None);
        assert!(!c.is_valid());
        let c = parse_ptp4l_config("ptp4l.1.config", "#profile: p\n[global]\n").expect("parses");
        assert!(c.ports.is_empty());
        assert!(!c.is_valid());
        let c = parse_ptp4l_config("phc2sys.1.config", "#profile: p\n[global]\n").expect("parses");
        assert!(c.is_valid());
        let c = parse_ptp4l_config("ptp4l.1.config", "").expect("parses");
        assert!(!c.is_valid());
    }

    #[test]
    fn malformed_content_names_file_and_line() {
        for (text, line, needle) in [
            (
                "#profile: p\n[global]\n\n[ens2f0\n",
                4,
                "section header is not closed",
            ),
            ("#profile: p\n[global]\n[]\n", 3, "empty section name"),
            ("#profile: p\n[global]\n[  ]\n", 3, "empty section name"),
            ("#profile: p\n[global]\n[a b]\n", 3, "invalid section name"),
            ("#profile: p\n[global]\n[a]]\n", 3, "invalid section name"),
            (
                "#profile: p\ntwoStepFlag 1\n[global]\n",
                2,
                "outside of any section",
            ),
            (
                "#profile: p\n[global]\n[a]\nmasterOnly yes\n",
                4,
                "masterOnly must be 0 or 1",
            ),
            (
                "#profile: p\n[global]\n[a]\nserverOnly\n",
                4,
                "serverOnly must be 0 or 1",
            ),
            (
                "#profile: oc.profile\n[global]\n",
                1,
                "invalid profile name",
            ),
        ] {
            let err = parse_ptp4l_config("/var/run/ptp4l.0.config", text).expect_err(text);
            assert_eq!(err.line(), Some(line), "{text:?}: {err}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("/var/run/ptp4l.0.config:{line}: ")),
                "{err}"
            );
        }
    }

    #[test]
    fn crlf_and_indentation() {
        let text = "#profile: p\r\n  [global]\r\n\t[eth1]\r\n  masterOnly 1\r\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(c.ports, vec![port("eth1", Role::Master)]);
    }

    #[test]
    fn unknown_keys_and_global_values_are_ignored() {
        let text = "#profile: p\n[global]\nmasterOnly banana\n[eth0]\nlogAnnounceInterval -3\n";
        let c = parse_ptp4l_config("x", text).expect("parses");
        assert_eq!(c.ports, vec![port("eth0", Role::Slave)]);
    }
}
