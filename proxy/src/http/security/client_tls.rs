//! Outgoing TLS (security.md §4): deliveries, initial notifications, the
//! v1 sidecar's calls and the JWKS fetch verify `https://` servers against
//! the system's trust store plus `--consumer-ca FILE`, and present
//! `--consumer-cert`/`--consumer-key` to servers that ask for a client
//! certificate.
//!
//! The system store is read with `rustls-native-certs` (the files and
//! directories OpenSSL would use, `SSL_CERT_FILE`/`SSL_CERT_DIR` included).
//! Where it holds no certificate at all (a scratch image), the Mozilla
//! roots compiled into the binary are used instead, which is what reqwest
//! used before this module.
//!
//! A failed handshake (untrusted or expired certificate, wrong name) is a
//! connection error for reqwest (`is_connect()`), so the delivery code
//! counts it as retryable (events-and-metrics.md §7.2).

use std::path::PathBuf;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

use super::pem::{self, PemError};

/// The flags, as paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTlsFiles {
    /// `--consumer-ca`: extra CAs to trust.
    pub ca: Option<PathBuf>,
    /// `--consumer-cert`: a client certificate chain.
    pub cert: Option<PathBuf>,
    /// `--consumer-key`: its key.
    pub key: Option<PathBuf>,
}

/// Where the base trust comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemRoots {
    /// The system store (or the compiled-in Mozilla roots when it is empty).
    Include,
    /// Only `--consumer-ca` (tests; deployments that trust one CA only).
    Exclude,
}

/// Why the outgoing TLS settings cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientTlsError {
    #[error("--consumer-ca {0}")]
    Ca(#[source] PemError),
    #[error("--consumer-cert {0}")]
    Cert(#[source] PemError),
    #[error("--consumer-key {0}")]
    Key(#[source] PemError),
    #[error("--consumer-cert and --consumer-key go together")]
    Unpaired,
    #[error("TLS client configuration: {0}")]
    Config(String),
}

/// Where the trust anchors came from, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootsSummary {
    /// From the system store.
    pub system: usize,
    /// The compiled-in Mozilla roots, when the system store was empty.
    pub builtin: usize,
    /// From `--consumer-ca`.
    pub extra: usize,
    /// Whether a client certificate is presented.
    pub client_cert: bool,
}

/// The outgoing TLS configuration; cheap to clone.
#[derive(Debug, Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
    summary: RootsSummary,
}

fn system_roots(store: &mut RootCertStore) -> (usize, usize) {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        tracing::debug!(error = %e, "system trust store: unreadable entry");
    }
    let (system, _ignored) = store.add_parsable_certificates(found.certs);
    if system > 0 {
        return (system, 0);
    }
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    (0, webpki_roots::TLS_SERVER_ROOTS.len())
}

impl ClientTls {
    /// Reads the files (blocking: at start-up) with the system roots.
    pub fn load(files: &ClientTlsFiles) -> Result<Self, ClientTlsError> {
        Self::load_with(files, SystemRoots::Include)
    }

