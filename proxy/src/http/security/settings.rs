//! The security flags as values (`--auth-config`, `--consumer-ca`,
//! `--consumer-cert`, `--consumer-key`, `--endpoint-allow`,
//! `--max-subscriptions`, `--api-addr`), and loading everything they name
//! at start-up into one [`Security`] the listeners, routers and HTTP
//! clients take their parts from.
//!
//! The clap definitions live with the other flags (`config`); they hand
//! the raw strings over in a [`SecurityFlags`]. `cli` checks them with
//! [`SecuritySettings::parse`] (exit status 2) and loads the files with
//! [`SecuritySettings::load`] (exit status 1).

use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::auth_config::{AuthConfig, AuthConfigError};
use super::bearer::BearerAuth;
use super::client_tls::{ClientTls, ClientTlsError, ClientTlsFiles};
use super::endpoint_policy::{EndpointPolicy, PolicyError};
use super::guard::BearerGuard;
use super::tls::ServerTls;
pub use crate::config::SecurityFlags;

/// `--max-subscriptions` when not given.
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 10_000;

/// `--api-addr HOST`: an address, or a name resolved when binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAddr {
    Ip(IpAddr),
    Name(String),
}

impl FromStr for ApiAddr {
    type Err = SettingsError;

    fn from_str(s: &str) -> Result<Self, SettingsError> {
        let s = s.trim();
        let bare = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(s);
        if let Ok(ip) = IpAddr::from_str(bare) {
            return Ok(Self::Ip(ip));
        }
        let name_ok = !s.is_empty()
            && s.len() <= 253
            && s.split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if name_ok {
            Ok(Self::Name(s.to_ascii_lowercase()))
        } else {
            Err(SettingsError::ApiAddr(s.to_string()))
        }
    }
}

impl ApiAddr {
    /// `HOST:PORT` for `TcpListener::bind` (IPv6 in brackets).
    pub fn with_port(&self, port: u16) -> String {
        match self {
            Self::Ip(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
            Self::Ip(ip) => format!("{ip}:{port}"),
            Self::Name(name) => format!("{name}:{port}"),
        }
    }
}

/// A flag value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("--{0} is empty")]
    Empty(&'static str),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("--max-subscriptions {0:?}: not a number from 1 to {max}", max = usize::MAX)]
    MaxSubscriptions(String),
    #[error("--api-addr {0:?}: not an IP address or a host name")]
    ApiAddr(String),
    #[error("--consumer-cert and --consumer-key go together")]
    Unpaired,
}

/// The flags, checked (nothing read from disk yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySettings {
    pub auth_config: Option<PathBuf>,
    pub consumer_tls: ClientTlsFiles,
    pub endpoint_allow: Option<EndpointPolicy>,
    pub max_subscriptions: usize,
    pub api_addr: Option<ApiAddr>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            auth_config: None,
            consumer_tls: ClientTlsFiles::default(),
            endpoint_allow: None,
            max_subscriptions: DEFAULT_MAX_SUBSCRIPTIONS,
            api_addr: None,
        }
    }
}

fn path(flag: &'static str, v: &Option<String>) -> Result<Option<PathBuf>, SettingsError> {
    match v.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(SettingsError::Empty(flag)),
        Some(p) => Ok(Some(PathBuf::from(p))),
    }
}

