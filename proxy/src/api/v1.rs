//! The legacy v1 REST API (rest-api.md §4), served by the v1 producer and
//! the v1 consumer sidecar. Every error is a problem document with an
//! `error` member equal to `detail`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use serde_json::{Map, Value as Json};
use tokio::net::TcpListener;

use super::http::{cleaned, empty, json, json_str, problem, read_body, redirect, with_type};
use super::v2::{absolute_http_url, list_json};
use crate::delivery::Url;
use crate::v1hub::{V1CreateError, V1Hub, V1Role, V1Sub};
use ptp_event_core::events::{placeholder, v1_event, EventData, Resource};

/// Base path of the v1 API.
pub const BASE: &str = "/api/ocloudNotifications/v1";

/// What the v1 handlers need besides the hub (sidecar: the producers).
pub struct V1Api {
    pub hub: Arc<V1Hub>,
    /// Producer base URLs (no trailing `/`); empty in the producer role.
    pub producers: Vec<String>,
    /// This sidecar's transport client id.
    pub client_id: String,
    pub http: reqwest::Client,
}

/// Overall budget of the sidecar's CurrentState requests.
const CURRENT_STATE_BUDGET: Duration = Duration::from_secs(5);

/// A v1 error: problem+json carrying `error` = `detail`.
fn fail(status: StatusCode, detail: &str, instance: &str) -> Response<Body> {
    problem(status, detail, instance, &[("error", detail)])
}

fn bad(detail: &str, instance: &str) -> Response<Body> {
    fail(StatusCode::BAD_REQUEST, detail, instance)
}

