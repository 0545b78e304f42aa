//! The `--auth-config FILE` JSON document (security.md §1), in the member
//! names of the upstream format. Unknown members are an error; the upstream
//! members marked "accepted" are read and have no effect. Loading checks
//! everything a start-up would trip on later: the certificate, key and CA
//! files are read and parsed, the key must match the certificate, and
//! `enableOAuth` needs an issuer and a JWKS URL. Every error names the file
//! and the member.
//!
//! An empty string counts as an absent member (Go configurations often
//! carry every member with its zero value). Paths are used as written
//! (relative ones against the working directory, as upstream).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use super::pem::PemError;
use super::tls::{ServerTlsMaterial, ServerTlsPaths, TlsFileError};

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthConfigFile {
    #[serde(rename = "enableMTLS", default)]
    enable_mtls: Option<bool>,
    #[serde(rename = "caCertPath", default)]
    ca_cert_path: Option<String>,
    #[serde(rename = "serverCertPath", default)]
    server_cert_path: Option<String>,
    #[serde(rename = "serverKeyPath", default)]
    server_key_path: Option<String>,
    #[serde(rename = "enableOAuth", default)]
    enable_oauth: Option<bool>,
    #[serde(rename = "oauthIssuer", default)]
    oauth_issuer: Option<String>,
    #[serde(rename = "oauthJWKSURL", default)]
    oauth_jwks_url: Option<String>,
    #[serde(rename = "requiredAudience", default)]
    required_audience: Option<String>,
    #[serde(rename = "requiredScopes", default)]
    required_scopes: Option<Vec<String>>,
    // Accepted upstream members, without effect here.
    #[serde(rename = "useServiceCA", default)]
    use_service_ca: Option<bool>,
    #[serde(rename = "useOpenShiftOAuth", default)]
    use_openshift_oauth: Option<bool>,
    #[serde(rename = "serviceAccountName", default)]
    service_account_name: Option<String>,
    // Read (so that its presence is accepted), never logged or kept.
    #[serde(rename = "serviceAccountToken", default)]
    service_account_token: Option<serde::de::IgnoredAny>,
}

/// Bearer-token settings (`enableOAuth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthSettings {
    /// `oauthIssuer`: the token's `iss` must equal it exactly.
    pub issuer: String,
    /// `oauthJWKSURL`.
    pub jwks_url: Url,
    /// `requiredAudience`.
    pub audience: Option<String>,
    /// `requiredScopes`.
    pub scopes: Vec<String>,
}

/// A checked `--auth-config` file.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Where it was read from.
    pub file: PathBuf,
    /// HTTPS on the REST and transport listeners; with a client CA when
    /// `enableMTLS` is on.
    pub server_tls: Option<ServerTlsPaths>,
    /// Bearer tokens on the protected routes.
    pub oauth: Option<OAuthSettings>,
    /// Things worth saying at start-up and in `validate` (ignored members,
    /// plain-HTTP tokens, ...).
    pub notes: Vec<String>,
}

/// Why an auth configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("auth config {}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, a member of the wrong type, or an unknown member (serde
    /// names it, with the line and column).
    #[error("auth config {}: {source}", file.display())]
    Syntax {
        file: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("auth config {}: member {member}: {problem}", file.display())]
    Member {
        file: PathBuf,
        member: &'static str,
        problem: String,
    },
    #[error("auth config {}: member {member}: {source}", file.display())]
    File {
        file: PathBuf,
        member: &'static str,
        #[source]
        source: PemError,
    },
}

