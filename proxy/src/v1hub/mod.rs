//! The v1 hub: the registry of local v1 subscriptions (both v1 roles), the
//! v1 producer's transport clients and engine snapshot, and the fan-out of
//! events into the per-subscriber delivery queues. Mirrors `crate::hub`
//! (one std lock for the in-memory state, one async lock serialising
//! changes with their store writes) and shares its helpers.
//!
//! Files: `fanout.rs` (producer: engine events to local subscriptions and
//! transport clients), `clients.rs` (producer: transport client registry),
//! `forward.rs` (sidecar: transport events to local subscriptions),
//! `subscribe.rs` (creating and deleting local subscriptions).

mod clients;
mod fanout;
mod forward;
mod subscribe;

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use crate::delivery::{Delivery, SubscriberKey, Url};
use crate::hub::{client_id, lock, plain_client, save_store};
use crate::metrics::SharedMetrics;
use crate::store::{Api, Store, StoreData, StoredPublisher};
use ptp_event_core::clock::Snapshot;
use ptp_event_core::events::{Resource, V1Format};

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
    pub fn current(&self, resource: Resource) -> Option<Vec<ptp_event_core::events::Value>> {
        lock(&self.state)
            .snapshot
            .values(resource)
            .map(<[_]>::to_vec)
    }

    /// Records the last node sync-state in the store image and writes it.
    pub async fn persist_sync_state(&self, state: &str) {
        crate::hub::write_sync_state(&self.writer, &self.store, || {
            crate::hub::with_sync_state(&mut lock(&self.state).data, state)
        })
        .await;
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
