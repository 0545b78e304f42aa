//! The subscription hub: the registry of v2 subscriptions, the engine
//! snapshot CurrentState reads, and the fan-out of published events into
//! the per-subscriber delivery queues.
//!
//! One lock guards the snapshot, the active subscriptions and the pending
//! ones (whose initial notification is in flight), so that a new
//! subscription sees either an event in its initial notification or in its
//! queue, never neither and never both (rest-api.md §3.3 ordering
//! guarantee). A second, async lock serialises changes with their store
//! writes (one writer at a time, written before acknowledged).

mod fanout;
mod subscribe;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::delivery::{Delivery, Outgoing, SubscriberKey, Url};
use crate::metrics::SharedMetrics;
use crate::store::{Api, Store, StoreData, StoredPublisher, StoredSubscription};
use ptp_event_core::clock::Snapshot;

pub use subscribe::{CreateError, SubscriptionInfo};

/// Namespace of the client ids (UUID v3 of the endpoint, URL namespace).
pub fn client_id(endpoint: &str) -> String {
    uuid::Uuid::new_v3(&uuid::Uuid::NAMESPACE_URL, endpoint.as_bytes()).to_string()
}

/// An active v2 subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub resource: String,
    pub endpoint: String,
    pub uri_location: String,
    pub key: SubscriberKey,
    pub url: Url,
}

impl Subscription {
    /// The API's view.
    pub fn info(&self) -> SubscriptionInfo {
        SubscriptionInfo {
            resource: self.resource.clone(),
            endpoint: self.endpoint.clone(),
            id: self.id.clone(),
            uri_location: self.uri_location.clone(),
        }
    }
}

/// A subscription whose initial notification is in flight.
struct Pending {
    id: String,
    resource: String,
    endpoint: String,
    buffer: Vec<Outgoing>,
}

struct HubState {
    snapshot: Snapshot,
    data: StoreData,
    subs: Vec<Subscription>,
    pending: Vec<Pending>,
}

/// Shared by the engine task (fan-out) and the REST handlers.
pub struct Hub {
    node: Arc<str>,
    /// `http://<apiHost>:<port>/api/ocloudNotifications/v2`.
    uri_base: String,
    /// `http://localhost:<port>/api/ocloudNotifications/v2`.
    publisher_base: String,
    state: Mutex<HubState>,
    writer: tokio::sync::Mutex<()>,
    delivery: Delivery,
    store: Store,
    metrics: SharedMetrics,
    client: reqwest::Client,
}

/// Locks a std mutex, recovering from poisoning (state stays consistent:
/// every critical section is short and panic-free).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records a new node sync-state in a hub's store image and writes it, one
/// writer at a time (the v2 and v1 hubs share this). `image` sets the value
/// under the hub's state lock and returns the image to write, or `None` when
/// the stored value is already the same.
pub(crate) async fn write_sync_state(
    writer: &tokio::sync::Mutex<()>,
    store: &Store,
    image: impl FnOnce() -> Option<StoreData>,
) {
    let _w = writer.lock().await;
    let Some(data) = image() else {
        return;
    };
    if let Err(e) = save_store(store, data).await {
        tracing::error!(error = %e, "store write of the sync-state failed");
    }
}

/// Sets `lastSyncState`; the new image, or `None` if it did not change.
pub(crate) fn with_sync_state(data: &mut StoreData, state: &str) -> Option<StoreData> {
    if data.last_sync_state.as_deref() == Some(state) {
        return None;
    }
    data.last_sync_state = Some(state.to_string());
    Some(data.clone())
}

/// Writes a store image on the blocking pool (v2 and v1 hubs).
pub(crate) async fn save_store(
    store: &Store,
    data: StoreData,
) -> Result<(), crate::store::StoreError> {
    let s = store.clone();
    match tokio::task::spawn_blocking(move || s.save(&data)).await {
        Ok(r) => r,
        Err(e) => Err(crate::store::StoreError::Io {
            op: "write",
            path: store.path().to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }),
    }
}

/// The HTTP client of one-off requests (initial notifications, endpoint
/// checks, transport registration): redirects not followed, no proxy.
pub(crate) fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap_or_default()
}

