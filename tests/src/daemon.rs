//! A stand-in for the linuxptp-daemon's HTTP side on loopback (port 0):
//! answers `/emit-logs` with 204 (counting the calls) and `/port-aliases`
//! with a JSON object, after a configurable delay.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Json;

/// How the stub answers.
#[derive(Debug, Clone, Default)]
pub struct DaemonReply {
    /// Delay before `/port-aliases` answers.
    pub aliases_delay: Duration,
    /// The `/port-aliases` body (`{}` by default).
    pub aliases: serde_json::Map<String, serde_json::Value>,
}

/// A running stub.
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
    pub async fn start(reply: DaemonReply) -> Result<DaemonStub> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let emit_logs = Arc::new(AtomicUsize::new(0));
        let calls = emit_logs.clone();
        let reply = Arc::new(reply);
        let app = axum::Router::new()
            .route(
                "/emit-logs",
                get(move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { StatusCode::NO_CONTENT }
                }),
            )
            .route(
                "/port-aliases",
                get(move || {
                    let reply = reply.clone();
                    async move {
                        tokio::time::sleep(reply.aliases_delay).await;
                        Json(reply.aliases.clone())
                    }
                }),
            );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(DaemonStub {
            addr,
            emit_logs,
            task,
        })
    }

    /// `--daemon-url` of this stub.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `/emit-logs` calls so far.
    pub fn emit_logs(&self) -> usize {
        self.emit_logs.load(Ordering::SeqCst)
    }
}
