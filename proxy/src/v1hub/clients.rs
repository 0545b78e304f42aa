//! The v1 producer's transport clients (rest-api.md §5.1): the Subscriber
//! document a consumer sidecar sends to `POST /subscription` (parsed and
//! built here, pure), and the registry of clients (NEW merges, DELETE
//! removes; persisted in `transportClients`).

use serde_json::{Map, Value as Json};

use super::{lock, save_store, Client, V1Hub, V1Sub, TRANSPORT_KEY_PREFIX};
use crate::delivery::{SubscriberKey, Url};
use crate::store::{TransportClient, TransportSubscription};

/// The operation of a Subscriber document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `action` 0 / `ce-subject: NEW`.
    New,
    /// `action` 2 / `ce-subject: DELETE`.
    Delete,
}

/// A consumer sidecar's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberDoc {
    pub client_id: String,
    /// The sidecar's transport base URL.
    pub endpoint: String,
    pub action: Action,
    pub subscriptions: Vec<TransportSubscription>,
}

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

impl SubscriberDoc {
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
        if action == Action::New && crate::api::v2::absolute_http_url(&endpoint).is_none() {
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
            let resource = e
                .get("ResourceAddress")
                .and_then(Json::as_str)
                .map(str::to_string)
                .or_else(|| string(e, &["resource"]))
                .filter(|r| !r.is_empty())
                .ok_or_else(|| DocError::NoResource(key.clone()))?;
            let exact = |k: &str| e.get(k).and_then(Json::as_str).map(str::to_string);
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

    /// The sidecar's document (rest-api.md §5.1 example).
    pub fn build(client_id: &str, endpoint: &str, action: Action, subs: &[V1Sub]) -> String {
        let mut store = Map::new();
        for s in subs {
            store.insert(
                s.id.clone(),
                serde_json::json!({
                    "id": s.id, "endpointUri": s.endpoint,
                    "uriLocation": s.uri_location, "resource": s.resource,
                }),
            );
        }
        let action_code = match action {
            Action::New => 0,
            Action::Delete => 2,
        };
        serde_json::json!({
            "clientID": client_id,
            "subStore": {"store": store},
            "EndpointUri": endpoint,
            "status": 1,
            "action": action_code,
        })
        .to_string()
    }
}

fn parse_action(s: &str) -> Result<Action, DocError> {
    match s.trim().to_ascii_uppercase().as_str() {
        "NEW" | "0" => Ok(Action::New),
        "DELETE" | "2" => Ok(Action::Delete),
        other => Err(DocError::Action(other.to_string())),
    }
}

/// `<endpoint>/event`.
fn event_url(endpoint: &str) -> Option<Url> {
    Url::parse(&format!("{}/event", endpoint.trim_end_matches('/'))).ok()
}

/// The in-memory form of a stored client.
pub(super) fn runtime_client(c: &TransportClient) -> Option<Client> {
    Some(Client {
        id: c.client_id.clone(),
        key: SubscriberKey::new(format!("{TRANSPORT_KEY_PREFIX}{}", c.client_id)),
        url: event_url(&c.endpoint)?,
        resources: c.subscriptions.iter().map(|s| s.resource.clone()).collect(),
    })
}

impl V1Hub {
    /// Applies a Subscriber document (persisted before it returns).
    pub async fn register(&self, doc: SubscriberDoc) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let data = {
            let mut st = lock(&self.state);
            let mut data = st.data.clone();
            let pos = data
                .transport_clients
                .iter()
                .position(|c| c.client_id == doc.client_id);
            match doc.action {
                Action::Delete => {
                    if let Some(p) = pos {
                        data.transport_clients.remove(p);
                    }
                }
                Action::New => {
                    let c = match pos {
                        Some(p) => &mut data.transport_clients[p],
                        None => {
                            data.transport_clients.push(TransportClient {
                                client_id: doc.client_id.clone(),
                                endpoint: doc.endpoint.clone(),
                                subscriptions: Vec::new(),
                            });
                            let last = data.transport_clients.len() - 1;
                            &mut data.transport_clients[last]
                        }
                    };
                    c.endpoint = doc.endpoint.clone();
                    for s in &doc.subscriptions {
                        if !c.subscriptions.iter().any(|e| e.resource == s.resource) {
                            c.subscriptions.push(s.clone());
                        }
                    }
                }
            }
            st.data = data.clone();
            data
        };
        let result = save_store(&self.store, data.clone()).await;
        let old_key = {
            let mut st = lock(&self.state);
            let old = st
                .clients
                .iter()
                .position(|c| c.id == doc.client_id)
                .map(|p| st.clients.remove(p));
            if let Some(c) = data
                .transport_clients
                .iter()
                .find(|c| c.client_id == doc.client_id)
                .and_then(runtime_client)
            {
                st.clients.push(c);
            }
            old.map(|c| (c.key, c.url))
        };
        match doc.action {
            Action::Delete => {
                if let Some((key, _)) = old_key {
                    self.delivery.remove_subscriber(&key);
                }
            }
            Action::New => {
                // Mark it active again: a fresh queue and failure counter.
                if let Some((key, url)) = old_key {
                    if url.as_str()
                        != event_url(&doc.endpoint)
                            .map(|u| u.to_string())
                            .unwrap_or_default()
                    {
                        self.delivery.remove_subscriber(&key);
                    }
                }
            }
        }
        tracing::info!(client = %doc.client_id, endpoint = %doc.endpoint, action = ?doc.action, subscriptions = doc.subscriptions.len(), "transport client registration");
        self.update_gauges();
        result
    }

