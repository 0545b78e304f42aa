//! Plays timed lines over the proxy's UNIX socket in real time, one
//! connection per simulated process plus the event-handler connection,
//! through the daemon's shared [`Wire`](crate::daemon::Wire).

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::daemon::SharedWire;
use crate::scenario::TimedLine;

/// Writes `lines` at `t0 + t / speed`, calling `on_line` after each write.
/// The wire is locked for one line at a time, so the daemon's replays can
/// slip in between lines, as they do on a real node.
pub async fn play(
    wire: &SharedWire,
    lines: &[TimedLine],
    t0: Instant,
    speed: f64,
    mut on_line: impl FnMut(&TimedLine),
) -> Result<()> {
    if speed <= 0.0 || !speed.is_finite() {
        bail!("speed must be a positive number");
    }
    for l in lines {
        let when = t0 + Duration::from_secs_f64((l.t / speed).max(0.0));
        tokio::time::sleep_until(when.into()).await;
        let mut w = wire.lock().await;
        if l.reconnect {
            w.close(&l.conn).await;
        }
        // JSON messages are stamped when written, as the daemon does.
        let text = super::json::stamped(&l.text, std::time::SystemTime::now());
        w.send(&l.conn, &text).await?;
        if l.hangup {
            w.close_all().await;
        }
        drop(w);
        on_line(l);
    }
    Ok(())
}
