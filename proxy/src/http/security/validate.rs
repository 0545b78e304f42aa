//! `cloud-event-proxy validate --auth-config FILE`: everything start-up
//! would check, without starting (the JWKS is not fetched), and a report
//! of what the file turns on.

use std::fmt;
use std::path::Path;

use super::auth_config::{AuthConfig, AuthConfigError};
use super::tls::ServerTlsMaterial;

/// What a valid file turns on.
#[derive(Debug, Clone)]
pub struct AuthConfigReport {
    pub config: AuthConfig,
    lines: Vec<String>,
}

impl AuthConfigReport {
    /// The report, one line each.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

impl fmt::Display for AuthConfigReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "auth config {}: OK", self.config.file.display())?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Checks the file and the files it names; the error names the member.
pub fn validate_auth_config(path: &Path) -> Result<AuthConfigReport, AuthConfigError> {
    let config = AuthConfig::load(path)?;
    let mut lines = Vec::new();
    match &config.server_tls {
        Some(paths) => {
            let material = ServerTlsMaterial::load(paths).map_err(|e| config.file_error(e))?;
            // Builds the rustls configuration too, as start-up does.
            material
                .server_config(paths)
                .map_err(|e| config.file_error(e))?;
            let mut tls = format!(
                "TLS: HTTPS (TLS 1.2 and 1.3), certificate {} ({} in the chain), key {}",
                paths.cert.display(),
                material.chain_len(),
                paths.key.display()
            );
            if let Some(ca) = &paths.client_ca {
                tls.push_str(&format!(
                    "; client certificates required, signed by {} ({} CA certificate{})",
                    ca.display(),
                    material.client_ca_count(),
                    if material.client_ca_count() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ));
            } else {
                tls.push_str("; no client certificates");
            }
            lines.push(tls);
        }
        None => lines.push("TLS: off (plain HTTP)".to_string()),
    }
    match &config.oauth {
        Some(o) => {
            lines.push(format!(
                "OAuth: bearer tokens required on the routes that change subscriptions; \
                 issuer {:?}, keys from {}",
                o.issuer, o.jwks_url
            ));
            lines.push(format!(
                "OAuth: audience {}, scopes {}",
                o.audience
                    .as_deref()
                    .map_or("not checked".to_string(), |a| format!("{a:?}")),
                if o.scopes.is_empty() {
                    "not checked".to_string()
                } else {
                    o.scopes.join(" ")
                }
            ));
        }
        None => lines.push("OAuth: off".to_string()),
    }
    lines.extend(config.notes.iter().map(|n| format!("note: {n}")));
    Ok(AuthConfigReport { config, lines })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::security::testpki::Ca;

    #[test]
    fn a_report_of_what_the_file_turns_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("CA");
        let ca_path = ca.write(dir.path(), "ca");
        let (cert, key) = ca.server(&["localhost"]).write(dir.path(), "server");
        let file = dir.path().join("auth.json");
        std::fs::write(
            &file,
            serde_json::json!({"enableMTLS": true, "caCertPath": ca_path, "serverCertPath": cert,
                "serverKeyPath": key, "useServiceCA": true, "enableOAuth": true,
                "oauthIssuer": "https://i", "oauthJWKSURL": "https://i/jwks",
                "requiredScopes": ["a", "b"]})
            .to_string(),
        )
        .expect("write");
        let report = validate_auth_config(&file).expect("valid").to_string();
        assert!(
            report.starts_with(&format!("auth config {}: OK\n", file.display())),
            "{report}"
        );
        assert!(report.contains("client certificates required"), "{report}");
        assert!(report.contains("(1 CA certificate)"), "{report}");
        assert!(
            report.contains("issuer \"https://i\", keys from https://i/jwks"),
            "{report}"
        );
        assert!(
            report.contains("audience not checked, scopes a b"),
            "{report}"
        );
        assert!(
            report.contains("note: useServiceCA is accepted"),
            "{report}"
        );

        std::fs::write(&file, "{}").expect("write");
        let report = validate_auth_config(&file)
            .expect("empty is valid")
            .to_string();
        assert!(
            report.contains("TLS: off") && report.contains("OAuth: off"),
            "{report}"
        );

        std::fs::write(
            &file,
            r#"{"enableMTLS": true, "serverCertPath": "/c", "serverKeyPath": "/k"}"#,
        )
        .expect("write");
        let e = validate_auth_config(&file).expect_err("no CA");
        assert_eq!(e.member(), Some("caCertPath"));
    }
}