impl SecuritySettings {
    /// Checks the flag values.
    pub fn parse(flags: &SecurityFlags) -> Result<Self, SettingsError> {
        let consumer_tls = ClientTlsFiles {
            ca: path("consumer-ca", &flags.consumer_ca)?,
            cert: path("consumer-cert", &flags.consumer_cert)?,
            key: path("consumer-key", &flags.consumer_key)?,
        };
        if consumer_tls.cert.is_some() != consumer_tls.key.is_some() {
            return Err(SettingsError::Unpaired);
        }
        let endpoint_allow = flags
            .endpoint_allow
            .as_deref()
            .map(EndpointPolicy::from_str)
            .transpose()?;
        let max_subscriptions = match flags.max_subscriptions.as_deref().map(str::trim) {
            None => DEFAULT_MAX_SUBSCRIPTIONS,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => return Err(SettingsError::MaxSubscriptions(v.to_string())),
            },
        };
        let api_addr = match flags.api_addr.as_deref() {
            None => None,
            Some(a) if a.trim().is_empty() => return Err(SettingsError::Empty("api-addr")),
            Some(a) => Some(a.parse()?),
        };
        Ok(Self {
            auth_config: path("auth-config", &flags.auth_config)?,
            consumer_tls,
            endpoint_allow,
            max_subscriptions,
            api_addr,
        })
    }

    /// Reads every file the settings name (blocking: at start-up, before
    /// the listeners open). Fetches nothing: the JWKS is fetched by
    /// [`BearerAuth::prefetch`] or the first protected request.
    pub fn load(&self) -> Result<Security, LoadError> {
        let client_tls = ClientTls::load(&self.consumer_tls)?;
        let auth = self
            .auth_config
            .as_deref()
            .map(AuthConfig::load)
            .transpose()?;
        let server_tls = match &auth {
            Some(a) => match &a.server_tls {
                Some(paths) => Some(
                    ServerTls::load(paths.clone())
                        .map_err(|e| LoadError::AuthConfig(a.file_error(e)))?,
                ),
                None => None,
            },
            None => None,
        };
        let bearer = match auth.as_ref().and_then(|a| a.oauth.clone()) {
            Some(oauth) => {
                let client = client_tls
                    .apply(reqwest::Client::builder())
                    .redirect(reqwest::redirect::Policy::limited(3))
                    .build()
                    .map_err(|e| LoadError::Client(e.to_string()))?;
                Some(Arc::new(BearerAuth::new(oauth, client)))
            }
            None => None,
        };
        Ok(Security {
            auth,
            server_tls,
            bearer,
            client_tls,
            endpoint_policy: self.endpoint_allow.clone().map(Arc::new),
            max_subscriptions: self.max_subscriptions,
            api_addr: self.api_addr.clone(),
        })
    }
}

/// A start-up error of the security settings.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    AuthConfig(#[from] AuthConfigError),
    #[error(transparent)]
    ClientTls(#[from] ClientTlsError),
    #[error("HTTP client for the JWKS: {0}")]
    Client(String),
}

/// Everything the security flags turned on, loaded.
#[derive(Debug, Clone)]
pub struct Security {
    /// The `--auth-config` file, checked.
    pub auth: Option<AuthConfig>,
    /// TLS for the REST listener and the v1 transport listener.
    pub server_tls: Option<ServerTls>,
    /// Bearer tokens on the protected routes.
    pub bearer: Option<Arc<BearerAuth>>,
    /// Outgoing TLS (always: system roots, plus `--consumer-ca`).
    pub client_tls: ClientTls,
    /// `--endpoint-allow`.
    pub endpoint_policy: Option<Arc<EndpointPolicy>>,
    /// `--max-subscriptions`.
    pub max_subscriptions: usize,
    /// `--api-addr`.
    pub api_addr: Option<ApiAddr>,
}

impl Security {
    /// A reqwest builder with the outgoing TLS settings, for deliveries,
    /// initial notifications and the v1 sidecar's calls.
    pub fn http_client_builder(&self) -> reqwest::ClientBuilder {
        self.client_tls.apply(reqwest::Client::builder())
    }

    /// The middleware state of the protected routes, when tokens are
    /// required (without a counter: the caller adds it).
    pub fn guard(&self) -> Option<BearerGuard> {
        self.bearer.as_ref().map(|b| BearerGuard::new(b.clone()))
    }

