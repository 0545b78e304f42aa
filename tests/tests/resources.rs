//! Resources return to their idle level after load: file descriptors after
//! many daemon reconnects (each one triggers an `/emit-logs` replay request
//! to the daemon stub), read from `/proc/<pid>/fd` of the real binary.

use std::time::Duration;

use ptp_tests::{Dirs, Proxy};

/// Open file descriptors of `pid`.
fn fd_count(pid: u32) -> anyhow::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

#[tokio::test]
async fn a_thousand_daemon_reconnects_leave_the_fd_count_where_it_started() -> anyhow::Result<()> {
    const CYCLES: usize = 1000;
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start(&dirs, &[]).await?;
    // A first connection and its replay settle the idle set (pooled client
    // connections, listeners).
    drop(
        proxy
            .send(&["ptp4l[1.0]: [ptp4l.0.config] master offset 3 s2 freq -1061 path delay 2318"])
            .await?,
    );
    let daemon = proxy.daemon.clone();
    ptp_tests::wait_for("the first replay", Duration::from_secs(10), || async {
        (daemon.emit_logs() >= 1).then_some(())
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = fd_count(proxy.pid)?;
    let mut peak = start;
    for i in 0..CYCLES {
        let line = format!(
            "ptp4l[{}.0]: [ptp4l.0.config] master offset 3 s2 freq -1061 path delay 2318",
            2 + i
        );
        let mut conn = proxy.send(&[&line]).await?;
        tokio::io::AsyncWriteExt::shutdown(&mut conn).await?;
        drop(conn);
        if i % 50 == 0 {
            peak = peak.max(fd_count(proxy.pid)?);
        }
    }
    // Every accept triggered a replay request; all of them were answered.
    let daemon = proxy.daemon.clone();
    ptp_tests::wait_for("all replays", Duration::from_secs(60), || async {
        (daemon.emit_logs() > CYCLES).then_some(())
    })
    .await?;
    let pid = proxy.pid;
    let settled = ptp_tests::wait_for(
        "the fd count to settle",
        Duration::from_secs(15),
        || async {
            let n = fd_count(pid).ok()?;
            (n <= start + 5).then_some(n)
        },
    )
    .await;
    let now = fd_count(pid)?;
    assert!(
        settled.is_ok(),
        "{now} fds after {CYCLES} reconnects, {start} before (peak seen {peak})"
    );
    Ok(())
}
