//! The engine task as clients see it: CurrentState is exact (every line
//! processed before the request, the latest offsets, no refresh interval),
//! `CMD RESTART` empties the engine, and a slow daemon (`/port-aliases`)
//! never holds lines back (clock-states.md §17, socket-and-lines.md §1.4).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ptp_tests::{
    wait_for, write_lines, Consumer, DaemonReply, DaemonStub, Dirs, Proxy, Reply, NODE,
};
use serde_json::Value;

const LOCK: &str = "/sync/ptp-status/lock-state";
const OS: &str = "/sync/sync-status/os-clock-sync-state";

const STARTUP: &[&str] = &[
    "CMD LIVE_START",
    "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
    "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
    "phc2sys[5383.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547",
];

fn phc(offset: i64) -> String {
    format!("phc2sys[5384.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset {offset:>9} s2 freq   +2726 delay    547")
}

fn master(offset: i64) -> String {
    format!("ptp4l[5384.019]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318")
}

/// `(status, body)` of a CurrentState request.
async fn current(proxy: &Proxy, suffix: &str) -> anyhow::Result<(u16, Value)> {
    let r = reqwest::get(proxy.url(&format!("{}/CurrentState", Proxy::address(suffix)))).await?;
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

/// The metric (offset) value of a CurrentState body.
fn offset(v: &Value) -> Option<String> {
    v["data"]["values"]
        .as_array()?
        .iter()
        .find(|x| x["data_type"] == "metric")
        .and_then(|x| x["value"].as_str().map(str::to_string))
}

#[tokio::test]
async fn current_state_reflects_every_processed_line() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let mut conn = proxy.send(STARTUP).await?;
    wait_for("LOCKED", Duration::from_secs(10), || async {
        let (s, v) = current(&proxy, OS).await.ok()?;
        (s == 200 && v["data"]["values"][0]["value"] == "LOCKED").then_some(())
    })
    .await?;
    // New in-range offsets publish nothing; CurrentState must still carry
    // them as soon as the engine has processed them (the metrics are the
    // fence: they are applied as the engine processes each line).
    for round in 1..=5i64 {
        let (os, lock) = (-10 - round, 30 + round);
        write_lines(&mut conn, &[&phc(os), &master(lock)]).await?;
        let os_metric = format!(
            "openshift_ptp_offset_ns{{from=\"phc\",iface=\"CLOCK_REALTIME\",node=\"{NODE}\",process=\"phc2sys\"}} {os}"
        );
        let lock_metric = format!(
            "openshift_ptp_offset_ns{{from=\"master\",iface=\"ens2fx\",node=\"{NODE}\",process=\"ptp4l\"}} {lock}"
        );
        proxy.scrape_until(&[&os_metric, &lock_metric]).await?;
        let (s, v) = current(&proxy, OS).await?;
        assert_eq!(s, 200, "{v}");
        assert_eq!(offset(&v).as_deref(), Some(os.to_string().as_str()), "{v}");
        let (s, v) = current(&proxy, LOCK).await?;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            offset(&v).as_deref(),
            Some(lock.to_string().as_str()),
            "{v}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn cmd_restart_empties_the_engine() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let _conn = proxy.send(STARTUP).await?;
    wait_for("data", Duration::from_secs(10), || async {
        let (s, _) = current(&proxy, LOCK).await.ok()?;
        (s == 200).then_some(())
    })
    .await?;
    let mut restart = proxy.connect().await?;
    write_lines(&mut restart, &["CMD RESTART"]).await?;
    let suffixes = [LOCK, OS, "/sync/sync-status/sync-state"];
    for suffix in suffixes {
        wait_for("404 after CMD RESTART", Duration::from_secs(10), || async {
            let (s, _) = current(&proxy, suffix).await.ok()?;
            (s == 404).then_some(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{suffix}: {e}\n{}", proxy.log()))?;
    }
    // New lines bring the data back.
    let _again = proxy.send(STARTUP).await?;
    wait_for("data again", Duration::from_secs(10), || async {
        let (s, _) = current(&proxy, LOCK).await.ok()?;
        (s == 200).then_some(())
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_slow_daemon_does_not_delay_events() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let daemon = Arc::new(
        DaemonStub::start(DaemonReply {
            aliases_delay: Duration::from_millis(1500),
            ..DaemonReply::default()
        })
        .await?,
    );
    let proxy = Proxy::start_with_daemon(&dirs, &[], &[], daemon).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, body) = proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    assert_eq!(status, 201, "{body}");
    consumer.wait_count(1, Duration::from_secs(5)).await?;
    // CMD RESTART makes the proxy reload its configuration, aliases
    // included; the daemon takes 1.5 s to answer them.
    let mut conn = proxy.connect().await?;
    write_lines(&mut conn, &["CMD RESTART"]).await?;
    drop(conn);
    let mut conn = proxy.connect().await?;
    let sent = Instant::now();
    write_lines(&mut conn, STARTUP).await?;
    let got = consumer.wait_count(2, Duration::from_secs(10)).await?;
    let took = sent.elapsed();
    assert_eq!(got[1]["data"]["values"][0]["value"], "LOCKED", "{got:?}");
    assert!(
        took < Duration::from_millis(1200),
        "the event took {took:?}: lines waited for the daemon's aliases\n{}",
        proxy.log()
    );
    Ok(())
}
