//! Real handshakes on loopback: a tokio-rustls client against
//! [`ServerTls::accept`] in an accept loop.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::ClientConfig;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::client::TlsStream as ClientStream;
use tokio_rustls::TlsConnector;

use super::*;
use crate::http::security::testpki::{Ca, Leaf};

/// Serves `hello` then echoes lines on every connection that completes
/// the handshake; each handshake's result goes to the receiver.
async fn serve(tls: ServerTls) -> (SocketAddr, mpsc::UnboundedReceiver<Result<(), String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let tls = tls.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tls.accept(tcp).await {
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                    Ok(stream) => {
                        let _ = tx.send(Ok(()));
                        let (r, mut w) = tokio::io::split(stream);
                        if w.write_all(b"hello\n").await.is_err() {
                            return;
                        }
                        let mut lines = BufReader::new(r).lines();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if w.write_all(format!("{line}\n").as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    (addr, rx)
}

fn client_config(
    ca: &Ca,
    cert: Option<&Leaf>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.cert_pem.as_bytes()).expect("CA PEM"))
        .expect("CA");
    let builder = ClientConfig::builder_with_provider(crate::http::security::crypto_provider())
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots);
    let config = match cert {
        None => builder.with_no_client_auth(),
        Some(leaf) => {
            let chain = CertificateDer::pem_slice_iter(leaf.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .expect("chain");
            let key = PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes()).expect("key");
            builder
                .with_client_auth_cert(chain, key)
                .expect("client cert")
        }
    };
    Arc::new(config)
}

fn both() -> Vec<&'static rustls::SupportedProtocolVersion> {
    vec![&rustls::version::TLS13, &rustls::version::TLS12]
}

/// A connection that read the server's `hello`, with the certificate the
/// server presented.
struct Connected {
    stream: BufReader<ClientStream<TcpStream>>,
    server_cert: Vec<u8>,
}

async fn connect(addr: SocketAddr, config: Arc<ClientConfig>) -> std::io::Result<Connected> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").expect("name");
    let stream = TlsConnector::from(config).connect(name, tcp).await?;
    let server_cert = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read_line(&mut line))
        .await
        .map_err(|_| std::io::Error::other("no hello within 5 s"))??;
    if n == 0 || line != "hello\n" {
        return Err(std::io::Error::other(format!("no hello: {line:?}")));
    }
    Ok(Connected {
        stream,
        server_cert,
    })
}

impl Connected {
    async fn echo(&mut self, text: &str) -> std::io::Result<String> {
        self.stream
            .get_mut()
            .write_all(format!("{text}\n").as_bytes())
            .await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        Ok(line.trim_end().to_string())
    }
}

async fn next_result(rx: &mut mpsc::UnboundedReceiver<Result<(), String>>) -> Result<(), String> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("server saw the handshake within 5 s")
        .expect("server running")
}

fn paths(dir: &Path, client_ca: Option<&Path>) -> ServerTlsPaths {
    ServerTlsPaths {
        cert: dir.join("server.pem"),
        key: dir.join("server-key.pem"),
        client_ca: client_ca.map(Path::to_path_buf),
    }
}

/// Replaces a file the way a Kubernetes secret volume does: a new file
/// renamed over the old name.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[tokio::test]
async fn https_without_client_certificates_with_ec_and_rsa_keys() {
    let ca = Ca::new("server CA");
    for leaf in [
        ca.server(&["localhost"]),
        ca.server_with_rsa_key(&["localhost"]),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        leaf.write(dir.path(), "server");
        let tls = ServerTls::load(paths(dir.path(), None)).expect("server TLS");
        assert!(!tls.requires_client_cert());
        let (addr, mut rx) = serve(tls).await;
        let mut c = connect(addr, client_config(&ca, None, &both()))
            .await
            .expect("handshake without a client certificate");
        next_result(&mut rx).await.expect("server side");
        assert_eq!(c.server_cert, leaf.cert_der());
        assert_eq!(c.echo("ping").await.expect("echo"), "ping");
    }
}

