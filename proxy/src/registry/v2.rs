//! The O-RAN v2 subscriptions (rest-api.md §3.3, §3.4): the reservation
//! taken between two engine inputs, the initial notification, then the
//! commit that activates the subscription with the events held meanwhile.

use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::state::{Pending, State};
use super::{lock, Registry, RegistryError};
use crate::delivery::Url;
use crate::store::StoreChange;
use crate::store::{Api, StoredSubscription};
use ptp_event_core::clock::Snapshot;
use ptp_event_core::events::{placeholder, rfc3339, v2_event, EventData, Resource, Value};

/// A subscription as the v2 API shows it (rest-api.md §3.2), members in the
/// spec's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionInfo {
    #[serde(rename = "ResourceAddress")]
    pub resource: String,
    #[serde(rename = "EndpointUri")]
    pub endpoint: String,
    #[serde(rename = "SubscriptionId")]
    pub id: String,
    #[serde(rename = "UriLocation")]
    pub uri_location: String,
}

/// A validated `POST /subscriptions` (steps 1–3 of §3.3).
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Trimmed, as written.
    pub resource: String,
    /// Trimmed, as written.
    pub endpoint: String,
    pub url: Url,
}

/// A reserved (resource, endpoint) pair: step 6's snapshot values.
#[derive(Debug, Clone)]
pub struct Reservation {
    pub id: String,
    pub kind: Resource,
    pub values: Option<Vec<Value>>,
}