/// What the engine task hands its output to: the v2 hub or the v1 hub.
pub trait EventSink: Send + Sync + 'static {
    /// Publishes the events of one engine input and installs the snapshot.
    fn publish(
        &self,
        events: &[(&ptp_event_core::events::EventData, std::time::SystemTime)],
        snapshot: Snapshot,
        published_at: std::time::Instant,
    );
    /// Records the node sync-state in the store (called by the one
    /// sync-state writer task, latest value wins).
    fn persist_sync_state<'a>(
        &'a self,
        state: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;
}

impl EventSink for Hub {
    fn publish(
        &self,
        events: &[(&ptp_event_core::events::EventData, std::time::SystemTime)],
        snapshot: Snapshot,
        published_at: std::time::Instant,
    ) {
        Hub::publish(self, events, snapshot, published_at);
    }
    fn persist_sync_state<'a>(
        &'a self,
        state: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>> {
        Box::pin(Hub::persist_sync_state(self, state))
    }
}

impl Hub {
    /// Builds the hub from the loaded store. Missing v2 publisher ids are
    /// created (the caller persists with `persist_now`).
    pub fn new(
        node: &str,
        uri_base: String,
        publisher_base: String,
        mut data: StoreData,
        store: Store,
        delivery: Delivery,
        metrics: SharedMetrics,
    ) -> Hub {
        for r in ptp_event_core::events::Resource::V2 {
            let address = r.address(node);
            if !data
                .publishers
                .iter()
                .any(|p| p.api == Api::V2 && p.resource == address)
            {
                data.publishers.push(StoredPublisher {
                    api: Api::V2,
                    resource: address,
                    id: uuid::Uuid::new_v4().to_string(),
                });
            }
        }
        let mut subs = Vec::new();
        for s in &data.subscriptions {
            if s.api != Api::V2 {
                continue;
            }
            let Some(endpoint) = s.endpoint.clone() else {
                continue;
            };
            let Ok(url) = Url::parse(&endpoint) else {
                tracing::warn!(subscription = %s.id, endpoint, "stored endpoint is not a URL; skipped");
                continue;
            };
            let uri_location = if s.uri_location.is_empty() {
                format!("{uri_base}/subscriptions/{}", s.id)
            } else {
                s.uri_location.clone()
            };
            subs.push(Subscription {
                id: s.id.clone(),
                resource: s.resource.clone(),
                key: SubscriberKey::new(client_id(&endpoint)),
                endpoint,
                uri_location,
                url,
            });
        }
        let client = plain_client();
        let hub = Hub {
            node: Arc::from(node),
            uri_base,
            publisher_base,
            state: Mutex::new(HubState {
                snapshot: Snapshot::default(),
                data,
                subs,
                pending: Vec::new(),
            }),
            writer: tokio::sync::Mutex::new(()),
            delivery,
            store,
            metrics,
            client,
        };
        hub.update_gauges();
        hub
    }

    /// The node name.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Base URL of the publishers' `EndpointUri`/`UriLocation`.
    pub fn publisher_base(&self) -> &str {
        &self.publisher_base
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &SharedMetrics {
        &self.metrics
    }

    /// Writes the current store image now (start-up).
    pub async fn persist_now(&self) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let data = lock(&self.state).data.clone();
        self.save(data).await
    }

    async fn save(&self, data: StoreData) -> Result<(), crate::store::StoreError> {
        save_store(&self.store, data).await
    }

    /// Every subscription, in creation order.
    pub fn list(&self) -> Vec<SubscriptionInfo> {
        lock(&self.state)
            .subs
            .iter()
            .map(Subscription::info)
            .collect()
    }

    /// One subscription.
    pub fn get(&self, id: &str) -> Option<SubscriptionInfo> {
        lock(&self.state)
            .subs
            .iter()
            .find(|s| s.id == id)
            .map(Subscription::info)
    }

    /// The v2 publishers, in the order of `GET /publishers`.
    pub fn publishers(&self) -> Vec<StoredPublisher> {
        let st = lock(&self.state);
        ptp_event_core::events::Resource::V2
            .iter()
            .filter_map(|r| {
                let address = r.address(&self.node);
                st.data
                    .publishers
                    .iter()
                    .find(|p| p.api == Api::V2 && p.resource == address)
                    .cloned()
            })
            .collect()
    }

