//! Helpers of the security black-box tests (security.md): certificates
//! from `ptp-sim certs`, tokens from `ptp-sim token` (and hand-made ones
//! for the checks `ptp-sim token` cannot fail), a JWKS from `ptp-sim
//! jwks`, HTTPS clients that trust one CA only, raw TLS handshakes, and
//! `--auth-config` files. Everything runs on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use crate::Proxy;

/// The issuer of the test tokens.
pub const ISSUER: &str = "https://issuer.ptp-sim.test";
/// Their audience.
pub const AUDIENCE: &str = "ptp-event-proxy";
/// The scope the proxy requires in these tests.
pub const SCOPE: &str = "subscriptions:write";

/// Path of `ptp-sim`, built on demand.
pub fn sim_bin() -> PathBuf {
    crate::workspace_bin("ptp-sim", "ptp-simulator")
}

/// Runs `ptp-sim ARGS` to completion; its standard output.
pub fn run_sim(args: &[&str]) -> Result<String> {
    let out = std::process::Command::new(sim_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("running ptp-sim")?;
    if !out.status.success() {
        bail!(
            "ptp-sim {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The files of `ptp-sim certs DIR`: one CA, a server certificate for
/// localhost, 127.0.0.1 and ::1, and a client certificate.
#[derive(Debug, Clone)]
pub struct Pki {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl Pki {
    /// Writes a fresh PKI into `dir` (which must not hold one).
    pub fn make(dir: &Path) -> Result<Pki> {
        let d = dir.to_str().context("a UTF-8 path")?;
        run_sim(&["certs", d])?;
        Ok(Pki {
            ca: dir.join("ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client-key.pem"),
        })
    }

    /// An HTTPS client trusting this CA only, with this PKI's client
    /// certificate when `with_cert`.
    pub fn client(&self, with_cert: bool) -> Result<reqwest::Client> {
        let identity = with_cert.then_some((self.client_cert.as_path(), self.client_key.as_path()));
        https_client(&self.ca, identity)
    }

    /// `--auth-config` members for HTTPS with this server certificate,
    /// and client certificates from this CA when `mtls`.
    pub fn server_members(&self, mtls: bool) -> Value {
        let mut v = json!({
            "enableMTLS": mtls,
            "serverCertPath": self.server_cert,
            "serverKeyPath": self.server_key,
        });
        if mtls {
            v["caCertPath"] = json!(self.ca);
        }
        v
    }
}

/// An HTTPS client that trusts `ca` and nothing else, presenting
/// `identity` (certificate chain, key) when given.
pub fn https_client(ca: &Path, identity: Option<(&Path, &Path)>) -> Result<reqwest::Client> {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca)?)?;
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .timeout(Duration::from_secs(10));
    if let Some((cert, key)) = identity {
        let mut pem = std::fs::read(cert)?;
        pem.extend_from_slice(&std::fs::read(key)?);
        b = b.identity(reqwest::Identity::from_pem(&pem)?);
    }
    Ok(b.build()?)
}

/// Writes an `--auth-config` file; returns its path.
pub fn write_auth_config(dir: &Path, name: &str, doc: &Value) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc)?)?;
    Ok(path)
}

/// Merges the members of `b` into `a`.
pub fn merged(mut a: Value, b: &Value) -> Value {
    if let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
    a
}

/// `--auth-config` members requiring tokens of [`ISSUER`] for
/// [`AUDIENCE`] with [`SCOPE`], keys from `jwks_url`.
pub fn oauth_members(jwks_url: &str) -> Value {
    json!({
        "enableOAuth": true,
        "oauthIssuer": ISSUER,
        "oauthJWKSURL": jwks_url,
        "requiredAudience": AUDIENCE,
        "requiredScopes": [SCOPE],
    })
}

/// `https://127.0.0.1:<api><base><path>`.
pub fn https_url(proxy: &Proxy, path: &str) -> String {
    format!("https://127.0.0.1:{}{}{path}", proxy.api_port, proxy.base)
}

/// A token from `ptp-sim token` (ES256, `kid` the key's thumbprint).
pub fn sim_token(key: &Path, iss: &str, aud: &str, scopes: &[&str], exp: i64) -> Result<String> {
    let key = key.to_str().context("a UTF-8 path")?;
    let exp = exp.to_string();
    let mut args = vec![
        "token", "--key", key, "--iss", iss, "--aud", aud, "--exp", &exp,
    ];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    Ok(run_sim(&args)?.trim().to_string())
}

/// Seconds since the UNIX epoch.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Claims that pass every check of the proxy in these tests.
pub fn good_claims() -> Value {
    let now = unix_now();
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "consumer", "scope": SCOPE,
           "iat": now, "nbf": now, "exp": now + 600})
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT with `alg: none` and no signature.
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "none", "typ": "JWT", "kid": kid});
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// A JWT signed with HMAC (HS256) using `secret` (the confused-deputy
/// attack: the issuer's public key as the HMAC secret).
pub fn hs256(secret: &[u8], kid: &str, claims: &Value) -> Result<String> {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.to_string());
    Ok(jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )?)
}