/// Why a subscription was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a subscription for this ResourceAddress and EndpointUri already exists")]
    Duplicate(SubscriptionInfo),
    #[error("resource {0} is not a published resource")]
    UnknownResource(String),
    #[error("initial notification to {uri} {reason}")]
    InitialNotification { uri: String, reason: String },
    #[error("the engine is not running")]
    NoEngine,
    /// `--endpoint-allow` or `--max-subscriptions`.
    #[error(transparent)]
    Admission(#[from] super::Admission),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// The initial notification's single attempt (§3.3 step 6).
const INITIAL_TIMEOUT: Duration = Duration::from_secs(2);

impl Registry {
    /// Every v2 subscription, in creation order.
    pub fn v2_list(&self) -> Vec<SubscriptionInfo> {
        lock(&self.state).of(Api::V2).map(info).collect()
    }

    /// One v2 subscription.
    pub fn v2_get(&self, id: &str) -> Option<SubscriptionInfo> {
        lock(&self.state).of(Api::V2).find(|a| a.id == id).map(info)
    }

    /// Steps 4–6a of §3.3: the duplicate check, the resource check and the
    /// reservation, with the snapshot of the same instant. Called between
    /// two engine inputs (by the engine task), so an event is either in
    /// `snapshot` or published after the reservation, never both.
    pub fn v2_reserve(
        &self,
        new: &NewSubscription,
        snapshot: &Snapshot,
    ) -> Result<Reservation, CreateError> {
        let mut st = lock(&self.state);
        if let Some(a) = st
            .of(Api::V2)
            .find(|a| a.resource == new.resource && a.endpoint == new.endpoint)
        {
            return Err(CreateError::Duplicate(info(a)));
        }
        if let Some(p) = st
            .pending
            .iter()
            .find(|p| p.resource == new.resource && p.endpoint == new.endpoint)
        {
            return Err(CreateError::Duplicate(SubscriptionInfo {
                resource: p.resource.clone(),
                endpoint: p.endpoint.clone(),
                uri_location: self.uri_location(&p.id),
                id: p.id.clone(),
            }));
        }
        let Some(kind) = Resource::from_v2_address(&new.resource) else {
            return Err(CreateError::UnknownResource(new.resource.clone()));
        };
        self.admit_count(Registry::held(&st, Api::V2), 1)?;
        let id = uuid::Uuid::new_v4().to_string();
        st.pending.push(Pending {
            id: id.clone(),
            resource: new.resource.clone(),
            endpoint: new.endpoint.clone(),
            buffer: Vec::new(),
        });
        Ok(Reservation {
            id,
            kind,
            values: snapshot.values(kind).map(<[_]>::to_vec),
        })
    }

    /// Steps 6–8 of §3.3 for a reservation: the endpoint allow-list, the
    /// initial notification, then persist and activate. The reservation is
    /// released on failure.
    pub async fn v2_create(
        &self,
        new: NewSubscription,
        reservation: Reservation,
    ) -> Result<SubscriptionInfo, CreateError> {
        let Reservation { id, kind, values } = reservation;
        let result = match self.admit_endpoint(&new.url).await {
            Ok(()) => self.v2_activate(&new, &id, kind, values).await,
            Err(e) => Err(e.into()),
        };
        if result.is_err() {
            lock(&self.state).pending.retain(|p| p.id != id);
        }
        result
    }

    async fn v2_activate(
        &self,
        new: &NewSubscription,
        id: &str,
        kind: Resource,
        values: Option<Vec<Value>>,
    ) -> Result<SubscriptionInfo, CreateError> {
        let node = self.node();
        if new.resource != kind.address(node) {
            tracing::warn!(
                resource = %new.resource,
                expected = %kind.address(node),
                "subscription address does not name this node exactly; it will receive no pushes"
            );
        }
        let data = match values {
            Some(values) => EventData {
                resource: kind,
                values,
            },
            None => placeholder(kind, node),
        };
        let body = v2_event(&data, &uuid::Uuid::new_v4(), SystemTime::now());
        self.initial_notification(&new.url, body)
            .await
            .map_err(|reason| CreateError::InitialNotification {
                uri: new.endpoint.clone(),
                reason,
            })?;
        let stored = StoredSubscription {
            api: Api::V2,
            id: id.to_string(),
            resource: new.resource.clone(),
            endpoint: Some(new.endpoint.clone()),
            uri_location: self.uri_location(id),
            created: rfc3339(SystemTime::now()),
        };
        let info = SubscriptionInfo {
            resource: stored.resource.clone(),
            endpoint: new.endpoint.clone(),
            id: stored.id.clone(),
            uri_location: stored.uri_location.clone(),
        };
        self.commit(|_: &State| {
            Ok::<_, CreateError>((vec![StoreChange::PutSubscription(stored)], ()))
        })
        .await?;
        tracing::info!(subscription = %info.id, resource = %info.resource, endpoint = %info.endpoint, "subscription created");
        Ok(info)
    }

    /// One attempt, 2 s, redirects not followed; any 2xx is success.
    async fn initial_notification(&self, url: &Url, body: bytes::Bytes) -> Result<(), String> {
        let request = self
            .http
            .post(url.clone())
            .header("Content-Type", "application/json")
            .timeout(INITIAL_TIMEOUT)
            .body(body);
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("returned {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err("timed out".to_string()),
            Err(e) => Err(format!("failed: {e}")),
        }
    }

    /// Deletes one v2 subscription; `false` for an unknown id.
    pub async fn v2_delete(&self, id: &str) -> Result<bool, RegistryError> {
        self.commit(|st: &State| {
            if st.of(Api::V2).any(|a| a.id == id) {
                Ok::<_, RegistryError>((
                    vec![StoreChange::RemoveSubscriptions(vec![id.to_string()])],
                    true,
                ))
            } else {
                Ok((Vec::new(), false))
            }
        })
        .await
    }

    /// Deletes every v2 subscription.
    pub async fn v2_delete_all(&self) -> Result<(), RegistryError> {
        self.commit(|st: &State| {
            let ids = Registry::all_ids(st, Api::V2);
            let changes = if ids.is_empty() {
                Vec::new()
            } else {
                vec![StoreChange::RemoveSubscriptions(ids)]
            };
            Ok::<_, RegistryError>((changes, ()))
        })
        .await
    }

    fn uri_location(&self, id: &str) -> String {
        format!("{}/subscriptions/{id}", self.settings.subscription_base)
    }
}

fn info(a: &super::state::Active) -> SubscriptionInfo {
    SubscriptionInfo {
        resource: a.resource.clone(),
        endpoint: a.endpoint.clone(),
        id: a.id.clone(),
        uri_location: a.uri_location.clone(),
    }
}
