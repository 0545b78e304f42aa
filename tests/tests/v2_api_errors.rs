//! Every error row of the v2 API (rest-api.md §2, §3) against the real binary.

use std::time::Duration;

use ptp_tests::CheckedRequest;
use ptp_tests::{Consumer, Dirs, Proxy, Reply};
use serde_json::Value;

const LOCK: &str = "/sync/ptp-status/lock-state";

async fn problem(r: ptp_tests::Checked) -> anyhow::Result<(u16, Value)> {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json", "status {status}");
    let body: Value = r.json()?;
    assert_eq!(body["type"], "about:blank");
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    Ok((status, body))
}

#[tokio::test]
async fn error_rows() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let subs = proxy.url("/subscriptions");

    // 400: not an object, v1 keys, missing endpoint, relative endpoint.
    for body in [
        "[]".to_string(),
        "not json".to_string(),
        format!(
            r#"{{"resource":"{}","endpointUri":"{}"}}"#,
            Proxy::address(LOCK),
            consumer.endpoint()
        ),
        format!(r#"{{"ResourceAddress":"{}"}}"#, Proxy::address(LOCK)),
        format!(
            r#"{{"ResourceAddress":"{}","EndpointUri":"/event"}}"#,
            Proxy::address(LOCK)
        ),
    ] {
        let (s, b) = problem(c.post(&subs).body(body.clone()).checked().await?).await?;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["instance"], "/api/ocloudNotifications/v2/subscriptions");
    }
    // 404: unknown resource.
    let (s, _) = problem(
        c.post(&subs)
            .json(&serde_json::json!({"ResourceAddress": "/cluster/node/x/sync/nope", "EndpointUri": consumer.endpoint()}))
            .checked()
            .await?,
    )
    .await?;
    assert_eq!(s, 404);
    // 400: the endpoint answers 404 to the initial notification.
    let refusing = Consumer::start(Reply {
        status: 404,
        delay: Duration::ZERO,
    })
    .await?;
    let (s, b) = problem(
        c.post(&subs)
            .json(&serde_json::json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": refusing.endpoint()}))
            .checked()
            .await?,
    )
    .await?;
    assert_eq!(s, 400);
    assert!(b["detail"].as_str().unwrap_or("").contains("404"), "{b}");
    // 413: body over 64 KiB.
    let big = format!(
        r#"{{"ResourceAddress":"{}","x":"{}"}}"#,
        Proxy::address(LOCK),
        "a".repeat(70_000)
    );
    let (s, _) = problem(c.post(&subs).body(big).checked().await?).await?;
    assert_eq!(s, 413);
    // 201 then 409 with the existing id.
    let (s, created) = proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    assert_eq!(s, 201);
    let (s, b) = problem(
        c.post(&subs)
            .json(&serde_json::json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": consumer.endpoint()}))
            .checked()
            .await?,
    )
    .await?;
    assert_eq!(s, 409);
    assert_eq!(b["SubscriptionId"], created["SubscriptionId"]);
    assert_eq!(b["UriLocation"], created["UriLocation"]);
    // GET/DELETE unknown id → 404; list has exactly one.
    let (s, _) = problem(c.get(proxy.url("/subscriptions/nope")).checked().await?).await?;
    assert_eq!(s, 404);
    let (s, _) = problem(c.delete(proxy.url("/subscriptions/nope")).checked().await?).await?;
    assert_eq!(s, 404);
    let list: Value = c.get(&subs).checked().await?.json()?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // 405 with Allow, HEAD included.
    let r = c.put(&subs).checked().await?;
    assert_eq!(
        r.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("GET, POST, DELETE")
    );
    let (s, _) = problem(r).await?;
    assert_eq!(s, 405);
    let r = c.head(proxy.url("/health")).checked().await?;
    assert_eq!(r.status().as_u16(), 405);
    // Unknown paths, trailing slash, bare base → 404.
    for p in [
        "/health/",
        "/subscriptions/",
        "",
        "/",
        "/log",
        "/create/event",
    ] {
        let r = c.get(proxy.url(p)).checked().await?;
        assert_eq!(r.status().as_u16(), 404, "{p}");
    }
    // `//` → 301 to the cleaned path.
    let r = c
        .get(format!(
            "http://127.0.0.1:{}/api/ocloudNotifications/v2//health?x=1",
            proxy.api_port
        ))
        .checked()
        .await?;
    assert_eq!(r.status().as_u16(), 301);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/api/ocloudNotifications/v2/health?x=1")
    );
    // CurrentState: 404 before data, recognised suffix required.
    let (s, _) = problem(
        c.get(proxy.url(&format!("{}/CurrentState", Proxy::address(LOCK))))
            .checked()
            .await?,
    )
    .await?;
    assert_eq!(s, 404);
    // Legacy ping → 400. Publishers: seven, unknown id 400.
    let (s, _) = problem(
        c.put(proxy.url("/subscriptions/status/x"))
            .checked()
            .await?,
    )
    .await?;
    assert_eq!(s, 400);
    let pubs: Value = c.get(proxy.url("/publishers")).checked().await?.json()?;
    assert_eq!(pubs.as_array().map(Vec::len), Some(7));
    let (s, _) = problem(c.get(proxy.url("/publishers/nope")).checked().await?).await?;
    assert_eq!(s, 400);
    let health = c.get(proxy.url("/health")).checked().await?;
    assert_eq!(health.text(), "OK");
    // DELETE one → 204, DELETE all → 204 and [].
    let id = created["SubscriptionId"].as_str().unwrap_or("");
    let r = c
        .delete(proxy.url(&format!("/subscriptions/{id}")))
        .checked()
        .await?;
    assert_eq!(r.status().as_u16(), 204);
    let r = c.delete(&subs).checked().await?;
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(c.get(&subs).checked().await?.text(), "[]");
    Ok(())
}
