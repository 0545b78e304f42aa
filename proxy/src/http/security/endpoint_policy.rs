//! `--endpoint-allow LIST` (security.md §5): which consumer endpoints a
//! subscription may name. Entries, comma-separated, each optionally with
//! `:port`:
//! - a CIDR (`10.128.0.0/14`, `fd00::/8`) or an address (`10.1.2.3`, `::1`);
//!   an IPv6 entry with a port is written in brackets (`[fd00::/8]:8443`);
//! - a host name (`consumer.ns.svc`), matched as written (no case, no
//!   trailing dot);
//! - a suffix pattern (`*.svc.cluster.local`), matching any name that ends
//!   with `.svc.cluster.local`.
//!
//! An endpoint is allowed when its host matches a name or pattern entry as
//! written, or when it is an address inside a CIDR entry, or when it is a
//! name **every** resolved address of which lies inside CIDR entries: a
//! name cannot smuggle a request to an address outside them. A port on an
//! entry must equal the endpoint's port (its scheme's default when the URL
//! has none).
//!
//! The check resolves names at subscription time. Delivery resolves the
//! name again later; a name that changes its addresses in between (DNS
//! rebinding) is not caught here.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;
use url::{Host, Url};

/// Resolution of one endpoint name may take this long.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Net(IpNet),
    Name(String),
    /// The suffix with its leading dot: `.svc.cluster.local`.
    Suffix(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    port: Option<u16>,
}

impl Entry {
    fn port_fits(&self, port: u16) -> bool {
        self.port.is_none_or(|p| p == port)
    }
}

/// The allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointPolicy {
    entries: Vec<Entry>,
}

/// A list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("--endpoint-allow is empty")]
    Empty,
    #[error("--endpoint-allow entry {entry:?}: {problem}")]
    Entry {
        entry: String,
        problem: &'static str,
    },
}

/// An endpoint the list does not allow: answered 403 before any request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    detail: String,
}

impl Refusal {
    fn new(detail: String) -> Self {
        Self { detail }
    }

    /// 403.
    pub fn status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::FORBIDDEN
    }

    /// The problem+json `detail`.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The 403 problem.
    pub fn problem(&self) -> crate::http::Problem {
        crate::http::Problem::new(self.status(), &self.detail)
    }
}

fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn parse_port(entry: &str, port: &str) -> Result<u16, PolicyError> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(PolicyError::Entry {
            entry: entry.to_string(),
            problem: "the port is not a number from 1 to 65535",
        }),
    }
}

fn parse_net(entry: &str, text: &str) -> Result<IpNet, PolicyError> {
    let bad = |problem| PolicyError::Entry {
        entry: entry.to_string(),
        problem,
    };
    if text.contains('/') {
        let net = IpNet::from_str(text).map_err(|_| bad("not a CIDR such as 10.128.0.0/14"))?;
        if net.trunc() != net {
            return Err(bad(
                "the CIDR has host bits set (write the network address)",
            ));
        }
        Ok(net)
    } else {
        let ip = IpAddr::from_str(text).map_err(|_| bad("not an IP address"))?;
        Ok(IpNet::from(ip))
    }
}

fn parse_entry(entry: &str) -> Result<Entry, PolicyError> {
    let bad = |problem| PolicyError::Entry {
        entry: entry.to_string(),
        problem,
    };
    // [v6] or [v6/len], with an optional :port.
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or(bad("a '[' without ']'"))?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                entry,
                p.strip_prefix(':').ok_or(bad("text after ']'"))?,
            )?),
        };
        return Ok(Entry {
            pattern: Pattern::Net(parse_net(entry, inside)?),
            port,
        });
    }
    // A bare IPv6 address or CIDR has several colons and no port.
    if entry.matches(':').count() > 1 {
        return Ok(Entry {
            pattern: Pattern::Net(parse_net(entry, entry)?),
            port: None,
        });
    }
    let (host, port) = match entry.split_once(':') {
        Some((h, p)) => (h, Some(parse_port(entry, p)?)),
        None => (entry, None),
    };
    let looks_numeric = host
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '/');
    let pattern = if host.contains('/') || looks_numeric {
        Pattern::Net(parse_net(entry, host)?)
    } else if let Some(suffix) = host.strip_prefix("*.") {
        let suffix = normal_name(suffix);
        if !valid_name(&suffix) {
            return Err(bad("not a pattern such as *.svc.cluster.local"));
        }
        Pattern::Suffix(format!(".{suffix}"))
    } else {
        let name = normal_name(host);
        if !valid_name(&name) {
            return Err(bad("not a host name, a CIDR or a *.suffix pattern"));
        }
        Pattern::Name(name)
    };
    Ok(Entry { pattern, port })
}

