//! Stricter request rules (rest-api.md §3.3 step 3, §2.2): endpoint URLs
//! with control characters, spaces or credentials are refused with a
//! `detail` naming the rule (v2 and v1), nothing is stored or listed, and a
//! body with broken chunked framing is answered 400, not 413.

use std::time::Duration;

use ptp_tests::v1::{Chain, LOCK as V1_LOCK};
use ptp_tests::{Consumer, Dirs, Proxy, Reply};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LOCK: &str = "/sync/ptp-status/lock-state";

async fn post(url: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
    let r = reqwest::Client::new().post(url).json(body).send().await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn endpoint_urls_carry_no_control_characters_spaces_or_credentials() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let good = consumer.endpoint();
    let host = good.trim_start_matches("http://").to_string();
    for (endpoint, why) in [
        (format!("{good}\r\nX-Injected: 1"), "control character"),
        (format!("{good}/a b"), "space"),
        (format!("http://user:secret@{host}"), "credentials"),
    ] {
        let body =
            serde_json::json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": endpoint});
        let (status, b) = post(&proxy.url("/subscriptions"), &body).await?;
        assert_eq!(status, 400, "{endpoint:?}: {b}");
        let detail = b["detail"].as_str().unwrap_or("");
        assert!(detail.contains(why), "{endpoint:?}: {detail}");
        assert!(!detail.contains("secret"), "{detail}");
    }
    let list = reqwest::get(proxy.url("/subscriptions"))
        .await?
        .text()
        .await?;
    assert_eq!(list, "[]");
    // Nothing reached the consumer (no initial notification was sent).
    assert!(consumer.received().is_empty());
    // The same rules for v1 endpoints.
    let chain = Chain::start(&[], &[]).await?;
    let body = serde_json::json!({"resource": Proxy::address(V1_LOCK), "endpointUri": format!("{good}\r\nX: 1")});
    let (status, b) = post(&chain.sidecar.url("/subscriptions"), &body).await?;
    assert_eq!(status, 400, "{b}");
    assert!(
        b["error"]
            .as_str()
            .unwrap_or("")
            .contains("control character"),
        "{b}"
    );
    Ok(())
}

#[tokio::test]
async fn broken_chunked_framing_is_a_bad_request() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", proxy.api_port)).await?;
    let req = "POST /api/ocloudNotifications/v2/subscriptions HTTP/1.1\r\nHost: x\r\n\
               Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    s.write_all(req.as_bytes()).await?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await??;
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    Ok(())
}
