//! v1 end to end through two real proxies: the application subscribes at its
//! consumer sidecar, the sidecar registers with the v1 producer over the
//! transport, daemon lines go into the producer's socket, and the
//! application receives v1 application events.

use std::time::Duration;

use ptp_tests::consumer::summary;
use ptp_tests::v1::{events, subscribe, wait_registered, Chain, CLASS, LOCK, OS, STARTUP};
use ptp_tests::CheckedRequest;
use ptp_tests::{wait_for, Consumer, Proxy, Reply, NODE};
use serde_json::Value;

/// Subscribes the consumer to the three v1 resources; returns the ids.
async fn subscribe_all(sidecar: &Proxy, consumer: &Consumer) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for suffix in [LOCK, OS, CLASS] {
        let (status, text) = subscribe(sidecar, suffix, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{text}");
        // PubSub keys in the documented order.
        let pos: Vec<usize> = [
            "\"id\"",
            "\"endpointUri\"",
            "\"uriLocation\"",
            "\"resource\"",
        ]
        .iter()
        .map(|k| text.find(k).unwrap_or(usize::MAX))
        .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
        let v: Value = serde_json::from_str(&text)?;
        let id = v["id"].as_str().unwrap_or("").to_string();
        assert_eq!(v["resource"], Proxy::address(suffix));
        assert_eq!(v["endpointUri"], consumer.endpoint());
        assert_eq!(
            v["uriLocation"],
            format!(
                "http://localhost:{}/api/ocloudNotifications/v1/subscriptions/{id}",
                sidecar.api_port
            )
        );
        ids.push(id);
    }
    Ok(ids)
}

#[tokio::test]
async fn events_reach_the_application_in_order_with_the_v1_shape() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let ids = subscribe_all(&chain.sidecar, &consumer).await?;
    // The endpoint check: one empty POST per new subscription.
    assert_eq!(consumer.received().len(), 3);
    assert!(consumer.received().iter().all(Value::is_null));
    wait_registered(&chain.producer, 1).await?;

    let _conn = chain.producer.send(STARTUP).await?;
    let got = wait_for("three v1 events", Duration::from_secs(10), || async {
        let e = events(&consumer.received());
        (e.len() >= 3).then_some(e)
    })
    .await?;
    let seq: Vec<_> = got.iter().map(summary).collect();
    assert_eq!(
        seq,
        vec![
            (Proxy::address(LOCK), "LOCKED".to_string()),
            (Proxy::address(OS), "LOCKED".to_string()),
            (Proxy::address(CLASS), "6".to_string()),
        ]
    );
    let lock = &got[0];
    let keys: Vec<&str> = lock
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut want = vec!["id", "type", "source", "dataContentType", "time", "data"];
    want.sort_unstable();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(keys_sorted, want, "no specversion in v1 events");
    assert_eq!(lock["id"], ids[0].as_str());
    assert_eq!(lock["type"], "event.sync.ptp-status.ptp-state-change");
    assert_eq!(lock["dataContentType"], "application/json");
    assert!(lock["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(lock["data"]["version"], "v1");
    let iface = format!("/cluster/node/{NODE}/ens2fx/master");
    assert_eq!(
        lock["data"]["values"],
        serde_json::json!([
            {"resource": iface, "dataType": "notification", "valueType": "enumeration", "value": "LOCKED"},
            {"resource": iface, "dataType": "metric", "valueType": "decimal64.3", "value": "12"}
        ])
    );
    assert_eq!(got[1]["id"], ids[1].as_str());
    assert_eq!(got[1]["data"]["values"][1]["value"], "-7");
    assert_eq!(got[2]["id"], ids[2].as_str());
    assert_eq!(
        got[2]["type"],
        "event.sync.ptp-status.ptp-clock-class-change"
    );

    // Metrics on both sides.
    let published = format!(
        "cne_transport_events_published{{address=\"/cluster/node/{NODE}{LOCK}\",status=\"success\"}} 1"
    );
    chain.producer.scrape_until(&[&published]).await?;
    let received = format!(
        "cne_transport_events_received{{address=\"/cluster/node/{NODE}{LOCK}\",status=\"success\"}} 1"
    );
    let receiver = format!(
        "cne_transport_receiver{{address=\"/cluster/node/{NODE}{LOCK}\",status=\"active\"}} 1"
    );
    chain.sidecar.scrape_until(&[&received, &receiver]).await?;
    Ok(())
}

#[tokio::test]
async fn current_state_through_the_chain() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let client = reqwest::Client::new();
    let path = format!("/cluster/node/{NODE}{LOCK}/CurrentState");
    // No data yet: 400 from both.
    let r = client.get(chain.sidecar.url(&path)).checked().await?;
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json()?;
    assert_eq!(v["error"], v["detail"]);

    let _conn = chain.producer.send(STARTUP).await?;
    let v = wait_for("CurrentState", Duration::from_secs(10), || async {
        let r = client.get(chain.sidecar.url(&path)).checked().await.ok()?;
        if r.status().as_u16() != 200 {
            return None;
        }
        r.json().ok()
    })
    .await?;
    assert_eq!(v["type"], "event.sync.ptp-status.ptp-state-change");
    assert_eq!(v["source"], Proxy::address(LOCK));
    assert_eq!(v["dataContentType"], "application/json");
    assert_eq!(v["data"]["version"], "v1");
    assert_eq!(v["data"]["values"][0]["value"], "LOCKED");
    assert_eq!(v["data"]["values"][0]["dataType"], "notification");
    assert!(v.get("specversion").is_none());
    // The producer answers too, from its snapshot.
    let r = client.get(chain.producer.url(&path)).checked().await?;
    assert_eq!(r.status().as_u16(), 200);
    let pv: Value = r.json()?;
    assert_eq!(pv["source"], Proxy::address(LOCK));
    assert_eq!(pv["data"]["values"][0]["value"], "LOCKED");
    // The producer's transport CurrentState: CloudEvents 0.3 structured.
    let r = client
        .get(format!(
            "http://127.0.0.1:{}/cluster/node/{NODE}{LOCK}/some-client/CurrentState",
            chain.producer_transport
        ))
        .checked()
        .await?;
    assert_eq!(r.status().as_u16(), 200);
    let tv: Value = r.json()?;
    assert_eq!(tv["specversion"], "0.3");
    assert_eq!(tv["source"], LOCK);
    assert_eq!(tv["subject"], Proxy::address(LOCK));
    assert_eq!(tv["data"]["values"][0]["data_type"], "notification");
    Ok(())
}

