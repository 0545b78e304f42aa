//! The connection against scripted raw-TCP consumers on 127.0.0.1: what is
//! written, how responses are framed, when the connection is reused.

use super::*;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const T: Duration = Duration::from_secs(2);

fn item(body: &str) -> Outgoing {
    Outgoing {
        body: bytes::Bytes::from(body.to_string()),
        headers: Arc::from(Vec::new()),
        tag: "t".into(),
        published_at: std::time::Instant::now(),
        resource: "/sync/ptp-status/lock-state",
        api: "v2",
    }
}

/// A consumer that, per connection, reads one request head and body at a
/// time and writes the next scripted answer (`None`: close the connection
/// without answering). Records each request and counts connections.
struct Scripted {
    url: Url,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head plus `content-length` body); `None` at EOF.
async fn read_request(s: &mut TcpStream, pending: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if pending.len() >= end + 4 + len {
                let all = String::from_utf8_lossy(&pending[..end + 4 + len]).into_owned();
                pending.drain(..end + 4 + len);
                return Some(all);
            }
        }
        let mut buf = [0u8; 4096];
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}

impl Scripted {
    /// Answer `i` (over all connections) is `answers[i]`.
    async fn start(answers: Vec<Option<&'static str>>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        let task = tokio::spawn({
            let (requests, connections) = (requests.clone(), connections.clone());
            async move {
                while let Ok((mut s, _)) = listener.accept().await {
                    *connections.lock().expect("lock") += 1;
                    let (requests, answers) = (requests.clone(), answers.clone());
                    tokio::spawn(async move {
                        let mut pending = Vec::new();
                        while let Some(req) = read_request(&mut s, &mut pending).await {
                            requests.lock().expect("lock").push(req);
                            let next = answers.lock().expect("lock").next().flatten();
                            match next {
                                Some(a) => {
                                    if s.write_all(a.as_bytes()).await.is_err() {
                                        return;
                                    }
                                }
                                None => return,
                            }
                        }
                    });
                }
            }
        });
        Scripted {
            url: Url::parse(&format!("http://{addr}/events?x=1")).expect("url"),
            requests,
            connections,
            task,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }

    fn connections(&self) -> usize {
        *self.connections.lock().expect("lock")
    }
}

const NO_CONTENT: &str = "HTTP/1.1 204 No Content\r\n\r\n";

#[tokio::test]
async fn one_write_with_host_content_type_and_length() {
    let server = Scripted::start(vec![Some(NO_CONTENT)]).await;
    let mut conn = Connection::default();
    let status = conn
        .post(
            &Connector::plain(),
            &server.url,
            &item("{\"a\":1}"),
            T,
            1024,
        )
        .await
        .expect("post");
    assert_eq!(status, 204);
    let port = server.url.port().expect("port");
    assert_eq!(
        server.requests(),
        vec![format!(
            "POST /events?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{{\"a\":1}}"
        )]
    );
}

#[tokio::test]
async fn own_content_type_replaces_the_default_and_framing_headers_are_ignored() {
    use reqwest::header::{HeaderName, HeaderValue};
    let server = Scripted::start(vec![Some(NO_CONTENT)]).await;
    let mut it = item("x");
    it.headers = Arc::from(vec![
        (
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/cloudevents+json"),
        ),
        (
            HeaderName::from_static("ce-id"),
            HeaderValue::from_static("42"),
        ),
        (
            HeaderName::from_static("content-length"),
            HeaderValue::from_static("99"),
        ),
    ]);
    let mut conn = Connection::default();
    conn.post(&Connector::plain(), &server.url, &it, T, 1024)
        .await
        .expect("post");
    let req = &server.requests()[0];
    assert!(
        req.contains("\r\ncontent-type: application/cloudevents+json\r\n"),
        "{req}"
    );
    assert!(!req.contains("application/json"), "{req}");
    assert!(req.contains("\r\nce-id: 42\r\n"), "{req}");
    assert!(req.ends_with("\r\ncontent-length: 1\r\n\r\nx"), "{req}");
    assert_eq!(req.matches("content-length").count(), 1, "{req}");
}

#[tokio::test]
async fn user_information_becomes_basic_authorization() {
    let server = Scripted::start(vec![Some(NO_CONTENT)]).await;
    let mut url = server.url.clone();
    url.set_username("us%40r").expect("user");
    url.set_password(Some("p:w")).expect("password");
    let mut conn = Connection::default();
    conn.post(&Connector::plain(), &url, &item("x"), T, 1024)
        .await
        .expect("post");
    let req = &server.requests()[0];
    // base64("us@r:p:w")
    assert!(
        req.contains("\r\nAuthorization: Basic dXNAcjpwOnc=\r\n"),
        "{req}"
    );
}

