//! The store's own image of its content: what the snapshot plus the journal
//! hold. Keyed and ordered, so that one change costs O(log n), and cheap to
//! freeze for a compaction (entries are shared, not copied).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{StoreChange, StoreData, StoredPublisher, StoredSubscription, TransportClient, FORMAT};

/// Entries by key, in insertion order; a replaced entry keeps its place.
#[derive(Debug)]
struct Keyed<T> {
    order: BTreeMap<u64, Arc<T>>,
    pos: HashMap<String, u64>,
    next: u64,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed {
            order: BTreeMap::new(),
            pos: HashMap::new(),
            next: 0,
        }
    }
}

impl<T> Keyed<T> {
    fn put(&mut self, key: &str, value: T) {
        let value = Arc::new(value);
        if let Some(&p) = self.pos.get(key) {
            self.order.insert(p, value);
        } else {
            let p = self.next;
            self.next += 1;
            self.pos.insert(key.to_owned(), p);
            self.order.insert(p, value);
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some(p) = self.pos.remove(key) {
            self.order.remove(&p);
        }
    }

    fn get(&self, key: &str) -> Option<&T> {
        self.pos
            .get(key)
            .and_then(|p| self.order.get(p))
            .map(|v| &**v)
    }

    #[cfg(test)]
    fn contains(&self, key: &str) -> bool {
        self.pos.contains_key(key)
    }

    fn values(&self) -> impl Iterator<Item = &T> {
        self.order.values().map(|v| &**v)
    }

    fn shared(&self) -> Vec<Arc<T>> {
        self.order.values().cloned().collect()
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        self.pos.keys()
    }
}

/// The content of the store.
#[derive(Debug, Default)]
pub(super) struct Image {
    publishers: Vec<StoredPublisher>,
    subscriptions: Keyed<StoredSubscription>,
    clients: Keyed<TransportClient>,
    last_sync_state: Option<String>,
}

/// A frozen copy of an image, for writing a snapshot without holding the
/// store's lock.
#[derive(Debug)]
pub(super) struct Frozen {
    pub publishers: Vec<StoredPublisher>,
    pub subscriptions: Vec<Arc<StoredSubscription>>,
    pub transport_clients: Vec<Arc<TransportClient>>,
    pub last_sync_state: Option<String>,
}

impl Image {
    /// The image of loaded data (later duplicates of an id replace earlier
    /// ones, as replaying them would).
    pub fn from_data(data: StoreData) -> Image {
        let mut image = Image {
            last_sync_state: data.last_sync_state,
            ..Image::default()
        };
        image.put_publishers(data.publishers);
        for s in data.subscriptions {
            image.subscriptions.put(&s.id.clone(), s);
        }
        for c in data.transport_clients {
            image.clients.put(&c.client_id.clone(), c);
        }
        image
    }

    /// The content as the callers see it.
    pub fn to_data(&self) -> StoreData {
        StoreData {
            format: FORMAT,
            publishers: self.publishers.clone(),
            subscriptions: self.subscriptions.values().cloned().collect(),
            transport_clients: self.clients.values().cloned().collect(),
            last_sync_state: self.last_sync_state.clone(),
        }
    }

    /// A copy sharing the entries (O(n) reference-count increments).
    pub fn freeze(&self) -> Frozen {
        Frozen {
            publishers: self.publishers.clone(),
            subscriptions: self.subscriptions.shared(),
            transport_clients: self.clients.shared(),
            last_sync_state: self.last_sync_state.clone(),
        }
    }

    /// Applies one change; the same rules on `apply` and on replay.
    pub fn apply(&mut self, change: &StoreChange) {
        match change {
            StoreChange::PutSubscription(s) => self.subscriptions.put(&s.id, s.clone()),
            StoreChange::RemoveSubscriptions(ids) => {
                for id in ids {
                    self.subscriptions.remove(id);
                }
            }
            StoreChange::PutTransportClient(c) => self.clients.put(&c.client_id, c.clone()),
            StoreChange::RemoveTransportClients(ids) => {
                for id in ids {
                    self.clients.remove(id);
                }
            }
            StoreChange::PutPublishers(ps) => self.put_publishers(ps.iter().cloned()),
            StoreChange::SetSyncState(s) => self.last_sync_state = Some(s.clone()),
        }
    }

    fn put_publishers(&mut self, ps: impl IntoIterator<Item = StoredPublisher>) {
        for p in ps {
            match self
                .publishers
                .iter_mut()
                .find(|q| q.api == p.api && q.resource == p.resource)
            {
                Some(q) => *q = p,
                None => self.publishers.push(p),
            }
        }
    }

    /// The changes that turn this image into `data` (for callers that still
    /// hand over a whole image). Publishers missing from `data` and a
    /// `lastSyncState` of `None` are kept: there is no change that removes
    /// them, and no caller does.
    pub fn diff(&self, data: &StoreData) -> Vec<StoreChange> {
        let mut changes = Vec::new();
        let new_publishers: Vec<StoredPublisher> = data
            .publishers
            .iter()
            .filter(|p| !self.publishers.contains(p))
            .cloned()
            .collect();
        if !new_publishers.is_empty() {
            changes.push(StoreChange::PutPublishers(new_publishers));
        }
        let keep: std::collections::HashSet<&str> =
            data.subscriptions.iter().map(|s| s.id.as_str()).collect();
        let gone: Vec<String> = self
            .subscriptions
            .keys()
            .filter(|id| !keep.contains(id.as_str()))
            .cloned()
            .collect();
        if !gone.is_empty() {
            changes.push(StoreChange::RemoveSubscriptions(gone));
        }
        for s in &data.subscriptions {
            if self.subscriptions.get(&s.id) != Some(s) {
                changes.push(StoreChange::PutSubscription(s.clone()));
            }
        }
        let keep: std::collections::HashSet<&str> = data
            .transport_clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        let gone: Vec<String> = self
            .clients
            .keys()
            .filter(|id| !keep.contains(id.as_str()))
            .cloned()
            .collect();
        if !gone.is_empty() {
            changes.push(StoreChange::RemoveTransportClients(gone));
        }
        for c in &data.transport_clients {
            if self.clients.get(&c.client_id) != Some(c) {
                changes.push(StoreChange::PutTransportClient(c.clone()));
            }
        }
        if let Some(s) = &data.last_sync_state {
            if self.last_sync_state.as_ref() != Some(s) {
                changes.push(StoreChange::SetSyncState(s.clone()));
            }
        }
        changes
    }

    /// Number of subscriptions.
    #[cfg(test)]
    pub fn subscription_count(&self) -> usize {
        self.subscriptions.order.len()
    }

    /// Whether a subscription with `id` exists.
    #[cfg(test)]
    pub fn has_subscription(&self, id: &str) -> bool {
        self.subscriptions.contains(id)
    }

    /// Whether a transport client with `client_id` exists.
    #[cfg(test)]
    pub fn has_client(&self, client_id: &str) -> bool {
        self.clients.contains(client_id)
    }
}

#[cfg(test)]
mod tests;
