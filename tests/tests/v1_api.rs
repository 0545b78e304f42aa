//! The v1 REST API's shapes and every error row (rest-api.md §4), on a v1
//! producer and a consumer sidecar, and the sidecar's registration messages
//! after deletes.

use std::time::Duration;

use ptp_tests::v1::{events, subscribe, wait_registered, Chain, CLASS, LOCK, OS, STARTUP};
use ptp_tests::CheckedRequest;
use ptp_tests::{wait_for, Consumer, Proxy, Reply, NODE};
use serde_json::Value;

/// Asserts a v1 error: status, problem+json, `error` = `detail`.
async fn assert_error(r: ptp_tests::Checked, status: u16) -> anyhow::Result<Value> {
    assert_eq!(r.status().as_u16(), status);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let v: Value = r.json()?;
    assert_eq!(v["status"], status);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
    assert_eq!(v["error"], v["detail"], "{v}");
    Ok(v)
}

#[tokio::test]
async fn every_error_row() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let c = reqwest::Client::new();
    for proxy in [&chain.sidecar, &chain.producer] {
        let subs = proxy.url("/subscriptions");
        for body in [
            "not json",
            "[]",
            r#"{"endpointUri":"http://127.0.0.1:1/e"}"#,
            r#"{"resource":""}"#,
            r#"{"resource":"/r","endpointUri":"ftp://x/"}"#,
            r#"{"resource":"/r","endpointUri":7}"#,
        ] {
            let r = c.post(&subs).body(body).checked().await?;
            assert_error(r, 400).await?;
        }
        // Endpoint check: unreachable (a port this test bound and closed
        // again: nothing listens there now), and a non-2xx answer.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            format!("http://{}/event", l.local_addr()?)
        };
        let r = c
            .post(&subs)
            .json(&serde_json::json!({"resource": Proxy::address(LOCK), "endpointUri": dead}))
            .checked()
            .await?;
        let v = assert_error(r, 400).await?;
        assert!(v["detail"]
            .as_str()
            .is_some_and(|d| d.contains("return url validation check failed")));
        let refusing = Consumer::start(Reply {
            status: 404,
            ..Reply::default()
        })
        .await?;
        let (status, _) = subscribe(proxy, LOCK, &refusing.endpoint()).await?;
        assert_eq!(status, 400);
        // 413.
        let big = format!(r#"{{"resource":"{}"}}"#, "x".repeat(70 * 1024));
        let r = c.post(&subs).body(big).checked().await?;
        assert_error(r, 413).await?;
        // Unknown ids.
        assert_error(
            c.get(proxy.url("/subscriptions/nope")).checked().await?,
            400,
        )
        .await?;
        assert_error(
            c.delete(proxy.url("/subscriptions/nope")).checked().await?,
            400,
        )
        .await?;
        assert_error(
            c.put(proxy.url("/subscriptions/status/nope"))
                .checked()
                .await?,
            400,
        )
        .await?;
        assert_error(c.get(proxy.url("/publishers/nope")).checked().await?, 400).await?;
        // CurrentState: unknown resource, and no data yet.
        assert_error(
            c.get(proxy.url("/cluster/node/x/sync/nothing/CurrentState"))
                .checked()
                .await?,
            400,
        )
        .await?;
        assert_error(
            c.get(proxy.url(&format!("/cluster/node/{NODE}{OS}/CurrentState")))
                .checked()
                .await?,
            400,
        )
        .await?;
        // Unknown path, wrong method.
        assert_eq!(c.get(proxy.url("/nothing")).checked().await?.status(), 404);
        let r = c.patch(proxy.url("/subscriptions")).checked().await?;
        assert_eq!(r.status(), 405);
        assert!(r.headers().get("allow").is_some());
    }
    Ok(())
}

