//! TLS through the real binary (security.md §2, §4): real handshakes on
//! loopback with the certificates of `ptp-sim certs`. mTLS refuses a
//! client without a certificate or with one of another CA; the right one
//! subscribes and reads `/health`; `/metrics` stays plain; a replaced
//! certificate is used by the next handshake while an open connection
//! goes on; events reach an https consumer signed by `--consumer-ca`, and
//! deliveries to an untrusted one are retried and counted as failed.

use std::time::Duration;

use ptp_tests::security::{
    certificates, https_client, https_url, server_config, write_auth_config, Pki, TlsConn,
};
use ptp_tests::v1::{start_producer, LOCK as V1_LOCK};
use ptp_tests::{send, wait_for, write_lines, CheckedRequest, Consumer, Dirs, Proxy, Reply, NODE};
use serde_json::{json, Value};

const LOCK: &str = "/sync/ptp-status/lock-state";
const SLAVE: &str =
    "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED";

fn flap(i: usize) -> String {
    // Alternate in range / out of range: every line is a state change.
    let offset = if i % 2 == 0 { 5000 } else { 3 };
    format!(
        "ptp4l[{i}.0]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318"
    )
}

fn subscription(suffix: &str, endpoint: &str) -> Value {
    json!({"ResourceAddress": Proxy::address(suffix), "EndpointUri": endpoint})
}

#[tokio::test]
async fn mtls_refuses_missing_and_foreign_certificates_and_serves_the_right_one(
) -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let pki = Pki::make(&dirs.root.path().join("pki"))?;
    let other = Pki::make(&dirs.root.path().join("other"))?;
    let auth = write_auth_config(dirs.root.path(), "auth.json", &pki.server_members(true))?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    let health = https_url(&proxy, "/health");

    // No client certificate: the handshake fails, no HTTP answer.
    let e = pki
        .client(false)?
        .get(&health)
        .send()
        .await
        .expect_err("served without a client certificate");
    assert!(!e.is_status(), "{e:?}");
    // A client certificate of another CA: refused too.
    let foreign = https_client(&pki.ca, Some((&other.client_cert, &other.client_key)))?;
    foreign
        .get(&health)
        .send()
        .await
        .expect_err("served a certificate of another CA");
    // Plain HTTP on the TLS port gets no HTTP answer either.
    assert!(reqwest::Client::new()
        .get(proxy.url("/health"))
        .send()
        .await
        .is_err());

    // The right certificate: /health and a subscription.
    let client = pki.client(true)?;
    let r = client.get(&health).checked().await?;
    assert_eq!((r.status, r.text().as_str()), (200, "OK"));
    let consumer = Consumer::start(Reply::default()).await?;
    let r = send(
        client
            .post(https_url(&proxy, "/subscriptions"))
            .json(&subscription(LOCK, &consumer.endpoint())),
    )
    .await?;
    assert_eq!(r.status, 201, "{}", r.text());
    let info = r.json()?;
    let location = info["UriLocation"].as_str().unwrap_or_default();
    assert!(location.starts_with("https://"), "{info}");
    let r = client
        .get(https_url(&proxy, "/subscriptions"))
        .checked()
        .await?;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(&consumer.endpoint()));

    // /metrics stays plain HTTP.
    let metrics = proxy.scrape().await?;
    assert!(metrics.contains("cne_api_subscriptions{status=\"active\"} 1"));

    // The refused handshakes are logged (debug), not answered.
    let log = proxy.log();
    assert!(log.contains("TLS handshake failed"), "{log}");
    Ok(())
}

/// Replaces `to` by `from` atomically (a rename, as a secret volume does).
fn replace(from: &std::path::Path, to: &std::path::Path) -> anyhow::Result<()> {
    let tmp = to.with_extension("new");
    std::fs::copy(from, &tmp)?;
    std::fs::rename(&tmp, to)?;
    Ok(())
}

#[tokio::test]
async fn a_replaced_certificate_is_used_by_the_next_handshake_and_open_connections_stay(
) -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let pki = Pki::make(&dirs.root.path().join("pki"))?;
    let next = Pki::make(&dirs.root.path().join("next"))?;
    // HTTPS without client certificates: serverCertPath/serverKeyPath only.
    let auth = write_auth_config(dirs.root.path(), "auth.json", &pki.server_members(false))?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    let port = proxy.api_port;
    let health = format!("{}/health", proxy.base);
    let old_cert = certificates(&pki.server_cert)?[0].as_ref().to_vec();
    let new_cert = certificates(&next.server_cert)?[0].as_ref().to_vec();

    let mut open = TlsConn::connect(port, &[&pki.ca, &next.ca], None).await?;
    assert_eq!(open.peer_certificate(), Some(old_cert.clone()));
    let (status, body) = open.get(&health).await?;
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, "OK");
    let r = pki
        .client(false)?
        .get(https_url(&proxy, "/health"))
        .checked()
        .await?;
    assert_eq!(r.status, 200);

    // The service CA rotates: new key and certificate, another CA.
    replace(&next.server_key, &pki.server_key)?;
    replace(&next.server_cert, &pki.server_cert)?;
    wait_for(
        "a handshake with the new certificate",
        Duration::from_secs(10),
        || async {
            let c = TlsConn::connect(port, &[&pki.ca, &next.ca], None)
                .await
                .ok()?;
            (c.peer_certificate()? == new_cert).then_some(())
        },
    )
    .await?;
    let r = https_client(&next.ca, None)?
        .get(https_url(&proxy, "/health"))
        .checked()
        .await?;
    assert_eq!(r.status, 200);
    assert!(
        pki.client(false)?
            .get(https_url(&proxy, "/health"))
            .send()
            .await
            .is_err(),
        "the old CA still verifies the server"
    );
    // The connection opened before the rotation is still served.
    let (status, body) = open.get(&health).await?;
    assert!(status.contains(" 200 "), "{status}");
    assert_eq!(body, "OK");
    assert_eq!(open.peer_certificate(), Some(old_cert));
    assert!(proxy.log().contains("TLS certificate and key re-read"));
    Ok(())
}

