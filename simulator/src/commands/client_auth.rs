//! How `ptp-sim consume` talks to a secured proxy: `--cacert` (trust the
//! proxy's CA besides the system roots), `--cert`/`--key` (a client
//! certificate for mTLS) and `--token` (a bearer token, or `@FILE` to read
//! it from a file such as a projected service-account token).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use ptp_event_proxy::http::security::{ClientTls, ClientTlsFiles};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};

/// The flags.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub token: Option<String>,
}

impl ClientAuth {
    /// The bearer token, read from the file for `@FILE`.
    pub fn token(&self) -> Result<Option<String>> {
        match self.token.as_deref() {
            None => Ok(None),
            Some(t) => match t.strip_prefix('@') {
                Some(file) => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("--token @{file}"))?;
                    Ok(Some(text.trim().to_string()))
                }
                None => Ok(Some(t.trim().to_string())),
            },
        }
    }

    /// The HTTP client for the proxy's API.
    pub fn client(&self) -> Result<reqwest::Client> {
        let tls = ClientTls::load(&ClientTlsFiles {
            ca: self.cacert.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
        })?;
        let mut headers = HeaderMap::new();
        if let Some(token) = self.token()? {
            let mut v = HeaderValue::from_str(&format!("Bearer {token}"))
                .context("--token: not a header value")?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        tls.apply(reqwest::Client::builder())
            .default_headers(headers)
            .timeout(Duration::from_secs(5))
            .build()
            .context("HTTP client")
    }
}