impl AuthConfigError {
    /// The member at fault, when one is.
    pub fn member(&self) -> Option<&'static str> {
        match self {
            Self::Member { member, .. } | Self::File { member, .. } => Some(member),
            Self::Read { .. } | Self::Syntax { .. } => None,
        }
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl AuthConfig {
    /// Reads and checks the file (blocking: at start-up).
    pub fn load(path: &Path) -> Result<AuthConfig, AuthConfigError> {
        let text = std::fs::read(path).map_err(|source| AuthConfigError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        let config = Self::parse(path, &text)?;
        if let Some(paths) = &config.server_tls {
            ServerTlsMaterial::load(paths).map_err(|e| config.file_error(e))?;
        }
        Ok(config)
    }

    /// Checks the document without reading the files it names.
    pub fn parse(path: &Path, text: &[u8]) -> Result<AuthConfig, AuthConfigError> {
        let file = path.to_path_buf();
        let raw: AuthConfigFile =
            serde_json::from_slice(text).map_err(|source| AuthConfigError::Syntax {
                file: file.clone(),
                source,
            })?;
        let member = |member: &'static str, problem: &str| AuthConfigError::Member {
            file: file.clone(),
            member,
            problem: problem.to_string(),
        };
        let mut notes = Vec::new();
        let mtls = raw.enable_mtls.unwrap_or(false);
        let ca = non_empty(raw.ca_cert_path);
        let cert = non_empty(raw.server_cert_path);
        let key = non_empty(raw.server_key_path);
        let server_tls = match (cert, key) {
            (Some(cert), Some(key)) => {
                let client_ca = match (mtls, ca) {
                    (true, Some(ca)) => Some(PathBuf::from(ca)),
                    (true, None) => {
                        return Err(member("caCertPath", "required when enableMTLS is true"))
                    }
                    (false, Some(_)) => {
                        notes.push(
                            "caCertPath is not used: enableMTLS is false (HTTPS without client \
                             certificates)"
                                .to_string(),
                        );
                        None
                    }
                    (false, None) => None,
                };
                Some(ServerTlsPaths {
                    cert: PathBuf::from(cert),
                    key: PathBuf::from(key),
                    client_ca,
                })
            }
            (Some(_), None) => {
                return Err(member("serverKeyPath", "required with serverCertPath"));
            }
            (None, Some(_)) => {
                return Err(member("serverCertPath", "required with serverKeyPath"));
            }
            (None, None) if mtls => {
                return Err(member("serverCertPath", "required when enableMTLS is true"));
            }
            (None, None) => {
                if ca.is_some() {
                    notes.push("caCertPath is not used: enableMTLS is false".to_string());
                }
                None
            }
        };
        let oauth_on = raw.enable_oauth.unwrap_or(false);
        let issuer = non_empty(raw.oauth_issuer);
        let jwks = non_empty(raw.oauth_jwks_url);
        let audience = non_empty(raw.required_audience);
        let scopes = raw.required_scopes.unwrap_or_default();
        let oauth = if oauth_on {
            let issuer =
                issuer.ok_or_else(|| member("oauthIssuer", "required when enableOAuth is true"))?;
            let jwks =
                jwks.ok_or_else(|| member("oauthJWKSURL", "required when enableOAuth is true"))?;
            let jwks_url = Url::parse(&jwks)
                .map_err(|e| member("oauthJWKSURL", &format!("not a URL: {e}")))?;
            if !matches!(jwks_url.scheme(), "http" | "https") || jwks_url.host().is_none() {
                return Err(member("oauthJWKSURL", "must be an http:// or https:// URL"));
            }
            if jwks_url.scheme() == "http" {
                notes.push(format!(
                    "oauthJWKSURL {jwks_url} is plain HTTP: the signing keys are not protected \
                     in transit"
                ));
            }
            if let Some(bad) = scopes.iter().find(|s| s.is_empty() || s.contains(' ')) {
                return Err(member(
                    "requiredScopes",
                    &format!("{bad:?} is not a scope (empty or with a space)"),
                ));
            }
            if server_tls.is_none() {
                notes.push(
                    "bearer tokens are required but the API is plain HTTP: tokens can be read \
                     on the network"
                        .to_string(),
                );
            }
            Some(OAuthSettings {
                issuer,
                jwks_url,
                audience,
                scopes,
            })
        } else {
            for (name, set) in [
                ("oauthIssuer", issuer.is_some()),
                ("oauthJWKSURL", jwks.is_some()),
                ("requiredAudience", audience.is_some()),
                ("requiredScopes", !scopes.is_empty()),
            ] {
                if set {
                    notes.push(format!("{name} is not used: enableOAuth is false"));
                }
            }
            None
        };
        for (name, set) in [
            ("useServiceCA", raw.use_service_ca.is_some()),
            ("useOpenShiftOAuth", raw.use_openshift_oauth.is_some()),
            ("serviceAccountName", raw.service_account_name.is_some()),
            ("serviceAccountToken", raw.service_account_token.is_some()),
        ] {
            if set {
                notes.push(format!("{name} is accepted and has no effect here"));
            }
        }
        Ok(AuthConfig {
            file,
            server_tls,
            oauth,
            notes,
        })
    }

    /// Whether client certificates are required.
    pub fn mtls(&self) -> bool {
        self.server_tls
            .as_ref()
            .is_some_and(|t| t.client_ca.is_some())
    }

    /// A file error with the member that names the file.
    pub fn file_error(&self, e: TlsFileError) -> AuthConfigError {
        AuthConfigError::File {
            file: self.file.clone(),
            member: e.part.member(),
            source: e.source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::security::testpki::Ca;

    fn parse(json: &str) -> Result<AuthConfig, AuthConfigError> {
        AuthConfig::parse(Path::new("/etc/auth.json"), json.as_bytes())
    }

    #[test]
    fn an_empty_object_turns_nothing_on() {
        let c = parse("{}").expect("empty");
        assert!(c.server_tls.is_none() && c.oauth.is_none());
        assert!(!c.mtls());
    }

    #[test]
    fn the_upstream_members_are_read() {
        let c = parse(
            r#"{"enableMTLS": true, "caCertPath": "/ca.crt", "serverCertPath": "/tls.crt",
                "serverKeyPath": "/tls.key", "useServiceCA": true, "enableOAuth": true,
                "oauthIssuer": "https://kubernetes.default.svc",
                "oauthJWKSURL": "https://kubernetes.default.svc/openid/v1/jwks",
                "requiredAudience": "ptp-events", "requiredScopes": ["subscribe", "delete"],
                "useOpenShiftOAuth": false, "serviceAccountName": "consumer",
                "serviceAccountToken": "secret-do-not-print"}"#,
        )
        .expect("full file");
        let tls = c.server_tls.as_ref().expect("tls");
        assert_eq!(tls.cert, Path::new("/tls.crt"));
        assert_eq!(tls.key, Path::new("/tls.key"));
        assert_eq!(tls.client_ca.as_deref(), Some(Path::new("/ca.crt")));
        assert!(c.mtls());
        let o = c.oauth.as_ref().expect("oauth");
        assert_eq!(o.issuer, "https://kubernetes.default.svc");
        assert_eq!(o.jwks_url.path(), "/openid/v1/jwks");
        assert_eq!(o.audience.as_deref(), Some("ptp-events"));
        assert_eq!(o.scopes, ["subscribe", "delete"]);
        let notes = c.notes.join("\n");
        assert!(notes.contains("useServiceCA is accepted"), "{notes}");
        assert!(notes.contains("serviceAccountToken is accepted"), "{notes}");
        assert!(!notes.contains("secret-do-not-print"), "{notes}");
    }

    #[test]
    fn unknown_members_are_named_with_the_file() {
        let e = parse(r#"{"enableMtls": true}"#).expect_err("misspelt member");
        let text = e.to_string();
        assert!(text.starts_with("auth config /etc/auth.json: "), "{text}");
        assert!(text.contains("unknown field `enableMtls`"), "{text}");
        let e = parse(r#"{"enableMTLS": "yes"}"#).expect_err("wrong type");
        assert!(matches!(e, AuthConfigError::Syntax { .. }), "{e}");
        let e = parse("not json").expect_err("not JSON");
        assert!(matches!(e, AuthConfigError::Syntax { .. }), "{e}");
    }

    #[test]
    fn missing_members_are_named() {
        let cases = [
            (r#"{"enableMTLS": true}"#, "serverCertPath"),
            (
                r#"{"enableMTLS": true, "serverCertPath": "/c", "serverKeyPath": "/k"}"#,
                "caCertPath",
            ),
            (r#"{"serverCertPath": "/c"}"#, "serverKeyPath"),
            (
                r#"{"serverKeyPath": "/k", "serverCertPath": ""}"#,
                "serverCertPath",
            ),
            (
                r#"{"enableOAuth": true, "oauthJWKSURL": "http://x/"}"#,
                "oauthIssuer",
            ),
            (
                r#"{"enableOAuth": true, "oauthIssuer": "i"}"#,
                "oauthJWKSURL",
            ),
            (
                r#"{"enableOAuth": true, "oauthIssuer": "i", "oauthJWKSURL": "file:///k"}"#,
                "oauthJWKSURL",
            ),
            (
                r#"{"enableOAuth": true, "oauthIssuer": "i", "oauthJWKSURL": "nope"}"#,
                "oauthJWKSURL",
            ),
            (
                r#"{"enableOAuth": true, "oauthIssuer": "i", "oauthJWKSURL": "http://x/",
                    "requiredScopes": ["a b"]}"#,
                "requiredScopes",
            ),
        ];
        for (json, want) in cases {
            let e = parse(json).expect_err(json);
            assert_eq!(e.member(), Some(want), "{json}: {e}");
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("auth config /etc/auth.json: member {want}: ")),
                "{text}"
            );
        }
    }

    #[test]
    fn the_deploy_example_is_valid() {
        let text =
            include_str!("../../../../deploy/kubernetes/overlays/producer-secure/auth-config.json");
        let c = parse(text).expect("deploy/kubernetes/overlays/producer-secure/auth-config.json");
        let tls = c.server_tls.as_ref().expect("HTTPS");
        assert_eq!(tls.cert, Path::new("/etc/cloud-event-proxy/tls/tls.crt"));
        assert!(!c.mtls());
        let o = c.oauth.as_ref().expect("OAuth");
        assert_eq!(o.audience.as_deref(), Some("ptp-event-proxy"));
        assert!(o.scopes.is_empty());
    }

    #[test]
    fn https_without_client_certificates() {
        let c = parse(r#"{"serverCertPath": "/c", "serverKeyPath": "/k", "caCertPath": "/ca"}"#)
            .expect("https only");
        assert!(c.server_tls.as_ref().is_some_and(|t| t.client_ca.is_none()));
        assert!(!c.mtls());
        assert!(c.notes.iter().any(|n| n.contains("caCertPath is not used")));
    }

    #[test]
    fn load_reads_and_checks_the_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("clients");
        let ca_path = ca.write(dir.path(), "ca");
        let server = ca.server(&["localhost"]);
        let (cert, key) = server.write(dir.path(), "server");
        let other = ca.server(&["localhost"]);
        let (_, other_key) = other.write(dir.path(), "other");
        let bad_pem = dir.path().join("bad.pem");
        std::fs::write(&bad_pem, "garbage").expect("write");
        let write = |name: &str, json: serde_json::Value| {
            let p = dir.path().join(name);
            std::fs::write(&p, json.to_string()).expect("write config");
            p
        };
        let good = write(
            "good.json",
            serde_json::json!({"enableMTLS": true, "caCertPath": ca_path,
                "serverCertPath": cert, "serverKeyPath": key}),
        );
        let c = AuthConfig::load(&good).expect("good config");
        assert!(c.mtls());

        let cases = [
            (
                serde_json::json!({"serverCertPath": cert, "serverKeyPath": other_key}),
                "serverKeyPath",
                "does not match",
            ),
            (
                serde_json::json!({"serverCertPath": bad_pem, "serverKeyPath": key}),
                "serverCertPath",
                "no certificate",
            ),
            (
                serde_json::json!({"serverCertPath": cert, "serverKeyPath": dir.path().join("none.pem")}),
                "serverKeyPath",
                "cannot read",
            ),
            (
                serde_json::json!({"enableMTLS": true, "caCertPath": bad_pem,
                    "serverCertPath": cert, "serverKeyPath": key}),
                "caCertPath",
                "no certificate",
            ),
        ];
        for (i, (json, member, words)) in cases.into_iter().enumerate() {
            let p = write(&format!("bad{i}.json"), json);
            let e = AuthConfig::load(&p).expect_err("a bad file");
            assert_eq!(e.member(), Some(member), "{e}");
            let text = e.to_string();
            assert!(text.contains(&p.display().to_string()), "{text}");
            assert!(text.contains(words), "{text}");
        }
        let e = AuthConfig::load(&dir.path().join("absent.json")).expect_err("no file");
        assert!(matches!(e, AuthConfigError::Read { .. }), "{e}");
    }
}
