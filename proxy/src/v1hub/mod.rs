//! The v1 hub: the registry of local v1 subscriptions (both v1 roles), the
//! v1 producer's transport clients and engine snapshot, and the fan-out of
//! events into the per-subscriber delivery queues. Mirrors `crate::hub`
//! (one std lock for the in-memory state, one async lock serialising
//! changes with their store writes) and shares its helpers.
//!
//! Files: `fanout.rs` (producer: engine events to local subscriptions and
//! transport clients), `clients.rs` (producer: transport client registry),
//! `forward.rs` (sidecar: transport events to local subscriptions).

mod clients;
mod fanout;
mod forward;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use crate::clock::Snapshot;
use crate::delivery::{Delivery, SubscriberKey, Url};
use crate::events::{rfc3339, Resource, V1Format};
use crate::hub::{client_id, lock, plain_client, save_store};
use crate::metrics::SharedMetrics;
use crate::store::{Api, Store, StoreData, StoredPublisher, StoredSubscription};

pub use clients::{Action, SubscriberDoc};

/// Prefix of the delivery keys of transport clients (application endpoints
/// use the bare client id of their URL).
pub const TRANSPORT_KEY_PREFIX: &str = "transport:";

/// Which v1 role the hub serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V1Role {
    Producer,
    Sidecar,
}

/// A registration message for the producers (sidecar, rest-api.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegMsg {
    /// NEW with every local subscription (computed when sent).
    New,
    /// DELETE this client.
    Delete,
}

/// A local v1 subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Sub {
    pub id: String,
    pub resource: String,
    /// Empty when the subscription has no endpoint.
    pub endpoint: String,
    pub uri_location: String,
}

struct Active {
    sub: V1Sub,
    target: Option<(SubscriberKey, Url)>,
}

/// A registered consumer sidecar (producer).
struct Client {
    id: String,
    key: SubscriberKey,
    url: Url,
    resources: Vec<String>,
}

struct V1State {
    snapshot: Snapshot,
    data: StoreData,
    subs: Vec<Active>,
    clients: Vec<Client>,
}

/// Why a v1 subscription was not created.
#[derive(Debug, thiserror::Error)]
pub enum V1CreateError {
    #[error("return url validation check failed for create subscription. check endpointURI: {0}")]
    EndpointCheck(String),
    #[error("the subscription could not be stored: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// What the hub is built for.
#[derive(Debug, Clone, Copy)]
pub struct V1HubSettings<'a> {
    pub role: V1Role,
    pub node: &'a str,
    pub format: V1Format,
    /// `--api-port` (of `uriLocation`).
    pub api_port: u16,
}

/// Shared by the engine task (producer), the REST v1 handlers and the
/// transport listeners.
pub struct V1Hub {
    role: V1Role,
    node: Arc<str>,
    format: V1Format,
    /// `http://localhost:<api-port>/api/ocloudNotifications/v1`.
    base: String,
    state: Mutex<V1State>,
    writer: tokio::sync::Mutex<()>,
    delivery: Delivery,
    store: Store,
    metrics: SharedMetrics,
    client: reqwest::Client,
    registrars: Mutex<Vec<mpsc::UnboundedSender<RegMsg>>>,
}

fn target(endpoint: &str) -> Option<(SubscriberKey, Url)> {
    if endpoint.is_empty() {
        return None;
    }
    match Url::parse(endpoint) {
        Ok(url) => Some((SubscriberKey::new(client_id(endpoint)), url)),
        Err(e) => {
            tracing::warn!(endpoint, error = %e, "stored v1 endpoint is not a URL; no pushes");
            None
        }
    }
}

impl V1Hub {
    /// Builds the hub from the loaded store. The producer's missing v1
    /// publisher ids are created (the caller persists with `persist_now`).
    pub fn new(
        settings: V1HubSettings<'_>,
        mut data: StoreData,
        store: Store,
        delivery: Delivery,
        metrics: SharedMetrics,
    ) -> V1Hub {
        let V1HubSettings {
            role,
            node,
            format,
            api_port,
        } = settings;
        let base = format!("http://localhost:{api_port}/api/ocloudNotifications/v1");
        if role == V1Role::Producer {
            for r in Resource::V1 {
                let address = r.v1_address(node);
                let known = data
                    .publishers
                    .iter()
                    .any(|p| p.api == Api::V1 && p.resource == address);
                if !known {
                    data.publishers.push(StoredPublisher {
                        api: Api::V1,
                        resource: address,
                        id: uuid::Uuid::new_v4().to_string(),
                    });
                }
            }
        }
        let subs = data
            .subscriptions
            .iter()
            .filter(|s| s.api == Api::V1)
            .map(|s| {
                let endpoint = s.endpoint.clone().unwrap_or_default();
                let uri_location = if s.uri_location.is_empty() {
                    format!("{base}/subscriptions/{}", s.id)
                } else {
                    s.uri_location.clone()
                };
                Active {
                    target: target(&endpoint),
                    sub: V1Sub {
                        id: s.id.clone(),
                        resource: s.resource.clone(),
                        endpoint,
                        uri_location,
                    },
                }
            })
            .collect();
        let clients = if role == V1Role::Producer {
            data.transport_clients
                .iter()
                .filter_map(clients::runtime_client)
                .collect()
        } else {
            Vec::new()
        };
        let hub = V1Hub {
            role,
            node: Arc::from(node),
            format,
            base,
            state: Mutex::new(V1State {
                snapshot: Snapshot::default(),
                data,
                subs,
                clients,
            }),
            writer: tokio::sync::Mutex::new(()),
            delivery,
            store,
            metrics,
            client: plain_client(),
            registrars: Mutex::new(Vec::new()),
        };
        hub.update_gauges();
        hub
    }

