//! `ptp-sim token --key FILE --iss ISSUER --aud AUDIENCE [--scope S]...
//! [--exp SECONDS] [--sub SUBJECT]`: prints a JWT signed with the EC key
//! in FILE (generated there on first use), for `ptp-sim consume --token`
//! and `curl -H "Authorization: Bearer ..."`. `ptp-sim jwks --key FILE`
//! serves the matching public key.

use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use super::jose::SigningKey;

/// What goes into the token.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub issuer: String,
    pub audience: String,
    pub scopes: Vec<String>,
    /// Seconds from now; negative for an expired token.
    pub expires_in: i64,
    pub subject: String,
}

/// The claims at `now` (UNIX seconds).
pub fn claims(spec: &TokenSpec, now: i64) -> serde_json::Value {
    let mut c = serde_json::json!({
        "iss": spec.issuer, "aud": spec.audience, "sub": spec.subject,
        "iat": now, "nbf": now, "exp": now + spec.expires_in,
    });
    if !spec.scopes.is_empty() {
        c["scope"] = spec.scopes.join(" ").into();
    }
    c
}

/// A signed token; generates the key when `key` does not exist.
pub fn make(key: &Path, spec: &TokenSpec) -> Result<(String, bool)> {
    let (signer, generated) = SigningKey::load_or_generate(key)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("system time before 1970")?
        .as_secs();
    let now = i64::try_from(now).context("system time")?;
    Ok((signer.sign(&claims(spec, now))?, generated))
}

/// The command: the token on stdout, a note on stderr when a key was made.
pub fn main(key: &Path, spec: &TokenSpec) -> Result<ExitCode> {
    let (token, generated) = make(key, spec)?;
    if generated {
        eprintln!("generated signing key {}", key.display());
    }
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
