//! The server side of TLS (security.md §2) for the REST and the v1
//! transport listeners: TLS 1.2 and 1.3 (rustls, ring), a PEM certificate
//! chain with its key (PKCS#8 RSA or EC; PKCS#1 and SEC1 are read too, as
//! Go's `tls.LoadX509KeyPair` does), and with `enableMTLS` a client
//! certificate that chains to `caCertPath`, required in the handshake.
//!
//! The files are re-read when they change on disk (OpenShift's service CA
//! rotates them): [`ServerTls::accept`] looks at their metadata at most
//! once per `reload_every` (1 s), and when it changed, builds a new rustls
//! configuration for the connections accepted from then on. Established
//! connections keep the configuration they were accepted with, so nothing
//! is dropped. Files that changed but cannot be used (say the certificate
//! was replaced and the key not yet) are logged once and the previous
//! configuration stays in use until the files change again.
//!
//! Use in an accept loop:
//! ```ignore
//! let (tcp, peer) = listener.accept().await?;
//! let tls = tls.clone();
//! tokio::spawn(async move {
//!     let Ok(io) = tls.accept(tcp).await else { return }; // logged at debug
//!     hyper::server::conn::http1::Builder::new()
//!         .serve_connection(hyper_util::rt::TokioIo::new(io), service).await
//! });
//! ```

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::pem::{self, PemError, PemProblem};

/// How often the files are looked at, at most.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);
/// The longest a TLS handshake may take (a client that opens a connection
/// and sends nothing must not hold a task for ever).
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the server's TLS files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTlsPaths {
    /// `serverCertPath`: the certificate chain, end-entity first.
    pub cert: PathBuf,
    /// `serverKeyPath`.
    pub key: PathBuf,
    /// `caCertPath` when `enableMTLS` is on: the CAs of client certificates.
    pub client_ca: Option<PathBuf>,
}

impl ServerTlsPaths {
    fn files(&self) -> impl Iterator<Item = &Path> {
        [
            Some(self.cert.as_path()),
            Some(self.key.as_path()),
            self.client_ca.as_deref(),
        ]
        .into_iter()
        .flatten()
    }
}

/// Which of the files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPart {
    Certificate,
    Key,
    ClientCa,
}

impl TlsPart {
    /// The `--auth-config` member that names the file.
    pub fn member(self) -> &'static str {
        match self {
            Self::Certificate => "serverCertPath",
            Self::Key => "serverKeyPath",
            Self::ClientCa => "caCertPath",
        }
    }
}

/// A problem with one of the server's TLS files.
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct TlsFileError {
    pub part: TlsPart,
    #[source]
    pub source: PemError,
}

fn at(part: TlsPart) -> impl FnOnce(PemError) -> TlsFileError {
    move |source| TlsFileError { part, source }
}

/// The parsed contents of the files.
pub struct ServerTlsMaterial {
    key: Arc<rustls::sign::CertifiedKey>,
    client_roots: Option<Arc<RootCertStore>>,
}

impl ServerTlsMaterial {
    /// Reads and checks the files (blocking: at start-up).
    pub fn load(paths: &ServerTlsPaths) -> Result<Self, TlsFileError> {
        let cert = pem::read(&paths.cert).map_err(at(TlsPart::Certificate))?;
        let key = pem::read(&paths.key).map_err(at(TlsPart::Key))?;
        let ca = match &paths.client_ca {
            Some(p) => Some(pem::read(p).map_err(at(TlsPart::ClientCa))?),
            None => None,
        };
        Self::parse(paths, &cert, &key, ca.as_deref())
    }

    /// Reads and checks the files without blocking the runtime.
    pub async fn load_async(paths: &ServerTlsPaths) -> Result<Self, TlsFileError> {
        let cert = pem::read_async(&paths.cert)
            .await
            .map_err(at(TlsPart::Certificate))?;
        let key = pem::read_async(&paths.key)
            .await
            .map_err(at(TlsPart::Key))?;
        let ca = match &paths.client_ca {
            Some(p) => Some(pem::read_async(p).await.map_err(at(TlsPart::ClientCa))?),
            None => None,
        };
        Self::parse(paths, &cert, &key, ca.as_deref())
    }

