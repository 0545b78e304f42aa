//! The daemon's JSON messages through the real binary (next-generation.md
//! §1): a JSON-speaking daemon and a log-line daemon on one socket at the
//! same time, the `status_request` line the proxy writes back, counting of
//! parsed and rejected messages, and `cache_clear`.

use std::time::Duration;

use ptp_tests::consumer::summary;
use ptp_tests::{wait_for, write_lines, Consumer, Dirs, Proxy, Reply, NODE};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::UnixStream;

const LOCK: &str = "/sync/ptp-status/lock-state";
const OS: &str = "/sync/sync-status/os-clock-sync-state";
const SYNC: &str = "/sync/sync-status/sync-state";
const GNSS: &str = "/sync/gnss-status/gnss-sync-status";

const STATUS_REQUEST: &str = r#"{"version":1,"type":"status_request"}"#;

/// A log-line daemon locking ens2f0 (alias ens2fx).
const LOG_LOCK: &[&str] = &[
    "CMD LIVE_START",
    "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
    "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
];

fn gnss(state: &str) -> String {
    format!(
        r#"{{"version":1,"type":"gnss_state","timestamp":"2026-07-24T11:47:39.123456Z","profile":"ts2phc.0.config","iface":"ens7fx","values":{{"state":"{state}","offset":1,"gps_fix":3}}}}"#
    )
}

/// Reads the first line the proxy writes on a connection.
async fn first_line(conn: &mut UnixStream) -> anyhow::Result<String> {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(5), reader.read_line(&mut line)).await??;
    Ok(line)
}

/// Waits until the consumer has an event from `source` with `value`.
async fn wait_event(c: &Consumer, source: &str, value: &str) -> anyhow::Result<serde_json::Value> {
    wait_for(
        &format!("{source} {value}"),
        Duration::from_secs(5),
        || async {
            c.received()
                .into_iter()
                .find(|e| summary(e) == (source.to_string(), value.to_string()))
        },
    )
    .await
}

