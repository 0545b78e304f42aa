//! End to end: subscribe over REST v2, write daemon lines into the real
//! UNIX socket, and check what a real HTTP consumer receives.

use std::time::Duration;

use ptp_tests::consumer::summary;
use ptp_tests::{Consumer, Dirs, Proxy, Reply, NODE};

const LOCK: &str = "/sync/ptp-status/lock-state";
const OS: &str = "/sync/sync-status/os-clock-sync-state";
const SYNC: &str = "/sync/sync-status/sync-state";
const CLASS: &str = "/sync/ptp-status/clock-class";

const STARTUP: &[&str] = &[
    "CMD LIVE_START",
    "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
    "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
    "phc2sys[5383.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547",
];

#[tokio::test]
async fn initial_notification_then_pushes_in_order() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 2)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    for suffix in [LOCK, OS, SYNC, CLASS] {
        let (status, body) = proxy.subscribe(suffix, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["ResourceAddress"], Proxy::address(suffix));
        assert_eq!(body["EndpointUri"], consumer.endpoint());
        let id = body["SubscriptionId"].as_str().unwrap_or("");
        assert_eq!(
            body["UriLocation"],
            format!(
                "http://127.0.0.1:{}/api/ocloudNotifications/v2/subscriptions/{id}",
                proxy.api_port
            )
        );
    }
    // Four initial notifications, before any data: FREERUN / class 248 placeholders.
    let initial = consumer.wait_count(4, Duration::from_secs(5)).await?;
    let got: Vec<_> = initial.iter().map(summary).collect();
    assert_eq!(
        got,
        vec![
            (LOCK.to_string(), "FREERUN".to_string()),
            (OS.to_string(), "FREERUN".to_string()),
            (SYNC.to_string(), "FREERUN".to_string()),
            (CLASS.to_string(), "248".to_string()),
        ]
    );
    assert_eq!(
        initial[0]["data"]["values"][0]["ResourceAddress"],
        Proxy::address(LOCK)
    );

    let _conn = proxy.send(STARTUP).await?;
    let all = consumer.wait_count(4 + 3, Duration::from_secs(5)).await?;
    let pushed: Vec<_> = all[4..].iter().map(summary).collect();
    assert_eq!(
        pushed,
        vec![
            (LOCK.to_string(), "LOCKED".to_string()),
            (SYNC.to_string(), "LOCKED".to_string()),
            (OS.to_string(), "LOCKED".to_string()),
        ]
    );
    // The exact sequence of §6.1: E1 LOCKED (12), SYNC LOCKED, then E3
    // LOCKED (-7) with no SYNC change.
    let lock = &all[4];
    assert_eq!(lock["specversion"], "1.0");
    assert_eq!(lock["type"], "event.sync.ptp-status.ptp-state-change");
    assert_eq!(
        lock["data"]["values"],
        serde_json::json!([
            {"ResourceAddress": format!("/cluster/node/{NODE}/ens2fx/master"), "data_type": "notification", "value_type": "enumeration", "value": "LOCKED"},
            {"ResourceAddress": format!("/cluster/node/{NODE}/ens2fx/master"), "data_type": "metric", "value_type": "decimal64.3", "value": "12"}
        ])
    );
    assert_eq!(all[6]["data"]["values"][1]["value"], "-7");
    // Nothing else arrives: E3 LOCKED does not change the sync-state.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(consumer.received().len(), 7);
    Ok(())
}