#[tokio::test]
async fn shapes_of_the_v1_routes() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let c = reqwest::Client::new();
    let consumer = Consumer::start(Reply::default()).await?;
    for proxy in [&chain.sidecar, &chain.producer] {
        assert_eq!(
            c.get(proxy.url("/subscriptions")).checked().await?.text(),
            "[]"
        );
        let health = c.get(proxy.url("/health")).checked().await?;
        assert_eq!(health.status(), 200);
        assert_eq!(health.text(), "OK");
        assert_eq!(c.post(proxy.url("/dummy")).checked().await?.status(), 204);
        // Case-insensitive v1 keys.
        let r = c
            .post(proxy.url("/subscriptions"))
            .body(format!(
                r#"{{"EndpointURI":"{}","Resource":"{}"}}"#,
                consumer.endpoint(),
                Proxy::address(LOCK)
            ))
            .checked()
            .await?;
        assert_eq!(r.status(), 201);
        let first: Value = r.json()?;
        // Same resource: the existing one, 201; O-RAN keys echoed in O-RAN order.
        let r = c
            .post(proxy.url("/subscriptions"))
            .json(&serde_json::json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": consumer.endpoint()}))
            .checked()
            .await?;
        assert_eq!(r.status(), 201);
        let text = r.text();
        assert!(text.starts_with("{\"ResourceAddress\":"), "{text}");
        let again: Value = serde_json::from_str(&text)?;
        assert_eq!(again["SubscriptionId"], first["id"]);
        assert_eq!(again["UriLocation"], first["uriLocation"]);
        // Without endpoint.
        let r = c
            .post(proxy.url("/subscriptions"))
            .json(&serde_json::json!({"resource": Proxy::address(OS)}))
            .checked()
            .await?;
        assert_eq!(r.status(), 201);
        let no_ep: Value = r.json()?;
        assert_eq!(no_ep["endpointUri"], "");
        let id = first["id"].as_str().unwrap_or("");
        let one: Value = c
            .get(proxy.url(&format!("/subscriptions/{id}")))
            .checked()
            .await?
            .json()?;
        assert_eq!(one, first);
        let list: Value = c.get(proxy.url("/subscriptions")).checked().await?.json()?;
        assert_eq!(list.as_array().map(Vec::len), Some(2));
        // Ping.
        let r = c
            .put(proxy.url(&format!("/subscriptions/status/{id}")))
            .checked()
            .await?;
        assert_eq!(r.status(), 202);
        assert_eq!(r.text(), r#"{"status":"ping sent"}"#);
        // Delete one, delete all.
        let r = c
            .delete(proxy.url(&format!("/subscriptions/{id}")))
            .checked()
            .await?;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text(), r#"{"status":"OK"}"#);
        let r = c.delete(proxy.url("/subscriptions")).checked().await?;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text(), r#"{"status":"deleted all subscriptions"}"#);
        assert_eq!(
            c.get(proxy.url("/subscriptions")).checked().await?.text(),
            "[]"
        );
    }
    // Publishers: three on the producer (stable ids), none on the sidecar.
    assert_eq!(
        c.get(chain.sidecar.url("/publishers"))
            .checked()
            .await?
            .text(),
        "[]"
    );
    let pubs: Value = c
        .get(chain.producer.url("/publishers"))
        .checked()
        .await?
        .json()?;
    let pubs = pubs.as_array().cloned().unwrap_or_default();
    let resources: Vec<_> = pubs.iter().map(|p| p["resource"].clone()).collect();
    assert_eq!(
        resources,
        vec![
            Value::from(Proxy::address(LOCK)),
            Value::from(Proxy::address(OS)),
            Value::from(Proxy::address(CLASS))
        ]
    );
    let id = pubs[0]["id"].as_str().unwrap_or("");
    let base = format!(
        "http://localhost:{}/api/ocloudNotifications/v1",
        chain.producer.api_port
    );
    assert_eq!(pubs[0]["endpointUri"], format!("{base}/dummy"));
    assert_eq!(pubs[0]["uriLocation"], format!("{base}/publishers/{id}"));
    let one: Value = c
        .get(chain.producer.url(&format!("/publishers/{id}")))
        .checked()
        .await?
        .json()?;
    assert_eq!(one, pubs[0]);
    Ok(())
}

#[tokio::test]
async fn ping_sends_the_current_state_with_the_subscription_id() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (_, text) = subscribe(&chain.sidecar, LOCK, &consumer.endpoint()).await?;
    let id = serde_json::from_str::<Value>(&text)?["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let _conn = chain.producer.send(STARTUP).await?;
    let c = reqwest::Client::new();
    let path = format!("/cluster/node/{NODE}{LOCK}/CurrentState");
    wait_for("producer data", Duration::from_secs(10), || async {
        let r = c.get(chain.producer.url(&path)).checked().await.ok()?;
        (r.status() == 200).then_some(())
    })
    .await?;
    let before = events(&consumer.received()).len();
    let r = c
        .put(chain.sidecar.url(&format!("/subscriptions/status/{id}")))
        .checked()
        .await?;
    assert_eq!(r.status(), 202);
    let got = wait_for("the ping's event", Duration::from_secs(10), || async {
        let e = events(&consumer.received());
        (e.len() > before).then_some(e)
    })
    .await?;
    let last = got.last().cloned().unwrap_or_default();
    assert_eq!(last["id"], id.as_str());
    assert_eq!(last["data"]["values"][0]["value"], "LOCKED");
    chain
        .sidecar
        .scrape_until(&["cne_api_status_ping{status=\"success\"} 1"])
        .await?;
    Ok(())
}

#[tokio::test]
async fn deletes_reach_the_producer() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let mut ids = Vec::new();
    for suffix in [LOCK, OS, CLASS] {
        let (status, text) = subscribe(&chain.sidecar, suffix, &consumer.endpoint()).await?;
        assert_eq!(status, 201);
        ids.push(serde_json::from_str::<Value>(&text)?["id"].clone());
    }
    wait_registered(&chain.producer, 1).await?;
    let c = reqwest::Client::new();
    let id = ids[0].as_str().unwrap_or("");
    c.delete(chain.sidecar.url(&format!("/subscriptions/{id}")))
        .checked()
        .await?;
    let sender = |s: &str, n: usize| {
        format!("cne_transport_sender{{address=\"/cluster/node/{NODE}{s}\",status=\"active\"}} {n}")
    };
    wait_for("DELETE then NEW", Duration::from_secs(10), || async {
        let t = chain.producer.scrape().await.ok()?;
        (t.contains(&sender(LOCK, 0))
            && t.contains(&sender(OS, 1))
            && t.contains(&sender(CLASS, 1)))
        .then_some(())
    })
    .await?;
    c.delete(chain.sidecar.url("/subscriptions"))
        .checked()
        .await?;
    wait_for("DELETE", Duration::from_secs(10), || async {
        let t = chain.producer.scrape().await.ok()?;
        [LOCK, OS, CLASS]
            .iter()
            .all(|s| t.contains(&sender(s, 0)))
            .then_some(())
    })
    .await?;
    // The producer's store no longer lists the client.
    let v = ptp_tests::store::stored(&chain.producer_dirs.store())?;
    assert_eq!(v["transportClients"], serde_json::json!([]));
    Ok(())
}
