//! A real HTTP consumer on loopback: records every POSTed event and answers
//! with a configurable status and delay.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::body::Bytes;
use axum::http::StatusCode;
use serde_json::Value;

use crate::wait_for;

/// How the consumer answers.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    pub status: u16,
    pub delay: Duration,
}

impl Default for Reply {
    fn default() -> Self {
        Reply {
            status: 204,
            delay: Duration::ZERO,
        }
    }
}

struct State {
    received: Mutex<Vec<(Instant, Value)>>,
    reply: Mutex<Reply>,
}

/// A recording consumer.
pub struct Consumer {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Consumer {
    /// Starts a consumer on 127.0.0.1 answering `reply`.
    pub async fn start(reply: Reply) -> Result<Consumer> {
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            reply: Mutex::new(reply),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let st = state.clone();
        let app = axum::Router::new().fallback(move |body: Bytes| {
            let st = st.clone();
            async move {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                st.received
                    .lock()
                    .map(|mut r| r.push((Instant::now(), v)))
                    .ok();
                let reply = st.reply.lock().map(|r| *r).unwrap_or_default();
                if !reply.delay.is_zero() {
                    tokio::time::sleep(reply.delay).await;
                }
                StatusCode::from_u16(reply.status).unwrap_or(StatusCode::NO_CONTENT)
            }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Consumer { addr, state, task })
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}/event", self.addr)
    }

    /// Changes the answer.
    pub fn set_reply(&self, reply: Reply) {
        if let Ok(mut r) = self.state.reply.lock() {
            *r = reply;
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Value> {
        self.state
            .received
            .lock()
            .map(|r| r.iter().map(|(_, v)| v.clone()).collect())
            .unwrap_or_default()
    }

    /// Everything received so far, with arrival instants.
    pub fn received_at(&self) -> Vec<(Instant, Value)> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` events arrived.
    pub async fn wait_count(&self, n: usize, timeout: Duration) -> Result<Vec<Value>> {
        wait_for(&format!("{n} events at {}", self.addr), timeout, || async {
            let r = self.received();
            (r.len() >= n).then_some(r)
        })
        .await
    }
}

/// `(source, first value)` of an event, for compact assertions.
pub fn summary(v: &Value) -> (String, String) {
    let source = v["source"].as_str().unwrap_or("").to_string();
    let value = v["data"]["values"][0]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (source, value)
}
