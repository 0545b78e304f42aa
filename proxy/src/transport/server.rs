//! The transport listener (rest-api.md §5.1, §5.3) on the port of
//! `--transport-host`. Waits on connections; each request is answered from
//! the v1 hub. Producer: `POST /subscription`, `POST /event` (ignored),
//! `GET /health`, `GET /{address…}/{clientID}/CurrentState`. Sidecar:
//! `POST /event` (queued for the application), `GET /health`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;

use crate::api::http::{
    cleaned, empty, json, not_allowed, not_found, problem, read_body, redirect,
};
use crate::v1hub::{SubscriberDoc, V1Hub, V1Role};
use ptp_event_core::events::{parse_transport_event, transport_current_state, EventData, Resource};

/// A transport error: problem+json with `message` = `detail`.
fn fail(status: StatusCode, detail: &str, instance: &str) -> Response<Body> {
    problem(status, detail, instance, &[("message", detail)])
}

/// Serves the transport until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    hub: Arc<V1Hub>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handler = move |req: Request<Body>| {
        let hub = hub.clone();
        async move { route(hub, req).await }
    };
    crate::api::server::serve(listener, handler, shutdown).await
}

fn header(req: &Request<Body>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn route(hub: Arc<V1Hub>, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(clean) = cleaned(&path) {
        return redirect(&clean, req.uri().query());
    }
    let producer = hub.role() == V1Role::Producer;
    match path.as_str() {
        "/health" => match *req.method() {
            Method::GET => json(StatusCode::OK, "{\"ok\":true}"),
            _ => not_allowed("GET", &path),
        },
        "/event" => match *req.method() {
            Method::POST => event(&hub, req, &path).await,
            _ => not_allowed("POST", &path),
        },
        "/subscription" if producer => match *req.method() {
            Method::POST => subscription(&hub, req, &path).await,
            _ => not_allowed("POST", &path),
        },
        p if producer && p.ends_with("/CurrentState") => match *req.method() {
            Method::GET => current_state(&hub, p),
            _ => not_allowed("GET", &path),
        },
        _ => not_found(&path),
    }
}

async fn event(hub: &V1Hub, req: Request<Body>, path: &str) -> Response<Body> {
    let headers = req.headers().clone();
    let body = match read_body(req, path).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if hub.role() == V1Role::Producer {
        return empty(StatusCode::OK);
    }
    let lookup = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    match parse_transport_event(lookup, &body) {
        Ok(ev) => {
            let n = hub.forward(&ev);
            tracing::debug!(resource = %ev.resource, id = %ev.id, queued = n, "transport event received");
            empty(StatusCode::OK)
        }
        Err(e) => {
            if let Ok(m) = hub.metrics().lock() {
                m.transport_events_received
                    .with_label_values(&["", "failed"])
                    .inc();
            }
            fail(StatusCode::BAD_REQUEST, &e.to_string(), path)
        }
    }
}

async fn subscription(hub: &V1Hub, req: Request<Body>, path: &str) -> Response<Body> {
    let subject = header(&req, "ce-subject");
    let body = match read_body(req, path).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let doc = match SubscriberDoc::parse(&body, subject.as_deref()) {
        Ok(d) => d,
        Err(e) => return fail(StatusCode::BAD_REQUEST, &e.to_string(), path),
    };
    match hub.register(doc).await {
        Ok(()) => empty(StatusCode::OK),
        Err(e) => fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), path),
    }
}

/// `/{address…}/{clientID}/CurrentState`.
fn current_state(hub: &V1Hub, path: &str) -> Response<Body> {
    let without = path.trim_end_matches("/CurrentState");
    let address = match without.rfind('/') {
        Some(i) if i > 0 => &without[..i],
        _ => return fail(StatusCode::BAD_REQUEST, "no resource address", path),
    };
    let status = |ok: bool| {
        if let Ok(m) = hub.metrics().lock() {
            m.status_check_received
                .with_label_values(&[address, if ok { "success" } else { "failed" }])
                .inc();
        }
    };
    let Some(resource) = Resource::from_v1_address(address) else {
        status(false);
        return fail(
            StatusCode::BAD_REQUEST,
            &format!("resource {address} is not published"),
            path,
        );
    };
    let Some(values) = hub.current(resource) else {
        status(false);
        return fail(
            StatusCode::BAD_REQUEST,
            &format!("no data yet for {address}"),
            path,
        );
    };
    status(true);
    let body = transport_current_state(
        &EventData { resource, values },
        hub.node(),
        &uuid::Uuid::new_v4(),
        SystemTime::now(),
    );
    json(StatusCode::OK, body)
}
