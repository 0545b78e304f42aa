//! The daemon's side of the proxy socket: one UNIX connection per writer
//! (process connections, the event handler, the short-lived restart
//! connection), shared by the player and the `/emit-logs` handler so that
//! a replay and the live lines of the event handler never interleave
//! mid-line, and the replay log always matches what was written.
//!
//! What the proxy writes back is read too: on a JSON connection it asks
//! for the daemon's states with a `status_request` line
//! (next-generation.md §1), and the wire answers as the newer daemon does,
//! with the latest message of each (type, iface) sent so far.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::mpsc;

use ptp_event_core::events::daemon::{self, STATUS_REQUEST};

use super::ReplayLog;
use crate::scenario::generators::HANDLER;

/// The connections and what was sent on them.
pub struct Wire {
    socket: PathBuf,
    conns: HashMap<String, OwnedWriteHalf>,
    /// The latest JSON message line per (type, iface), for the answer to a
    /// `status_request`.
    json_states: BTreeMap<(String, String), String>,
    /// `status_request` lines the proxy wrote, answered.
    pub status_requests: usize,
    /// Connections on which the proxy asked for the states.
    requests_tx: mpsc::UnboundedSender<String>,
    requests_rx: Option<mpsc::UnboundedReceiver<String>>,
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
        let (requests_tx, requests_rx) = mpsc::unbounded_channel();
        Wire {
            socket: socket.to_path_buf(),
            conns: HashMap::new(),
            json_states: BTreeMap::new(),
            status_requests: 0,
            requests_tx,
            requests_rx: Some(requests_rx),
            log: ReplayLog::new(level),
            opened: 0,
            restarting: false,
        }
    }

    /// Shared form, answering the proxy's `status_request` lines (call it
    /// inside the tokio runtime).
    pub fn shared(socket: &Path, level: &str) -> SharedWire {
        let mut wire = Wire::new(socket, level);
        let requests = wire.requests_rx.take();
        let shared = Arc::new(tokio::sync::Mutex::new(wire));
        if let Some(rx) = requests {
            tokio::spawn(answer_status_requests(Arc::downgrade(&shared), rx));
        }
        shared
    }

    async fn open(&mut self, conn: &str) -> Result<()> {
        if !self.conns.contains_key(conn) {
            let s = connect(&self.socket, Instant::now() + Duration::from_secs(5)).await?;
            let (rd, wr) = s.into_split();
            tokio::spawn(read_back(rd, conn.to_string(), self.requests_tx.clone()));
            self.conns.insert(conn.to_string(), wr);
            self.opened += 1;
        }
        Ok(())
    }

    /// Answers a `status_request` on `conn`: the latest message of each
    /// (type, iface), stamped now.
    async fn answer_status_request(&mut self, conn: &str) -> Result<()> {
        self.status_requests += 1;
        let now = SystemTime::now();
        let lines: Vec<String> = self
            .json_states
            .values()
            .map(|l| crate::run::json::stamped(l, now))
            .collect();
        for line in lines {
            self.write(conn, &line).await?;
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
        if text.starts_with('{') {
            if let Ok(m) = daemon::parse(text) {
                let key = (m.body.message_type().as_str().to_string(), m.iface);
                self.json_states.insert(key, text.to_string());
            }
        }
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

/// Reads what the proxy writes on one connection until it closes; a
/// `status_request` line asks for the states on that connection.
async fn read_back(rd: OwnedReadHalf, conn: String, requests: mpsc::UnboundedSender<String>) {
    let mut lines = BufReader::new(rd).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim() == STATUS_REQUEST && requests.send(conn.clone()).is_err() {
            return;
        }
    }
}

/// Answers `status_request`s while the wire exists.
async fn answer_status_requests(
    wire: Weak<tokio::sync::Mutex<Wire>>,
    mut requests: mpsc::UnboundedReceiver<String>,
) {
    while let Some(conn) = requests.recv().await {
        let Some(wire) = wire.upgrade() else { return };
        let mut w = wire.lock().await;
        if let Err(e) = w.answer_status_request(&conn).await {
            tracing::debug!(error = %e, "status_request not answered");
        }
    }
}
