//! Parsers of single flag and environment values (rest-api.md §1, §6).

use ptp_event_core::node_config::ConfigError;

/// Go's `strconv.ParseBool`: `1 t T true TRUE True` / `0 f F false FALSE False`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// A parsed `--api-version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersion {
    /// The value as given.
    pub raw: String,
    /// Major generation: 1 (legacy v1 API) or ≥ 2 (O-RAN v2 API).
    pub major: u32,
}

impl ApiVersion {
    /// Whether this selects the v1 API.
    pub fn is_v1(&self) -> bool {
        self.major == 1
    }
}

/// `--api-version`: a leading `v`/`V` is removed, the major version is the
/// integer before the first `.`; empty means v1; major 0 or a non-integer is
/// an error.
pub fn parse_api_version(s: &str) -> Result<ApiVersion, String> {
    let rest = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    let major_text = rest.split('.').next().unwrap_or("");
    let major = if rest.is_empty() {
        1
    } else {
        match major_text.parse::<u32>() {
            Ok(m) if m >= 1 => m,
            _ => {
                return Err(format!(
                    "{s:?} is not an API version: expected 1.x or 2.x (for example 2.0), optionally prefixed with v"
                ))
            }
        }
    };
    Ok(ApiVersion {
        raw: s.to_string(),
        major,
    })
}

/// `--metrics-addr`: `HOST:PORT`, empty host meaning all interfaces
/// (`0.0.0.0`). Returns the bind address as `host:port`.
pub fn parse_listen_addr(s: &str) -> Result<String, String> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?} is not HOST:PORT (for example 127.0.0.1:9091 or :9091)"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{s:?}: port {port:?} is not a number from 0 to 65535"))?;
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.contains(':') && !bracketed {
        return Err(format!(
            "{s:?}: an IPv6 host must be written in brackets, e.g. [::1]:{port}"
        ));
    }
    if host.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(format!("{s:?}: {host:?} is not a host name or address"));
    }
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    Ok(format!("{host}:{port}"))
}

/// Normalise a host string of `--transport-host` or `--http-event-publishers`
/// (rest-api.md §6.3): trim; replace every `NODE_NAME` with the first DNS
/// label of `node_name`, every `NODE_IP` with `node_ip` (each when set);
/// prefix `http://` when there is no `http://`/`https://` scheme; the result
/// must be a URL with a host and an explicit port.
pub fn normalize_host(
    s: &str,
    node_name: Option<&str>,
    node_ip: Option<&str>,
) -> Result<url::Url, ConfigError> {
    let err = |message: String| ConfigError::Value {
        name: "host".into(),
        message,
    };
    let mut h = s.trim().to_string();
    if h.is_empty() {
        return Err(err("empty host string".into()));
    }
    if let Some(node) = node_name.filter(|n| !n.is_empty()) {
        let short = node.split('.').next().unwrap_or(node);
        h = h.replace("NODE_NAME", short);
    }
    if let Some(ip) = node_ip.filter(|n| !n.is_empty()) {
        h = h.replace("NODE_IP", ip);
    }
    let lower = h.to_ascii_lowercase();
    if !lower.starts_with("http://") && !lower.starts_with("https://") {
        h = format!("http://{h}");
    }
    let url = url::Url::parse(&h).map_err(|e| err(format!("{s:?} is not a valid URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(err(format!("{s:?} has no host")));
    }
    if url.port().is_none() && !has_explicit_port(&h) {
        return Err(err(format!(
            "{s:?} has no port: write it explicitly, e.g. {}:9043",
            h.trim_end_matches('/')
        )));
    }
    Ok(url)
}

/// Whether the authority of `url_text` (which has a scheme) ends in `:digits`.
/// Needed because the `url` crate hides a port equal to the scheme default.
fn has_explicit_port(url_text: &str) -> bool {
    let after = url_text.split_once("://").map_or(url_text, |(_, a)| a);
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let tail = host_port.rsplit(']').next().unwrap_or(host_port);
    tail.rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools() {
        for s in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(parse_bool(s), Some(true), "{s}");
        }
        for s in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(parse_bool(s), Some(false), "{s}");
        }
        for s in ["", "yes", "tRUE", " true"] {
            assert_eq!(parse_bool(s), None, "{s}");
        }
    }

    #[test]
    fn api_versions() {
        for (s, major) in [
            ("2.0", 2),
            ("v2.0", 2),
            ("V2", 2),
            ("1.0", 1),
            ("v1", 1),
            ("", 1),
            ("3.1.4", 3),
            ("2.x", 2),
        ] {
            assert_eq!(parse_api_version(s).map(|v| v.major), Ok(major), "{s:?}");
        }
        for s in ["0.9", "x", "v", "vv2", "2a.0", ".2", "-1", " 2.0"] {
            if s == "v" {
                // "v" alone is empty after the prefix: v1.
                assert_eq!(parse_api_version(s).map(|v| v.major), Ok(1));
                continue;
            }
            assert!(parse_api_version(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn listen_addrs() {
        assert_eq!(parse_listen_addr(":9091").as_deref(), Ok("0.0.0.0:9091"));
        assert_eq!(
            parse_listen_addr("127.0.0.1:9091").as_deref(),
            Ok("127.0.0.1:9091")
        );
        assert_eq!(parse_listen_addr("[::1]:9091").as_deref(), Ok("[::1]:9091"));
        assert_eq!(
            parse_listen_addr("localhost:0").as_deref(),
            Ok("localhost:0")
        );
        for bad in ["9091", "127.0.0.1", ":x", ":70000", "::1:9091", "a b:1"] {
            assert!(parse_listen_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn spec_example_host() {
        let u = normalize_host(
            "ptp-event-publisher-service-NODE_NAME.openshift-ptp.svc.cluster.local:9043",
            Some("compute-1.example.com"),
            None,
        )
        .expect("valid");
        assert_eq!(
            u.as_str(),
            "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/"
        );
        assert_eq!(u.port(), Some(9043));
    }

    #[test]
    fn every_occurrence_and_both_substitutions() {
        let u = normalize_host(
            " NODE_NAME-NODE_NAME.x:1/NODE_IP ",
            Some("n1.a.b"),
            Some("10.1.2.3"),
        )
        .expect("valid");
        assert_eq!(u.as_str(), "http://n1-n1.x:1/10.1.2.3");
        let u = normalize_host("NODE_IP:9043", Some("n1"), Some("10.1.2.3")).expect("valid");
        assert_eq!(u.as_str(), "http://10.1.2.3:9043/");
        // Unset variables leave the placeholder.
        let u = normalize_host("svc-NODE_NAME:9043", None, None).expect("valid");
        assert_eq!(u.host_str(), Some("svc-node_name"));
    }

    #[test]
    fn schemes_and_ports() {
        let u = normalize_host("HTTPS://h:8443", None, None).expect("valid");
        assert_eq!(u.scheme(), "https");
        let u = normalize_host("http://h:80", None, None).expect("explicit default port");
        assert_eq!(u.port_or_known_default(), Some(80));
        let u = normalize_host("user@[::1]:9043", None, None).expect("ipv6");
        assert_eq!(u.port(), Some(9043));
        for bad in [
            "",
            "  ",
            "h",
            "http://h",
            "http://h/",
            "http://:9043",
            "h:port",
            "http://[::1]",
        ] {
            let e = normalize_host(bad, None, None).expect_err(bad);
            assert!(matches!(e, ConfigError::Value { .. }), "{bad}: {e}");
        }
    }
}
