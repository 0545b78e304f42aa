//! The Subscriber document a v1 consumer sidecar sends to a producer's
//! `POST /subscription` (rest-api.md §5.1): parsed (keys matched
//! case-insensitively, as the reference's documents vary) into a
//! registration, and built by the sidecar. Pure.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::registry::{Action, ClientRegistration, V1Sub};
use crate::store::TransportSubscription;

/// The registration a document carries.
pub type SubscriberDoc = ClientRegistration;

/// Why a Subscriber document was refused (400 with `message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error("body is not a JSON object")]
    NotAnObject,
    #[error("clientID is missing")]
    NoClientId,
    #[error("EndpointUri is missing or not an http(s) URL")]
    NoEndpoint,
    #[error("unknown action {0}")]
    Action(String),
    #[error("subStore entry {0} has no resource")]
    NoResource(String),
}

fn member<'a>(obj: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string(obj: &Map<String, Json>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| member(obj, n).and_then(Json::as_str))
        .map(|s| s.trim().to_string())
}

/// Parses the body of `POST /subscription`; `subject` is `ce-subject`
/// (used when `action` is absent).
pub fn parse(body: &[u8], subject: Option<&str>) -> Result<SubscriberDoc, DocError> {
    let v: Json = serde_json::from_slice(body).map_err(|_| DocError::NotAnObject)?;
    let obj = v.as_object().ok_or(DocError::NotAnObject)?;
    let client_id = string(obj, &["clientID"])
        .filter(|s| !s.is_empty())
        .ok_or(DocError::NoClientId)?;
    let action = match member(obj, "action") {
        Some(Json::Number(n)) => match n.as_u64() {
            Some(0) => Action::New,
            Some(2) => Action::Delete,
            _ => return Err(DocError::Action(n.to_string())),
        },
        Some(Json::String(s)) => parse_action(s)?,
        _ => parse_action(subject.unwrap_or("NEW"))?,
    };
    let endpoint = string(obj, &["EndpointUri", "endpointUri"]).unwrap_or_default();
    if action == Action::New && crate::http::url::endpoint_url("EndpointUri", &endpoint).is_err() {
        return Err(DocError::NoEndpoint);
    }
    let mut subscriptions = Vec::new();
    let store = member(obj, "subStore")
        .and_then(Json::as_object)
        .and_then(|s| member(s, "store"))
        .and_then(Json::as_object);
    for (key, entry) in store.into_iter().flatten() {
        let Some(e) = entry.as_object() else {
            return Err(DocError::NoResource(key.clone()));
        };
        // The O-RAN keys exactly, else the v1 keys in any case; trimmed
        // either way, so that a blank resource is none.
        let exact = |k: &str| {
            e.get(k)
                .and_then(Json::as_str)
                .map(|s| s.trim().to_string())
        };
        let resource = exact("ResourceAddress")
            .or_else(|| string(e, &["resource"]))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| DocError::NoResource(key.clone()))?;
        subscriptions.push(TransportSubscription {
            id: exact("SubscriptionId")
                .or_else(|| string(e, &["id"]))
                .unwrap_or_else(|| key.clone()),
            resource,
            endpoint: exact("EndpointUri")
                .or_else(|| string(e, &["endpointUri"]))
                .unwrap_or_default(),
            uri_location: exact("UriLocation")
                .or_else(|| string(e, &["uriLocation"]))
                .unwrap_or_default(),
        });
    }
    Ok(SubscriberDoc {
        client_id,
        endpoint,
        action,
        subscriptions,
    })
}

/// One entry of the document's `subStore.store`.
#[derive(Serialize)]
struct StoreEntry<'a> {
    id: &'a str,
    #[serde(rename = "endpointUri")]
    endpoint_uri: &'a str,
    #[serde(rename = "uriLocation")]
    uri_location: &'a str,
    resource: &'a str,
}

#[derive(Serialize)]
struct SubStore<'a> {
    store: std::collections::BTreeMap<&'a str, StoreEntry<'a>>,
}

/// The document, members in the order of the spec's example.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "clientID")]
    client_id: &'a str,
    #[serde(rename = "subStore")]
    sub_store: SubStore<'a>,
    #[serde(rename = "EndpointUri")]
    endpoint_uri: &'a str,
    status: u8,
    action: u8,
}