/// A token issuer: an EC signing key made by `ptp-sim token`, its public
/// keys served by a `ptp-sim jwks` child process.
pub struct Issuer {
    /// The signing key (PKCS#8 PEM).
    pub key: PathBuf,
    /// Its `kid`.
    pub kid: String,
    /// Where the JWKS is served.
    pub jwks_url: String,
    _jwks: Child,
}

impl Issuer {
    /// Generates the key `dir/signing.pem` and serves it, plus the key
    /// files `also` (served once they exist: a rotation).
    pub async fn start(dir: &Path, also: &[PathBuf]) -> Result<Issuer> {
        let key = dir.join("signing.pem");
        let first = sim_token(&key, ISSUER, AUDIENCE, &[SCOPE], 60)?;
        let kid = jsonwebtoken::decode_header(&first)?
            .kid
            .context("ptp-sim token sets kid")?;
        let mut cmd = Command::new(sim_bin());
        cmd.arg("jwks").arg("--key").arg(&key);
        for k in also {
            cmd.arg("--key").arg(k);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("spawning ptp-sim jwks")?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .context("ptp-sim jwks printed nothing within 20 s")??
            .context("ptp-sim jwks exited")?;
        let jwks_url = line
            .strip_prefix("jwks ")
            .with_context(|| format!("unexpected line {line:?}"))?
            .to_string();
        Ok(Issuer {
            key,
            kid,
            jwks_url,
            _jwks: child,
        })
    }

    /// A token of this issuer's key from `ptp-sim token`.
    pub fn token(&self, iss: &str, aud: &str, scopes: &[&str], exp: i64) -> Result<String> {
        sim_token(&self.key, iss, aud, scopes, exp)
    }

    /// A token that passes every check.
    pub fn valid(&self) -> Result<String> {
        self.token(ISSUER, AUDIENCE, &[SCOPE], 600)
    }

    /// `claims` signed (ES256) with this issuer's key and `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String> {
        let der = PrivateKeyDer::from_pem_slice(&std::fs::read(&self.key)?)?;
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(
            &header,
            claims,
            &jsonwebtoken::EncodingKey::from_ec_der(der.secret_der()),
        )?)
    }

    /// The JWKS document as served.
    pub async fn jwks(&self) -> Result<String> {
        Ok(reqwest::get(&self.jwks_url).await?.text().await?)
    }
}

/// A JWKS address that is "down": a bound listener that closes every
/// connection at once. Dropping it stops the listener.
pub struct DownServer {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DownServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DownServer {
    pub async fn start() -> Result<DownServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                drop(conn);
            }
        });
        Ok(DownServer {
            url: format!("http://{addr}/jwks"),
            task,
        })
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The certificates of a PEM file, in order.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = std::fs::read(path)?;
    Ok(CertificateDer::pem_slice_iter(&bytes).collect::<Result<Vec<_>, _>>()?)
}

/// A rustls server configuration for the certificate and key files.
pub fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig> {
    let key = PrivateKeyDer::from_pem_slice(&std::fs::read(key)?)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certificates(cert)?, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// One TLS connection to `127.0.0.1:port` (server name `localhost`)
/// trusting the CAs of `cas`, with an optional client certificate.
pub struct TlsConn {
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
}

impl TlsConn {
    /// Connects and does the handshake; the error is the handshake's.
    pub async fn connect(
        port: u16,
        cas: &[&Path],
        identity: Option<(&Path, &Path)>,
    ) -> Result<TlsConn> {
        let mut roots = rustls::RootCertStore::empty();
        for ca in cas {
            for c in certificates(ca)? {
                roots.add(c)?;
            }
        }
        let b = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
        let config = match identity {
            None => b.with_no_client_auth(),
            Some((cert, key)) => b.with_client_auth_cert(
                certificates(cert)?,
                PrivateKeyDer::from_pem_slice(&std::fs::read(key)?)?,
            )?,
        };
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let name = ServerName::try_from("localhost")?;
        let stream = tokio::time::timeout(Duration::from_secs(10), connector.connect(name, tcp))
            .await
            .context("handshake within 10 s")??;
        Ok(TlsConn { stream })
    }

    /// The certificate the server presented (end entity, DER).
    pub fn peer_certificate(&self) -> Option<Vec<u8>> {
        self.stream
            .get_ref()
            .1
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.as_ref().to_vec())
    }

    /// `GET path` on this connection (kept alive); the status line and
    /// the body.
    pub async fn get(&mut self, path: &str) -> Result<(String, String)> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        self.stream.write_all(req.as_bytes()).await?;
        self.stream.flush().await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                    let status = head.lines().next().unwrap_or("").to_string();
                    return Ok((status, body));
                }
            }
            let n = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk))
                .await
                .context("response within 10 s")??;
            if n == 0 {
                bail!("connection closed after {} bytes", buf.len());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }
}
