//! Plays timed lines over the proxy's UNIX socket in real time, one
//! connection per simulated process plus the event-handler connection.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

use crate::scenario::TimedLine;

/// Connects to the socket, retrying until `deadline` (the proxy may still be
/// binding it).
pub async fn connect(path: &Path, deadline: Instant) -> Result<UnixStream> {
    loop {
        match UnixStream::connect(path).await {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() >= deadline => {
                return Err(e).with_context(|| format!("connect {}", path.display()))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Writes `lines` at `t0 + t / speed`, calling `on_line` after each write.
pub async fn play(
    socket: &Path,
    lines: &[TimedLine],
    t0: Instant,
    speed: f64,
    mut on_line: impl FnMut(&TimedLine),
) -> Result<()> {
    if speed <= 0.0 || !speed.is_finite() {
        bail!("speed must be a positive number");
    }
    let mut conns: HashMap<String, UnixStream> = HashMap::new();
    for l in lines {
        let when = t0 + Duration::from_secs_f64((l.t / speed).max(0.0));
        tokio::time::sleep_until(when.into()).await;
        if l.reconnect {
            if let Some(mut old) = conns.remove(&l.conn) {
                let _ = old.shutdown().await;
            }
        }
        if !conns.contains_key(&l.conn) {
            let s = connect(socket, Instant::now() + Duration::from_secs(5)).await?;
            conns.insert(l.conn.clone(), s);
        }
        let Some(stream) = conns.get_mut(&l.conn) else {
            bail!("connection {} vanished", l.conn);
        };
        let mut buf = l.text.clone().into_bytes();
        buf.push(b'\n');
        stream
            .write_all(&buf)
            .await
            .with_context(|| format!("write on connection {}", l.conn))?;
        on_line(l);
    }
    for (_, mut s) in conns {
        let _ = s.flush().await;
    }
    Ok(())
}
