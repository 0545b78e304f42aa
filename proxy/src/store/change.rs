//! One change of the store, as the registry asks for it and as the journal
//! records it. Each costs O(1) in the size of the store, on disk and in
//! the store's image.

use serde::{Deserialize, Serialize};

use super::{StoredPublisher, StoredSubscription, TransportClient};

/// A change; [`Store::apply`](super::Store::apply) writes a group of them
/// atomically. Serialised in the journal as `{"putSubscription": {…}}` etc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StoreChange {
    /// Inserts a subscription (v2 or v1), or replaces the one with its id
    /// (keeping its place in the list).
    PutSubscription(StoredSubscription),
    /// Removes subscriptions by id; unknown ids are ignored.
    RemoveSubscriptions(Vec<String>),
    /// Inserts a transport client, or replaces the one with its `client_id`.
    PutTransportClient(TransportClient),
    /// Removes transport clients by `client_id`; unknown ids are ignored.
    RemoveTransportClients(Vec<String>),
    /// Inserts publishers, or replaces the one with the same api and resource.
    PutPublishers(Vec<StoredPublisher>),
    /// Sets `lastSyncState`.
    SetSyncState(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Api;

    #[test]
    fn journal_form_is_tagged_camel_case() {
        let c = StoreChange::RemoveSubscriptions(vec!["a".into()]);
        assert_eq!(
            serde_json::to_string(&c).expect("json"),
            r#"{"removeSubscriptions":["a"]}"#
        );
        let c = StoreChange::PutPublishers(vec![StoredPublisher {
            api: Api::V2,
            resource: "/r".into(),
            id: "p".into(),
        }]);
        let text = serde_json::to_string(&c).expect("json");
        assert_eq!(
            text,
            r#"{"putPublishers":[{"api":"v2","resource":"/r","id":"p"}]}"#
        );
        let back: StoreChange = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, c);
        let s: StoreChange = serde_json::from_str(r#"{"setSyncState":"LOCKED"}"#).expect("parse");
        assert_eq!(s, StoreChange::SetSyncState("LOCKED".into()));
    }
}
