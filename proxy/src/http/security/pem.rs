//! PEM files: certificate chains, CA bundles and private keys. Errors name
//! the file and what was wrong with it; they never contain key material.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

/// What is wrong with one PEM file.
#[derive(Debug, thiserror::Error)]
pub enum PemProblem {
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    #[error("not valid PEM: {0}")]
    Malformed(String),
    #[error("no certificate (a PEM \"CERTIFICATE\" block is expected)")]
    NoCertificate,
    #[error(
        "no private key (a PEM \"PRIVATE KEY\" block is expected: PKCS#8 RSA or EC; \
         \"RSA PRIVATE KEY\" and \"EC PRIVATE KEY\" are read too)"
    )]
    NoKey,
    #[error("unusable private key: {0}")]
    UnusableKey(String),
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    #[error("certificate {index} is not a usable CA certificate: {detail}")]
    BadCa { index: usize, detail: String },
}

/// A problem with a named file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct PemError {
    pub path: PathBuf,
    #[source]
    pub problem: PemProblem,
}

impl PemError {
    pub fn new(path: &Path, problem: PemProblem) -> Self {
        Self {
            path: path.to_path_buf(),
            problem,
        }
    }
}

/// Reads a file (blocking; at start-up and from `spawn_blocking`).
pub fn read(path: &Path) -> Result<Vec<u8>, PemError> {
    std::fs::read(path).map_err(|e| PemError::new(path, PemProblem::Read(e)))
}

/// Reads a file without blocking the runtime.
pub async fn read_async(path: &Path) -> Result<Vec<u8>, PemError> {
    tokio::fs::read(path)
        .await
        .map_err(|e| PemError::new(path, PemProblem::Read(e)))
}

fn malformed(path: &Path, e: pem::Error) -> PemError {
    PemError::new(path, PemProblem::Malformed(e.to_string()))
}

/// Every certificate of a PEM file, in order (a chain: the end-entity
/// certificate first). At least one.
pub fn certificates(path: &Path, bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, PemError> {
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| malformed(path, e))?;
    if certs.is_empty() {
        return Err(PemError::new(path, PemProblem::NoCertificate));
    }
    Ok(certs)
}

/// The first private key of a PEM file.
pub fn private_key(path: &Path, bytes: &[u8]) -> Result<PrivateKeyDer<'static>, PemError> {
    match PrivateKeyDer::from_pem_slice(bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(PemError::new(path, PemProblem::NoKey)),
        Err(e) => Err(malformed(path, e)),
    }
}

/// A certificate chain with its private key, checked to belong together.
/// Problems are reported against the key file.
pub fn certified_key(
    key_path: &Path,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    provider: &CryptoProvider,
) -> Result<Arc<rustls::sign::CertifiedKey>, PemError> {
    match rustls::sign::CertifiedKey::from_der(chain, key, provider) {
        Ok(ck) => Ok(Arc::new(ck)),
        Err(rustls::Error::InconsistentKeys(_)) => {
            Err(PemError::new(key_path, PemProblem::KeyMismatch))
        }
        // The key provider refused the key (or the certificate is not
        // X.509 enough to compare keys), in rustls' words.
        Err(e) => Err(PemError::new(
            key_path,
            PemProblem::UnusableKey(e.to_string()),
        )),
    }
}

/// A CA bundle as trust anchors; every certificate must be usable.
pub fn roots(path: &Path, bytes: &[u8]) -> Result<RootCertStore, PemError> {
    let mut store = RootCertStore::empty();
    for (i, cert) in certificates(path, bytes)?.into_iter().enumerate() {
        store.add(cert).map_err(|e| {
            PemError::new(
                path,
                PemProblem::BadCa {
                    index: i + 1,
                    detail: e.to_string(),
                },
            )
        })?;
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::security::testpki::{rsa_pkcs1_pem, rsa_pkcs8_pem, Ca};

    fn p() -> &'static Path {
        Path::new("/x/file.pem")
    }

    #[test]
    fn a_chain_and_its_key_belong_together() {
        let ca = Ca::new("pem test CA");
        let leaf = ca.server(&["localhost"]);
        let chain = format!("{}{}", leaf.cert_pem, ca.cert_pem);
        assert_eq!(certificates(p(), chain.as_bytes()).expect("chain").len(), 2);
        let provider = crate::http::security::crypto_provider();
        let certs = || certificates(p(), chain.as_bytes()).expect("chain");
        let key = |pem: &str| private_key(p(), pem.as_bytes()).expect("key");
        certified_key(p(), certs(), key(&leaf.key_pem), &provider).expect("matching key");
        let other = ca.server(&["localhost"]);
        let err = certified_key(
            Path::new("/x/other-key.pem"),
            certs(),
            key(&other.key_pem),
            &provider,
        )
        .expect_err("a key of another certificate");
        assert!(matches!(err.problem, PemProblem::KeyMismatch), "{err}");
        assert_eq!(err.path, Path::new("/x/other-key.pem"));
        assert!(err.to_string().contains("does not match"), "{err}");
    }

    #[test]
    fn rsa_keys_in_pkcs8_and_pkcs1_are_read() {
        let ca = Ca::new("rsa CA");
        let leaf = ca.server_with_rsa_key(&["localhost"]);
        let provider = crate::http::security::crypto_provider();
        for key in [rsa_pkcs8_pem(), rsa_pkcs1_pem()] {
            let chain = certificates(p(), leaf.cert_pem.as_bytes()).expect("chain");
            let key = private_key(p(), key.as_bytes()).expect("RSA key");
            certified_key(p(), chain, key, &provider).expect("the RSA key of the certificate");
        }
    }

    #[test]
    fn bad_input_is_named() {
        let err = certificates(p(), b"hello").expect_err("no PEM");
        assert!(matches!(err.problem, PemProblem::NoCertificate), "{err}");
        assert!(err.to_string().starts_with("/x/file.pem: "), "{err}");
        let broken = b"-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n";
        let err = certificates(p(), broken).expect_err("broken base64");
        assert!(matches!(err.problem, PemProblem::Malformed(_)), "{err}");
        let ca = Ca::new("CA");
        let err = private_key(p(), ca.cert_pem.as_bytes()).expect_err("a certificate only");
        assert!(matches!(err.problem, PemProblem::NoKey), "{err}");
        let err = read(Path::new("/nonexistent/dir/key.pem")).expect_err("missing");
        assert!(matches!(err.problem, PemProblem::Read(_)), "{err}");
    }

    #[test]
    fn a_ca_bundle_becomes_trust_anchors() {
        let a = Ca::new("A");
        let b = Ca::new("B");
        let bundle = format!("{}{}", a.cert_pem, b.cert_pem);
        assert_eq!(roots(p(), bundle.as_bytes()).expect("bundle").len(), 2);
        let err = roots(p(), b"").expect_err("empty bundle");
        assert!(matches!(err.problem, PemProblem::NoCertificate), "{err}");
    }
}