#[tokio::test]
async fn a_json_daemon_and_a_log_line_daemon_on_one_socket_at_the_same_time() -> anyhow::Result<()>
{
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 2)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    for suffix in [LOCK, GNSS] {
        let (status, body) = proxy.subscribe(suffix, &consumer.endpoint()).await?;
        assert_eq!(status, 201, "{body}");
    }
    // Both connections open before either sends anything.
    let mut json = proxy.connect().await?;
    let mut lines = proxy.connect().await?;
    write_lines(&mut json, &[&gnss("ACQUIRING_SYNC")]).await?;
    write_lines(&mut lines, LOG_LOCK).await?;
    // The proxy asks the JSON daemon (only it) for its states.
    assert_eq!(first_line(&mut json).await?, format!("{STATUS_REQUEST}\n"));

    let acquiring = wait_event(&consumer, GNSS, "ACQUIRING-SYNC").await?;
    let lock = wait_event(&consumer, LOCK, "LOCKED").await?;
    let master = format!("/cluster/node/{NODE}/ens7fx/master");
    assert_eq!(
        acquiring["data"]["values"],
        serde_json::json!([
            {"ResourceAddress": master, "data_type": "notification", "value_type": "enumeration", "value": "ACQUIRING-SYNC"},
            {"ResourceAddress": master, "data_type": "metric", "value_type": "decimal64.3", "value": "1"},
            {"ResourceAddress": format!("{master}/gpsFix"), "data_type": "metric", "value_type": "decimal64.3", "value": "3"}
        ])
    );
    // The message's timestamp is the event's time.
    assert_eq!(acquiring["time"], "2026-07-24T11:47:39.123456Z");
    assert_eq!(
        lock["data"]["values"][0]["ResourceAddress"],
        format!("/cluster/node/{NODE}/ens2fx/master")
    );

    // A rejected message (version 2) is counted and skipped; the
    // connection stays open and the next message is taken; a repeated
    // state publishes nothing.
    write_lines(
        &mut json,
        &[
            r#"{"version":2,"type":"gnss_state","iface":"ens7fx","values":{"state":"SYNCHRONIZED"}}"#,
            &gnss("ACQUIRING_SYNC"),
            &gnss("SYNCHRONIZED"),
        ],
    )
    .await?;
    wait_event(&consumer, GNSS, "SYNCHRONIZED").await?;
    let gnss_events = consumer
        .received()
        .iter()
        .filter(|e| summary(e).0 == GNSS)
        .count();
    // Initial notification (placeholder), ACQUIRING-SYNC, SYNCHRONIZED.
    assert_eq!(gnss_events, 3, "{:?}", consumer.received());
    proxy
        .scrape_until(&[
            r#"cne_socket_lines_total{kind="json",result="parsed"} 3"#,
            r#"cne_socket_lines_total{kind="json",result="rejected"} 1"#,
            "cne_socket_connections 2",
        ])
        .await?;
    // The log-line daemon's lines are counted as log lines.
    proxy
        .scrape_until(&[
            r#"cne_socket_lines_total{kind="ptp4l_offset",result="parsed"} 1"#,
            r#"cne_socket_lines_total{kind="port_state",result="parsed"} 1"#,
        ])
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_log_line_connection_never_becomes_json() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 2)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let mut conn = proxy.send(&["CMD LIVE_START"]).await?;
    write_lines(
        &mut conn,
        &[r#"{"version":1,"type":"ptp_state","iface":"ens2fx","values":{"state":"LOCKED"}}"#],
    )
    .await?;
    // The `{` line is a (rejected) log line: no JSON line is counted and
    // nothing is published.
    proxy
        .scrape_until(&[r#"cne_socket_lines_total{kind="other",result="rejected"} 1"#])
        .await?;
    let scrape = proxy.scrape().await?;
    assert!(!scrape.contains(r#"kind="json""#), "{scrape}");
    let r = proxy
        .get(&format!("{}/CurrentState", Proxy::address(LOCK)))
        .await?;
    assert_eq!(r.status, 404, "{}", r.text());
    Ok(())
}

#[tokio::test]
async fn cache_clear_empties_current_state() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let mut json = proxy
        .send(&[
            "",
            r#"{"version":1,"type":"ptp_state","profile":"ptp4l.0.config","iface":"ens2fx","values":{"state":"LOCKED","offset":-3}}"#,
            r#"{"version":1,"type":"os_clock_state","values":{"state":"LOCKED","offset":2}}"#,
        ])
        .await?;
    assert_eq!(first_line(&mut json).await?, format!("{STATUS_REQUEST}\n"));
    let current = |suffix: &str| format!("{}/CurrentState", Proxy::address(suffix));
    let os_path = current(OS);
    let os = wait_for("os-clock CurrentState", Duration::from_secs(5), || async {
        let r = proxy.get(&os_path).await.ok()?;
        (r.status == 200).then(|| r.json().ok()).flatten()
    })
    .await?;
    assert_eq!(summary(&os), (OS.to_string(), "LOCKED".to_string()));
    let lock = proxy.get_json(&current(LOCK)).await?;
    assert_eq!(lock["data"]["values"][1]["value"], "-3");
    // The node sync-state is computed from the JSON states.
    let sync = proxy.get_json(&current(SYNC)).await?;
    assert_eq!(summary(&sync).1, "LOCKED");

    write_lines(&mut json, &[r#"{"version":1,"type":"cache_clear"}"#]).await?;
    let lock_path = current(LOCK);
    wait_for("lock-state 404", Duration::from_secs(5), || async {
        let r = proxy.get(&lock_path).await.ok()?;
        (r.status == 404).then_some(())
    })
    .await?;
    for suffix in [OS, SYNC, "/sync"] {
        let r = proxy.get(&current(suffix)).await?;
        assert_eq!(r.status, 404, "{suffix}: {}", r.text());
    }
    // New states after the clear are served again.
    write_lines(
        &mut json,
        &[r#"{"version":1,"type":"ptp_state","profile":"ptp4l.0.config","iface":"ens2fx","values":{"state":"HOLDOVER"}}"#],
    )
    .await?;
    let lock = wait_for("lock-state again", Duration::from_secs(5), || async {
        let r = proxy.get(&lock_path).await.ok()?;
        (r.status == 200).then(|| r.json().ok()).flatten()
    })
    .await?;
    assert_eq!(summary(&lock).1, "HOLDOVER");
    Ok(())
}
