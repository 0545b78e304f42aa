//! The daemon's side of the proxy socket: one UNIX connection per writer
//! (process connections, the event handler, the short-lived restart
//! connection), shared by the player and the `/emit-logs` handler so that
//! a replay and the live lines of the event handler never interleave
//! mid-line, and the replay log always matches what was written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

use super::ReplayLog;
use crate::scenario::generators::HANDLER;

/// The connections and what was sent on them.
pub struct Wire {
    socket: PathBuf,
    conns: HashMap<String, UnixStream>,
    /// What the daemon would replay now.
    pub log: ReplayLog,
    /// Connections opened so far.
    pub opened: usize,
    /// Between `CMD RESTART` and the writers' reconnect the daemon is
    /// restarting its children and answers `/emit-logs` with 204.
    restarting: bool,
}

/// A wire shared by the player and the daemon's HTTP server.
pub type SharedWire = Arc<tokio::sync::Mutex<Wire>>;

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

impl Wire {
    /// A wire to `socket`; port lines are replayed with `level`.
    pub fn new(socket: &Path, level: &str) -> Wire {
        Wire {
            socket: socket.to_path_buf(),
            conns: HashMap::new(),
            log: ReplayLog::new(level),
            opened: 0,
            restarting: false,
        }
    }

    /// Shared form.
    pub fn shared(socket: &Path, level: &str) -> SharedWire {
        Arc::new(tokio::sync::Mutex::new(Wire::new(socket, level)))
    }

    async fn open(&mut self, conn: &str) -> Result<()> {
        if !self.conns.contains_key(conn) {
            let s = connect(&self.socket, Instant::now() + Duration::from_secs(5)).await?;
            self.conns.insert(conn.to_string(), s);
            self.opened += 1;
        }
        Ok(())
    }

    /// Closes one connection.
    pub async fn close(&mut self, conn: &str) {
        if let Some(mut s) = self.conns.remove(conn) {
            let _ = s.shutdown().await;
        }
    }

    /// Closes every connection (the proxy dropped them on `CMD RESTART`);
    /// no replay until the next live line.
    pub async fn close_all(&mut self) {
        self.restarting = true;
        for (_, mut s) in self.conns.drain() {
            let _ = s.shutdown().await;
        }
    }

    /// Opens `conn` if needed and writes `text` and a newline (an empty
    /// `text` only opens). A connection the proxy closed is opened again
    /// once.
    pub async fn write(&mut self, conn: &str, text: &str) -> Result<()> {
        self.open(conn).await?;
        if text.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(text.len() + 1);
        buf.extend_from_slice(text.as_bytes());
        buf.push(b'\n');
        let first = match self.conns.get_mut(conn) {
            Some(s) => s.write_all(&buf).await,
            None => Ok(()),
        };
        if first.is_err() {
            self.conns.remove(conn);
            self.open(conn).await?;
            if let Some(s) = self.conns.get_mut(conn) {
                s.write_all(&buf)
                    .await
                    .with_context(|| format!("write on connection {conn}"))?;
            }
        }
        Ok(())
    }

    /// Writes a live line and remembers it for later replays.
    pub async fn send(&mut self, conn: &str, text: &str) -> Result<()> {
        self.restarting = false;
        self.write(conn, text).await?;
        self.log.record(text);
        Ok(())
    }

    /// Replays the log on the event-handler connection; `false` when there
    /// is nothing to replay yet.
    pub async fn replay(&mut self) -> Result<bool> {
        if self.log.is_empty() || self.restarting {
            return Ok(false);
        }
        for line in self.log.replay() {
            self.write(HANDLER, &line).await?;
        }
        Ok(true)
    }
}
