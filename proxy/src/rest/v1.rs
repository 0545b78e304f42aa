//! The legacy v1 REST API (rest-api.md §4), served by the v1 producer and
//! the v1 consumer sidecar. Every error is a problem document with an
//! `error` member equal to `detail`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value as Json_};

use super::{current_state_address, event_body, health, pretty};
use crate::engine_link::EngineLink;
use crate::http::body::LimitedBody;
use crate::http::routes::{endpoint, listener};
use crate::http::security::{protect, BearerGuard};
use crate::http::url::{endpoint_url, Url};
use crate::http::{Flavor, Problem};
use crate::registry::{Registry, RegistryError, Role, SubscriptionInfo, V1CreateError, V1Sub};
use ptp_event_core::events::{placeholder, v1_event, EventData, Resource};

/// Base path of the v1 API.
pub const BASE: &str = "/api/ocloudNotifications/v1";

/// Overall budget of the sidecar's CurrentState requests.
const CURRENT_STATE_BUDGET: Duration = Duration::from_secs(5);

/// What the v1 handlers use.
#[derive(Clone)]
pub struct V1State {
    pub registry: Arc<Registry>,
    pub engine: EngineLink,
    /// Producer base URLs (no trailing `/`); empty in the producer role.
    pub producers: Arc<Vec<String>>,
    /// This sidecar's transport client id.
    pub client_id: Arc<str>,
    /// Bearer tokens on the routes that change subscriptions.
    pub guard: Option<BearerGuard>,
}

/// The PubSub object (rest-api.md §4.1), v1 keys in their order.
#[derive(Debug, Serialize)]
pub struct PubSub<'a> {
    id: &'a str,
    #[serde(rename = "endpointUri")]
    endpoint_uri: &'a str,
    #[serde(rename = "uriLocation")]
    uri_location: &'a str,
    resource: &'a str,
}

impl<'a> From<&'a V1Sub> for PubSub<'a> {
    fn from(s: &'a V1Sub) -> Self {
        PubSub {
            id: &s.id,
            endpoint_uri: &s.endpoint,
            uri_location: &s.uri_location,
            resource: &s.resource,
        }
    }
}

/// `{"status": …}` answers.
#[derive(Debug, Serialize)]
struct Status {
    status: &'static str,
}

/// The v1 router.
pub fn router(state: V1State) -> Router {
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
        .route(
            &p("/subscriptions/status/{id}"),
            endpoint("PUT", protect(put(ping), g)),
        )
        .route(
            &p("/subscriptions/{id}"),
            endpoint("GET, DELETE", protect(get(get_one).delete(delete_one), g)),
        )
        .route(&p("/health"), endpoint("GET", get(health)))
        .route(&p("/publishers"), endpoint("GET", get(publishers)))
        .route(&p("/publishers/{id}"), endpoint("GET", get(publisher)))
        .route(&p("/dummy"), endpoint("POST", post(dummy)))
        .with_state(state.clone());
    listener(
        r,
        move |m: Method, u: Uri| {
            let state = state.clone();
            async move { fallback(state, m, u).await }
        },
        Flavor::V1,
    )
}

/// A validated `POST /subscriptions` (§4.3 step 1).
#[derive(Debug)]
pub struct V1Request {
    pub resource: String,
    pub endpoint: Option<(String, Url)>,
    /// The request used `ResourceAddress`: answer with the O-RAN keys.
    pub oran: bool,
}

