//! The registry's memory: the durable image of the store and the runtime
//! view derived from it (delivery keys and URLs), changed only through
//! [`State::apply`], which applies one [`StoreChange`] to both.

use delivery::{SubscriberKey, SubscriptionTag, Url};

use crate::delivery;
use crate::delivery::Outgoing;
use crate::store::{Api, StoreChange, StoreData, StoredSubscription, TransportClient};

/// Prefix of the delivery keys of transport clients (application endpoints
/// use the bare client id of their URL).
pub const TRANSPORT_KEY_PREFIX: &str = "transport:";

/// Namespace of the client ids: UUID v3 of the endpoint, URL namespace
/// (rest-api.md §3.2).
pub fn client_id(endpoint: &str) -> String {
    uuid::Uuid::new_v3(&uuid::Uuid::NAMESPACE_URL, endpoint.as_bytes()).to_string()
}

/// Applies a store change to the registry's image of the store (the same
/// rules as the store's own image).
pub fn apply_to(change: &StoreChange, data: &mut StoreData) {
    match change {
        StoreChange::PutSubscription(s) => {
            match data.subscriptions.iter_mut().find(|e| e.id == s.id) {
                Some(e) => *e = s.clone(),
                None => data.subscriptions.push(s.clone()),
            }
        }
        StoreChange::RemoveSubscriptions(ids) => {
            data.subscriptions.retain(|s| !ids.contains(&s.id))
        }
        StoreChange::PutTransportClient(c) => {
            match data
                .transport_clients
                .iter_mut()
                .find(|e| e.client_id == c.client_id)
            {
                Some(e) => *e = c.clone(),
                None => data.transport_clients.push(c.clone()),
            }
        }
        StoreChange::RemoveTransportClients(ids) => data
            .transport_clients
            .retain(|c| !ids.contains(&c.client_id)),
        StoreChange::PutPublishers(p) => {
            for new in p {
                match data
                    .publishers
                    .iter_mut()
                    .find(|e| e.api == new.api && e.resource == new.resource)
                {
                    Some(e) => *e = new.clone(),
                    None => data.publishers.push(new.clone()),
                }
            }
        }
        StoreChange::SetSyncState(s) => data.last_sync_state = Some(s.clone()),
    }
}

/// Where the events of a subscription or client go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub key: SubscriberKey,
    pub url: Url,
}

/// An active subscription (v2, or v1 with or without endpoint).
#[derive(Debug, Clone)]
pub struct Active {
    pub api: Api,
    pub id: String,
    /// As the consumer wrote it.
    pub resource: String,
    /// As the consumer wrote it; empty for a v1 subscription without one.
    pub endpoint: String,
    pub uri_location: String,
    /// `None` for a v1 subscription without endpoint.
    pub target: Option<Target>,
}

/// A registered consumer sidecar (v1 producer).
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub target: Target,
    pub resources: Vec<String>,
}

/// A v2 subscription whose initial notification is in flight: the pair is
/// reserved and the events published meanwhile are held.
pub struct Pending {
    pub id: String,
    pub resource: String,
    pub endpoint: String,
    pub buffer: Vec<Outgoing>,
}

/// Delivery work left by an applied change.
#[derive(Debug, Default)]
pub struct Applied {
    /// Subscriptions gone: their queued events are discarded.
    pub tags: Vec<(SubscriberKey, SubscriptionTag)>,
    /// Subscribers whose queue and worker go (no subscription left, a
    /// client removed or moved to another URL).
    pub subscribers: Vec<SubscriberKey>,
    /// A subscription activated after its initial notification: the events
    /// held meanwhile, to queue before any later one.
    pub held: Option<(Target, Vec<Outgoing>)>,
}

/// The memory of the registry.
pub struct State {
    pub data: StoreData,
    pub subs: Vec<Active>,
    pub clients: Vec<Client>,
    pub pending: Vec<Pending>,
}

impl State {
    /// The runtime view of a loaded store. `base` derives a missing
    /// `uriLocation` (imported entries) for the API of the subscriptions
    /// this role serves.
    pub fn load(data: StoreData, api: Api, base: &str, clients: bool) -> State {
        let mut st = State {
            data: StoreData {
                subscriptions: Vec::new(),
                transport_clients: Vec::new(),
                ..data.clone()
            },
            subs: Vec::new(),
            clients: Vec::new(),
            pending: Vec::new(),
        };
        for mut s in data.subscriptions {
            if s.api == api && s.uri_location.is_empty() {
                s.uri_location = format!("{base}/subscriptions/{}", s.id);
            }
            st.apply(&StoreChange::PutSubscription(s));
        }
        for c in data.transport_clients {
            if clients {
                st.apply(&StoreChange::PutTransportClient(c));
            } else {
                st.data.transport_clients.push(c);
            }
        }
        st.subs.retain(|a| a.api == api);
        st
    }