    /// One line per setting in effect, for the start-up log.
    pub fn summary(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.server_tls {
            Some(t) if t.requires_client_cert() => {
                out.push("API: HTTPS with client certificates (mTLS)".to_string())
            }
            Some(_) => out.push("API: HTTPS".to_string()),
            None => out.push("API: plain HTTP".to_string()),
        }
        if let Some(b) = &self.bearer {
            out.push(format!(
                "API: bearer tokens from {} required on routes that change subscriptions",
                b.settings().issuer
            ));
        }
        let r = self.client_tls.summary();
        out.push(format!(
            "outgoing TLS: {} system roots, {} built-in roots, {} from --consumer-ca{}",
            r.system,
            r.builtin,
            r.extra,
            if r.client_cert {
                ", client certificate"
            } else {
                ""
            }
        ));
        if self.endpoint_policy.is_some() {
            out.push("endpoints: --endpoint-allow in effect".to_string());
        }
        out.push(format!("subscriptions: at most {}", self.max_subscriptions));
        if let Some(a) = &self.auth {
            out.extend(a.notes.iter().map(|n| format!("auth config: {n}")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::security::testpki::Ca;

    fn flags() -> SecurityFlags {
        SecurityFlags::default()
    }

    #[test]
    fn without_flags_nothing_is_on() {
        let s = SecuritySettings::parse(&flags()).expect("defaults");
        assert_eq!(s, SecuritySettings::default());
        assert_eq!(s.max_subscriptions, 10_000);
        let sec = s.load().expect("load");
        assert!(sec.server_tls.is_none() && sec.bearer.is_none() && sec.endpoint_policy.is_none());
        assert!(sec.guard().is_none());
        let r = sec.client_tls.summary();
        assert!(r.system + r.builtin > 0, "some trust anchors: {r:?}");
        assert!(sec.summary().iter().any(|l| l == "API: plain HTTP"));
    }

    #[test]
    fn flag_values_are_checked() {
        let s = SecuritySettings::parse(&SecurityFlags {
            max_subscriptions: Some("25".into()),
            api_addr: Some("127.0.0.1".into()),
            endpoint_allow: Some("10.0.0.0/8,*.svc".into()),
            consumer_ca: Some("/etc/ca.pem".into()),
            ..flags()
        })
        .expect("valid");
        assert_eq!(s.max_subscriptions, 25);
        assert_eq!(
            s.api_addr.as_ref().map(|a| a.with_port(9043)).as_deref(),
            Some("127.0.0.1:9043")
        );
        assert_eq!(
            s.consumer_tls.ca.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert!(s.endpoint_allow.is_some());

        let bad = [
            SecurityFlags {
                max_subscriptions: Some("0".into()),
                ..flags()
            },
            SecurityFlags {
                max_subscriptions: Some("-3".into()),
                ..flags()
            },
            SecurityFlags {
                api_addr: Some("127.0.0.1:9043".into()),
                ..flags()
            },
            SecurityFlags {
                api_addr: Some(" ".into()),
                ..flags()
            },
            SecurityFlags {
                endpoint_allow: Some("".into()),
                ..flags()
            },
            SecurityFlags {
                consumer_cert: Some("/c".into()),
                ..flags()
            },
            SecurityFlags {
                auth_config: Some("".into()),
                ..flags()
            },
        ];
        for f in bad {
            assert!(SecuritySettings::parse(&f).is_err(), "{f:?} was accepted");
        }
        assert_eq!(
            "::1".parse::<ApiAddr>().expect("v6").with_port(1),
            "[::1]:1"
        );
        assert_eq!(
            "[::1]".parse::<ApiAddr>().expect("v6"),
            ApiAddr::Ip("::1".parse().expect("ip"))
        );
        assert_eq!(
            "Localhost".parse::<ApiAddr>().expect("name").with_port(2),
            "localhost:2"
        );
    }

    #[test]
    fn an_auth_config_turns_tls_and_tokens_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("CA");
        let ca_path = ca.write(dir.path(), "ca");
        let (cert, key) = ca.server(&["localhost"]).write(dir.path(), "server");
        let file = dir.path().join("auth.json");
        std::fs::write(
            &file,
            serde_json::json!({"enableMTLS": true, "caCertPath": ca_path, "serverCertPath": cert,
                "serverKeyPath": key, "enableOAuth": true, "oauthIssuer": "https://i",
                "oauthJWKSURL": "https://i/jwks"})
            .to_string(),
        )
        .expect("write");
        let s = SecuritySettings::parse(&SecurityFlags {
            auth_config: Some(file.display().to_string()),
            ..flags()
        })
        .expect("flags");
        let sec = s.load().expect("load");
        assert!(sec
            .server_tls
            .as_ref()
            .is_some_and(ServerTls::requires_client_cert));
        assert!(sec.guard().is_some());
        let lines = sec.summary();
        assert!(lines.iter().any(|l| l.contains("mTLS")), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("bearer tokens from https://i")),
            "{lines:?}"
        );
        // A bad file is a start-up error naming it.
        std::fs::write(&file, "{\"enableOAuth\": true}").expect("write");
        let e = s.load().expect_err("no issuer");
        assert!(e.to_string().contains("member oauthIssuer"), "{e}");
    }
}
