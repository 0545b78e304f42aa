//! Restarts, the reference store import, CMD RESTART, the holdover timer
//! through the real binary, and the metrics scrape.

use std::time::{Duration, Instant};

use ptp_tests::consumer::summary;
use ptp_tests::{Consumer, Dirs, Proxy, Reply, NODE};

const LOCK: &str = "/sync/ptp-status/lock-state";
const SYNC: &str = "/sync/sync-status/sync-state";

const LOCKED: &[&str] = &[
    "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[1.1]: [ptp4l.0.config] master offset          3 s2 freq   -1061 path delay      2318",
];

#[tokio::test]
async fn gm_loss_goes_holdover_then_freerun_after_the_timeout() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 1)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    consumer.wait_count(1, Duration::from_secs(5)).await?;
    let mut conn = proxy.send(LOCKED).await?;
    consumer.wait_count(2, Duration::from_secs(5)).await?;
    let lost = Instant::now();
    ptp_tests::write_lines(
        &mut conn,
        &["ptp4l[2.0]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"],
    )
    .await?;
    let got = consumer.wait_count(4, Duration::from_secs(5)).await?;
    let at = consumer.received_at();
    assert_eq!(summary(&got[2]), (LOCK.to_string(), "HOLDOVER".to_string()));
    assert_eq!(got[2]["data"]["values"][1]["value"], "3");
    assert_eq!(summary(&got[3]), (LOCK.to_string(), "FREERUN".to_string()));
    let after = at[3].0.duration_since(lost);
    assert!(
        after >= Duration::from_millis(950) && after < Duration::from_millis(1500),
        "FREERUN after {after:?}"
    );
    Ok(())
}

#[tokio::test]
async fn restart_keeps_subscriptions_and_sync_state() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let (s, created) = proxy.subscribe(SYNC, &consumer.endpoint()).await?;
    assert_eq!(s, 201);
    let _c = proxy.send(LOCKED).await?;
    consumer.wait_count(2, Duration::from_secs(5)).await?;
    let status = proxy.stop().await?;
    assert!(status.success(), "exit status {status:?}");
    assert!(dirs.store().join("proxy-store.json").exists());

    let proxy = Proxy::start(&dirs, &[]).await?;
    let list: serde_json::Value = proxy.get_json("/subscriptions").await?;
    assert_eq!(list[0]["SubscriptionId"], created["SubscriptionId"]);
    // LOCKED again: the persisted sync-state suppresses a repeat; a change is delivered.
    let mut c = proxy.send(LOCKED).await?;
    ptp_tests::write_lines(
        &mut c,
        &["ptp4l[3.0]: [ptp4l.0.config] master offset       5000 s2 freq   -1061 path delay      2318"],
    )
    .await?;
    let got = consumer.wait_count(3, Duration::from_secs(5)).await?;
    assert_eq!(summary(&got[2]), (SYNC.to_string(), "FREERUN".to_string()));
    Ok(())
}

#[tokio::test]
async fn reference_store_files_are_imported_once() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let id = "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a";
    let file = serde_json::json!({
        "clientID": "e4a181ee-edf2-3ea6-a65a-d94b404e121a",
        "subStore": {"store": {id: {
            "ResourceAddress": format!("/cluster/node/{NODE}{LOCK}"),
            "EndpointUri": consumer.endpoint(),
            "SubscriptionId": id,
            "UriLocation": format!("http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions/{id}")
        }}},
        "EndpointUri": consumer.endpoint(),
        "status": 1,
        "action": 0
    });
    let name = "e4a181ee-edf2-3ea6-a65a-d94b404e121a.json";
    std::fs::write(dirs.store().join(name), serde_json::to_vec(&file)?)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let list: serde_json::Value = proxy.get_json("/subscriptions").await?;
    assert_eq!(list[0]["SubscriptionId"], id);
    assert!(dirs.store().join(format!("{name}.imported")).exists());
    let _c = proxy.send(LOCKED).await?;
    let got = consumer.wait_count(1, Duration::from_secs(5)).await?;
    assert_eq!(summary(&got[0]), (LOCK.to_string(), "LOCKED".to_string()));
    Ok(())
}

#[tokio::test]
async fn cmd_restart_reloads_configs_and_keeps_subscriptions() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    let mut old = proxy.send(LOCKED).await?;
    consumer.wait_count(2, Duration::from_secs(5)).await?;
    // New configuration: the interface is now ens7f0.
    dirs.write_oc(&["ens7f0"], 5)?;
    let _r = proxy.send(&["CMD RESTART"]).await?;
    // The reset closes every accepted connection; the daemon then reconnects.
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut old, &mut buf),
    )
    .await;
    assert!(
        matches!(closed, Ok(Ok(0))),
        "old connection not closed: {closed:?}"
    );
    let lines = [
        "ptp4l[9.0]: [ptp4l.0.config] port 1 (ens7f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        "ptp4l[9.1]: [ptp4l.0.config] master offset          4 s2 freq   -1061 path delay      2318",
    ];
    let _c2 = proxy.send(&lines).await?;
    let got = consumer.wait_count(3, Duration::from_secs(5)).await?;
    assert_eq!(summary(&got[2]), (LOCK.to_string(), "LOCKED".to_string()));
    assert_eq!(
        got[2]["data"]["values"][0]["ResourceAddress"],
        format!("/cluster/node/{NODE}/ens7fx/master")
    );
    Ok(())
}

#[tokio::test]
async fn metrics_scrape_has_every_family() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    let mut lines: Vec<&str> = LOCKED.to_vec();
    lines.extend([
        "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
        "ptp4l[1700000000]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6",
        "phc2sys[2.0]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547",
        "this line is rejected",
    ]);
    let _c = proxy.send(&lines).await?;
    consumer.wait_count(2, Duration::from_secs(5)).await?;
    let text = ptp_tests::wait_for(
        "scrape with lines counted",
        Duration::from_secs(5),
        || async {
            let t = proxy.scrape().await.ok()?;
            t.contains("cne_socket_lines_total{kind=\"other\",result=\"rejected\"} 1")
                .then_some(t)
        },
    )
    .await?;
    for family in [
        "openshift_ptp_offset_ns",
        "openshift_ptp_max_offset_ns",
        "openshift_ptp_frequency_adjustment_ns",
        "openshift_ptp_delay_ns",
        "openshift_ptp_clock_state",
        "openshift_ptp_threshold",
        "openshift_ptp_interface_role",
        "openshift_ptp_clock_class",
        "openshift_ptp_process_status",
        "openshift_ptp_process_restart_count",
        "cne_api_events_published",
        "cne_api_subscriptions",
        "cne_api_publishers",
        "cne_events_received",
        "cne_delivery_latency_seconds",
        "cne_subscriber_queue_depth",
        "cne_events_dropped_total",
        "cne_subscribers_removed_total",
        "cne_delivery_attempts_total",
        "cne_socket_lines_total",
        "cne_socket_connections",
    ] {
        assert!(
            text.contains(&format!("# TYPE {family} ")),
            "missing {family}\n{text}"
        );
    }
    assert!(text.contains(&format!(
        "openshift_ptp_clock_state{{iface=\"ens2fx\",node=\"{NODE}\",process=\"ptp4l\"}} 1"
    )));
    assert!(text.contains(&format!("openshift_ptp_threshold{{node=\"{NODE}\",profile=\"oc-profile\",threshold=\"HoldOverTimeout\"}} 5")));
    if let Ok(path) = std::env::var("METRICS_SCRAPE_OUT") {
        std::fs::write(path, &text)?;
    }
    Ok(())
}
