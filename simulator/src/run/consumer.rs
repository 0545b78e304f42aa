//! A recording event consumer: a small axum server on a loopback port that
//! accepts CloudEvent POSTs, answers with a configurable status, and hands
//! every event to a channel. Also the subscription client for v1 and v2.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use tokio::sync::mpsc;

/// One event as it arrived.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub at: Instant,
    /// CloudEvent `source` (v2) or `resource`-derived address (v1).
    pub source: String,
    pub event_type: String,
    pub time: String,
    /// `(address, data_type, value)` of every value.
    pub values: Vec<(String, String, String)>,
    /// The body exactly as it arrived.
    pub body: String,
}

#[derive(Clone)]
struct Shared {
    tx: mpsc::UnboundedSender<Delivered>,
    status: StatusCode,
    delay: Duration,
}

/// A running consumer.
pub struct Consumer {
    pub addr: SocketAddr,
    pub rx: mpsc::UnboundedReceiver<Delivered>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Consumer {
    /// Listens on `listen` (use `127.0.0.1:0` for any free port), answering
    /// every POST with `status` after `delay`.
    pub async fn start(listen: &str, status: u16, delay: Duration) -> Result<Consumer> {
        let (tx, rx) = mpsc::unbounded_channel();
        let status = StatusCode::from_u16(status).context("consumer status code")?;
        let shared = Shared { tx, status, delay };
        let app = Router::new()
            .route("/event", post(receive))
            .route("/{*path}", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("consumer: bind {listen}"))?;
        let addr = listener.local_addr().context("consumer: local address")?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "consumer server stopped");
            }
        });
        Ok(Consumer { addr, rx, task })
    }

    /// The endpoint URI to subscribe with.
    pub fn endpoint(&self) -> String {
        format!("http://{}/event", self.addr)
    }
}

async fn receive(State(s): State<Shared>, body: axum::body::Bytes) -> StatusCode {
    let at = Instant::now();
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(raw) => {
            let mut d = decode(at, raw);
            d.body = String::from_utf8_lossy(&body).into_owned();
            let _ = s.tx.send(d);
        }
        Err(e) => tracing::warn!(error = %e, "consumer: body is not JSON"),
    }
    if !s.delay.is_zero() {
        tokio::time::sleep(s.delay).await;
    }
    s.status
}

/// Decodes a v2 CloudEvent or a v1 event.
pub fn decode(at: Instant, raw: serde_json::Value) -> Delivered {
    let str_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let data = raw.get("data").cloned().unwrap_or_default();
    let values = data
        .get("values")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|v| {
                    let addr = v.get("ResourceAddress").or_else(|| v.get("resource"));
                    let dt = v.get("data_type").or_else(|| v.get("dataType"));
                    let s = |x: Option<&serde_json::Value>| {
                        x.and_then(|x| x.as_str()).unwrap_or_default().to_string()
                    };
                    let value = match v.get("value") {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    (s(addr), s(dt), value)
                })
                .collect()
        })
        .unwrap_or_default();
    Delivered {
        at,
        source: str_of(&raw, "source"),
        event_type: str_of(&raw, "type"),
        time: str_of(&raw, "time"),
        values,
        body: String::new(),
    }
}

/// A consumer that dies: it answers 204 (the initial notification of a
/// subscription must succeed) until [`Silent::die`], then accepts every
/// request and never answers.
pub struct Silent {
    pub addr: SocketAddr,
    dead: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn silent(State(dead): State<Arc<AtomicBool>>) -> StatusCode {
    if dead.load(Ordering::Relaxed) {
        std::future::pending::<()>().await;
    }
    StatusCode::NO_CONTENT
}

impl Silent {
    /// Listens on a loopback port chosen by the system.
    pub async fn start() -> Result<Silent> {
        let dead = Arc::new(AtomicBool::new(false));
        let app = Router::new()
            .route("/event", post(silent))
            .with_state(dead.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("dead consumer: bind")?;
        let addr = listener.local_addr().context("dead consumer: address")?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!(error = %e, "dead consumer stopped");
            }
        });
        Ok(Silent { addr, dead, task })
    }

    /// From now on, requests are never answered.
    pub fn die(&self) {
        self.dead.store(true, Ordering::Relaxed);
    }

    /// The endpoint URI to subscribe with.
    pub fn endpoint(&self) -> String {
        format!("http://{}/event", self.addr)
    }
}

/// Subscribes `endpoint` to `address` on the API base
/// (`http://127.0.0.1:P/api/ocloudNotifications/v2`). v1 uses
/// `{resource, endpointUri}`. Returns the response body.
pub async fn subscribe(
    client: &reqwest::Client,
    base: &str,
    address: &str,
    endpoint: &str,
    v1: bool,
) -> Result<String> {
    let body = if v1 {
        serde_json::json!({"resource": address, "endpointUri": endpoint})
    } else {
        serde_json::json!({"ResourceAddress": address, "EndpointUri": endpoint})
    };
    let url = format!("{}/subscriptions", base.trim_end_matches('/'));
    let resp = client
        .post(&url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if status.as_u16() != 201 {
        bail!("POST {url} for {address}: {status}: {text}");
    }
    Ok(text)
}

/// Polls `url` until it answers 2xx or the deadline passes.
pub async fn wait_ok(client: &reqwest::Client, url: &str, deadline: Instant) -> Result<()> {
    loop {
        match client
            .get(url)
            .timeout(Duration::from_millis(500))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            _ if Instant::now() >= deadline => {
                bail!("{url} did not answer 2xx before the deadline")
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
