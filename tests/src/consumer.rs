//! A real HTTP consumer on loopback: records every POSTed event and answers
//! with a configurable status and delay. Every body it receives is checked
//! against the `webhooks` of `docs/openapi.yaml`; a body that does not match
//! fails [`Consumer::wait_count`] and, at the latest, the test when the
//! consumer is dropped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
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
    /// Deliveries that do not match the document.
    drift: Mutex<Vec<String>>,
}

/// A recording consumer.
pub struct Consumer {
    pub addr: SocketAddr,
    /// `http`, or `https` for [`Consumer::start_tls`].
    scheme: &'static str,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.task.abort();
        let drift = self.drift();
        if !drift.is_empty() && !std::thread::panicking() {
            panic!(
                "consumer {} received bodies that do not match docs/openapi.yaml:\n{}",
                self.addr,
                drift.join("\n")
            );
        }
    }
}

impl Consumer {
    /// Starts a consumer on 127.0.0.1 answering `reply`.
    pub async fn start(reply: Reply) -> Result<Consumer> {
        Self::start_with(reply, None).await
    }

    /// Starts an HTTPS consumer (`https://localhost:<port>`) with this
    /// server configuration.
    pub async fn start_tls(reply: Reply, tls: rustls::ServerConfig) -> Result<Consumer> {
        Self::start_with(reply, Some(tokio_rustls::TlsAcceptor::from(Arc::new(tls)))).await
    }

    async fn start_with(reply: Reply, tls: Option<tokio_rustls::TlsAcceptor>) -> Result<Consumer> {
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            reply: Mutex::new(reply),
            drift: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let st = state.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let st = st.clone();
            async move {
                let ct = headers
                    .get(axum::http::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                let doc = crate::openapi::document();
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(String::from)
                };
                let checked = doc
                    .validate_delivery(ct, &body)
                    .and_then(|name| doc.validate_webhook_headers(name, &header));
                if let Err(e) = checked {
                    st.drift.lock().map(|mut d| d.push(e.to_string())).ok();
                }
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
        let (scheme, task) = match tls {
            None => (
                "http",
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                }),
            ),
            Some(acceptor) => ("https", tokio::spawn(serve_tls(listener, acceptor, app))),
        };
        Ok(Consumer {
            addr,
            scheme,
            state,
            task,
        })
    }

    /// The endpoint URL (`https://localhost:<port>/event` over TLS, the
    /// name of the test certificates).
    pub fn endpoint(&self) -> String {
        match self.scheme {
            "https" => format!("https://localhost:{}/event", self.addr.port()),
            _ => format!("http://{}/event", self.addr),
        }
    }

    /// The base URL (`http(s)://host:port`).
    pub fn base(&self) -> String {
        self.endpoint().trim_end_matches("/event").to_string()
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

    /// Deliveries so far that do not match `docs/openapi.yaml`.
    pub fn drift(&self) -> Vec<String> {
        self.state
            .drift
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` events arrived; fails at once if one of
    /// them does not match the document.
    pub async fn wait_count(&self, n: usize, timeout: Duration) -> Result<Vec<Value>> {
        let got = wait_for(&format!("{n} events at {}", self.addr), timeout, || async {
            let r = self.received();
            (r.len() >= n || !self.drift().is_empty()).then_some(r)
        })
        .await?;
        let drift = self.drift();
        anyhow::ensure!(
            drift.is_empty(),
            "consumer {} received bodies that do not match docs/openapi.yaml:\n{}",
            self.addr,
            drift.join("\n")
        );
        Ok(got)
    }
}

/// Serves `app` over TLS: each connection's handshake in its own task; a
/// failed one (the proxy refusing this certificate) just closes it.
async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    app: axum::Router,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let Ok(Ok(io)) =
                tokio::time::timeout(Duration::from_secs(5), acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(io), service)
                .await;
        });
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