    /// Applies `change` to the image and to the runtime view.
    pub fn apply(&mut self, change: &StoreChange) -> Applied {
        apply_to(change, &mut self.data);
        let mut removed = Applied::default();
        match change {
            StoreChange::PutSubscription(s) => {
                let a = active(s);
                if let Some(i) = self.pending.iter().position(|p| p.id == s.id) {
                    let held = self.pending.remove(i).buffer;
                    removed.held = a.target.clone().map(|t| (t, held));
                }
                self.subs.push(a);
            }
            StoreChange::RemoveSubscriptions(ids) => {
                let (gone, kept): (Vec<Active>, Vec<Active>) = std::mem::take(&mut self.subs)
                    .into_iter()
                    .partition(|a| ids.contains(&a.id));
                self.subs = kept;
                for a in gone {
                    let Some(t) = a.target else { continue };
                    removed.tags.push((t.key.clone(), a.id.as_str().into()));
                    let still_used = self
                        .subs
                        .iter()
                        .any(|s| s.target.as_ref().is_some_and(|o| o.key == t.key));
                    if !still_used && !removed.subscribers.contains(&t.key) {
                        removed.subscribers.push(t.key);
                    }
                }
            }
            StoreChange::PutTransportClient(c) => {
                let old = self.clients.iter().position(|e| e.id == c.client_id);
                let old = old.map(|i| self.clients.remove(i));
                let new = client(c);
                if let Some(o) = old {
                    // A new URL: a fresh queue and failure counter.
                    if new.as_ref().is_none_or(|n| n.target.url != o.target.url) {
                        removed.subscribers.push(o.target.key);
                    }
                }
                self.clients.extend(new);
            }
            StoreChange::RemoveTransportClients(ids) => {
                let (gone, kept): (Vec<Client>, Vec<Client>) = std::mem::take(&mut self.clients)
                    .into_iter()
                    .partition(|c| ids.contains(&c.id));
                self.clients = kept;
                removed
                    .subscribers
                    .extend(gone.into_iter().map(|c| c.target.key));
            }
            StoreChange::PutPublishers(_) | StoreChange::SetSyncState(_) => {}
        }
        removed
    }

    /// Active subscriptions of one API, in creation order.
    pub fn of(&self, api: Api) -> impl Iterator<Item = &Active> {
        self.subs.iter().filter(move |a| a.api == api)
    }
}

/// The target of an endpoint string, if it is a usable URL.
fn target(endpoint: &str) -> Option<Target> {
    if endpoint.is_empty() {
        return None;
    }
    match Url::parse(endpoint) {
        Ok(url) => Some(Target {
            key: SubscriberKey::new(client_id(endpoint)),
            url,
        }),
        Err(e) => {
            tracing::warn!(endpoint, error = %e, "stored endpoint is not a URL; no pushes");
            None
        }
    }
}

fn active(s: &StoredSubscription) -> Active {
    let endpoint = s.endpoint.clone().unwrap_or_default();
    Active {
        api: s.api,
        id: s.id.clone(),
        resource: s.resource.clone(),
        target: target(&endpoint),
        endpoint,
        uri_location: s.uri_location.clone(),
    }
}

/// `<endpoint>/event`.
fn event_url(endpoint: &str) -> Option<Url> {
    Url::parse(&format!("{}/event", endpoint.trim_end_matches('/'))).ok()
}

fn client(c: &TransportClient) -> Option<Client> {
    let Some(url) = event_url(&c.endpoint) else {
        tracing::warn!(client = %c.client_id, endpoint = %c.endpoint, "transport client endpoint is not a URL; no pushes");
        return None;
    };
    Some(Client {
        id: c.client_id.clone(),
        target: Target {
            key: SubscriberKey::new(format!("{TRANSPORT_KEY_PREFIX}{}", c.client_id)),
            url,
        },
        resources: c.subscriptions.iter().map(|s| s.resource.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(id: &str, endpoint: &str) -> StoredSubscription {
        StoredSubscription {
            api: Api::V2,
            id: id.into(),
            resource: "/r".into(),
            endpoint: Some(endpoint.into()),
            uri_location: String::new(),
            created: String::new(),
        }
    }

    #[test]
    fn removing_the_last_subscription_of_an_endpoint_removes_its_subscriber() {
        let mut st = State::load(StoreData::default(), Api::V2, "http://b", false);
        st.apply(&StoreChange::PutSubscription(sub("a", "http://c:1/e")));
        st.apply(&StoreChange::PutSubscription(sub("b", "http://c:1/e")));
        let r = st.apply(&StoreChange::RemoveSubscriptions(vec!["a".into()]));
        assert_eq!(r.tags.len(), 1);
        assert!(r.subscribers.is_empty());
        let r = st.apply(&StoreChange::RemoveSubscriptions(vec!["b".into()]));
        assert_eq!(r.subscribers.len(), 1);
        assert!(st.subs.is_empty() && st.data.subscriptions.is_empty());
    }

    #[test]
    fn load_derives_missing_uri_locations_and_keeps_other_apis_in_the_image() {
        let mut data = StoreData::default();
        data.subscriptions.push(sub("a", "http://c:1/e"));
        let mut v1 = sub("b", "http://c:1/e");
        v1.api = Api::V1;
        data.subscriptions.push(v1);
        let st = State::load(data, Api::V2, "http://b", false);
        assert_eq!(st.subs.len(), 1);
        assert_eq!(st.subs[0].uri_location, "http://b/subscriptions/a");
        assert_eq!(st.data.subscriptions.len(), 2);
    }

    #[test]
    fn a_client_that_moves_gets_a_fresh_subscriber() {
        let mut st = State::load(StoreData::default(), Api::V1, "http://b", true);
        let c = |endpoint: &str| TransportClient {
            client_id: "c".into(),
            endpoint: endpoint.into(),
            subscriptions: Vec::new(),
        };
        assert!(st
            .apply(&StoreChange::PutTransportClient(c("http://s:1")))
            .subscribers
            .is_empty());
        assert!(st
            .apply(&StoreChange::PutTransportClient(c("http://s:1")))
            .subscribers
            .is_empty());
        assert_eq!(
            st.apply(&StoreChange::PutTransportClient(c("http://s:2")))
                .subscribers
                .len(),
            1
        );
        assert_eq!(st.clients[0].target.url.as_str(), "http://s:2/event");
        let r = st.apply(&StoreChange::RemoveTransportClients(vec!["c".into()]));
        assert_eq!(r.subscribers.len(), 1);
        assert!(st.data.transport_clients.is_empty());
    }
}
