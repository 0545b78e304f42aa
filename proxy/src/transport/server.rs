//! The transport listener's router (rest-api.md §5.1, §5.3) on the port of
//! `--transport-host`. Producer: `POST /subscription`, `POST /event`
//! (ignored), `GET /health`, `GET /{address…}/{clientID}/CurrentState`.
//! Sidecar: `POST /event` (queued for the application), `GET /health`.
//! Errors carry `message` = `detail`. With bearer tokens on, `POST
//! /subscription` needs one (security.md §3).

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use crate::engine_link::EngineLink;
use crate::http::body::LimitedBody;
use crate::http::routes::{endpoint, listener};
use crate::http::security::{protect, BearerGuard};
use crate::http::{Flavor, Problem};
use crate::registry::{RegisterError, Registry, Role};
use ptp_event_core::events::{parse_transport_event, transport_current_state, EventData, Resource};

/// What the transport handlers use.
#[derive(Clone)]
pub struct TransportState {
    pub registry: Arc<Registry>,
    pub engine: EngineLink,
    /// Bearer tokens on `POST /subscription`.
    pub guard: Option<BearerGuard>,
}

#[derive(Serialize)]
struct Health {
    ok: bool,
}

/// The transport router of the role of `state.registry`.
pub fn router(state: TransportState) -> Router {
    let producer = state.registry.role() == Role::V1Producer;
    let mut r = Router::new()
        .route(
            "/health",
            endpoint("GET", get(|| async { Json(Health { ok: true }) })),
        )
        .route("/event", endpoint("POST", post(event)));
    if producer {
        let g = state.guard.as_ref();
        r = r.route(
            "/subscription",
            endpoint("POST", protect(post(subscription), g)),
        );
    }
    listener(
        r.with_state(state.clone()),
        move |m: Method, u: Uri| {
            let state = state.clone();
            async move { fallback(state, m, u).await }
        },
        Flavor::Transport,
    )
}

async fn event(
    State(st): State<TransportState>,
    headers: HeaderMap,
    LimitedBody(body): LimitedBody,
) -> Result<StatusCode, Problem> {
    let registry = &st.registry;
    if registry.role() == Role::V1Producer {
        return Ok(StatusCode::OK);
    }
    let lookup = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    match parse_transport_event(lookup, &body) {
        Ok(ev) => {
            let n = registry.forward(&ev);
            tracing::debug!(resource = %ev.resource, id = %ev.id, queued = n, "transport event received");
            Ok(StatusCode::OK)
        }
        Err(e) => {
            registry.metrics().transport_received("", false);
            Err(Problem::bad_request(e.to_string()))
        }
    }
}

async fn subscription(
    State(st): State<TransportState>,
    headers: HeaderMap,
    LimitedBody(body): LimitedBody,
) -> Result<StatusCode, Problem> {
    let subject = headers.get("ce-subject").and_then(|v| v.to_str().ok());
    let doc = super::doc::parse(&body, subject).map_err(|e| Problem::bad_request(e.to_string()))?;
    st.registry
        .register_client(doc)
        .await
        .map_err(|e| match e {
            RegisterError::Admission(a) => a.problem(),
            e @ RegisterError::Endpoint(_) => Problem::bad_request(e.to_string()),
            e @ RegisterError::Registry(_) => Problem::internal(e.to_string()),
        })?;
    Ok(StatusCode::OK)
}

/// `GET /{address…}/{clientID}/CurrentState` (producer); 404 otherwise.
async fn fallback(st: TransportState, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if st.registry.role() != Role::V1Producer || !path.ends_with("/CurrentState") {
        return Problem::no_such_path().into_response();
    }
    if method != Method::GET {
        return Problem::method_not_allowed("GET").into_response();
    }
    match current_state(&st, path).await {
        Ok(body) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(p) => p.into_response(),
    }
}

async fn current_state(st: &TransportState, path: &str) -> Result<bytes::Bytes, Problem> {
    let without = path.trim_end_matches("/CurrentState");
    let address = match without.rfind('/') {
        Some(i) if i > 0 => &without[..i],
        _ => return Err(Problem::bad_request("no resource address")),
    };
    let registry = &st.registry;
    let count = |ok: bool| registry.metrics().status_check(address, ok, false);
    let Some(resource) = Resource::from_v1_address(address) else {
        count(false);
        return Err(Problem::bad_request(format!(
            "resource {address} is not published"
        )));
    };
    let values = st
        .engine
        .ask(move |s| s.values(resource).map(<[_]>::to_vec))
        .await
        .flatten();
    let Some(values) = values else {
        count(false);
        return Err(Problem::bad_request(format!("no data yet for {address}")));
    };
    count(true);
    Ok(transport_current_state(
        &EventData { resource, values },
        registry.node(),
        &uuid::Uuid::new_v4(),
        SystemTime::now(),
    ))
}