/// The sidecar's document (rest-api.md §5.1 example).
pub fn build(client_id: &str, endpoint: &str, action: Action, subs: &[V1Sub]) -> String {
    let store = subs
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                StoreEntry {
                    id: &s.id,
                    endpoint_uri: &s.endpoint,
                    uri_location: &s.uri_location,
                    resource: &s.resource,
                },
            )
        })
        .collect();
    let doc = Document {
        client_id,
        sub_store: SubStore { store },
        endpoint_uri: endpoint,
        status: 1,
        action: match action {
            Action::New => 0,
            Action::Delete => 2,
        },
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

fn parse_action(s: &str) -> Result<Action, DocError> {
    match s.trim().to_ascii_uppercase().as_str() {
        "NEW" | "0" => Ok(Action::New),
        "DELETE" | "2" => Ok(Action::Delete),
        other => Err(DocError::Action(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"clientID":"b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f","subStore":{"store":{"e23473d9-ba18-4f78-946e-401a0caeff90":{"id":"e23473d9-ba18-4f78-946e-401a0caeff90","endpointUri":"http://localhost:8989/event","uriLocation":"http://localhost:8089/api/ocloudNotifications/v1/subscriptions/e23473d9-ba18-4f78-946e-401a0caeff90","resource":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state"}}},"EndpointUri":"http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043","status":1,"action":0}"#;

    #[test]
    fn parses_the_spec_example() {
        let d = parse(EXAMPLE.as_bytes(), None).expect("valid");
        assert_eq!(d.client_id, "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f");
        assert_eq!(d.action, Action::New);
        assert_eq!(d.subscriptions.len(), 1);
        assert_eq!(
            d.subscriptions[0].resource,
            "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state"
        );
        assert_eq!(d.subscriptions[0].endpoint, "http://localhost:8989/event");
    }

    #[test]
    fn keys_case_insensitive_oran_entries_and_subject_fallback() {
        let body = r#"{"CLIENTID":"c","endpointuri":"http://h:1","SUBSTORE":{"Store":{"x":{"ResourceAddress":"/r","EndpointUri":"http://a:2/e","SubscriptionId":"s1"}}}}"#;
        let d = parse(body.as_bytes(), Some("DELETE")).expect("valid");
        assert_eq!(d.action, Action::Delete);
        assert_eq!(d.subscriptions[0].id, "s1");
        assert_eq!(d.subscriptions[0].resource, "/r");
        let d = parse(body.as_bytes(), None).expect("valid");
        assert_eq!(d.action, Action::New);
    }

    #[test]
    fn refuses_bad_documents() {
        for bad in [
            "[]",
            "{}",
            r#"{"clientID":"c","action":0}"#,
            r#"{"clientID":"c","EndpointUri":"http://h:1","action":7}"#,
            r#"{"clientID":"c","EndpointUri":"http://h:1","subStore":{"store":{"x":{}}}}"#,
        ] {
            assert!(parse(bad.as_bytes(), None).is_err(), "{bad}");
        }
    }

    /// Found by the rest_bodies fuzz target (its input, minimised): a blank
    /// `ResourceAddress` was taken as the resource `" "`, while the same
    /// entry built back (`resource`, trimmed) was refused.
    #[test]
    fn a_blank_resource_address_is_no_resource() {
        let body = br#"{
  "clientID":"1","subStore": {
 "store": {
 "5}":{ "ResourceAddress":" "}   }}, "": 0 }"#;
        assert_eq!(
            parse(body, Some("DELETE")),
            Err(DocError::NoResource("5}".into()))
        );
        let body = br#"{"clientID":"c","EndpointUri":"http://h:1","subStore":{"store":{"x":{"ResourceAddress":" /r ","SubscriptionId":" s "}}}}"#;
        let d = parse(body, None).expect("valid");
        assert_eq!(d.subscriptions[0].resource, "/r");
        assert_eq!(d.subscriptions[0].id, "s");
        let again = build(
            &d.client_id,
            &d.endpoint,
            d.action,
            &[V1Sub {
                id: "s".into(),
                resource: "/r".into(),
                endpoint: String::new(),
                uri_location: String::new(),
            }],
        );
        assert_eq!(
            parse(again.as_bytes(), None).expect("valid").subscriptions,
            d.subscriptions
        );
    }

    #[test]
    fn build_then_parse_round_trips() {
        let subs = vec![V1Sub {
            id: "i".into(),
            resource: "/r".into(),
            endpoint: "http://a:1/e".into(),
            uri_location: "http://localhost:8089/x".into(),
        }];
        let text = build("c", "http://h:9", Action::New, &subs);
        let d = parse(text.as_bytes(), None).expect("valid");
        assert_eq!(d.client_id, "c");
        assert_eq!(d.endpoint, "http://h:9");
        assert_eq!(d.subscriptions[0].id, "i");
        assert_eq!(d.subscriptions[0].uri_location, "http://localhost:8089/x");
    }
}
