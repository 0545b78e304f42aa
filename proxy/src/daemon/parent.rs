//! Noticing that the parent is gone (hidden flag `--exit-with-stdin`).
//!
//! `ptp-sim` starts the proxy with its standard input on a pipe whose write
//! end only ptp-sim holds. When ptp-sim exits, however it exits (SIGKILL
//! included), the kernel closes that end and the read below returns end of
//! file: the proxy shuts down instead of running on as an orphan.
//!
//! The read runs on a plain thread, not in the runtime: a blocking read in
//! `spawn_blocking` would keep the runtime from shutting down on SIGTERM
//! while the parent is still alive. The thread waits on standard input only.

use std::io::Read;
use std::time::Duration;

/// How long the graceful shutdown may take once the parent is gone: nobody
/// waits for it, so the process exits after this even if a delivery is
/// still in flight.
pub const GRACE: Duration = Duration::from_millis(500);

/// Resolves when standard input reaches end of file (or fails) when
/// `enabled`; never otherwise.
pub async fn gone(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("parent-watch".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            // Whatever the parent writes is ignored; only the end counts.
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            let _ = tx.send(());
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot watch standard input; --exit-with-stdin ignored");
        return std::future::pending().await;
    }
    let _ = rx.await;
    tracing::warn!("standard input closed: the parent process is gone, shutting down");
    // The deadline: a thread that ends the process if the graceful
    // shutdown has not finished by then.
    let _ = std::thread::Builder::new()
        .name("parent-gone-deadline".into())
        .spawn(|| {
            std::thread::sleep(GRACE);
            tracing::warn!(grace = ?GRACE, "shutdown unfinished after the parent left: exiting");
            std::process::exit(0);
        });
}
