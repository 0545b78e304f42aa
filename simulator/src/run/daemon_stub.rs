//! The fake linuxptp-daemon HTTP server given to the proxy as
//! `--daemon-url`: `GET /emit-logs` answers 204 (not ready: the live lines
//! follow) and `GET /port-aliases` answers `{}` (the proxy applies its own
//! alias rule). Counts the `/emit-logs` requests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

/// A running daemon stub.
pub struct DaemonStub {
    pub addr: SocketAddr,
    emit_logs: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DaemonStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DaemonStub {
    /// Starts on a free loopback port.
    pub async fn start() -> Result<DaemonStub> {
        let emit_logs = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/emit-logs", get(emit))
            .route(
                "/port-aliases",
                get(|| async { ([("content-type", "application/json")], "{}") }),
            )
            .with_state(emit_logs.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("daemon stub: bind")?;
        let addr = listener.local_addr().context("daemon stub: address")?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "daemon stub stopped");
            }
        });
        Ok(DaemonStub {
            addr,
            emit_logs,
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
}

async fn emit(State(n): State<Arc<AtomicUsize>>) -> StatusCode {
    n.fetch_add(1, Ordering::Relaxed);
    StatusCode::NO_CONTENT
}
