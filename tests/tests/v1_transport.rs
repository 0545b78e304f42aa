//! The v1 producer's transport server (rest-api.md §5.1, §5.2), driven by
//! hand-made consumer-sidecar requests: registration, binary-mode pushes,
//! health, `/event`, bad bodies, and removal of a dead client after 10
//! failed deliveries.

use std::time::Duration;

use ptp_tests::v1::{start_producer, LOCK};
use ptp_tests::CheckedRequest;
use ptp_tests::{wait_for, write_lines, Consumer, Dirs, Proxy, Reply, NODE};
use serde_json::Value;

fn flap(i: usize) -> String {
    // Alternate in range / out of range: every line is a state change.
    let offset = if i % 2 == 0 { 5000 } else { 3 };
    format!(
        "ptp4l[{i}.0]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318"
    )
}

async fn register(transport: u16, client: &Consumer, subject: &str) -> anyhow::Result<u16> {
    let body = serde_json::json!({
        "clientID": "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f",
        "subStore": {"store": {"s1": {"id": "s1", "endpointUri": "http://localhost:8989/event",
            "uriLocation": "http://localhost:8089/api/ocloudNotifications/v1/subscriptions/s1",
            "resource": Proxy::address(LOCK)}}},
        "EndpointUri": format!("http://{}", client.addr),
        "status": 1,
    });
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{transport}/subscription"))
        .header("ce-specversion", "0.3")
        .header("ce-id", "7b0c2f8e-1d4e-4a55-9a1d-3f1f0e2a9c11")
        .header("ce-type", "SUBSCRIBER")
        .header("ce-source", Proxy::address(LOCK))
        .header("ce-subject", subject)
        .json(&body)
        .checked()
        .await?;
    Ok(r.status().as_u16())
}

#[tokio::test]
async fn transport_endpoints_pushes_and_dead_client_removal() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let producer = start_producer(&dirs, 0, &[]).await?;
    let transport = producer.transport()?;
    let c = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{transport}");
    // Health and /event.
    let r = c.get(format!("{base}/health")).checked().await?;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text(), r#"{"ok":true}"#);
    assert_eq!(
        c.post(format!("{base}/event"))
            .body("{}")
            .checked()
            .await?
            .status(),
        200
    );
    // A bad Subscriber document: 400 with `message`.
    let r = c
        .post(format!("{base}/subscription"))
        .body("[]")
        .checked()
        .await?;
    assert_eq!(r.status(), 400);
    let v: Value = r.json()?;
    assert_eq!(v["message"], v["detail"]);

    let client = Consumer::start(Reply {
        status: 200,
        ..Reply::default()
    })
    .await?;
    assert_eq!(register(transport, &client, "NEW").await?, 200);
    let v = ptp_tests::store::stored(&dirs.store())?;
    assert_eq!(
        v["transportClients"][0]["clientId"],
        "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f"
    );
    assert_eq!(
        v["transportClients"][0]["subscriptions"][0]["resource"],
        Proxy::address(LOCK)
    );

    let mut conn = producer
        .send(&["ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"])
        .await?;
    write_lines(&mut conn, &[&flap(1)]).await?;
    let got = client.wait_count(1, Duration::from_secs(10)).await?;
    // The binary-mode body: the data object with the v2 value keys.
    assert_eq!(got[0]["version"], "1.0");
    assert_eq!(
        got[0]["values"][0]["ResourceAddress"],
        format!("/cluster/node/{NODE}/ens2fx/master")
    );
    assert_eq!(got[0]["values"][0]["value"], "LOCKED");

    // Every delivery now fails: after 10 the client is removed and persisted.
    client.set_reply(Reply {
        status: 503,
        delay: Duration::ZERO,
    });
    for i in 2..14 {
        write_lines(&mut conn, &[&flap(i)]).await?;
    }
    let store = dirs.store();
    wait_for(
        "removal of the dead client",
        Duration::from_secs(60),
        || async {
            let v = ptp_tests::store::stored(&store).ok()?;
            (v["transportClients"] == serde_json::json!([])).then_some(())
        },
    )
    .await?;
    let failed_ack =
        format!("cne_events_ack{{status=\"failed\",type=\"/cluster/node/{NODE}{LOCK}\"}}");
    producer
        .scrape_until(&["cne_subscribers_removed_total 1", &failed_ack])
        .await?;

    // DELETE of an unknown client is fine; NEW then DELETE empties the store.
    assert_eq!(register(transport, &client, "NEW").await?, 200);
    assert_eq!(register(transport, &client, "DELETE").await?, 200);
    let v = ptp_tests::store::stored(&store)?;
    assert_eq!(v["transportClients"], serde_json::json!([]));
    Ok(())
}
