//! The fake daemon's HTTP server, given to the proxy as `--daemon-url`:
//! `GET /emit-logs` replays the recorded lines on the event-handler
//! connection and answers 200 (204 while nothing was sent yet, or when the
//! scenario disables replays); `GET /port-aliases` answers the scenario's
//! alias map, after its configured delay.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};

use super::SharedWire;
use crate::scenario::format::DaemonSettings;

#[derive(Clone)]
struct Shared {
    wire: SharedWire,
    replay: bool,
    aliases: Arc<BTreeMap<String, String>>,
    aliases_delay: Duration,
    emit_logs: Arc<AtomicUsize>,
    replays: Arc<AtomicUsize>,
}

/// A running fake daemon.
pub struct DaemonServer {
    pub addr: SocketAddr,
    emit_logs: Arc<AtomicUsize>,
    replays: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DaemonServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DaemonServer {
    /// Starts on a loopback port chosen by the system.
    pub async fn start(wire: SharedWire, settings: &DaemonSettings) -> Result<DaemonServer> {
        let shared = Shared {
            wire,
            replay: settings.replay,
            aliases: Arc::new(settings.aliases.clone()),
            aliases_delay: Duration::from_secs_f64(settings.aliases_delay.max(0.0)),
            emit_logs: Arc::new(AtomicUsize::new(0)),
            replays: Arc::new(AtomicUsize::new(0)),
        };
        let (emit_logs, replays) = (shared.emit_logs.clone(), shared.replays.clone());
        let app = Router::new()
            .route("/emit-logs", get(emit))
            .route("/port-aliases", get(aliases))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("fake daemon: bind")?;
        let addr = listener.local_addr().context("fake daemon: address")?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "fake daemon stopped");
            }
        });
        Ok(DaemonServer {
            addr,
            emit_logs,
            replays,
            task,
        })
    }

    /// The `--daemon-url` value.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many `/emit-logs` requests arrived.
    pub fn emit_logs_count(&self) -> usize {
        self.emit_logs.load(Ordering::Relaxed)
    }

    /// How many of them were answered with a replay.
    pub fn replay_count(&self) -> usize {
        self.replays.load(Ordering::Relaxed)
    }
}

/// `/emit-logs`: waits for the wire (never while holding anything else).
async fn emit(State(s): State<Shared>) -> StatusCode {
    s.emit_logs.fetch_add(1, Ordering::Relaxed);
    if !s.replay {
        return StatusCode::NO_CONTENT;
    }
    let mut wire = s.wire.lock().await;
    match wire.replay().await {
        Ok(true) => {
            s.replays.fetch_add(1, Ordering::Relaxed);
            StatusCode::OK
        }
        Ok(false) => StatusCode::NO_CONTENT,
        Err(e) => {
            tracing::warn!(error = %e, "fake daemon: replay failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// `/port-aliases`.
async fn aliases(State(s): State<Shared>) -> Json<BTreeMap<String, String>> {
    if !s.aliases_delay.is_zero() {
        tokio::time::sleep(s.aliases_delay).await;
    }
    Json(s.aliases.as_ref().clone())
}