    /// The snapshot values of a resource.
    pub fn current(
        &self,
        resource: ptp_event_core::events::Resource,
    ) -> Option<Vec<ptp_event_core::events::Value>> {
        lock(&self.state)
            .snapshot
            .values(resource)
            .map(<[_]>::to_vec)
    }

    /// Deletes one subscription (persisted before it returns).
    pub async fn delete(&self, id: &str) -> Result<bool, crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let (data, removed) = {
            let mut st = lock(&self.state);
            let Some(pos) = st.subs.iter().position(|s| s.id == id) else {
                return Ok(false);
            };
            let removed = st.subs.remove(pos);
            st.data.subscriptions.retain(|s| s.id != id);
            (st.data.clone(), removed)
        };
        let result = self.save(data).await;
        self.delivery
            .discard_tag(&removed.key, &removed.id.as_str().into());
        let still_used = lock(&self.state).subs.iter().any(|s| s.key == removed.key);
        if !still_used {
            self.delivery.remove_subscriber(&removed.key);
        }
        self.update_gauges();
        result.map(|()| true)
    }

    /// Deletes every subscription.
    pub async fn delete_all(&self) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let (data, removed) = {
            let mut st = lock(&self.state);
            let removed = std::mem::take(&mut st.subs);
            st.data.subscriptions.retain(|s| s.api != Api::V2);
            (st.data.clone(), removed)
        };
        let result = self.save(data).await;
        for s in removed {
            self.delivery.remove_subscriber(&s.key);
        }
        self.update_gauges();
        result
    }

    /// Removes every subscription of a dead consumer (events-and-metrics.md
    /// §7.3): persisted first, then its queue is discarded.
    pub async fn remove_dead(&self, key: &SubscriberKey) {
        let _w = self.writer.lock().await;
        // Persist the removal first, then apply it.
        let (data, ids, endpoint) = {
            let st = lock(&self.state);
            let endpoint = st
                .subs
                .iter()
                .find(|s| &s.key == key)
                .map(|s| s.endpoint.clone());
            let ids: Vec<String> = st
                .subs
                .iter()
                .filter(|s| &s.key == key)
                .map(|s| s.id.clone())
                .collect();
            let mut data = st.data.clone();
            data.subscriptions.retain(|s| !ids.contains(&s.id));
            (data, ids, endpoint)
        };
        // Counted before the removal is visible (store or API).
        if let Ok(m) = self.metrics.lock() {
            m.subscribers_removed.inc();
        }
        if let Err(e) = self.save(data).await {
            tracing::error!(error = %e, "store write after removing a dead consumer failed");
        }
        {
            let mut st = lock(&self.state);
            st.subs.retain(|s| &s.key != key);
            st.data.subscriptions.retain(|s| !ids.contains(&s.id));
        }
        self.delivery.remove_subscriber(key);
        tracing::warn!(
            subscriber = %key,
            endpoint = endpoint.as_deref().unwrap_or(""),
            "consumer removed after 10 consecutive failed deliveries"
        );
        self.update_gauges();
    }

    /// Records the last node sync-state in the store image and writes it
    /// (called from a background task: latest value wins).
    pub async fn persist_sync_state(&self, state: &str) {
        write_sync_state(&self.writer, &self.store, || {
            with_sync_state(&mut lock(&self.state).data, state)
        })
        .await;
    }

    fn update_gauges(&self) {
        let n = lock(&self.state).subs.len();
        if let Ok(m) = self.metrics.lock() {
            m.api_subscriptions
                .with_label_values(&["active"])
                .set(n as f64);
            m.api_publishers.with_label_values(&["active"]).set(7.0);
        }
    }

    fn stored(sub: &Subscription, created: String) -> StoredSubscription {
        StoredSubscription {
            api: Api::V2,
            id: sub.id.clone(),
            resource: sub.resource.clone(),
            endpoint: Some(sub.endpoint.clone()),
            uri_location: sub.uri_location.clone(),
            created,
        }
    }
}