#[tokio::test]
async fn events_reach_an_https_consumer_signed_by_the_consumer_ca() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumers = Pki::make(&dirs.root.path().join("consumers"))?;
    let stranger = Pki::make(&dirs.root.path().join("stranger"))?;
    let trusted = Consumer::start_tls(
        Reply::default(),
        server_config(&consumers.server_cert, &consumers.server_key)?,
    )
    .await?;
    let untrusted = Consumer::start_tls(
        Reply::default(),
        server_config(&stranger.server_cert, &stranger.server_key)?,
    )
    .await?;
    let ca = format!("--consumer-ca={}", consumers.ca.display());
    let proxy = Proxy::start(&dirs, &[&ca]).await?;

    let (status, body) = proxy.subscribe(LOCK, &trusted.endpoint()).await?;
    assert_eq!(status, 201, "{body}");
    trusted.wait_count(1, Duration::from_secs(5)).await?;
    // The initial notification to an untrusted consumer fails: no
    // subscription (rest-api.md §3.3 step 6).
    let (status, body) = proxy.subscribe(LOCK, &untrusted.endpoint()).await?;
    assert_eq!(status, 400, "{body}");
    assert!(untrusted.received().is_empty());

    let mut conn = proxy.send(&[SLAVE]).await?;
    write_lines(&mut conn, &[&flap(1)]).await?;
    let got = trusted.wait_count(2, Duration::from_secs(10)).await?;
    assert_eq!(
        got[1]["data"]["values"][0]["value"], "LOCKED",
        "{:?}",
        got[1]
    );
    Ok(())
}

async fn register(transport: u16, client_id: &str, endpoint: &str) -> anyhow::Result<u16> {
    let body = json!({
        "clientID": client_id,
        "subStore": {"store": {"s1": {"id": "s1", "endpointUri": "http://localhost:8989/event",
            "uriLocation": "http://localhost:8089/api/ocloudNotifications/v1/subscriptions/s1",
            "resource": Proxy::address(V1_LOCK)}}},
        "EndpointUri": endpoint,
        "status": 1,
    });
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{transport}/subscription"))
        .header("ce-specversion", "0.3")
        .header("ce-id", "7b0c2f8e-1d4e-4a55-9a1d-3f1f0e2a9c11")
        .header("ce-type", "SUBSCRIBER")
        .header("ce-source", Proxy::address(V1_LOCK))
        .header("ce-subject", "NEW")
        .json(&body)
        .checked()
        .await?;
    Ok(r.status)
}

#[tokio::test]
async fn deliveries_to_an_untrusted_certificate_are_retried_and_counted_failed(
) -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumers = Pki::make(&dirs.root.path().join("consumers"))?;
    let stranger = Pki::make(&dirs.root.path().join("stranger"))?;
    let trusted = Consumer::start_tls(
        Reply {
            status: 200,
            ..Reply::default()
        },
        server_config(&consumers.server_cert, &consumers.server_key)?,
    )
    .await?;
    let untrusted = Consumer::start_tls(
        Reply {
            status: 200,
            ..Reply::default()
        },
        server_config(&stranger.server_cert, &stranger.server_key)?,
    )
    .await?;
    let ca = format!("--consumer-ca={}", consumers.ca.display());
    let producer = start_producer(&dirs, 0, &[&ca]).await?;
    let transport = producer.transport()?;
    // Consumer sidecars register without any request to them.
    let trusted_id = "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f";
    let untrusted_id = "c2a7e3b5-4d6f-3a9b-8f8e-3b2c5d7e9f1a";
    assert_eq!(register(transport, trusted_id, &trusted.base()).await?, 200);
    assert_eq!(
        register(transport, untrusted_id, &untrusted.base()).await?,
        200
    );

    let mut conn = producer.send(&[SLAVE]).await?;
    write_lines(&mut conn, &[&flap(1)]).await?;
    let got = trusted.wait_count(1, Duration::from_secs(10)).await?;
    assert_eq!(got[0]["values"][0]["value"], "LOCKED", "{:?}", got[0]);
    // The untrusted one: 4 attempts (250 ms, 500 ms, 1 s apart), each a
    // failed handshake, then a final failure.
    let failed =
        format!("cne_events_ack{{status=\"failed\",type=\"/cluster/node/{NODE}{V1_LOCK}\"}} 1");
    let ok =
        format!("cne_events_ack{{status=\"success\",type=\"/cluster/node/{NODE}{V1_LOCK}\"}} 1");
    producer
        .scrape_until(&[
            "cne_delivery_attempts_total{result=\"retryable\"} 4",
            "cne_events_dropped_total{reason=\"delivery_failed\"} 1",
            &failed,
            &ok,
        ])
        .await?;
    assert!(untrusted.received().is_empty());
    Ok(())
}
