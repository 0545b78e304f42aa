//! The O-RAN v2 REST API (rest-api.md §3).

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};

use super::http::{empty, json, json_str, not_allowed, not_found, problem, read_body};
use crate::delivery::Url;
use crate::hub::{CreateError, Hub, SubscriptionInfo};
use ptp_event_core::events::{v2_event, EventData, Resource};

/// Base path of the v2 API.
pub const BASE: &str = "/api/ocloudNotifications/v2";

fn info_json(s: &SubscriptionInfo) -> String {
    format!(
        "{{\"ResourceAddress\":{},\"EndpointUri\":{},\"SubscriptionId\":{},\"UriLocation\":{}}}",
        json_str(&s.resource),
        json_str(&s.endpoint),
        json_str(&s.id),
        json_str(&s.uri_location)
    )
}

/// A list indented with one space per level, like the reference.
pub(crate) fn list_json(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for (i, item) in items.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(item).unwrap_or_default();
        let mut buf = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
        if serde::Serialize::serialize(&v, &mut ser).is_ok() {
            let text = String::from_utf8_lossy(&buf);
            for line in text.lines() {
                out.push(' ');
                out.push_str(line);
                out.push('\n');
            }
            if i + 1 < items.len() {
                out.pop();
                out.push_str(",\n");
            }
        }
    }
    out.push(']');
    out
}

/// Validated input of POST /subscriptions.
fn parse_subscription(body: &[u8]) -> Result<(String, String, Url), String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("body is not a JSON object")?;
    let resource = obj
        .get("ResourceAddress")
        .and_then(|r| r.as_str())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("mandatory field ResourceAddress is not set")?;
    let endpoint = obj
        .get("EndpointUri")
        .and_then(|r| r.as_str())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or("mandatory field EndpointUri is not set")?;
    let url = absolute_http_url(endpoint)
        .ok_or_else(|| format!("EndpointUri {endpoint} is not an absolute http or https URL"))?;
    Ok((resource.to_string(), endpoint.to_string(), url))
}

/// An absolute http(s) URL with a non-empty host.
pub fn absolute_http_url(s: &str) -> Option<Url> {
    let url = Url::parse(s).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.port() != Some(0);
    ok.then_some(url)
}

/// Dispatches a request under the v2 base path; `rest` is the path after
/// `BASE/`.
pub async fn handle(hub: Arc<Hub>, req: Request<Body>, rest: &str) -> Response<Body> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let segs: Vec<&str> = rest.split('/').collect();
    match segs.as_slice() {
        ["subscriptions"] => match method {
            Method::GET => {
                let items: Vec<String> = hub.list().iter().map(info_json).collect();
                json(StatusCode::OK, list_json(&items))
            }
            Method::POST => create(hub, req, &path).await,
            Method::DELETE => match hub.delete_all().await {
                Ok(()) => empty(StatusCode::NO_CONTENT),
                Err(e) => problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                    &path,
                    &[],
                ),
            },
            _ => not_allowed("GET, POST, DELETE", &path),
        },
        ["subscriptions", "status", _] => match method {
            Method::PUT => problem(
                StatusCode::BAD_REQUEST,
                "subscription status ping is not supported in v2",
                &path,
                &[],
            ),
            _ => not_allowed("PUT", &path),
        },
        ["subscriptions", id] if !id.is_empty() => match method {
            Method::GET => match hub.get(id) {
                Some(s) => json(StatusCode::OK, info_json(&s)),
                None => problem(
                    StatusCode::NOT_FOUND,
                    &format!("subscription {id} not found"),
                    &path,
                    &[],
                ),
            },
            Method::DELETE => match hub.delete(id).await {
                Ok(true) => empty(StatusCode::NO_CONTENT),
                Ok(false) => problem(
                    StatusCode::NOT_FOUND,
                    &format!("subscription {id} not found"),
                    &path,
                    &[],
                ),
                Err(e) => problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &e.to_string(),
                    &path,
                    &[],
                ),
            },
            _ => not_allowed("GET, DELETE", &path),
        },
        ["health"] => match method {
            Method::GET => super::http::with_type(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                Body::from("OK"),
            ),
            _ => not_allowed("GET", &path),
        },
        ["publishers"] => match method {
            Method::GET => {
                let items: Vec<String> = hub
                    .publishers()
                    .iter()
                    .map(|p| publisher_json(&hub, p))
                    .collect();
                json(StatusCode::OK, list_json(&items))
            }
            _ => not_allowed("GET", &path),
        },
        ["publishers", id] if !id.is_empty() => match method {
            Method::GET => match hub.publishers().iter().find(|p| p.id == *id) {
                Some(p) => json(StatusCode::OK, publisher_json(&hub, p)),
                None => problem(
                    StatusCode::BAD_REQUEST,
                    &format!("publisher {id} not found"),
                    &path,
                    &[],
                ),
            },
            _ => not_allowed("GET", &path),
        },
        ["dummy"] | ["dummy2"] => match method {
            Method::POST => empty(StatusCode::NO_CONTENT),
            _ => not_allowed("POST", &path),
        },
        [.., "CurrentState"]
            if segs.len() > 1 && segs[..segs.len() - 1].iter().all(|s| !s.is_empty()) =>
        {
            match method {
                Method::GET => current_state(&hub, &segs[..segs.len() - 1].join("/"), &path),
                _ => not_allowed("GET", &path),
            }
        }
        _ => not_found(&path),
    }
}

