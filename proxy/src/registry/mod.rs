//! The registry of v2 subscriptions, v1 subscriptions and v1 transport
//! clients, for every role, and the fan-out of published events into the
//! per-subscriber delivery queues.
//!
//! Every change follows one discipline, written once in `commit.rs`:
//! validate against memory, persist the store, then apply in memory (and in
//! delivery), then count. A failed store write changes nothing. One async
//! lock serialises changes with their store writes; one std lock guards the
//! memory, held only for short, panic-free sections (never across an await).
//!
//! Files: `state.rs` (the memory and the changes), `commit.rs` (the
//! discipline, dead consumers, the sync-state), `v2.rs` (the O-RAN API's
//! subscriptions and publishers), `v1.rs` (local v1 subscriptions),
//! `clients.rs` (transport clients), `fanout.rs` (published events into
//! queues), `policy.rs` (`--endpoint-allow`, `--max-subscriptions`).

mod clients;
mod commit;
mod fanout;
mod policy;
mod state;
mod v1;
mod v2;

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;

use crate::delivery::Delivery;
use crate::metrics::Metrics;
use crate::store::{Api, Store, StoreData, StoredPublisher};
use ptp_event_core::events::{Resource, V1Format};

pub use clients::{Action, ClientRegistration, RegisterError};
pub use commit::RegistryError;
pub use policy::Admission;
pub use state::{client_id, TRANSPORT_KEY_PREFIX};
pub use v1::{V1CreateError, V1Sub};
pub use v2::{CreateError, NewSubscription, Reservation, SubscriptionInfo};

use state::State;

/// Which role the registry serves (rest-api.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    V2Producer,
    V1Producer,
    V1Sidecar,
}

impl Role {
    /// The API of this role's publishers and local subscriptions.
    pub fn api(self) -> Api {
        match self {
            Role::V2Producer => Api::V2,
            Role::V1Producer | Role::V1Sidecar => Api::V1,
        }
    }

    /// The published resources, in the order of `GET /publishers`.
    pub fn resources(self) -> &'static [Resource] {
        match self {
            Role::V2Producer => &Resource::V2,
            Role::V1Producer => &Resource::V1,
            Role::V1Sidecar => &[],
        }
    }

    /// A publisher's address of `resource` on `node`.
    fn address(self, resource: Resource, node: &str) -> String {
        match self {
            Role::V2Producer => resource.address(node),
            Role::V1Producer | Role::V1Sidecar => resource.v1_address(node),
        }
    }
}

/// A registration message for the producers (v1 sidecar, rest-api.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegMsg {
    /// NEW with every local subscription (computed when sent).
    New,
    /// DELETE this client.
    Delete,
}

/// What a registry is built for.
#[derive(Debug, Clone)]
pub struct RegistrySettings {
    pub role: Role,
    pub node: String,
    /// Base of the subscriptions' `UriLocation`: v2
    /// `http://<apiHost>:<port>/api/ocloudNotifications/v2`, v1
    /// `http://localhost:<port>/api/ocloudNotifications/v1`.
    pub subscription_base: String,
    /// Base of the publishers' `EndpointUri`/`UriLocation`
    /// (`http://localhost:<port>/api/ocloudNotifications/vN`).
    pub publisher_base: String,
    pub v1_format: V1Format,
    /// `--endpoint-allow` (none: any endpoint).
    pub endpoint_policy: Option<std::sync::Arc<crate::http::security::EndpointPolicy>>,
    /// `--max-subscriptions`.
    pub max_subscriptions: usize,
}

/// Shared by the engine task (fan-out), the REST handlers and the transport
/// listener.
pub struct Registry {
    settings: RegistrySettings,
    state: Mutex<State>,
    writer: tokio::sync::Mutex<()>,
    store: Store,
    delivery: Delivery,
    metrics: Metrics,
    http: reqwest::Client,
    registrars: Mutex<Vec<mpsc::UnboundedSender<RegMsg>>>,
}

/// Locks a std mutex, recovering from poisoning (every critical section is
/// short and panic-free, so the state stays consistent).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    /// Builds the registry from the loaded store. Missing publisher ids are
    /// created; [`Registry::persist_new_publishers`] writes them.
    pub fn new(
        settings: RegistrySettings,
        data: StoreData,
        store: Store,
        delivery: Delivery,
        metrics: Metrics,
        http: reqwest::Client,
    ) -> Registry {
        let role = settings.role;
        let state = State::load(
            data,
            role.api(),
            &settings.subscription_base,
            role == Role::V1Producer,
        );
        let r = Registry {
            settings,
            state: Mutex::new(state),
            writer: tokio::sync::Mutex::new(()),
            store,
            delivery,
            metrics,
            http,
            registrars: Mutex::new(Vec::new()),
        };
        r.count();
        r
    }

    /// The role served.
    pub fn role(&self) -> Role {
        self.settings.role
    }

    /// The node name.
    pub fn node(&self) -> &str {
        &self.settings.node
    }

    /// The v1 event format.
    pub fn v1_format(&self) -> V1Format {
        self.settings.v1_format
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The shared outgoing HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The publishers of this role, in the order of `GET /publishers`.
    pub fn publishers(&self) -> Vec<StoredPublisher> {
        let role = self.role();
        let st = lock(&self.state);
        role.resources()
            .iter()
            .filter_map(|r| {
                let address = role.address(*r, self.node());
                st.data
                    .publishers
                    .iter()
                    .find(|p| p.api == role.api() && p.resource == address)
                    .cloned()
            })
            .collect()
    }

    /// Base of the publishers' `EndpointUri`/`UriLocation`.
    pub fn publisher_base(&self) -> &str {
        &self.settings.publisher_base
    }

    /// Adds a registration channel (v1 sidecar: one per producer).
    pub fn add_registrar(&self, tx: mpsc::UnboundedSender<RegMsg>) {
        lock(&self.registrars).push(tx);
    }

    fn notify(&self, msgs: &[RegMsg]) {
        if self.role() != Role::V1Sidecar {
            return;
        }
        for tx in lock(&self.registrars).iter() {
            for m in msgs {
                let _ = tx.send(*m);
            }
        }
    }

    /// The gauges derived from the registry: subscriptions, publishers,
    /// transport senders (producer) or receivers (sidecar).
    fn count(&self) {
        let role = self.role();
        let st = lock(&self.state);
        let m = &self.metrics;
        m.api_counts(st.of(role.api()).count(), role.resources().len());
        match role {
            Role::V2Producer => {}
            Role::V1Producer => {
                for r in Resource::V1 {
                    let address = r.v1_address(self.node());
                    let n = st
                        .clients
                        .iter()
                        .filter(|c| c.resources.contains(&address))
                        .count();
                    m.transport_senders(&address, n);
                }
            }
            Role::V1Sidecar => {
                m.transport_receivers(st.of(Api::V1).map(|a| a.resource.as_str()));
            }
        }
    }
}