    fn parse(
        paths: &ServerTlsPaths,
        cert: &[u8],
        key: &[u8],
        ca: Option<&[u8]>,
    ) -> Result<Self, TlsFileError> {
        let provider = super::crypto_provider();
        let chain = pem::certificates(&paths.cert, cert).map_err(at(TlsPart::Certificate))?;
        let private = pem::private_key(&paths.key, key).map_err(at(TlsPart::Key))?;
        let key =
            pem::certified_key(&paths.key, chain, private, &provider).map_err(at(TlsPart::Key))?;
        let client_roots = match (&paths.client_ca, ca) {
            (Some(path), Some(bytes)) => Some(Arc::new(
                pem::roots(path, bytes).map_err(at(TlsPart::ClientCa))?,
            )),
            _ => None,
        };
        Ok(Self { key, client_roots })
    }

    /// Certificates in the chain.
    pub fn chain_len(&self) -> usize {
        self.key.cert.len()
    }

    /// Client CA certificates (0 without mTLS).
    pub fn client_ca_count(&self) -> usize {
        self.client_roots.as_ref().map_or(0, |r| r.len())
    }

    /// The rustls configuration: TLS 1.3 and 1.2, HTTP/1.1 by ALPN, and the
    /// client verifier when there is a client CA.
    pub fn server_config(&self, paths: &ServerTlsPaths) -> Result<ServerConfig, TlsFileError> {
        let provider: Arc<CryptoProvider> = super::crypto_provider();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| PemError::new(&paths.key, PemProblem::UnusableKey(e.to_string())))
            .map_err(at(TlsPart::Key))?;
        let builder = match (&self.client_roots, &paths.client_ca) {
            (Some(roots), Some(ca_path)) => {
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider)
                    .build()
                    .map_err(|e| {
                        PemError::new(
                            ca_path,
                            PemProblem::BadCa {
                                index: 0,
                                detail: e.to_string(),
                            },
                        )
                    })
                    .map_err(at(TlsPart::ClientCa))?;
                builder.with_client_cert_verifier(verifier)
            }
            _ => builder.with_no_client_auth(),
        };
        let resolver = rustls::sign::SingleCertAndKey::from(self.key.clone());
        let mut config = builder.with_cert_resolver(Arc::new(resolver));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// What identifies the version of a file on disk: metadata follows
/// symbolic links, so a Kubernetes secret volume's `..data` swap shows as
/// a new inode and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp(Option<(u64, u64, u64, SystemTime)>);

fn stamp_of(meta: std::io::Result<std::fs::Metadata>) -> Stamp {
    Stamp(meta.ok().map(|m| {
        (
            m.dev(),
            m.ino(),
            m.len(),
            m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        )
    }))
}

fn stamps(paths: &ServerTlsPaths) -> Vec<Stamp> {
    paths
        .files()
        .map(|p| stamp_of(std::fs::metadata(p)))
        .collect()
}

async fn stamps_async(paths: &ServerTlsPaths) -> Vec<Stamp> {
    let mut out = Vec::with_capacity(3);
    for p in paths.files() {
        out.push(stamp_of(tokio::fs::metadata(p).await));
    }
    out
}

/// What the reload check remembers.
struct Watch {
    checked: Instant,
    loaded: Vec<Stamp>,
    failed: Option<Vec<Stamp>>,
}

struct Inner {
    paths: ServerTlsPaths,
    current: RwLock<Arc<ServerConfig>>,
    watch: tokio::sync::Mutex<Watch>,
    reload_every: Duration,
    handshake_timeout: Duration,
}

/// TLS for one or more listeners; cheap to clone.
#[derive(Clone)]
pub struct ServerTls {
    inner: Arc<Inner>,
}

