//! The one discipline of every change (events-and-metrics.md §8.2): under
//! the writer lock, validate against memory, persist, then apply in memory
//! and delivery, then count. A failed write changes nothing and is logged
//! once with the path and the OS error.

use super::state::{Applied, State, TRANSPORT_KEY_PREFIX};
use super::{lock, RegMsg, Registry, Role};
use crate::delivery::SubscriberKey;
use crate::store::StoreChange;
use crate::store::{Api, StoreError, StoredPublisher};

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("the change could not be stored: {0}")]
    Store(#[from] StoreError),
}

impl Registry {
    /// Runs `plan` on the memory (it validates and returns the changes, or
    /// refuses), writes the changes, then applies them. Returns what `plan`
    /// returned alongside the changes.
    pub(super) async fn commit<T, E>(
        &self,
        plan: impl FnOnce(&State) -> Result<(Vec<StoreChange>, T), E>,
    ) -> Result<T, E>
    where
        E: From<RegistryError>,
    {
        let _w = self.writer.lock().await;
        let (changes, out) = plan(&lock(&self.state))?;
        if changes.is_empty() {
            return Ok(out);
        }
        self.persist(&changes).await.map_err(RegistryError::from)?;
        self.apply(&changes);
        Ok(out)
    }

    /// Makes `changes` durable (one journal record, fsynced). Callers hold
    /// the writer lock. The store logs the failure (one ERROR line with
    /// the path and the OS error) and counts it.
    async fn persist(&self, changes: &[StoreChange]) -> Result<(), StoreError> {
        let store = self.store.clone();
        let owned = changes.to_vec();
        match tokio::task::spawn_blocking(move || store.apply(&owned)).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Io {
                op: "write",
                path: self.store.path().to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            }),
        }
    }

    /// Applies written changes to memory and delivery, then counts.
    fn apply(&self, changes: &[StoreChange]) {
        let mut removed = Applied::default();
        {
            let mut st = lock(&self.state);
            for c in changes {
                let r = st.apply(c);
                removed.tags.extend(r.tags);
                removed.subscribers.extend(r.subscribers);
                // Under the lock the fan-out takes: the held events are
                // queued before any event published after the activation.
                if let Some((t, held)) = r.held {
                    for item in held {
                        if let Err(e) = self.delivery.enqueue(&t.key, &t.url, item) {
                            tracing::warn!(subscriber = %t.key, error = %e, "held event not queued");
                        }
                    }
                }
            }
        }
        for (key, tag) in &removed.tags {
            self.delivery.discard_tag(key, tag);
        }
        for key in &removed.subscribers {
            self.delivery.remove_subscriber(key);
        }
        self.count();
    }

    /// Writes the publisher ids created at start-up. A store that cannot be
    /// written keeps them in memory only (they are recreated next time).
    pub async fn persist_new_publishers(&self) {
        let role = self.role();
        let missing: Vec<StoredPublisher> = {
            let st = lock(&self.state);
            role.resources()
                .iter()
                .map(|r| role.address(*r, self.node()))
                .filter(|a| {
                    !st.data
                        .publishers
                        .iter()
                        .any(|p| p.api == role.api() && &p.resource == a)
                })
                .map(|resource| StoredPublisher {
                    api: role.api(),
                    resource,
                    id: uuid::Uuid::new_v4().to_string(),
                })
                .collect()
        };
        if missing.is_empty() {
            return;
        }
        let change = StoreChange::PutPublishers(missing);
        let _w = self.writer.lock().await;
        if self.persist(std::slice::from_ref(&change)).await.is_err() {
            tracing::warn!("publisher ids are kept in memory only until the store can be written");
        }
        self.apply(&[change]);
    }

    /// Records the node sync-state (the one sync-state writer task calls
    /// this; latest value wins).
    pub async fn persist_sync_state(&self, state: &str) {
        let change = StoreChange::SetSyncState(state.to_string());
        let _ = self
            .commit(|st: &State| {
                let same = st.data.last_sync_state.as_deref() == Some(state);
                let changes = if same { Vec::new() } else { vec![change] };
                Ok::<_, RegistryError>((changes, ()))
            })
            .await;
    }

    /// Removes a dead subscriber (events-and-metrics.md §7.3): every
    /// subscription of that endpoint, or the transport client. If the store
    /// cannot be written, the subscriptions stay (as the store says) and
    /// delivery starts afresh for them.
    pub async fn remove_dead(&self, key: &SubscriberKey) {
        let transport = key.as_str().starts_with(TRANSPORT_KEY_PREFIX);
        let api = self.role().api();
        let result = self
            .commit(|st: &State| {
                let change = if transport {
                    let ids: Vec<String> = st
                        .clients
                        .iter()
                        .filter(|c| &c.target.key == key)
                        .map(|c| c.id.clone())
                        .collect();
                    StoreChange::RemoveTransportClients(ids)
                } else {
                    let ids: Vec<String> = st
                        .of(api)
                        .filter(|a| a.target.as_ref().is_some_and(|t| &t.key == key))
                        .map(|a| a.id.clone())
                        .collect();
                    StoreChange::RemoveSubscriptions(ids)
                };
                Ok::<_, RegistryError>((vec![change], ()))
            })
            .await;
        match result {
            Ok(()) => {
                self.metrics.subscriber_removed();
                tracing::warn!(subscriber = %key, "consumer removed after {} consecutive failed deliveries", self.delivery.failure_limit());
                if self.role() == Role::V1Sidecar {
                    self.notify(&[RegMsg::Delete, RegMsg::New]);
                }
            }
            Err(e) => {
                tracing::warn!(subscriber = %key, error = %e, "dead consumer kept: its removal could not be stored");
                self.delivery.remove_subscriber(key);
            }
        }
    }

    /// The ids of this role's subscriptions.
    pub(super) fn all_ids(st: &State, api: Api) -> Vec<String> {
        st.of(api).map(|a| a.id.clone()).collect()
    }
}