fn not_allowed(allow: &'static str, instance: &str) -> Response<Body> {
    let mut r = fail(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this path",
        instance,
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn not_found(instance: &str) -> Response<Body> {
    fail(StatusCode::NOT_FOUND, "no such path", instance)
}

/// Serves the v1 API until `shutdown` resolves.
pub async fn serve_v1(
    listener: TcpListener,
    api: Arc<V1Api>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handler = move |req: Request<Body>| {
        let api = api.clone();
        async move { route(api, req).await }
    };
    crate::api::server::serve(listener, handler, shutdown).await
}

async fn route(api: Arc<V1Api>, req: Request<Body>) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(clean) = cleaned(&path) {
        return redirect(&clean, req.uri().query());
    }
    match path.strip_prefix(BASE).and_then(|r| r.strip_prefix('/')) {
        Some(rest) if !rest.is_empty() => {
            let rest = rest.to_string();
            handle(api, req, &rest).await
        }
        _ => not_found(&path),
    }
}

/// The PubSub object in the key set the request used.
fn pubsub_json(s: &V1Sub, oran: bool) -> String {
    if oran {
        format!(
            "{{\"ResourceAddress\":{},\"EndpointUri\":{},\"SubscriptionId\":{},\"UriLocation\":{}}}",
            json_str(&s.resource),
            json_str(&s.endpoint),
            json_str(&s.id),
            json_str(&s.uri_location)
        )
    } else {
        format!(
            "{{\"id\":{},\"endpointUri\":{},\"uriLocation\":{},\"resource\":{}}}",
            json_str(&s.id),
            json_str(&s.endpoint),
            json_str(&s.uri_location),
            json_str(&s.resource)
        )
    }
}

/// Validated input of POST /subscriptions.
#[derive(Debug)]
pub(crate) struct V1Request {
    pub resource: String,
    pub endpoint: Option<(String, Url)>,
    /// The request used `ResourceAddress`: answer with the O-RAN keys.
    pub oran: bool,
}

fn member<'a>(obj: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

pub(crate) fn parse_request(body: &[u8]) -> Result<V1Request, String> {
    let v: Json = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("body is not a JSON object")?;
    let oran = obj.contains_key("ResourceAddress");
    let (resource, endpoint) = if oran {
        (obj.get("ResourceAddress"), obj.get("EndpointUri"))
    } else {
        (member(obj, "resource"), member(obj, "endpointUri"))
    };
    let resource = resource
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("mandatory field resource is not set")?
        .to_string();
    let endpoint = match endpoint {
        None | Some(Json::Null) => None,
        Some(Json::String(e)) if e.trim().is_empty() => None,
        Some(Json::String(e)) => {
            let e = e.trim();
            let url = absolute_http_url(e)
                .ok_or_else(|| format!("endpointUri {e} is not an absolute http or https URL"))?;
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

async fn handle(api: Arc<V1Api>, req: Request<Body>, rest: &str) -> Response<Body> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let hub = &api.hub;
    let segs: Vec<&str> = rest.split('/').collect();
    let store_fail = |e: crate::store::StoreError| {
        fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), &path)
    };
    match segs.as_slice() {
        ["subscriptions"] => match method {
            Method::GET => {
                let items: Vec<String> = hub.list().iter().map(|s| pubsub_json(s, false)).collect();
                json(StatusCode::OK, list_json(&items))
            }
            Method::POST => create(hub, req, &path).await,
            Method::DELETE => match hub.delete_all().await {
                Ok(()) => json(StatusCode::OK, "{\"status\":\"deleted all subscriptions\"}"),
                Err(e) => store_fail(e),
            },
            _ => not_allowed("GET, POST, DELETE", &path),
        },
        ["subscriptions", "status", id] if !id.is_empty() => match method {
            Method::PUT => ping(&api, id, &path),
            _ => not_allowed("PUT", &path),
        },
        ["subscriptions", id] if !id.is_empty() => match method {
            Method::GET => match hub.get(id) {
                Some(s) => json(StatusCode::OK, pubsub_json(&s, false)),
                None => bad(&format!("subscription {id} not found"), &path),
            },
            Method::DELETE => match hub.delete(id).await {
                Ok(true) => json(StatusCode::OK, "{\"status\":\"OK\"}"),
                Ok(false) => bad(&format!("subscription {id} not found"), &path),
                Err(e) => store_fail(e),
            },
            _ => not_allowed("GET, DELETE", &path),
        },
        ["health"] => match method {
            Method::GET => with_type(StatusCode::OK, "text/plain; charset=utf-8", "OK".into()),
            _ => not_allowed("GET", &path),
        },
        ["publishers"] => match method {
            Method::GET => {
                let items: Vec<String> = hub
                    .publishers()
                    .iter()
                    .map(|p| publisher_json(hub, p))
                    .collect();
                json(StatusCode::OK, list_json(&items))
            }
            _ => not_allowed("GET", &path),
        },
        ["publishers", id] if !id.is_empty() => match method {
            Method::GET => match hub.publishers().iter().find(|p| p.id == *id) {
                Some(p) => json(StatusCode::OK, publisher_json(hub, p)),
                None => bad(&format!("publisher {id} not found"), &path),
            },
            _ => not_allowed("GET", &path),
        },
        ["dummy"] => match method {
            Method::POST => empty(StatusCode::NO_CONTENT),
            _ => not_allowed("POST", &path),
        },
        [.., "CurrentState"]
            if segs.len() > 1 && segs[..segs.len() - 1].iter().all(|s| !s.is_empty()) =>
        {
            match method {
                Method::GET => {
                    let address = format!("/{}", segs[..segs.len() - 1].join("/"));
                    current_state(&api, &address, &path).await
                }
                _ => not_allowed("GET", &path),
            }
        }
        _ => not_found(&path),
    }
}

fn publisher_json(hub: &V1Hub, p: &crate::store::StoredPublisher) -> String {
    let base = hub.base();
    pubsub_json(
        &V1Sub {
            id: p.id.clone(),
            endpoint: format!("{base}/dummy"),
            uri_location: format!("{base}/publishers/{}", p.id),
            resource: p.resource.clone(),
        },
        false,
    )
}

async fn create(hub: &V1Hub, req: Request<Body>, path: &str) -> Response<Body> {
    let body = match read_body(req, path).await {
        Ok(b) => b,
        Err(r) => {
            return super::http::closing(fail(r.status(), "request body larger than 64 KiB", path));
        }
    };
    let request = match parse_request(&body) {
        Ok(r) => r,
        Err(detail) => return bad(&detail, path),
    };
    match hub.create(request.resource, request.endpoint).await {
        Ok((sub, _new)) => json(StatusCode::CREATED, pubsub_json(&sub, request.oran)),
        Err(e @ V1CreateError::EndpointCheck(_)) => bad(&e.to_string(), path),
        Err(e @ V1CreateError::Store(_)) => {
            fail(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), path)
        }
    }
}