/// A member by exact name, else case-insensitively (v1 clients vary).
fn member<'a>(obj: &'a Map<String, Json_>, name: &str) -> Option<&'a Json_> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Parses the v1 body: v1 keys case-insensitively, or the O-RAN keys
/// exactly.
pub fn parse_request(body: &[u8]) -> Result<V1Request, String> {
    let v: Json_ = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("body is not a JSON object")?;
    let oran = obj.contains_key("ResourceAddress");
    let (resource, endpoint) = if oran {
        (obj.get("ResourceAddress"), obj.get("EndpointUri"))
    } else {
        (member(obj, "resource"), member(obj, "endpointUri"))
    };
    let resource = resource
        .and_then(Json_::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("mandatory field resource is not set")?
        .to_string();
    let endpoint = match endpoint {
        None | Some(Json_::Null) => None,
        Some(Json_::String(e)) if e.trim().is_empty() => None,
        Some(Json_::String(e)) => {
            let e = e.trim();
            let url = endpoint_url("endpointUri", e).map_err(|err| err.to_string())?;
            Some((e.to_string(), url))
        }
        Some(_) => return Err("endpointUri is not a string".to_string()),
    };
    Ok(V1Request {
        resource,
        endpoint,
        oran,
    })
}

fn store_problem(e: RegistryError) -> Problem {
    Problem::internal(e.to_string())
}

async fn list(State(st): State<V1State>) -> Response {
    let subs = st.registry.v1_list();
    let items: Vec<PubSub<'_>> = subs.iter().map(PubSub::from).collect();
    pretty(&items)
}

async fn create(State(st): State<V1State>, LimitedBody(body): LimitedBody) -> Response {
    let req = match parse_request(&body) {
        Ok(r) => r,
        Err(detail) => return Problem::bad_request(detail).into_response(),
    };
    match st.registry.v1_create(req.resource, req.endpoint).await {
        Ok((sub, _new)) if req.oran => (
            StatusCode::CREATED,
            Json(SubscriptionInfo {
                resource: sub.resource,
                endpoint: sub.endpoint,
                id: sub.id,
                uri_location: sub.uri_location,
            }),
        )
            .into_response(),
        Ok((sub, _new)) => (StatusCode::CREATED, Json(PubSub::from(&sub))).into_response(),
        Err(e @ V1CreateError::EndpointCheck(_)) => {
            Problem::bad_request(e.to_string()).into_response()
        }
        Err(V1CreateError::Admission(a)) => a.problem().into_response(),
        Err(V1CreateError::Registry(e)) => store_problem(e).into_response(),
    }
}

async fn delete_all(State(st): State<V1State>) -> Result<Json<Status>, Problem> {
    st.registry.v1_delete_all().await.map_err(store_problem)?;
    Ok(Json(Status {
        status: "deleted all subscriptions",
    }))
}

async fn get_one(State(st): State<V1State>, Path(id): Path<String>) -> Response {
    match st.registry.v1_get(&id) {
        Some(s) => Json(PubSub::from(&s)).into_response(),
        None => Problem::bad_request(format!("subscription {id} not found")).into_response(),
    }
}

async fn delete_one(
    State(st): State<V1State>,
    Path(id): Path<String>,
) -> Result<Json<Status>, Problem> {
    match st.registry.v1_delete(&id).await.map_err(store_problem)? {
        true => Ok(Json(Status { status: "OK" })),
        false => Err(Problem::bad_request(format!("subscription {id} not found"))),
    }
}

fn publisher_sub(registry: &Registry, p: &crate::store::StoredPublisher) -> V1Sub {
    let base = registry.publisher_base();
    V1Sub {
        id: p.id.clone(),
        endpoint: format!("{base}/dummy"),
        uri_location: format!("{base}/publishers/{}", p.id),
        resource: p.resource.clone(),
    }
}

async fn publishers(State(st): State<V1State>) -> Response {
    let subs: Vec<V1Sub> = st
        .registry
        .publishers()
        .iter()
        .map(|p| publisher_sub(&st.registry, p))
        .collect();
    let items: Vec<PubSub<'_>> = subs.iter().map(PubSub::from).collect();
    pretty(&items)
}

async fn publisher(State(st): State<V1State>, Path(id): Path<String>) -> Response {
    match st.registry.publishers().iter().find(|p| p.id == id) {
        Some(p) => Json(PubSub::from(&publisher_sub(&st.registry, p))).into_response(),
        None => Problem::bad_request(format!("publisher {id} not found")).into_response(),
    }
}

async fn dummy() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `PUT /subscriptions/status/{id}`: queues the current state to the
/// subscription's endpoint (in the background in the sidecar).
async fn ping(State(st): State<V1State>, Path(id): Path<String>) -> Response {
    let registry = &st.registry;
    let Some(sub) = registry.v1_get(&id) else {
        registry.metrics().status_ping(false);
        return Problem::bad_request(format!("subscription {id} not found")).into_response();
    };
    registry.metrics().status_ping(true);
    if !sub.endpoint.is_empty() {
        match registry.role() {
            Role::V1Producer => {
                if let Some(kind) = Resource::from_v1_address(&sub.resource) {
                    let values = st
                        .engine
                        .ask(move |s| s.values(kind).map(<[_]>::to_vec))
                        .await
                        .flatten();
                    let data = match values {
                        Some(values) => EventData {
                            resource: kind,
                            values,
                        },
                        None => placeholder(kind, registry.node()),
                    };
                    registry.v1_queue_for(
                        &data,
                        &sub.resource,
                        SystemTime::now(),
                        Some(&sub.id),
                        Instant::now(),
                    );
                }
            }
            Role::V1Sidecar => {
                let st = st.clone();
                tokio::spawn(async move {
                    let r = crate::transport::fetch_current_data(
                        st.registry.http(),
                        &st.producers,
                        &sub.resource,
                        &st.client_id,
                        CURRENT_STATE_BUDGET,
                    )
                    .await;
                    match r {
                        Ok((data, source, time)) => {
                            st.registry.v1_queue_for(
                                &data,
                                &source,
                                time,
                                Some(&sub.id),
                                Instant::now(),
                            );
                        }
                        Err(e) => {
                            tracing::warn!(subscription = %sub.id, error = %e, "status ping: no current state")
                        }
                    }
                });
            }
            Role::V2Producer => {}
        }
    }
    (
        StatusCode::ACCEPTED,
        Json(Status {
            status: "ping sent",
        }),
    )
        .into_response()
}

/// `GET …/{resource}/CurrentState`; 404 for other paths.
async fn fallback(st: V1State, method: Method, uri: Uri) -> Response {
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

async fn current_state(st: &V1State, address: &str) -> Result<Response, Problem> {
    let registry = &st.registry;
    let sidecar = registry.role() == Role::V1Sidecar;
    let count = |ok: bool| registry.metrics().status_check(address, ok, sidecar);
    if sidecar {
        let r = crate::transport::fetch_current_state(
            registry.http(),
            &st.producers,
            address,
            &st.client_id,
            registry.v1_format(),
            CURRENT_STATE_BUDGET,
        )
        .await;
        count(r.is_ok());
        return r.map(event_body).map_err(Problem::bad_request);
    }
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
    Ok(event_body(v1_event(
        &EventData { resource, values },
        registry.node(),
        &uuid::Uuid::new_v4().to_string(),
        SystemTime::now(),
        registry.v1_format(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_keys_case_insensitive_and_oran_keys() {
        let r = parse_request(br#"{"EndpointURI":"http://127.0.0.1:1/e","Resource":"/r"}"#)
            .expect("valid");
        assert_eq!(r.resource, "/r");
        assert!(!r.oran);
        assert_eq!(
            r.endpoint.map(|e| e.0).as_deref(),
            Some("http://127.0.0.1:1/e")
        );
        let r = parse_request(br#"{"ResourceAddress":"/r","EndpointUri":"http://a:1/"}"#)
            .expect("valid");
        assert!(r.oran);
        let r = parse_request(br#"{"resource":"/r"}"#).expect("no endpoint is fine");
        assert!(r.endpoint.is_none());
    }

    #[test]
    fn refuses_bad_requests() {
        for bad in [
            &b"[]"[..],
            b"not json",
            br#"{"endpointUri":"http://a:1/"}"#,
            br#"{"resource":""}"#,
            br#"{"resource":"/r","endpointUri":"ftp://a/"}"#,
            br#"{"resource":"/r","endpointUri":5}"#,
            br#"{"resource":7}"#,
            br#"{"resource":"/r","endpointUri":"http://a:1/x\r\nX: 1"}"#,
            br#"{"resource":"/r","endpointUri":"http://u:p@a:1/"}"#,
        ] {
            assert!(
                parse_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn pubsub_key_order() {
        let s = V1Sub {
            id: "i".into(),
            resource: "/r".into(),
            endpoint: String::new(),
            uri_location: "u".into(),
        };
        assert_eq!(
            serde_json::to_string(&PubSub::from(&s)).expect("json"),
            r#"{"id":"i","endpointUri":"","uriLocation":"u","resource":"/r"}"#
        );
    }
}
