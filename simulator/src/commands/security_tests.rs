//! The security helpers against the proxy's own security code: the files
//! of `ptp-sim certs` in real mTLS handshakes, the tokens of `ptp-sim
//! token` checked with the keys `ptp-sim jwks` serves.

use std::time::Duration;

use ptp_event_proxy::http::security::{BearerAuth, OAuthSettings, ServerTls, ServerTlsPaths};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use super::client_auth::ClientAuth;
use super::{certs, jwks, token};

/// An HTTPS server over the proxy's [`ServerTls`] that answers every
/// request `201 {}` and reports each request head (or handshake error).
async fn https_once_per_connection(
    tls: ServerTls,
) -> (String, mpsc::UnboundedReceiver<Result<String, String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (tls, tx) = (tls.clone(), tx.clone());
            tokio::spawn(async move {
                let mut io = match tls.accept(tcp).await {
                    Ok(io) => io,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                    match io.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tx.send(Ok(String::from_utf8_lossy(&head).into_owned()));
                let _ = io
                    .write_all(
                        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\
                          content-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .await;
                let _ = io.shutdown().await;
            });
        }
    });
    (format!("https://localhost:{}", addr.port()), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Result<String, String>>) -> Result<String, String> {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the server saw the connection within 5 s")
        .expect("server running")
}

#[tokio::test]
async fn certs_make_an_mtls_pair_and_consume_sends_its_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = certs::DEFAULT_NAMES.map(String::from);
    let w = certs::write(dir.path(), &names, "consumer", 30).expect("certs");
    assert!(
        certs::write(dir.path(), &names, "consumer", 30).is_err(),
        "files replaced"
    );
    use std::os::unix::fs::PermissionsExt as _;
    for key in ["ca-key.pem", "server-key.pem", "client-key.pem"] {
        let mode = std::fs::metadata(dir.path().join(key))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{key} readable by others");
    }
    let tls = ServerTls::load(ServerTlsPaths {
        cert: w.server.0.clone(),
        key: w.server.1.clone(),
        client_ca: Some(w.ca.clone()),
    })
    .expect("the proxy accepts the server files");
    let (base, mut rx) = https_once_per_connection(tls).await;

    let auth = ClientAuth {
        cacert: Some(w.ca.clone()),
        cert: Some(w.client.0.clone()),
        key: Some(w.client.1.clone()),
        token: Some("header.payload.signature".to_string()),
    };
    let r = auth
        .client()
        .expect("client")
        .post(format!("{base}/subscriptions"))
        .body("{}")
        .send()
        .await
        .expect("mTLS request");
    assert_eq!(r.status(), 201);
    let head = next(&mut rx).await.expect("handshake");
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer header.payload.signature\r\n"),
        "{head}"
    );

    // Without the client certificate the handshake fails.
    let no_cert = ClientAuth {
        cacert: Some(w.ca.clone()),
        ..Default::default()
    };
    let r = no_cert
        .client()
        .expect("client")
        .get(format!("{base}/health"))
        .send()
        .await;
    assert!(r.is_err(), "answered without a client certificate");
    next(&mut rx).await.expect_err("refused");

    // The token from a file.
    let file = dir.path().join("token");
    std::fs::write(&file, "from-a-file\n").expect("write");
    let from_file = ClientAuth {
        token: Some(format!("@{}", file.display())),
        ..Default::default()
    };
    assert_eq!(
        from_file.token().expect("read").as_deref(),
        Some("from-a-file")
    );
}

fn spec(expires_in: i64) -> token::TokenSpec {
    token::TokenSpec {
        issuer: "https://ptp-sim.test".to_string(),
        audience: "ptp-events".to_string(),
        scopes: vec!["subscriptions:write".to_string()],
        expires_in,
        subject: "consumer".to_string(),
    }
}

fn bearer(url: &str) -> BearerAuth {
    BearerAuth::new(
        OAuthSettings {
            issuer: "https://ptp-sim.test".to_string(),
            jwks_url: url.parse().expect("url"),
            audience: Some("ptp-events".to_string()),
            scopes: vec!["subscriptions:write".to_string()],
        },
        reqwest::Client::new(),
    )
}

async fn check(auth: &BearerAuth, token: &str) -> Result<(), String> {
    auth.check(Some(&format!("Bearer {token}")))
        .await
        .map_err(|f| f.detail().to_string())
}

#[tokio::test]
async fn tokens_verify_with_the_served_jwks_and_a_new_key_is_served_once_it_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.pem");
    let second = dir.path().join("second.pem");
    let (valid, generated) = token::make(&first, &spec(600)).expect("token");
    assert!(generated);
    let (url, task) = jwks::start(vec![first.clone(), second.clone()], "127.0.0.1:0")
        .await
        .expect("jwks");
    let auth = bearer(&url);
    check(&auth, &valid).await.expect("valid token");
    let (expired, _) = token::make(&first, &spec(-120)).expect("token");
    let e = check(&auth, &expired).await.expect_err("expired");
    assert!(e.starts_with("exp:"), "{e}");

    // A key made after the server started is served from then on.
    let (rotated, _) = token::make(&second, &spec(600)).expect("token");
    let doc = jwks::document(&[first.clone(), second.clone()]).expect("doc");
    assert_eq!(doc["keys"].as_array().map(Vec::len), Some(2));
    let fresh = bearer(&url);
    check(&fresh, &rotated).await.expect("the second key");
    task.abort();
}