    /// Removes a client after 10 consecutive failed deliveries.
    pub(super) async fn remove_dead_client(&self, key: &SubscriberKey) {
        let _w = self.writer.lock().await;
        let data = {
            let st = lock(&self.state);
            let ids: Vec<&str> = st
                .clients
                .iter()
                .filter(|c| &c.key == key)
                .map(|c| c.id.as_str())
                .collect();
            let mut data = st.data.clone();
            data.transport_clients
                .retain(|c| !ids.contains(&c.client_id.as_str()));
            data
        };
        if let Err(e) = save_store(&self.store, data.clone()).await {
            tracing::error!(error = %e, "store write after removing a dead transport client failed");
        }
        {
            let mut st = lock(&self.state);
            st.clients.retain(|c| &c.key != key);
            st.data = data;
        }
        self.delivery.remove_subscriber(key);
        tracing::warn!(subscriber = %key, "transport client removed after 10 consecutive failed deliveries");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"clientID":"b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f","subStore":{"store":{"e23473d9-ba18-4f78-946e-401a0caeff90":{"id":"e23473d9-ba18-4f78-946e-401a0caeff90","endpointUri":"http://localhost:8989/event","uriLocation":"http://localhost:8089/api/ocloudNotifications/v1/subscriptions/e23473d9-ba18-4f78-946e-401a0caeff90","resource":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state"}}},"EndpointUri":"http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043","status":1,"action":0}"#;

    #[test]
    fn parses_the_spec_example() {
        let d = SubscriberDoc::parse(EXAMPLE.as_bytes(), None).expect("valid");
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
        let d = SubscriberDoc::parse(body.as_bytes(), Some("DELETE")).expect("valid");
        assert_eq!(d.action, Action::Delete);
        assert_eq!(d.subscriptions[0].id, "s1");
        assert_eq!(d.subscriptions[0].resource, "/r");
        let d = SubscriberDoc::parse(body.as_bytes(), None).expect("valid");
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
            assert!(SubscriberDoc::parse(bad.as_bytes(), None).is_err(), "{bad}");
        }
    }

    #[test]
    fn build_then_parse_round_trips() {
        let subs = vec![V1Sub {
            id: "i".into(),
            resource: "/r".into(),
            endpoint: "http://a:1/e".into(),
            uri_location: "http://localhost:8089/x".into(),
        }];
        let text = SubscriberDoc::build("c", "http://h:9", Action::New, &subs);
        let d = SubscriberDoc::parse(text.as_bytes(), None).expect("valid");
        assert_eq!(d.client_id, "c");
        assert_eq!(d.endpoint, "http://h:9");
        assert_eq!(d.subscriptions[0].id, "i");
        assert_eq!(d.subscriptions[0].uri_location, "http://localhost:8089/x");
    }
}
