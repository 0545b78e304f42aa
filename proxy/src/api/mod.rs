//! The REST listeners: the v2 O-RAN API on `--api-port` and `GET /metrics`
//! on `--metrics-addr`. Requests are served concurrently; handlers read the
//! hub's snapshot and never call into the engine.

pub mod http;
pub mod server;
pub mod v1;
pub mod v2;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;

use crate::hub::Hub;
use crate::metrics::{SharedMetrics, CONTENT_TYPE};

/// Serves the v2 API until `shutdown` resolves.
pub async fn serve_v2(
    listener: TcpListener,
    hub: Arc<Hub>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handler = move |req: Request<Body>| {
        let hub = hub.clone();
        async move { route(hub, req).await }
    };
    server::serve(listener, handler, shutdown).await
}

async fn route(hub: Arc<Hub>, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(clean) = http::cleaned(&path) {
        return http::redirect(&clean, req.uri().query());
    }
    match path
        .strip_prefix(v2::BASE)
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(rest) if !rest.is_empty() => v2::handle(hub, req, rest).await,
        _ => http::not_found(&path),
    }
}

/// Serves `GET /metrics` until `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    metrics: SharedMetrics,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handler = move |req: Request<Body>| {
        let metrics = metrics.clone();
        async move {
            let path = req.uri().path().to_string();
            if path != "/metrics" {
                return http::not_found(&path);
            }
            if req.method() != Method::GET {
                return http::not_allowed("GET", &path);
            }
            let body = match metrics.lock() {
                Ok(m) => m.render(),
                Err(_) => Vec::new(),
            };
            http::with_type(StatusCode::OK, CONTENT_TYPE, Body::from(body))
        }
    };
    server::serve(listener, handler, shutdown).await
}
