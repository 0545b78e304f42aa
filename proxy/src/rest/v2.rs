//! The O-RAN v2 REST API (rest-api.md §3): one axum router on
//! `--api-port`.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value as Json_;

use super::{current_state_address, event_body, health, pretty};
use crate::engine_link::EngineLink;
use crate::http::body::LimitedBody;
use crate::http::routes::{endpoint, listener};
use crate::http::security::{protect, BearerGuard};
use crate::http::url::endpoint_url;
use crate::http::{Flavor, Problem};
use crate::registry::{CreateError, NewSubscription, Registry, RegistryError, SubscriptionInfo};
use crate::store::StoredPublisher;
use ptp_event_core::events::{v2_event, EventData, Resource};

/// Base path of the v2 API.
pub const BASE: &str = "/api/ocloudNotifications/v2";

/// What the v2 handlers use.
#[derive(Clone)]
pub struct V2State {
    pub registry: Arc<Registry>,
    pub engine: EngineLink,
    /// Bearer tokens on the routes that change subscriptions.
    pub guard: Option<BearerGuard>,
}

/// The v2 router.
pub fn router(state: V2State) -> Router {
    let p = |s: &str| format!("{BASE}{s}");
    let g = state.guard.as_ref();
    let r = Router::new()
        .route(
            &p("/subscriptions"),
            endpoint(
                "GET, POST, DELETE",
                protect(get(list).post(create).delete(delete_all), g),
            ),
        )
        .route(&p("/subscriptions/status/{id}"), endpoint("PUT", put(ping)))
        .route(
            &p("/subscriptions/{id}"),
            endpoint("GET, DELETE", protect(get(get_one).delete(delete_one), g)),
        )
        .route(&p("/health"), endpoint("GET", get(health)))
        .route(&p("/publishers"), endpoint("GET", get(publishers)))
        .route(&p("/publishers/{id}"), endpoint("GET", get(publisher)))
        .route(&p("/dummy"), endpoint("POST", post(dummy)))
        .route(&p("/dummy2"), endpoint("POST", post(dummy)))
        .with_state(state.clone());
    listener(
        r,
        move |m: Method, u: Uri| {
            let state = state.clone();
            async move { fallback(state, m, u).await }
        },
        Flavor::Plain,
    )
}

/// The body of `POST /subscriptions` (rest-api.md §3.2): case-sensitive
/// keys, other keys ignored; types checked by `validate`.
#[derive(Debug, Deserialize)]
pub struct SubscriptionRequest {
    #[serde(rename = "ResourceAddress", default)]
    resource: Option<Json_>,
    #[serde(rename = "EndpointUri", default)]
    endpoint: Option<Json_>,
}

