//! The data model of `proxy-store.json` (spec events-and-metrics.md §8.1):
//! what survives a restart, with the member names of the spec.

use serde::{Deserialize, Serialize};

use super::FORMAT;

/// API generation of a subscription or publisher; serialised as `"v2"`/`"v1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Api {
    #[serde(rename = "v2")]
    V2,
    #[serde(rename = "v1")]
    V1,
}

/// The role of the proxy that opens the store; decides what the import of the
/// reference's files produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRole {
    /// REST v2 producer: per-consumer files become v2 subscriptions.
    V2Producer,
    /// v1 producer: per-consumer files become transport clients; `sub.json`
    /// holds v1 application subscriptions.
    V1Producer,
    /// v1 consumer sidecar: only `sub.json` (its local subscriptions) and
    /// `metrics.json` are imported.
    V1Consumer,
}

impl StoreRole {
    /// The API of the publishers and local subscriptions of this role.
    pub fn api(self) -> Api {
        match self {
            StoreRole::V2Producer => Api::V2,
            StoreRole::V1Producer | StoreRole::V1Consumer => Api::V1,
        }
    }
}

/// Everything that survives a restart (§8.1). Member order on disk is the
/// order of the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreData {
    /// File format version; must be [`FORMAT`].
    pub format: u32,
    #[serde(default)]
    pub publishers: Vec<StoredPublisher>,
    #[serde(default)]
    pub subscriptions: Vec<StoredSubscription>,
    #[serde(default)]
    pub transport_clients: Vec<TransportClient>,
    /// Last published node sync-state (`LOCKED`, `HOLDOVER`, `FREERUN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_state: Option<String>,
}

impl Default for StoreData {
    fn default() -> Self {
        StoreData {
            format: FORMAT,
            publishers: Vec::new(),
            subscriptions: Vec::new(),
            transport_clients: Vec::new(),
            last_sync_state: None,
        }
    }
}

impl StoreData {
    /// True when the store holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.publishers.is_empty()
            && self.subscriptions.is_empty()
            && self.transport_clients.is_empty()
            && self.last_sync_state.is_none()
    }
}

/// A publisher id kept stable across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPublisher {
    pub api: Api,
    pub resource: String,
    pub id: String,
}

/// A v2 subscription, or a v1 application subscription (`endpoint` optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSubscription {
    pub api: Api,
    pub id: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// As served to clients; empty when an imported entry had none (the
    /// caller then derives it from its own base URL and `id`).
    #[serde(default)]
    pub uri_location: String,
    /// RFC 3339 UTC creation time.
    #[serde(default)]
    pub created: String,
}

/// A v1 consumer sidecar registered with this producer (rest-api.md §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportClient {
    pub client_id: String,
    /// The consumer sidecar's base URL; events go to `<endpoint>/event`.
    pub endpoint: String,
    #[serde(default)]
    pub subscriptions: Vec<TransportSubscription>,
}

/// One subscription of a transport client, as the sidecar sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportSubscription {
    #[serde(default)]
    pub id: String,
    pub resource: String,
    /// The application's endpoint behind the sidecar (may be empty).
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub uri_location: String,
}
