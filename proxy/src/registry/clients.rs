//! The v1 producer's transport clients (rest-api.md §5.1): a consumer
//! sidecar's registration (NEW merges its subscriptions, DELETE removes
//! it), persisted in `transportClients`. A NEW is refused before anything
//! is stored when its endpoint is outside `--endpoint-allow` or its
//! subscriptions would pass `--max-subscriptions`.

use super::state::State;
use super::{Registry, RegistryError};
use crate::store::StoreChange;
use crate::store::{TransportClient, TransportSubscription};

/// The operation of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `action` 0 / `ce-subject: NEW`.
    New,
    /// `action` 2 / `ce-subject: DELETE`.
    Delete,
}

/// Why a registration was not applied.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// `--endpoint-allow` or `--max-subscriptions`.
    #[error(transparent)]
    Admission(#[from] super::Admission),
    #[error("the sidecar endpoint {0:?} is not a URL")]
    Endpoint(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// A consumer sidecar's registration, as the transport parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    pub client_id: String,
    /// The sidecar's transport base URL.
    pub endpoint: String,
    pub action: Action,
    pub subscriptions: Vec<TransportSubscription>,
}

impl Registry {
    /// Applies a registration (persisted before it returns).
    pub async fn register_client(&self, reg: ClientRegistration) -> Result<(), RegisterError> {
        if reg.action == Action::New && self.settings.endpoint_policy.is_some() {
            let url = crate::delivery::Url::parse(&reg.endpoint)
                .map_err(|_| RegisterError::Endpoint(reg.endpoint.clone()))?;
            self.admit_endpoint(&url).await?;
        }
        self.commit(|st: &State| {
            let existing = st
                .data
                .transport_clients
                .iter()
                .find(|c| c.client_id == reg.client_id);
            let changes = match reg.action {
                Action::Delete => match existing {
                    Some(_) => vec![StoreChange::RemoveTransportClients(vec![reg
                        .client_id
                        .clone()])],
                    None => Vec::new(),
                },
                Action::New => {
                    let mut c = existing.cloned().unwrap_or_else(|| TransportClient {
                        client_id: reg.client_id.clone(),
                        endpoint: reg.endpoint.clone(),
                        subscriptions: Vec::new(),
                    });
                    c.endpoint = reg.endpoint.clone();
                    let before = c.subscriptions.len();
                    for s in &reg.subscriptions {
                        if !c.subscriptions.iter().any(|e| e.resource == s.resource) {
                            c.subscriptions.push(s.clone());
                        }
                    }
                    let added = c.subscriptions.len() - before;
                    if added > 0 {
                        self.admit_count(Registry::held(st, self.role().api()), added)?;
                    }
                    vec![StoreChange::PutTransportClient(c)]
                }
            };
            Ok::<_, RegisterError>((changes, ()))
        })
        .await?;
        tracing::info!(client = %reg.client_id, endpoint = %reg.endpoint, action = ?reg.action, subscriptions = reg.subscriptions.len(), "transport client registration");
        Ok(())
    }
}
