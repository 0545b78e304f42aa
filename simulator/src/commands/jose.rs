//! Signing keys for `ptp-sim token` and `ptp-sim jwks`: an EC key in a
//! PKCS#8 PEM file (generated on first use), its public JWK with an
//! RFC 7638 thumbprint as `kid`, and signed tokens.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::KeyPair;

/// A signing key with what the JWKS says about it.
pub struct SigningKey {
    pub alg: Algorithm,
    pub kid: String,
    pub jwk: serde_json::Value,
    encoding: EncodingKey,
}

/// Writes a secret file readable by its owner only; refuses to replace one.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("create {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("write {}", path.display()))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// Reads the key at `path`, or generates a P-256 key there first.
    /// Returns the key and whether it was generated.
    pub fn load_or_generate(path: &Path) -> Result<(SigningKey, bool)> {
        if path.exists() {
            return Ok((Self::load(path)?, false));
        }
        let pair = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).context("generate key")?;
        write_private(path, &pair.serialize_pem())?;
        Ok((Self::from_pair(&pair)?, true))
    }

    /// Reads a PKCS#8 EC key (P-256 → ES256, P-384 → ES384).
    pub fn load(path: &Path) -> Result<SigningKey> {
        let pem =
            std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        let pair = KeyPair::from_pem(&pem)
            .with_context(|| format!("{}: not a PKCS#8 EC private key", path.display()))?;
        Self::from_pair(&pair).with_context(|| path.display().to_string())
    }

    fn from_pair(pair: &KeyPair) -> Result<SigningKey> {
        let (alg, crv, len) = if pair.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
            (Algorithm::ES256, "P-256", 32)
        } else if pair.algorithm() == &rcgen::PKCS_ECDSA_P384_SHA384 {
            (Algorithm::ES384, "P-384", 48)
        } else {
            bail!("only P-256 and P-384 EC keys are supported");
        };
        let point = pair.public_key_raw();
        if point.len() != 1 + 2 * len {
            bail!("unexpected EC public key length {}", point.len());
        }
        let (x, y) = point[1..].split_at(len);
        let (x, y) = (b64(x), b64(y));
        // RFC 7638: the required members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = b64(ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes()).as_ref());
        let jwk = serde_json::json!({
            "kty": "EC", "crv": crv, "x": x, "y": y,
            "kid": kid, "use": "sig", "alg": format!("{alg:?}"),
        });
        Ok(SigningKey {
            alg,
            kid,
            jwk,
            encoding: EncodingKey::from_ec_der(&pair.serialize_der()),
        })
    }

    /// A compact JWS of `claims` with this key's `kid`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String> {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).context("sign token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("signing.pem");
        let (first, generated) = SigningKey::load_or_generate(&path).expect("generate");
        assert!(generated);
        let (again, generated) = SigningKey::load_or_generate(&path).expect("load");
        assert!(!generated);
        assert_eq!(first.kid, again.kid);
        assert_eq!(first.jwk, again.jwk);
        assert_eq!(first.kid.len(), 43, "a base64url SHA-256");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        assert!(write_private(&path, "x").is_err(), "replaced a key");
    }
}