#[tokio::test]
async fn bodies_of_every_framing_are_read_and_the_connection_reused() {
    let server = Scripted::start(vec![
        Some("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"),
        Some("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nx-trailer: 1\r\n\r\n"),
        Some("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"),
        Some(NO_CONTENT),
    ])
    .await;
    let mut conn = Connection::default();
    let c = Connector::plain();
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(
            conn.post(&c, &server.url, &item("x"), T, 1024)
                .await
                .expect("post"),
        );
    }
    assert_eq!(got, vec![200, 200, 202, 204]);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn close_long_bodies_and_http10_end_the_connection() {
    let server = Scripted::start(vec![
        Some("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"),
        Some("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"),
        Some("HTTP/1.1 500 Oops\r\ncontent-length: 5000\r\n\r\n"),
        Some("HTTP/1.0 204 No Content\r\nconnection: keep-alive\r\n\r\n"),
        Some(NO_CONTENT),
    ])
    .await;
    let mut conn = Connection::default();
    let c = Connector::plain();
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(
            conn.post(&c, &server.url, &item("x"), T, 1024)
                .await
                .expect("post"),
        );
    }
    // The body of 5000 bytes is over the limit of 1024: not read, closed.
    assert_eq!(got, vec![200, 200, 500, 204, 204]);
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn a_reused_connection_closed_by_the_consumer_is_replaced_within_the_attempt() {
    // The first connection answers once, then closes when the second
    // request arrives: that request goes again on a new connection.
    let server = Scripted::start(vec![Some(NO_CONTENT), None, Some(NO_CONTENT)]).await;
    let mut conn = Connection::default();
    let c = Connector::plain();
    for _ in 0..2 {
        assert_eq!(
            conn.post(&c, &server.url, &item("x"), T, 1024)
                .await
                .expect("post"),
            204
        );
    }
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_fresh_connection_closed_without_an_answer_is_an_error() {
    let server = Scripted::start(vec![None]).await;
    let mut conn = Connection::default();
    let err = conn
        .post(&Connector::plain(), &server.url, &item("x"), T, 1024)
        .await
        .expect_err("no answer");
    assert!(matches!(err, PostError::Io(_)), "{err:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn garbage_is_a_protocol_error_and_other_schemes_are_invalid() {
    let server = Scripted::start(vec![Some("SSH-2.0-OpenSSH\r\n\r\n")]).await;
    let mut conn = Connection::default();
    let c = Connector::plain();
    let err = conn
        .post(&c, &server.url, &item("x"), T, 1024)
        .await
        .expect_err("garbage");
    assert!(matches!(err, PostError::Protocol(_)), "{err:?}");
    let ftp = Url::parse("ftp://127.0.0.1/x").expect("url");
    let err = conn
        .post(&c, &ftp, &item("x"), T, 1024)
        .await
        .expect_err("ftp");
    assert!(matches!(err, PostError::Invalid(_)), "{err:?}");
    let https = Url::parse(&server.url.as_str().replace("http:", "https:")).expect("url");
    let err = conn
        .post(&c, &https, &item("x"), T, 1024)
        .await
        .expect_err("no TLS configuration");
    assert!(matches!(err, PostError::Tls(_)), "{err:?}");
}

#[tokio::test]
async fn a_connection_unused_for_its_idle_time_is_not_reused() {
    let server = Scripted::start(vec![Some(NO_CONTENT), Some(NO_CONTENT), Some(NO_CONTENT)]).await;
    let mut conn = Connection::default();
    let c = Connector::plain();
    conn.idle_limit = Duration::from_millis(50);
    for pause in [0, 100, 0] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        conn.post(&c, &server.url, &item("x"), T, 1024)
            .await
            .expect("post");
    }
    assert_eq!(server.connections(), 2);
    // Without a connection, idle never resolves.
    conn.stream = None;
    assert!(tokio::time::timeout(Duration::from_millis(20), conn.idle())
        .await
        .is_err());
}

#[tokio::test]
async fn an_idle_connection_is_dropped_when_the_consumer_closes_it() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = Url::parse(&format!(
        "http://{}/e",
        listener.local_addr().expect("addr")
    ))
    .expect("url");
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        let mut pending = Vec::new();
        read_request(&mut s, &mut pending).await;
        s.write_all(NO_CONTENT.as_bytes()).await.expect("write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(s);
    });
    let mut conn = Connection::default();
    conn.post(&Connector::plain(), &url, &item("x"), T, 1024)
        .await
        .expect("post");
    tokio::time::timeout(T, conn.idle())
        .await
        .expect("the close is seen");
    assert!(conn.stream.is_none());
    server.await.expect("server");
}

#[test]
fn percent_decoding() {
    assert_eq!(percent_decode("a%40b%3"), b"a@b%3".to_vec());
    assert_eq!(percent_decode("%zz%41"), b"%zzA".to_vec());
}

/// 500 events in flight at once hold 500 of these: no buffers or
/// handshake state inside (it was 4.6 KiB with a read buffer on the stack).
#[test]
fn an_attempt_in_flight_is_small() {
    let mut conn = Connection::default();
    let c = Connector::plain();
    let url = Url::parse("http://127.0.0.1:1/x").expect("url");
    let it = item("x");
    let f = conn.post(&c, &url, &it, T, 1024);
    assert!(
        std::mem::size_of_val(&f) < 1024,
        "{}",
        std::mem::size_of_val(&f)
    );
}