#[tokio::test]
async fn mtls_needs_a_client_certificate_from_the_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server_ca = Ca::new("server CA");
    server_ca.server(&["localhost"]).write(dir.path(), "server");
    let client_ca = Ca::new("client CA");
    let ca_path = client_ca.write(dir.path(), "clients");
    let tls = ServerTls::load(paths(dir.path(), Some(&ca_path))).expect("mTLS");
    assert!(tls.requires_client_cert());
    let (addr, mut rx) = serve(tls).await;

    // No client certificate: the server refuses the handshake.
    let r = connect(addr, client_config(&server_ca, None, &both())).await;
    assert!(r.is_err(), "connected without a client certificate");
    let e = next_result(&mut rx).await.expect_err("server refused");
    assert!(e.contains("handshake"), "{e}");

    // A certificate from another CA.
    let stranger = Ca::new("another CA").client("intruder");
    let r = connect(addr, client_config(&server_ca, Some(&stranger), &both())).await;
    assert!(r.is_err(), "connected with a certificate of another CA");
    next_result(&mut rx).await.expect_err("server refused");

    // A server certificate of the right CA is not a client certificate.
    let wrong_usage = client_ca.server(&["localhost"]);
    let r = connect(addr, client_config(&server_ca, Some(&wrong_usage), &both())).await;
    assert!(r.is_err(), "connected with a server-only certificate");
    next_result(&mut rx).await.expect_err("server refused");

    // The right one, over TLS 1.3 and over TLS 1.2.
    let good = client_ca.client("consumer");
    for (version, want) in [
        (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
        (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
    ] {
        let mut c = connect(addr, client_config(&server_ca, Some(&good), &[version]))
            .await
            .expect("handshake with the right client certificate");
        next_result(&mut rx).await.expect("server side");
        assert_eq!(
            c.stream.get_ref().get_ref().1.protocol_version(),
            Some(want)
        );
        assert_eq!(c.echo("hi").await.expect("echo"), "hi");
    }
}

#[tokio::test]
async fn a_rotated_certificate_is_used_by_the_next_handshake_and_old_connections_live_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("rotating CA");
    let first = ca.server(&["localhost"]);
    first.write(dir.path(), "server");
    let p = paths(dir.path(), None);
    let tls = ServerTls::load(p.clone()).expect("server TLS");
    let (addr, mut rx) = serve(tls).await;
    let config = client_config(&ca, None, &both());
    let mut old = connect(addr, config.clone()).await.expect("first");
    next_result(&mut rx).await.expect("server side");
    assert_eq!(old.server_cert, first.cert_der());

    let second = ca.server(&["localhost"]);
    replace(&p.key, &second.key_pem);
    replace(&p.cert, &second.cert_pem);
    // The files are looked at at most once a second: wait for the new
    // certificate with a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let c = connect(addr, config.clone()).await.expect("handshake");
        next_result(&mut rx).await.expect("server side");
        if c.server_cert == second.cert_der() {
            break;
        }
        assert_eq!(c.server_cert, first.cert_der(), "neither certificate");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new certificate was not used within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        old.echo("still here").await.expect("old connection"),
        "still here"
    );
}

#[tokio::test]
async fn files_that_changed_but_do_not_fit_keep_the_previous_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("CA");
    let first = ca.server(&["localhost"]);
    first.write(dir.path(), "server");
    let p = paths(dir.path(), None);
    let tls = ServerTls::load_with(p.clone(), Duration::ZERO, HANDSHAKE_TIMEOUT).expect("TLS");
    let second = ca.server(&["localhost"]);
    replace(&p.cert, &second.cert_pem);
    assert!(
        !tls.reload_if_changed().await,
        "a key of another certificate"
    );
    let (addr, mut rx) = serve(tls.clone()).await;
    let config = client_config(&ca, None, &both());
    let c = connect(addr, config.clone()).await.expect("handshake");
    next_result(&mut rx).await.expect("server side");
    assert_eq!(c.server_cert, first.cert_der());
    // Nothing changed since the failed attempt: no new attempt.
    assert!(!tls.reload_if_changed().await);
    replace(&p.key, &second.key_pem);
    assert!(tls.reload_if_changed().await, "cert and key fit again");
    let c = connect(addr, config).await.expect("handshake");
    next_result(&mut rx).await.expect("server side");
    assert_eq!(c.server_cert, second.cert_der());
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_handshake_timeout() {
    let dir = tempfile::tempdir().expect("tempdir");
    Ca::new("CA")
        .server(&["localhost"])
        .write(dir.path(), "server");
    let timeout = Duration::from_millis(200);
    let tls = ServerTls::load_with(paths(dir.path(), None), RELOAD_EVERY, timeout).expect("TLS");
    let (addr, mut rx) = serve(tls).await;
    let _silent = TcpStream::connect(addr).await.expect("tcp");
    let e = next_result(&mut rx).await.expect_err("timed out");
    assert!(e.contains("not finished within"), "{e}");
}

#[test]
fn load_names_the_file_at_fault() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = Ca::new("CA");
    ca.server(&["localhost"]).write(dir.path(), "server");
    std::fs::write(dir.path().join("clients.pem"), "no PEM here").expect("write");
    let e = ServerTls::load(paths(dir.path(), Some(&dir.path().join("clients.pem"))))
        .expect_err("bad CA bundle");
    assert_eq!(e.part, TlsPart::ClientCa);
    assert_eq!(e.part.member(), "caCertPath");
    let e = ServerTls::load(ServerTlsPaths {
        cert: dir.path().join("server-key.pem"),
        key: dir.path().join("server-key.pem"),
        client_ca: None,
    })
    .expect_err("a key is not a certificate");
    assert_eq!(e.part, TlsPart::Certificate);
}