async fn current_state(api: &V1Api, address: &str, path: &str) -> Response<Body> {
    let hub = &api.hub;
    let status = |ok: bool| {
        if let Ok(m) = hub.metrics().lock() {
            m.status_check_received
                .with_label_values(&[address, if ok { "success" } else { "failed" }])
                .inc();
            if hub.role() == V1Role::Sidecar {
                m.transport_status_check_published
                    .with_label_values(&[address, if ok { "success" } else { "failed" }])
                    .inc();
            }
        }
    };
    if hub.role() == V1Role::Sidecar {
        let r = crate::transport::fetch_current_state(
            &api.http,
            &api.producers,
            address,
            &api.client_id,
            hub.format(),
            CURRENT_STATE_BUDGET,
        )
        .await;
        status(r.is_ok());
        return match r {
            Ok(body) => json(StatusCode::OK, body),
            Err(detail) => bad(&detail, path),
        };
    }
    let Some(resource) = Resource::from_v1_address(address) else {
        status(false);
        return bad(&format!("resource {address} is not published"), path);
    };
    let Some(values) = hub.current(resource) else {
        status(false);
        return bad(&format!("no data yet for {address}"), path);
    };
    status(true);
    let body = v1_event(
        &EventData { resource, values },
        hub.node(),
        &uuid::Uuid::new_v4().to_string(),
        SystemTime::now(),
        hub.format(),
    );
    json(StatusCode::OK, body)
}

/// `PUT /subscriptions/status/{id}`: queue the current state to the
/// subscription's endpoint (in the background in the sidecar).
fn ping(api: &Arc<V1Api>, id: &str, path: &str) -> Response<Body> {
    let hub = &api.hub;
    let count = |ok: bool| {
        if let Ok(m) = hub.metrics().lock() {
            m.status_ping
                .with_label_values(&[if ok { "success" } else { "failed" }])
                .inc();
        }
    };
    let Some(sub) = hub.get(id) else {
        count(false);
        return bad(&format!("subscription {id} not found"), path);
    };
    count(true);
    if !sub.endpoint.is_empty() {
        match hub.role() {
            V1Role::Producer => {
                if let Some(kind) = Resource::from_v1_address(&sub.resource) {
                    let data = match hub.current(kind) {
                        Some(values) => EventData {
                            resource: kind,
                            values,
                        },
                        None => placeholder(kind, hub.node()),
                    };
                    hub.queue_for(&data, &sub.resource, SystemTime::now(), Some(&sub.id));
                }
            }
            V1Role::Sidecar => {
                let api = api.clone();
                tokio::spawn(async move {
                    let r = crate::transport::fetch_current_data(
                        &api.http,
                        &api.producers,
                        &sub.resource,
                        &api.client_id,
                        CURRENT_STATE_BUDGET,
                    )
                    .await;
                    match r {
                        Ok((data, source, time)) => {
                            api.hub.queue_for(&data, &source, time, Some(&sub.id));
                        }
                        Err(e) => {
                            tracing::warn!(subscription = %sub.id, error = %e, "status ping: no current state")
                        }
                    }
                });
            }
        }
    }
    json(StatusCode::ACCEPTED, "{\"status\":\"ping sent\"}")
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
        ] {
            assert!(
                parse_request(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn pubsub_key_orders() {
        let s = V1Sub {
            id: "i".into(),
            resource: "/r".into(),
            endpoint: String::new(),
            uri_location: "u".into(),
        };
        assert_eq!(
            pubsub_json(&s, false),
            r#"{"id":"i","endpointUri":"","uriLocation":"u","resource":"/r"}"#
        );
        assert_eq!(
            pubsub_json(&s, true),
            r#"{"ResourceAddress":"/r","EndpointUri":"","SubscriptionId":"i","UriLocation":"u"}"#
        );
    }
}
