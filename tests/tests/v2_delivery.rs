//! Delivery isolation: a consumer that never answers does not delay a
//! healthy one, and a dead consumer is removed after 10 failed deliveries.

use std::time::Duration;

use ptp_tests::CheckedRequest;
use ptp_tests::{Consumer, Dirs, Proxy, Reply};

const LOCK: &str = "/sync/ptp-status/lock-state";

fn flap(i: usize) -> [String; 1] {
    // Alternate in range / out of range: every line is a state change.
    let offset = if i % 2 == 0 { 5000 } else { 3 };
    [format!(
        "ptp4l[{i}.0]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318"
    )]
}

#[tokio::test]
async fn a_stuck_consumer_does_not_delay_a_healthy_one() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let healthy = Consumer::start(Reply::default()).await?;
    let stuck = Consumer::start(Reply::default()).await?;
    proxy.subscribe(LOCK, &healthy.endpoint()).await?;
    proxy.subscribe(LOCK, &stuck.endpoint()).await?;
    // From now on the second consumer takes 30 s per answer.
    stuck.set_reply(Reply {
        status: 204,
        delay: Duration::from_secs(30),
    });
    let mut conn = proxy
        .send(&["ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"])
        .await?;
    for i in 0..10 {
        let line = flap(i);
        let refs: Vec<&str> = line.iter().map(String::as_str).collect();
        let sent = std::time::Instant::now();
        ptp_tests::write_lines(&mut conn, &refs).await?;
        healthy.wait_count(2 + i, Duration::from_secs(2)).await?;
        let at = healthy.received_at();
        let delay = at[1 + i].0.duration_since(sent);
        assert!(
            delay < Duration::from_millis(100),
            "event {i} took {delay:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn dead_consumer_is_removed_after_ten_failures_also_from_the_store() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    let dying = Consumer::start(Reply::default()).await?;
    proxy.subscribe(LOCK, &dying.endpoint()).await?;
    // Every delivery now fails fast with a retryable 503.
    dying.set_reply(Reply {
        status: 503,
        delay: Duration::ZERO,
    });
    let mut conn = proxy
        .send(&["ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"])
        .await?;
    for i in 0..10 {
        let line = flap(i);
        let refs: Vec<&str> = line.iter().map(String::as_str).collect();
        ptp_tests::write_lines(&mut conn, &refs).await?;
    }
    let url = proxy.url("/subscriptions");
    ptp_tests::wait_for(
        "removal of the dead consumer",
        Duration::from_secs(40),
        || {
            let url = url.clone();
            async move {
                let t = reqwest::Client::new()
                    .get(&url)
                    .checked()
                    .await
                    .ok()?
                    .text();
                (t == "[]").then_some(())
            }
        },
    )
    .await?;
    let store = ptp_tests::store::stored(&dirs.store())?.to_string();
    assert!(!store.contains(&dying.endpoint()), "{store}");
    proxy
        .scrape_until(&["cne_subscribers_removed_total 1"])
        .await?;
    Ok(())
}