/// A connection that did not become a TLS stream.
#[derive(Debug, thiserror::Error)]
pub enum TlsAcceptError {
    /// Includes a missing or untrusted client certificate with mTLS.
    #[error("TLS handshake failed: {0}")]
    Handshake(#[source] std::io::Error),
    #[error("TLS handshake not finished within {0:?}")]
    Timeout(Duration),
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("paths", &self.inner.paths)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads the files and builds the first configuration (blocking: at
    /// start-up).
    pub fn load(paths: ServerTlsPaths) -> Result<Self, TlsFileError> {
        Self::load_with(paths, RELOAD_EVERY, HANDSHAKE_TIMEOUT)
    }

    /// [`ServerTls::load`] with other timings (tests).
    pub fn load_with(
        paths: ServerTlsPaths,
        reload_every: Duration,
        handshake_timeout: Duration,
    ) -> Result<Self, TlsFileError> {
        let loaded = stamps(&paths);
        let config = ServerTlsMaterial::load(&paths)?.server_config(&paths)?;
        Ok(Self {
            inner: Arc::new(Inner {
                current: RwLock::new(Arc::new(config)),
                watch: tokio::sync::Mutex::new(Watch {
                    checked: Instant::now(),
                    loaded,
                    failed: None,
                }),
                paths,
                reload_every,
                handshake_timeout,
            }),
        })
    }

    /// Whether clients must present a certificate.
    pub fn requires_client_cert(&self) -> bool {
        self.inner.paths.client_ca.is_some()
    }

    /// The files.
    pub fn paths(&self) -> &ServerTlsPaths {
        &self.inner.paths
    }

    /// The configuration new connections get now.
    pub fn current_config(&self) -> Arc<ServerConfig> {
        match self.inner.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// An acceptor with the current configuration, after looking whether
    /// the files changed (at most once per `reload_every`).
    pub async fn acceptor(&self) -> TlsAcceptor {
        self.reload_if_changed().await;
        TlsAcceptor::from(self.current_config())
    }

    /// The TLS handshake on an accepted connection, bounded by the
    /// handshake timeout. Waits on the peer's handshake messages.
    pub async fn accept<IO>(&self, io: IO) -> Result<TlsStream<IO>, TlsAcceptError>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let acceptor = self.acceptor().await;
        let timeout = self.inner.handshake_timeout;
        match tokio::time::timeout(timeout, acceptor.accept(io)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(TlsAcceptError::Handshake(e)),
            Err(_) => Err(TlsAcceptError::Timeout(timeout)),
        }
    }

    /// Re-reads the files if their metadata changed since the last load.
    /// Only one caller looks at a time; the others go on with the current
    /// configuration. Returns whether a new configuration was installed.
    pub async fn reload_if_changed(&self) -> bool {
        let inner = &self.inner;
        let Ok(mut watch) = inner.watch.try_lock() else {
            return false;
        };
        let now = Instant::now();
        if now.duration_since(watch.checked) < inner.reload_every {
            return false;
        }
        watch.checked = now;
        let seen = stamps_async(&inner.paths).await;
        if seen == watch.loaded || watch.failed.as_ref() == Some(&seen) {
            return false;
        }
        let built = match ServerTlsMaterial::load_async(&inner.paths).await {
            Ok(m) => m.server_config(&inner.paths),
            Err(e) => Err(e),
        };
        match built {
            Ok(config) => {
                match inner.current.write() {
                    Ok(mut c) => *c = Arc::new(config),
                    Err(poisoned) => *poisoned.into_inner() = Arc::new(config),
                }
                watch.loaded = seen;
                watch.failed = None;
                tracing::info!(
                    cert = %inner.paths.cert.display(),
                    "TLS certificate and key re-read; new connections use them"
                );
                true
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "TLS files changed but cannot be used; keeping the previous certificate"
                );
                watch.failed = Some(seen);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests;