#[tokio::test]
async fn v1_format_1_0_sends_the_later_generation() -> anyhow::Result<()> {
    let chain = Chain::start(&["--v1-format=1.0"], &[]).await?;
    let consumer = Consumer::start(Reply {
        status: 200,
        ..Reply::default()
    })
    .await?;
    let ids = subscribe_all(&chain.sidecar, &consumer).await?;
    wait_registered(&chain.producer, 1).await?;
    let _conn = chain.producer.send(STARTUP).await?;
    let got = wait_for("a v1 event", Duration::from_secs(10), || async {
        let e = events(&consumer.received());
        (!e.is_empty()).then_some(e)
    })
    .await?;
    let lock = &got[0];
    assert_eq!(lock["id"], ids[0].as_str());
    assert_eq!(lock["source"], Proxy::address(LOCK));
    assert_eq!(lock["data"]["version"], "1.0");
    let iface = format!("/cluster/node/{NODE}/ens2fx/master");
    assert_eq!(
        lock["data"]["values"][0],
        serde_json::json!({"ResourceAddress": iface, "data_type": "notification", "value_type": "enumeration", "value": "LOCKED"})
    );
    Ok(())
}

#[tokio::test]
async fn producer_local_subscriptions_receive_v1_events() -> anyhow::Result<()> {
    let chain = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, text) = subscribe(&chain.producer, LOCK, &consumer.endpoint()).await?;
    assert_eq!(status, 201, "{text}");
    let v: Value = serde_json::from_str(&text)?;
    let _conn = chain.producer.send(STARTUP).await?;
    let got = wait_for("a v1 event", Duration::from_secs(10), || async {
        let e = events(&consumer.received());
        (!e.is_empty()).then_some(e)
    })
    .await?;
    assert_eq!(got[0]["id"], v["id"]);
    assert_eq!(got[0]["source"], Proxy::address(LOCK));
    assert_eq!(
        got[0]["data"]["values"][0]["resource"],
        format!("/cluster/node/{NODE}/ens2fx/master")
    );
    Ok(())
}