impl FromStr for EndpointPolicy {
    type Err = PolicyError;

    fn from_str(list: &str) -> Result<Self, PolicyError> {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()?;
        if entries.is_empty() {
            return Err(PolicyError::Empty);
        }
        Ok(Self { entries })
    }
}

impl EndpointPolicy {
    fn ip_allowed(&self, ip: IpAddr, port: u16) -> bool {
        let ip = ip.to_canonical();
        self.entries.iter().any(|e| {
            e.port_fits(port) && matches!(&e.pattern, Pattern::Net(net) if net.contains(&ip))
        })
    }

    fn name_allowed(&self, name: &str, port: u16) -> bool {
        self.entries.iter().any(|e| {
            e.port_fits(port)
                && match &e.pattern {
                    Pattern::Name(n) => n == name,
                    Pattern::Suffix(s) => name.ends_with(s.as_str()),
                    Pattern::Net(_) => false,
                }
        })
    }

    fn has_nets_for(&self, port: u16) -> bool {
        self.entries
            .iter()
            .any(|e| e.port_fits(port) && matches!(e.pattern, Pattern::Net(_)))
    }

    /// Whether a subscription may name `url`. Waits on name resolution
    /// (bounded by [`RESOLVE_TIMEOUT`]) only for a name that no name entry
    /// allows while CIDR entries exist.
    pub async fn check(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::new(format!(
                "endpoint scheme {} is not http or https",
                url.scheme()
            )));
        }
        let Some(port) = url.port_or_known_default() else {
            return Err(Refusal::new("endpoint has no port".to_string()));
        };
        let host = match url.host() {
            None => return Err(Refusal::new("endpoint has no host".to_string())),
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(name)) => return self.check_name(&normal_name(name), port).await,
        };
        if self.ip_allowed(host, port) {
            Ok(())
        } else {
            Err(Refusal::new(format!(
                "endpoint {host} port {port} is not in --endpoint-allow"
            )))
        }
    }

    async fn check_name(&self, name: &str, port: u16) -> Result<(), Refusal> {
        if self.name_allowed(name, port) {
            return Ok(());
        }
        if !self.has_nets_for(port) {
            return Err(Refusal::new(format!(
                "endpoint {name} port {port} is not in --endpoint-allow"
            )));
        }
        let resolved =
            tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await;
        let addrs: Vec<IpAddr> = match resolved {
            Err(_) => {
                return Err(Refusal::new(format!(
                    "endpoint {name} did not resolve within {RESOLVE_TIMEOUT:?}"
                )))
            }
            Ok(Err(e)) => {
                return Err(Refusal::new(format!(
                    "endpoint {name} does not resolve: {e}"
                )))
            }
            Ok(Ok(addrs)) => addrs.map(|a| a.ip()).collect(),
        };
        if addrs.is_empty() {
            return Err(Refusal::new(format!(
                "endpoint {name} resolves to no address"
            )));
        }
        match addrs.iter().find(|ip| !self.ip_allowed(**ip, port)) {
            None => Ok(()),
            Some(outside) => Err(Refusal::new(format!(
                "endpoint {name} resolves to {outside}, outside the networks of --endpoint-allow"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(list: &str) -> EndpointPolicy {
        list.parse().expect(list)
    }

    fn url(u: &str) -> Url {
        Url::parse(u).expect(u)
    }

    async fn allowed(list: &str, u: &str) -> bool {
        policy(list).check(&url(u)).await.is_ok()
    }

    #[test]
    fn entries_are_read() {
        let p = policy(" 10.128.0.0/14, fd00::/8 ,[fd01::/16]:8443, 192.168.1.7:9000, ::1, consumer.NS.svc., *.svc.cluster.local:9043");
        let patterns: Vec<String> = p
            .entries
            .iter()
            .map(|e| format!("{:?}@{:?}", e.pattern, e.port))
            .collect();
        assert_eq!(
            patterns,
            [
                "Net(10.128.0.0/14)@None",
                "Net(fd00::/8)@None",
                "Net(fd01::/16)@Some(8443)",
                "Net(192.168.1.7/32)@Some(9000)",
                "Net(::1/128)@None",
                "Name(\"consumer.ns.svc\")@None",
                "Suffix(\".svc.cluster.local\")@Some(9043)",
            ]
        );
        for bad in [
            "",
            " , ",
            "10.0.0.0/33",
            "10.0.0.1/8",
            "300.1.1.1",
            "host:0",
            "host:x",
            "*.",
            "*",
            "a b",
            "[::1",
            "[::1]x",
            "bad_*.x",
        ] {
            assert!(
                bad.parse::<EndpointPolicy>().is_err(),
                "{bad:?} was accepted"
            );
        }
        let e = "10.0.0.0/8,nope!"
            .parse::<EndpointPolicy>()
            .expect_err("bad entry");
        assert_eq!(
            e.to_string(),
            "--endpoint-allow entry \"nope!\": not a host name, a CIDR or a *.suffix pattern"
        );
    }

    #[tokio::test]
    async fn addresses_inside_and_outside_cidrs() {
        let list = "10.128.0.0/14,fd00::/8";
        assert!(allowed(list, "http://10.128.3.4:9090/event").await);
        assert!(allowed(list, "https://10.131.255.255/event").await);
        assert!(!allowed(list, "http://10.132.0.1:9090/event").await);
        assert!(!allowed(list, "http://169.254.169.254/latest/meta-data").await);
        assert!(allowed(list, "http://[fd00::1]:9090/").await);
        assert!(!allowed(list, "http://[fe80::1]:9090/").await);
        // An IPv4-mapped IPv6 address is its IPv4 address.
        assert!(allowed(list, "http://[::ffff:10.128.0.9]:80/").await);
        assert!(!allowed(list, "http://[::ffff:127.0.0.1]:80/").await);
        let r = policy(list)
            .check(&url("http://10.132.0.1:9090/event"))
            .await
            .expect_err("refused");
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.detail(),
            "endpoint 10.132.0.1 port 9090 is not in --endpoint-allow"
        );
    }

    #[tokio::test]
    async fn ports_on_entries() {
        let list = "10.0.0.0/8:9043,*.svc.cluster.local:443";
        assert!(allowed(list, "http://10.1.1.1:9043/").await);
        assert!(!allowed(list, "http://10.1.1.1:9044/").await);
        assert!(
            !allowed(list, "http://10.1.1.1/").await,
            "port 80 by default"
        );
        assert!(
            allowed(list, "https://a.ns.svc.cluster.local/").await,
            "443 by default"
        );
        assert!(!allowed(list, "http://a.ns.svc.cluster.local/").await);
    }

    #[tokio::test]
    async fn names_are_matched_as_written() {
        let list = "consumer.ns.svc,*.svc.cluster.local";
        assert!(allowed(list, "http://consumer.ns.svc:9090/").await);
        assert!(allowed(list, "http://CONSUMER.ns.svc.:9090/").await);
        assert!(!allowed(list, "http://other.ns.svc:9090/").await);
        assert!(allowed(list, "http://c.ns.svc.cluster.local/").await);
        assert!(allowed(list, "http://x.y.z.svc.cluster.local/").await);
        assert!(
            !allowed(list, "http://svc.cluster.local/").await,
            "the suffix alone"
        );
        assert!(!allowed(list, "http://evilsvc.cluster.local/").await);
        assert!(!allowed(list, "http://c.ns.svc.cluster.local.evil.com/").await);
        // Names only: an address is not allowed by a name entry.
        assert!(!allowed(list, "http://10.0.0.1/").await);
        assert!(!allowed(list, "ftp://consumer.ns.svc/").await);
    }

    #[tokio::test]
    async fn a_name_must_resolve_inside_the_cidrs() {
        // localhost resolves to loopback addresses only.
        assert!(!allowed("10.0.0.0/8", "http://localhost:9090/").await);
        let r = policy("10.0.0.0/8")
            .check(&url("http://localhost:9090/"))
            .await
            .expect_err("outside");
        assert!(
            r.detail().starts_with("endpoint localhost resolves to "),
            "{}",
            r.detail()
        );
        assert!(allowed("127.0.0.0/8,::1/128", "http://localhost:9090/").await);
        // Allowed by name, whatever it resolves to.
        assert!(allowed("10.0.0.0/8,localhost", "http://localhost:9090/").await);
        // A name that does not resolve.
        let r = policy("10.0.0.0/8")
            .check(&url("http://no-such-host.invalid/"))
            .await
            .expect_err("unresolvable");
        assert!(
            r.detail().contains("no-such-host.invalid"),
            "{}",
            r.detail()
        );
    }
}