    /// Reads the files with the chosen base trust.
    pub fn load_with(files: &ClientTlsFiles, base: SystemRoots) -> Result<Self, ClientTlsError> {
        let mut roots = RootCertStore::empty();
        let (system, builtin) = match base {
            SystemRoots::Include => system_roots(&mut roots),
            SystemRoots::Exclude => (0, 0),
        };
        let mut extra = 0;
        if let Some(ca) = &files.ca {
            let bytes = pem::read(ca).map_err(ClientTlsError::Ca)?;
            let store = pem::roots(ca, &bytes).map_err(ClientTlsError::Ca)?;
            extra = store.len();
            roots.roots.extend(store.roots);
        }
        let provider = super::crypto_provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ClientTlsError::Config(e.to_string()))?
            .with_root_certificates(roots);
        let mut config = match (&files.cert, &files.key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let chain_pem = pem::read(cert).map_err(ClientTlsError::Cert)?;
                let chain = pem::certificates(cert, &chain_pem).map_err(ClientTlsError::Cert)?;
                let key_pem = pem::read(key).map_err(ClientTlsError::Key)?;
                let private = pem::private_key(key, &key_pem).map_err(ClientTlsError::Key)?;
                // Checks that they belong together, with the file named.
                pem::certified_key(key, chain.clone(), private.clone_key(), &provider)
                    .map_err(ClientTlsError::Key)?;
                builder
                    .with_client_auth_cert(chain, private)
                    .map_err(|e| ClientTlsError::Config(e.to_string()))?
            }
            _ => return Err(ClientTlsError::Unpaired),
        };
        // reqwest is built with HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            summary: RootsSummary {
                system,
                builtin,
                extra,
                client_cert: files.cert.is_some(),
            },
        })
    }

    /// The rustls configuration (for clients other than reqwest).
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// Where the trust came from.
    pub fn summary(&self) -> RootsSummary {
        self.summary
    }

    /// Makes a reqwest client use this configuration. reqwest 0.12 takes
    /// the `rustls::ClientConfig` by value through `use_preconfigured_tls`;
    /// it must be the same rustls (0.23) reqwest links, which the workspace
    /// guarantees (`cargo tree -i rustls` shows one).
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder.use_preconfigured_tls((*self.config).clone())
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::net::SocketAddr;
    use std::path::Path;

    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::{Request, Response};
    use hyper_util::rt::TokioIo;

    use super::*;
    use crate::http::security::testpki::Ca;
    use crate::http::security::{ServerTls, ServerTlsPaths};

    /// An HTTPS server (hyper over [`ServerTls::accept`]) answering 204.
    async fn https_server(tls: ServerTls) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tls = tls.clone();
                tokio::spawn(async move {
                    let Ok(io) = tls.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(|_req: Request<_>| async {
                        let mut r = Response::new(Full::new(Bytes::new()));
                        *r.status_mut() = hyper::StatusCode::NO_CONTENT;
                        Ok::<_, Infallible>(r)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(io), service)
                        .await;
                });
            }
        });
        addr
    }

    fn server(dir: &Path, ca: &Ca, client_ca: Option<PathBuf>) -> ServerTls {
        let (cert, key) = ca.server(&["localhost", "127.0.0.1"]).write(dir, "server");
        ServerTls::load(ServerTlsPaths {
            cert,
            key,
            client_ca,
        })
        .expect("server TLS")
    }

    fn client(tls: &ClientTls) -> reqwest::Client {
        tls.apply(reqwest::Client::builder())
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("reqwest takes the preconfigured rustls config")
    }

    #[tokio::test]
    async fn trusts_servers_signed_by_the_consumer_ca_and_no_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("consumer CA");
        let ca_file = ca.write(dir.path(), "consumer-ca");
        let trusted = https_server(server(dir.path(), &ca, None)).await;
        let other_dir = tempfile::tempdir().expect("tempdir");
        let untrusted = https_server(server(other_dir.path(), &Ca::new("other"), None)).await;

        let files = ClientTlsFiles {
            ca: Some(ca_file),
            ..Default::default()
        };
        for base in [SystemRoots::Include, SystemRoots::Exclude] {
            let tls = ClientTls::load_with(&files, base).expect("client TLS");
            assert_eq!(tls.summary().extra, 1);
            let c = client(&tls);
            for host in ["localhost", "127.0.0.1"] {
                let url = format!("https://{host}:{}/event", trusted.port());
                let r = c
                    .post(&url)
                    .body("{}")
                    .send()
                    .await
                    .expect("trusted server");
                assert_eq!(r.status(), 204);
            }
            let url = format!("https://localhost:{}/event", untrusted.port());
            let e = c.post(&url).send().await.expect_err("untrusted server");
            // A connection error: retryable for the delivery code.
            assert!(e.is_connect(), "{e:?}");
            assert!(!e.is_builder() && !e.is_status(), "{e:?}");
        }
        // Without --consumer-ca the consumer's private CA is not trusted.
        let tls = ClientTls::load(&ClientTlsFiles::default()).expect("system roots only");
        let url = format!("https://localhost:{}/event", trusted.port());
        let e = client(&tls).post(&url).send().await.expect_err("untrusted");
        assert!(e.is_connect(), "{e:?}");
    }

    #[tokio::test]
    async fn presents_the_consumer_certificate_to_servers_that_ask() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("shared CA");
        let ca_file = ca.write(dir.path(), "ca");
        let addr = https_server(server(dir.path(), &ca, Some(ca_file.clone()))).await;
        let url = format!("https://localhost:{}/event", addr.port());

        let without = ClientTls::load_with(
            &ClientTlsFiles {
                ca: Some(ca_file.clone()),
                ..Default::default()
            },
            SystemRoots::Exclude,
        )
        .expect("no client cert");
        let e = client(&without).post(&url).send().await;
        assert!(
            e.is_err(),
            "a server that requires a client certificate answered"
        );

        let (cert, key) = ca.client("proxy").write(dir.path(), "proxy");
        let with = ClientTls::load_with(
            &ClientTlsFiles {
                ca: Some(ca_file),
                cert: Some(cert),
                key: Some(key),
            },
            SystemRoots::Exclude,
        )
        .expect("client cert");
        assert!(with.summary().client_cert);
        let r = client(&with).post(&url).send().await.expect("mTLS");
        assert_eq!(r.status(), 204);
    }

    #[test]
    fn bad_flags_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new("CA");
        let (cert, key) = ca.client("me").write(dir.path(), "me");
        let (_, other_key) = ca.client("you").write(dir.path(), "you");
        let e = ClientTls::load_with(
            &ClientTlsFiles {
                cert: Some(cert.clone()),
                ..Default::default()
            },
            SystemRoots::Exclude,
        )
        .expect_err("cert without key");
        assert!(matches!(e, ClientTlsError::Unpaired), "{e}");
        let e = ClientTls::load_with(
            &ClientTlsFiles {
                ca: Some(key.clone()),
                ..Default::default()
            },
            SystemRoots::Exclude,
        )
        .expect_err("a key is not a CA");
        assert!(e.to_string().starts_with("--consumer-ca "), "{e}");
        let e = ClientTls::load_with(
            &ClientTlsFiles {
                ca: None,
                cert: Some(cert),
                key: Some(other_key),
            },
            SystemRoots::Exclude,
        )
        .expect_err("mismatched key");
        assert!(e.to_string().starts_with("--consumer-key "), "{e}");
        assert!(e.to_string().contains("does not match"), "{e}");
    }
}