    pub fn role(&self) -> V1Role {
        self.role
    }
    pub fn node(&self) -> &str {
        &self.node
    }
    pub fn format(&self) -> V1Format {
        self.format
    }
    pub fn base(&self) -> &str {
        &self.base
    }
    pub fn metrics(&self) -> &SharedMetrics {
        &self.metrics
    }

    /// Adds a registration channel (sidecar: one per producer).
    pub fn add_registrar(&self, tx: mpsc::UnboundedSender<RegMsg>) {
        lock(&self.registrars).push(tx);
    }

    fn notify(&self, msgs: &[RegMsg]) {
        if self.role != V1Role::Sidecar {
            return;
        }
        for tx in lock(&self.registrars).iter() {
            for m in msgs {
                let _ = tx.send(*m);
            }
        }
    }

    /// Writes the current store image now (start-up).
    pub async fn persist_now(&self) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let data = lock(&self.state).data.clone();
        save_store(&self.store, data).await
    }

    /// Every local subscription, in creation order.
    pub fn list(&self) -> Vec<V1Sub> {
        lock(&self.state)
            .subs
            .iter()
            .map(|a| a.sub.clone())
            .collect()
    }

    /// One local subscription.
    pub fn get(&self, id: &str) -> Option<V1Sub> {
        lock(&self.state)
            .subs
            .iter()
            .find(|a| a.sub.id == id)
            .map(|a| a.sub.clone())
    }

    /// The producer's v1 publishers (`[]` in the sidecar).
    pub fn publishers(&self) -> Vec<StoredPublisher> {
        if self.role != V1Role::Producer {
            return Vec::new();
        }
        let st = lock(&self.state);
        Resource::V1
            .iter()
            .filter_map(|r| {
                let address = r.v1_address(&self.node);
                st.data
                    .publishers
                    .iter()
                    .find(|p| p.api == Api::V1 && p.resource == address)
                    .cloned()
            })
            .collect()
    }

    /// The producer's snapshot values of a resource.
    pub fn current(&self, resource: Resource) -> Option<Vec<crate::events::Value>> {
        lock(&self.state)
            .snapshot
            .values(resource)
            .map(<[_]>::to_vec)
    }

    /// rest-api.md §4.3: endpoint check, same-resource lookup, persist.
    /// Returns the subscription and whether it is new.
    pub async fn create(
        &self,
        resource: String,
        endpoint: Option<(String, Url)>,
    ) -> Result<(V1Sub, bool), V1CreateError> {
        if let Some((_, url)) = &endpoint {
            self.check_endpoint(url)
                .await
                .map_err(V1CreateError::EndpointCheck)?;
        }
        let _w = self.writer.lock().await;
        let id = uuid::Uuid::new_v4().to_string();
        let endpoint = endpoint.map(|(e, _)| e).unwrap_or_default();
        let sub = V1Sub {
            uri_location: format!("{}/subscriptions/{id}", self.base),
            id,
            resource,
            endpoint,
        };
        let data = {
            let mut st = lock(&self.state);
            if let Some(a) = st.subs.iter().find(|a| a.sub.resource == sub.resource) {
                return Ok((a.sub.clone(), false));
            }
            st.data.subscriptions.push(StoredSubscription {
                api: Api::V1,
                id: sub.id.clone(),
                resource: sub.resource.clone(),
                endpoint: (!sub.endpoint.is_empty()).then(|| sub.endpoint.clone()),
                uri_location: sub.uri_location.clone(),
                created: rfc3339(SystemTime::now()),
            });
            st.data.clone()
        };
        if let Err(e) = save_store(&self.store, data).await {
            lock(&self.state)
                .data
                .subscriptions
                .retain(|s| s.id != sub.id);
            return Err(e.into());
        }
        lock(&self.state).subs.push(Active {
            target: target(&sub.endpoint),
            sub: sub.clone(),
        });
        if self.role == V1Role::Producer && Resource::from_v1_address(&sub.resource).is_none() {
            tracing::warn!(resource = %sub.resource, "v1 subscription to an unpublished resource: it will receive no events");
        }
        tracing::info!(subscription = %sub.id, resource = %sub.resource, endpoint = %sub.endpoint, "v1 subscription created");
        self.update_gauges();
        self.notify(&[RegMsg::New]);
        Ok((sub, true))
    }

    /// The empty POST of §4.3 step 2: 10 s, one attempt, any 2xx.
    async fn check_endpoint(&self, url: &Url) -> Result<(), String> {
        let request = self
            .client
            .post(url.clone())
            .header("Content-Type", "application/json")
            .timeout(Duration::from_secs(10))
            .body(Vec::new());
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("{url} returned {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err(format!("{url} timed out")),
            Err(e) => Err(format!("{url} failed: {e}")),
        }
    }

    /// Deletes one local subscription (persisted before it returns).
    pub async fn delete(&self, id: &str) -> Result<bool, crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let data = {
            let mut st = lock(&self.state);
            if !st.subs.iter().any(|a| a.sub.id == id) {
                return Ok(false);
            }
            let mut data = st.data.clone();
            data.subscriptions.retain(|s| s.id != id);
            st.data = data.clone();
            data
        };
        let result = save_store(&self.store, data).await;
        let removed = {
            let mut st = lock(&self.state);
            let pos = st.subs.iter().position(|a| a.sub.id == id);
            pos.map(|p| st.subs.remove(p))
        };
        if let Some(Active {
            target: Some((key, _)),
            sub,
        }) = removed
        {
            self.delivery.discard_tag(&key, &sub.id.as_str().into());
            let still_used = lock(&self.state)
                .subs
                .iter()
                .any(|a| a.target.as_ref().is_some_and(|(k, _)| *k == key));
            if !still_used {
                self.delivery.remove_subscriber(&key);
            }
        }
        self.update_gauges();
        self.notify(&[RegMsg::Delete, RegMsg::New]);
        result.map(|()| true)
    }

    /// Deletes every local subscription.
    pub async fn delete_all(&self) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let (data, removed) = {
            let mut st = lock(&self.state);
            let removed = std::mem::take(&mut st.subs);
            st.data.subscriptions.retain(|s| s.api != Api::V1);
            (st.data.clone(), removed)
        };
        let result = save_store(&self.store, data).await;
        for a in removed {
            if let Some((key, _)) = a.target {
                self.delivery.remove_subscriber(&key);
            }
        }
        self.update_gauges();
        self.notify(&[RegMsg::Delete]);
        result
    }

    /// Removes a dead subscriber (events-and-metrics.md §7.3): a transport
    /// client, or every local subscription with that endpoint. Persisted
    /// first.
    pub async fn remove_dead(&self, key: &SubscriberKey) {
        if key.as_str().starts_with(TRANSPORT_KEY_PREFIX) {
            self.remove_dead_client(key).await;
        } else {
            let _w = self.writer.lock().await;
            let (data, ids) = {
                let st = lock(&self.state);
                let ids: Vec<String> = st
                    .subs
                    .iter()
                    .filter(|a| a.target.as_ref().is_some_and(|(k, _)| k == key))
                    .map(|a| a.sub.id.clone())
                    .collect();
                let mut data = st.data.clone();
                data.subscriptions.retain(|s| !ids.contains(&s.id));
                (data, ids)
            };
            if let Err(e) = save_store(&self.store, data.clone()).await {
                tracing::error!(error = %e, "store write after removing a dead v1 endpoint failed");
            }
            {
                let mut st = lock(&self.state);
                st.subs.retain(|a| !ids.contains(&a.sub.id));
                st.data = data;
            }
            self.delivery.remove_subscriber(key);
            tracing::warn!(subscriber = %key, subscriptions = ids.len(), "v1 endpoint removed after 10 consecutive failed deliveries");
            self.notify(&[RegMsg::Delete, RegMsg::New]);
        }
        if let Ok(m) = self.metrics.lock() {
            m.subscribers_removed.inc();
        }
        self.update_gauges();
    }

    /// Records the last node sync-state in the store image and writes it.
    pub async fn persist_sync_state(&self, state: &str) {
        let _w = self.writer.lock().await;
        let data = {
            let mut st = lock(&self.state);
            if st.data.last_sync_state.as_deref() == Some(state) {
                return;
            }
            st.data.last_sync_state = Some(state.to_string());
            st.data.clone()
        };
        if let Err(e) = save_store(&self.store, data).await {
            tracing::error!(error = %e, "store write of the sync-state failed");
        }
    }

    fn update_gauges(&self) {
        let st = lock(&self.state);
        let Ok(m) = self.metrics.lock() else { return };
        m.api_subscriptions
            .with_label_values(&["active"])
            .set(st.subs.len() as f64);
        if self.role == V1Role::Producer {
            m.api_publishers.with_label_values(&["active"]).set(3.0);
            for r in Resource::V1 {
                let address = r.v1_address(&self.node);
                let n = st
                    .clients
                    .iter()
                    .filter(|c| c.resources.contains(&address))
                    .count();
                m.transport_sender
                    .with_label_values(&[&address, "active"])
                    .set(n as f64);
            }
        } else {
            m.transport_receiver.reset();
            for a in &st.subs {
                m.transport_receiver
                    .with_label_values(&[&a.sub.resource, "active"])
                    .inc();
            }
        }
    }
}
