//! O-RAN v4 resource addresses through the real binary
//! (next-generation.md §2): which subscription addresses receive which
//! events (a table, overlaps included), one delivery per event for
//! overlapping subscriptions, the initial notification of an inclusive
//! subscription, and CurrentState of a parent as an array.

use std::time::Duration;

use ptp_tests::consumer::summary;
use ptp_tests::{send, wait_for, write_lines, Consumer, Dirs, Proxy, Reply, NODE};
use serde_json::{json, Value};

const SYNC: &str = "/sync/sync-status/sync-state";
const LOCK: &str = "/sync/ptp-status/lock-state";
const OS: &str = "/sync/sync-status/os-clock-sync-state";
const CLASS: &str = "/sync/ptp-status/clock-class";
const GNSS: &str = "/sync/gnss-status/gnss-sync-status";
const SYNCE: &str = "/sync/synce-status/lock-state";
const QL: &str = "/sync/synce-status/clock-quality";
const ALL: [&str; 7] = [SYNC, LOCK, OS, CLASS, GNSS, SYNCE, QL];

/// One JSON message per resource; each publishes one event (the node
/// sync-state is computed from the first, the `sync_state` repeats it).
fn one_event_per_resource() -> Vec<String> {
    let m = |t: &str, iface: &str, values: &str| {
        format!(
            r#"{{"version":1,"type":"{t}","profile":"ptp4l.0.config","iface":"{iface}","values":{values}}}"#
        )
    };
    vec![
        m("ptp_state", "ens2fx", r#"{"state":"LOCKED","offset":5}"#),
        m("os_clock_state", "", r#"{"state":"LOCKED","offset":-1}"#),
        m("clock_class", "ens2fx", r#"{"clock_class":6}"#),
        m(
            "gnss_state",
            "ens7fx",
            r#"{"state":"SYNCHRONIZED","offset":2}"#,
        ),
        m("synce_state", "synce1/ens7f0", r#"{"state":"LOCKED"}"#),
        m(
            "synce_clock_quality",
            "synce1/ens7f0",
            r#"{"ql":2,"extended_ql":32}"#,
        ),
        m("sync_state", "", r#"{"state":"LOCKED"}"#),
    ]
}

/// `POST /subscriptions` of `address` as written; the status and body.
async fn subscribe(proxy: &Proxy, address: &str, endpoint: &str) -> anyhow::Result<(u16, Value)> {
    let body = json!({"ResourceAddress": address, "EndpointUri": endpoint});
    let r = send(
        reqwest::Client::new()
            .post(proxy.url("/subscriptions"))
            .json(&body),
    )
    .await?;
    Ok((r.status, r.json().unwrap_or(Value::Null)))
}

/// A GET written byte for byte (no URL library cleans the path); the
/// response head.
async fn raw_get(port: u16, path: &str) -> anyhow::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await??;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Pushes delivered so far (v2), from the latency histogram: counted after
/// the consumer's 2xx, so every counted push has arrived.
async fn pushes_delivered(proxy: &Proxy) -> anyhow::Result<u64> {
    let text = proxy.scrape().await?;
    Ok(text
        .lines()
        .filter(|l| {
            l.starts_with("cne_delivery_latency_seconds_count{") && l.contains(r#"api="v2""#)
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum())
}

#[tokio::test]
async fn which_addresses_receive_which_events() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let full = |suffix: &str| Proxy::address(suffix);
    // (subscription addresses of one consumer, the resources it receives)
    let rows: Vec<(Vec<String>, Vec<&str>)> = vec![
        (vec!["/cluster/node/./sync".into()], ALL.to_vec()),
        (vec![format!("/cluster/node/{NODE}/sync")], ALL.to_vec()),
        (
            vec!["/./node/./sync/ptp-status/lock-state".into()],
            vec![LOCK],
        ),
        (
            vec![format!("/cluster/node/{NODE}/sync/sync-status")],
            vec![SYNC, OS],
        ),
        (
            vec!["/cluster/node/*/sync/ptp-status".into()],
            vec![LOCK, CLASS],
        ),
        (
            vec!["/cluster/node/compute-*/sync/gnss-status".into()],
            vec![GNSS],
        ),
        (
            vec!["/cluster/node/./sync/synce-status".into()],
            vec![SYNCE, QL],
        ),
        (
            vec!["/cluster/node/./sync/sync-status/os-clock-sync-state".into()],
            vec![OS],
        ),
        (vec![full(LOCK)], vec![LOCK]),
        // Other nodes (accepted, never delivered here).
        (vec!["/cluster/node/worker-*/sync".into()], vec![]),
        (
            vec!["/cluster/node/compute-2.example.com/sync/ptp-status".into()],
            vec![],
        ),
        // The reference's rule: the short node name is accepted and
        // never pushed to.
        (
            vec!["/cluster/node/compute-1/sync/ptp-status/lock-state".into()],
            vec![],
        ),
        // Overlaps: each event once.
        (
            vec![
                "/cluster/node/./sync".into(),
                "/cluster/node/./sync/ptp-status/lock-state".into(),
                full(CLASS),
            ],
            ALL.to_vec(),
        ),
        (
            vec![
                full(LOCK),
                "/cluster/node/*/sync/ptp-status".into(),
                "/./node/./sync/ptp-status/clock-class".into(),
            ],
            vec![LOCK, CLASS],
        ),
    ];
    let mut consumers = Vec::new();
    for (addresses, _) in &rows {
        let c = Consumer::start(Reply::default()).await?;
        for a in addresses {
            let (status, body) = subscribe(&proxy, a, &c.endpoint()).await?;
            assert_eq!(status, 201, "{a}: {body}");
            // Stored and returned as written.
            assert_eq!(body["ResourceAddress"], a.as_str());
        }
        // The initial notifications arrived before the 201s.
        let initial = c.received().len();
        consumers.push((c, initial));
    }
    let listed = proxy.get_json("/subscriptions").await?;
    let written: Vec<&str> = listed
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["ResourceAddress"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(written.contains(&"/cluster/node/./sync"), "{listed}");
    assert!(written.contains(&"/cluster/node/worker-*/sync"), "{listed}");

    let messages = one_event_per_resource();
    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
    let _json = proxy.send(&refs).await?;
    let expected: usize = rows.iter().map(|(_, r)| r.len()).sum();
    wait_for("every push delivered", Duration::from_secs(10), || async {
        let n = pushes_delivered(&proxy).await.ok()?;
        (n >= expected as u64).then_some(())
    })
    .await?;
    for ((addresses, want), (c, initial)) in rows.iter().zip(&consumers) {
        let pushed: Vec<String> = c.received()[*initial..]
            .iter()
            .map(|e| summary(e).0)
            .collect();
        let mut got = pushed.clone();
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{addresses:?} received {pushed:?}");
    }
    assert_eq!(pushes_delivered(&proxy).await?, expected as u64);
    Ok(())
}

#[tokio::test]
async fn overlapping_subscriptions_receive_each_lock_state_event_once() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 1)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    for a in [
        "/cluster/node/./sync".to_string(),
        "/cluster/node/./sync/ptp-status/lock-state".to_string(),
    ] {
        let (status, body) = subscribe(&proxy, &a, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{body}");
    }
    // The inclusive subscription's placeholder (sync-state, no data yet),
    // then the lock-state one's.
    let initial = consumer.received();
    let sources: Vec<String> = initial.iter().map(|e| summary(e).0).collect();
    assert_eq!(sources, [SYNC, LOCK]);
    // Log lines this time: LOCKED, HOLDOVER (GM lost), FREERUN after 1 s.
    let _conn = proxy
        .send(&[
            "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
            "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
            "ptp4l[5384.019]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ])
        .await?;
    let lock_states = |c: &Consumer| -> Vec<String> {
        c.received()[2..]
            .iter()
            .filter(|e| summary(e).0 == LOCK)
            .map(|e| summary(e).1)
            .collect()
    };
    wait_for("FREERUN", Duration::from_secs(10), || async {
        lock_states(&consumer)
            .contains(&"FREERUN".to_string())
            .then_some(())
    })
    .await?;
    // Every push has been delivered (the count follows the 2xx).
    let pushed = consumer.received().len() - 2;
    wait_for("pushes counted", Duration::from_secs(5), || async {
        let n = pushes_delivered(&proxy).await.ok()?;
        (n >= pushed as u64).then_some(())
    })
    .await?;
    assert_eq!(lock_states(&consumer), ["LOCKED", "HOLDOVER", "FREERUN"]);
    assert_eq!(pushes_delivered(&proxy).await?, pushed as u64);
    Ok(())
}

#[tokio::test]
async fn current_state_of_a_parent_is_an_array_and_the_initial_notification_one_post_each(
) -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let current = |address: &str| format!("{address}/CurrentState");
    let parent = format!("/cluster/node/{NODE}/sync");
    // Nothing has data yet.
    let r = proxy.get(&current(&parent)).await?;
    assert_eq!(r.status, 404, "{}", r.text());

    let messages = one_event_per_resource();
    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
    let mut json = proxy.send(&refs[..2]).await?;
    let path = current(&parent);
    let all = wait_for(
        "two resources with data",
        Duration::from_secs(5),
        || async {
            let v = proxy.get_json(&path).await.ok()?;
            (v.as_array()?.len() == 3).then_some(v)
        },
    )
    .await?;
    let sources: Vec<String> = all
        .as_array()
        .map(|a| a.iter().map(|e| summary(e).0).collect())
        .unwrap_or_default();
    // Publisher order; the node sync-state computed from the JSON states.
    assert_eq!(sources, [SYNC, LOCK, OS]);
    let ids: Vec<&Value> = all
        .as_array()
        .map(|a| a.iter().map(|e| &e["id"]).collect())
        .unwrap_or_default();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "fresh ids: {ids:?}");

    let sync_status = proxy
        .get_json(&current("/cluster/node/*/sync/sync-status"))
        .await?;
    let got: Vec<(String, String)> = sync_status
        .as_array()
        .map(|a| a.iter().map(summary).collect())
        .unwrap_or_default();
    assert_eq!(
        got,
        [
            (SYNC.to_string(), "LOCKED".to_string()),
            (OS.to_string(), "LOCKED".to_string())
        ]
    );
    // A parent with only one resource with data is still an array.
    let ptp = proxy
        .get_json(&current(&format!("/cluster/node/{NODE}/sync/ptp-status")))
        .await?;
    assert_eq!(ptp.as_array().map(Vec::len), Some(1), "{ptp}");
    // A full address answers one event; a parent without data 404.
    let lock = proxy
        .get_json(&current(&format!("/cluster/node/{NODE}{LOCK}")))
        .await?;
    assert_eq!(summary(&lock), (LOCK.to_string(), "LOCKED".to_string()));
    for empty in [
        format!("/cluster/node/{NODE}/sync/gnss-status"),
        "/cluster/node/worker-*/sync".to_string(),
    ] {
        let r = proxy.get(&current(&empty)).await?;
        assert_eq!(r.status, 404, "{empty}: {}", r.text());
    }
    // `.` is a dot segment in a URL path: URL libraries remove it before
    // sending (reqwest does), and the proxy redirects a path that still has
    // one to the cleaned path (rest-api.md §2.1), where no address is left.
    let r = proxy.get("/cluster/node/./sync/CurrentState").await?;
    assert_eq!(r.status, 404, "{}", r.text());
    let raw = raw_get(
        proxy.api_port,
        "/api/ocloudNotifications/v2/cluster/node/./sync/CurrentState",
    )
    .await?;
    assert!(raw.starts_with("HTTP/1.1 301"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("location: /api/ocloudnotifications/v2/cluster/node/sync/currentstate"),
        "{raw}"
    );

    // The initial notification of an inclusive subscription: one POST per
    // resource with data, in publisher order, then the pushes.
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, body) = subscribe(&proxy, "/cluster/node/./sync", &consumer.endpoint()).await?;
    assert_eq!(status, 201, "{body}");
    let initial: Vec<(String, String)> = consumer.received().iter().map(summary).collect();
    assert_eq!(
        initial,
        [
            (SYNC.to_string(), "LOCKED".to_string()),
            (LOCK.to_string(), "LOCKED".to_string()),
            (OS.to_string(), "LOCKED".to_string()),
        ]
    );
    write_lines(&mut json, &refs[2..3]).await?;
    let got = consumer.wait_count(4, Duration::from_secs(5)).await?;
    assert_eq!(summary(&got[3]), (CLASS.to_string(), "6".to_string()));
    Ok(())
}