/// Steps 2–3 of §3.3.
pub fn validate(body: &[u8]) -> Result<NewSubscription, Problem> {
    let req: SubscriptionRequest = match serde_json::from_slice::<Json_>(body) {
        Ok(v) if v.is_object() => serde_json::from_value(v)
            .map_err(|e| Problem::bad_request(format!("body is not a subscription: {e}")))?,
        Ok(_) => return Err(Problem::bad_request("body is not a JSON object")),
        Err(e) => return Err(Problem::bad_request(format!("body is not JSON: {e}"))),
    };
    let field = |v: Option<Json_>, name: &str| match v {
        Some(Json_::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Some(Json_::String(_)) | None | Some(Json_::Null) => Err(Problem::bad_request(format!(
            "mandatory field {name} is not set"
        ))),
        Some(_) => Err(Problem::bad_request(format!("{name} is not a string"))),
    };
    let resource = field(req.resource, "ResourceAddress")?;
    let endpoint = field(req.endpoint, "EndpointUri")?;
    let url =
        endpoint_url("EndpointUri", &endpoint).map_err(|e| Problem::bad_request(e.to_string()))?;
    Ok(NewSubscription {
        resource,
        endpoint,
        url,
    })
}

fn store_problem(e: RegistryError) -> Problem {
    Problem::internal(e.to_string())
}

async fn list(State(st): State<V2State>) -> Response {
    pretty(&st.registry.v2_list())
}

async fn create(State(st): State<V2State>, LimitedBody(body): LimitedBody) -> Response {
    let new = match validate(&body) {
        Ok(n) => n,
        Err(p) => return p.into_response(),
    };
    let registry = st.registry.clone();
    let asked = new.clone();
    let reserved = st
        .engine
        .ask(move |snap| registry.v2_reserve(&asked, snap))
        .await
        .unwrap_or(Err(CreateError::NoEngine));
    let result = match reserved {
        Ok(r) => st.registry.v2_create(new, r).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(info) => (StatusCode::CREATED, Json(info)).into_response(),
        Err(e) => create_problem(e).into_response(),
    }
}

fn create_problem(e: CreateError) -> Problem {
    match e {
        CreateError::Duplicate(existing) => Problem::new(
            StatusCode::CONFLICT,
            "a subscription for this ResourceAddress and EndpointUri already exists",
        )
        .with("SubscriptionId", existing.id)
        .with("UriLocation", existing.uri_location),
        e @ CreateError::UnknownResource(_) => Problem::not_found(e.to_string()),
        e @ CreateError::InitialNotification { .. } => Problem::bad_request(e.to_string()),
        e @ CreateError::NoEngine => Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        CreateError::Admission(a) => a.problem(),
        CreateError::Registry(e) => store_problem(e),
    }
}

async fn delete_all(State(st): State<V2State>) -> Result<StatusCode, Problem> {
    st.registry.v2_delete_all().await.map_err(store_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn ping() -> Problem {
    Problem::bad_request("subscription status ping is not supported in v2")
}

async fn get_one(
    State(st): State<V2State>,
    Path(id): Path<String>,
) -> Result<Json<SubscriptionInfo>, Problem> {
    st.registry
        .v2_get(&id)
        .map(Json)
        .ok_or_else(|| Problem::not_found(format!("subscription {id} not found")))
}

async fn delete_one(
    State(st): State<V2State>,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    match st.registry.v2_delete(&id).await.map_err(store_problem)? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(Problem::not_found(format!("subscription {id} not found"))),
    }
}

/// A publisher as `GET /publishers` shows it (the SubscriptionInfo shape).
fn publisher_info(registry: &Registry, p: &StoredPublisher) -> SubscriptionInfo {
    let base = registry.publisher_base();
    SubscriptionInfo {
        resource: p.resource.clone(),
        endpoint: format!("{base}/dummy"),
        id: p.id.clone(),
        uri_location: format!("{base}/publishers/{}", p.id),
    }
}

async fn publishers(State(st): State<V2State>) -> Response {
    let items: Vec<SubscriptionInfo> = st
        .registry
        .publishers()
        .iter()
        .map(|p| publisher_info(&st.registry, p))
        .collect();
    pretty(&items)
}

async fn publisher(
    State(st): State<V2State>,
    Path(id): Path<String>,
) -> Result<Json<SubscriptionInfo>, Problem> {
    st.registry
        .publishers()
        .iter()
        .find(|p| p.id == id)
        .map(|p| Json(publisher_info(&st.registry, p)))
        .ok_or_else(|| Problem::bad_request(format!("publisher {id} not found")))
}

async fn dummy() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `GET …/{ResourceAddress}/CurrentState`; 404 for other paths.
async fn fallback(st: V2State, method: Method, uri: Uri) -> Response {
    let Some(address) = current_state_address(uri.path(), BASE) else {
        return Problem::no_such_path().into_response();
    };
    if method != Method::GET {
        return Problem::method_not_allowed("GET").into_response();
    }
    match current_state(&st, &address).await {
        Ok(r) => r,
        Err(p) => p.into_response(),
    }
}

async fn current_state(st: &V2State, address: &str) -> Result<Response, Problem> {
    let count = |ok: bool| st.registry.metrics().status_check(address, ok, false);
    let Some(resource) = Resource::from_v2_address(address) else {
        count(false);
        return Err(Problem::not_found(format!(
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
        return Err(Problem::not_found(format!("no data yet for {address}")));
    };
    count(true);
    Ok(event_body(v2_event(
        &EventData { resource, values },
        &uuid::Uuid::new_v4(),
        SystemTime::now(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_body_rules() {
        let ok = br#"{"ResourceAddress":" /cluster/node/n/sync/ptp-status/lock-state ","EndpointUri":"http://127.0.0.1:9/event"}"#;
        let n = validate(ok).expect("valid");
        assert_eq!(n.resource, "/cluster/node/n/sync/ptp-status/lock-state");
        assert_eq!(n.endpoint, "http://127.0.0.1:9/event");
        for (bad, why) in [
            (&b"[]"[..], "not a JSON object"),
            (b"nope", "not JSON"),
            (
                br#"{"resource":"/x","endpointUri":"http://a:1/"}"#,
                "ResourceAddress is not set",
            ),
            (
                br#"{"ResourceAddress":"","EndpointUri":"http://a:1/"}"#,
                "ResourceAddress is not set",
            ),
            (br#"{"ResourceAddress":"/x"}"#, "EndpointUri is not set"),
            (
                br#"{"ResourceAddress":"/x","EndpointUri":"ftp://a/"}"#,
                "not an absolute http",
            ),
            (
                br#"{"ResourceAddress":"/x","EndpointUri":"/relative"}"#,
                "not an absolute http",
            ),
            (
                br#"{"ResourceAddress":5,"EndpointUri":"http://a:1/"}"#,
                "not a string",
            ),
            (
                br#"{"ResourceAddress":"/x","EndpointUri":"http://u:p@a:1/"}"#,
                "credentials",
            ),
        ] {
            let p = validate(bad).expect_err(&String::from_utf8_lossy(bad));
            assert_eq!(p.status, StatusCode::BAD_REQUEST);
            assert!(
                p.detail.contains(why),
                "{}: {}",
                String::from_utf8_lossy(bad),
                p.detail
            );
        }
    }
}
