//! v1 restarts: a producer that lost its store gets the sidecar's
//! registration again (periodic re-send, `--v1-resync-interval=1`), and a
//! restarted sidecar keeps its subscriptions.

use std::time::Duration;

use ptp_tests::v1::{events, start_producer, start_sidecar, subscribe, Chain, LOCK, OS, STARTUP};
use ptp_tests::{wait_for, Consumer, Dirs, Reply};
use serde_json::Value;

#[tokio::test]
async fn producer_restart_without_store_gets_the_registration_again() -> anyhow::Result<()> {
    let Chain {
        producer_dirs: _old_dirs,
        sidecar_dirs: _sidecar_dirs,
        producer_transport,
        producer,
        sidecar,
        ..
    } = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, text) = subscribe(&sidecar, LOCK, &consumer.endpoint()).await?;
    assert_eq!(status, 201, "{text}");
    let id = serde_json::from_str::<Value>(&text)?["id"].clone();
    wait_for("registration", Duration::from_secs(10), || async {
        let t = producer.scrape().await.ok()?;
        t.contains(&format!(
            "cne_transport_sender{{address=\"/cluster/node/{}{LOCK}\",status=\"active\"}} 1",
            ptp_tests::NODE
        ))
        .then_some(())
    })
    .await?;
    let status = producer.stop().await?;
    assert!(status.success());

    // A new producer on the same transport port, with an empty store.
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 2)?;
    let producer = start_producer(&dirs, producer_transport, &[]).await?;
    wait_for("re-registration", Duration::from_secs(20), || async {
        let t = producer.scrape().await.ok()?;
        t.contains(&format!(
            "cne_transport_sender{{address=\"/cluster/node/{}{LOCK}\",status=\"active\"}} 1",
            ptp_tests::NODE
        ))
        .then_some(())
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}\nsidecar log:\n{}", sidecar.log()))?;
    let _conn = producer.send(STARTUP).await?;
    let got = wait_for(
        "an event after the restart",
        Duration::from_secs(10),
        || async {
            let e = events(&consumer.received());
            (!e.is_empty()).then_some(e)
        },
    )
    .await?;
    assert_eq!(got[0]["id"], id);
    assert_eq!(got[0]["data"]["values"][0]["value"], "LOCKED");
    Ok(())
}

#[tokio::test]
async fn sidecar_restart_keeps_its_subscriptions() -> anyhow::Result<()> {
    let Chain {
        producer_dirs: _producer_dirs,
        sidecar_dirs,
        producer_transport,
        sidecar_transport,
        producer,
        sidecar,
    } = Chain::start(&[], &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let mut ids = Vec::new();
    for suffix in [LOCK, OS] {
        let (status, text) = subscribe(&sidecar, suffix, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{text}");
        ids.push(serde_json::from_str::<Value>(&text)?["id"].clone());
    }
    let before: Value = sidecar.get_json("/subscriptions").await?;
    assert!(sidecar.stop().await?.success());

    let sidecar = start_sidecar(&sidecar_dirs, producer_transport, sidecar_transport, &[]).await?;
    let after: Value = sidecar.get_json("/subscriptions").await?;
    assert_eq!(before, after);
    assert_eq!(after.as_array().map(Vec::len), Some(2));
    wait_registered_two(&producer).await?;
    let _conn = producer.send(STARTUP).await?;
    let got = wait_for("two events", Duration::from_secs(10), || async {
        let e = events(&consumer.received());
        (e.len() >= 2).then_some(e)
    })
    .await?;
    assert_eq!(got[0]["id"], ids[0]);
    assert_eq!(got[1]["id"], ids[1]);
    Ok(())
}

async fn wait_registered_two(producer: &ptp_tests::Proxy) -> anyhow::Result<()> {
    // Lock-state and os-clock-sync-state registered, clock class not.
    wait_for("registration", Duration::from_secs(10), || async {
        let t = producer.scrape().await.ok()?;
        [LOCK, OS]
            .iter()
            .all(|s| {
                t.contains(&format!(
                    "cne_transport_sender{{address=\"/cluster/node/{}{s}\",status=\"active\"}} 1",
                    ptp_tests::NODE
                ))
            })
            .then_some(())
    })
    .await?;
    Ok(())
}