fn publisher_json(hub: &Hub, p: &crate::store::StoredPublisher) -> String {
    let base = hub.publisher_base();
    info_json(&SubscriptionInfo {
        resource: p.resource.clone(),
        endpoint: format!("{base}/dummy"),
        id: p.id.clone(),
        uri_location: format!("{base}/publishers/{}", p.id),
    })
}

fn current_state(hub: &Hub, address: &str, path: &str) -> Response<Body> {
    let address = format!("/{address}");
    let status = |ok: bool| {
        if let Ok(m) = hub.metrics().lock() {
            m.status_check_received
                .with_label_values(&[address.as_str(), if ok { "success" } else { "failed" }])
                .inc();
        }
    };
    let Some(resource) = Resource::from_v2_address(&address) else {
        status(false);
        return problem(
            StatusCode::NOT_FOUND,
            &format!("resource {address} is not published"),
            path,
            &[],
        );
    };
    let Some(values) = hub.current(resource) else {
        status(false);
        return problem(
            StatusCode::NOT_FOUND,
            &format!("no data yet for {address}"),
            path,
            &[],
        );
    };
    status(true);
    let body = v2_event(
        &EventData { resource, values },
        &uuid::Uuid::new_v4(),
        SystemTime::now(),
    );
    json(StatusCode::OK, body)
}

async fn create(hub: Arc<Hub>, req: Request<Body>, path: &str) -> Response<Body> {
    let body = match read_body(req, path).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (resource, endpoint, url) = match parse_subscription(&body) {
        Ok(v) => v,
        Err(detail) => return problem(StatusCode::BAD_REQUEST, &detail, path, &[]),
    };
    match hub.create(resource, endpoint, url).await {
        Ok(info) => json(StatusCode::CREATED, info_json(&info)),
        Err(CreateError::Duplicate(existing)) => problem(
            StatusCode::CONFLICT,
            "a subscription for this ResourceAddress and EndpointUri already exists",
            path,
            &[
                ("SubscriptionId", &existing.id),
                ("UriLocation", &existing.uri_location),
            ],
        ),
        Err(e @ CreateError::UnknownResource(_)) => {
            problem(StatusCode::NOT_FOUND, &e.to_string(), path, &[])
        }
        Err(e @ CreateError::InitialNotification { .. }) => {
            problem(StatusCode::BAD_REQUEST, &e.to_string(), path, &[])
        }
        Err(e @ CreateError::Store(_)) => {
            problem(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), path, &[])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_body_rules() {
        let ok = br#"{"ResourceAddress":" /cluster/node/n/sync/ptp-status/lock-state ","EndpointUri":"http://127.0.0.1:9/event"}"#;
        let (r, e, _) = parse_subscription(ok).expect("valid");
        assert_eq!(r, "/cluster/node/n/sync/ptp-status/lock-state");
        assert_eq!(e, "http://127.0.0.1:9/event");
        for bad in [
            &b"[]"[..],
            br#"{"resource":"/x","endpointUri":"http://a:1/"}"#,
            br#"{"ResourceAddress":"","EndpointUri":"http://a:1/"}"#,
            br#"{"ResourceAddress":"/x"}"#,
            br#"{"ResourceAddress":"/x","EndpointUri":"ftp://a/"}"#,
            br#"{"ResourceAddress":"/x","EndpointUri":"/relative"}"#,
            br#"{"ResourceAddress":5,"EndpointUri":"http://a:1/"}"#,
        ] {
            assert!(
                parse_subscription(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn lists_are_arrays_indented_by_one_space() {
        assert_eq!(list_json(&[]), "[]");
        let l = list_json(&["{\"a\":1}".to_string(), "{\"b\":2}".to_string()]);
        let v: serde_json::Value = serde_json::from_str(&l).expect("json");
        assert_eq!(v, serde_json::json!([{"a":1},{"b":2}]));
        assert!(l.contains("\n  \"a\": 1"));
    }
}
