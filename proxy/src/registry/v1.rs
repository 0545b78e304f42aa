//! Local v1 subscriptions of both v1 roles (rest-api.md §4.3, §4.2): the
//! endpoint allow-list and check, the same-resource rule, the limit, and the sidecar's registration
//! messages to its producers.

use std::time::{Duration, SystemTime};

use super::state::{Active, State};
use super::{lock, RegMsg, Registry, RegistryError, Role};
use crate::delivery::{Outgoing, Url};
use crate::store::StoreChange;
use crate::store::{Api, StoredSubscription};
use ptp_event_core::events::{rfc3339, v1_event_with_source, EventData, Resource};

/// A local v1 subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Sub {
    pub id: String,
    pub resource: String,
    /// Empty when the subscription has no endpoint.
    pub endpoint: String,
    pub uri_location: String,
}

/// Why a v1 subscription was not created.
#[derive(Debug, thiserror::Error)]
pub enum V1CreateError {
    #[error("return url validation check failed for create subscription. check endpointURI: {0}")]
    EndpointCheck(String),
    /// `--endpoint-allow` or `--max-subscriptions`.
    #[error(transparent)]
    Admission(#[from] super::Admission),
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// The empty POST of §4.3 step 2: one attempt.
const ENDPOINT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

fn sub(a: &Active) -> V1Sub {
    V1Sub {
        id: a.id.clone(),
        resource: a.resource.clone(),
        endpoint: a.endpoint.clone(),
        uri_location: a.uri_location.clone(),
    }
}

impl Registry {
    /// Every local v1 subscription, in creation order.
    pub fn v1_list(&self) -> Vec<V1Sub> {
        lock(&self.state).of(Api::V1).map(sub).collect()
    }

    /// One local v1 subscription.
    pub fn v1_get(&self, id: &str) -> Option<V1Sub> {
        lock(&self.state).of(Api::V1).find(|a| a.id == id).map(sub)
    }

    /// §4.3: the endpoint check, then the same-resource lookup and the
    /// write. Returns the subscription and whether it is new.
    pub async fn v1_create(
        &self,
        resource: String,
        endpoint: Option<(String, Url)>,
    ) -> Result<(V1Sub, bool), V1CreateError> {
        if let Some((_, url)) = &endpoint {
            self.admit_endpoint(url).await?;
            self.check_endpoint(url)
                .await
                .map_err(V1CreateError::EndpointCheck)?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let new = V1Sub {
            uri_location: format!("{}/subscriptions/{id}", self.settings.subscription_base),
            id,
            resource,
            endpoint: endpoint.map(|(e, _)| e).unwrap_or_default(),
        };
        let (created, is_new) = self
            .commit(|st: &State| {
                if let Some(a) = st.of(Api::V1).find(|a| a.resource == new.resource) {
                    return Ok::<_, V1CreateError>((Vec::new(), (sub(a), false)));
                }
                self.admit_count(Registry::held(st, Api::V1), 1)?;
                let stored = StoredSubscription {
                    api: Api::V1,
                    id: new.id.clone(),
                    resource: new.resource.clone(),
                    endpoint: (!new.endpoint.is_empty()).then(|| new.endpoint.clone()),
                    uri_location: new.uri_location.clone(),
                    created: rfc3339(SystemTime::now()),
                };
                Ok((
                    vec![StoreChange::PutSubscription(stored)],
                    (new.clone(), true),
                ))
            })
            .await?;
        if is_new {
            if self.role() == Role::V1Producer
                && Resource::from_v1_address(&created.resource).is_none()
            {
                tracing::warn!(resource = %created.resource, "v1 subscription to an unpublished resource: it will receive no events");
            }
            tracing::info!(subscription = %created.id, resource = %created.resource, endpoint = %created.endpoint, "v1 subscription created");
            self.notify(&[RegMsg::New]);
        }
        Ok((created, is_new))
    }

    /// The empty POST of §4.3 step 2: 10 s, one attempt, any 2xx.
    async fn check_endpoint(&self, url: &Url) -> Result<(), String> {
        let request = self
            .http
            .post(url.clone())
            .header("Content-Type", "application/json")
            .timeout(ENDPOINT_CHECK_TIMEOUT)
            .body(Vec::new());
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("{url} returned {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err(format!("{url} timed out")),
            Err(e) => Err(format!("{url} failed: {e}")),
        }
    }

    /// Deletes one local subscription; `false` for an unknown id.
    pub async fn v1_delete(&self, id: &str) -> Result<bool, RegistryError> {
        let found = self
            .commit(|st: &State| {
                if st.of(Api::V1).any(|a| a.id == id) {
                    Ok::<_, RegistryError>((
                        vec![StoreChange::RemoveSubscriptions(vec![id.to_string()])],
                        true,
                    ))
                } else {
                    Ok((Vec::new(), false))
                }
            })
            .await?;
        if found {
            self.notify(&[RegMsg::Delete, RegMsg::New]);
        }
        Ok(found)
    }

    /// Deletes every local subscription.
    pub async fn v1_delete_all(&self) -> Result<(), RegistryError> {
        self.commit(|st: &State| {
            let ids = Registry::all_ids(st, Api::V1);
            let changes = if ids.is_empty() {
                Vec::new()
            } else {
                vec![StoreChange::RemoveSubscriptions(ids)]
            };
            Ok::<_, RegistryError>((changes, ()))
        })
        .await?;
        self.notify(&[RegMsg::Delete]);
        Ok(())
    }

    /// Queues `data` as a v1 application event (source `address`, `id` =
    /// the subscription id) to the local subscriptions of `address` (only
    /// `only` when given). Returns how many were queued.
    pub fn v1_queue_for(
        &self,
        data: &EventData,
        address: &str,
        time: SystemTime,
        only: Option<&str>,
        published_at: std::time::Instant,
    ) -> usize {
        let st = lock(&self.state);
        let mut n = 0;
        for a in st
            .of(Api::V1)
            .filter(|a| a.resource == address && only.is_none_or(|id| a.id == id))
        {
            let Some(t) = &a.target else {
                if !a.endpoint.is_empty() {
                    // Held: outside --endpoint-allow (logged at start-up).
                    continue;
                }
                tracing::info!(subscription = %a.id, resource = %address, "event for a v1 subscription without endpoint");
                continue;
            };
            let item = Outgoing {
                body: v1_event_with_source(data, address, &a.id, time, self.v1_format()),
                headers: std::sync::Arc::from(Vec::new()),
                tag: a.id.as_str().into(),
                published_at,
                resource: super::fanout::v1_suffix(data.resource),
                api: "v1",
            };
            match self.delivery.enqueue(&t.key, &t.url, item) {
                Ok(()) => n += 1,
                Err(e) => tracing::warn!(subscriber = %t.key, error = %e, "v1 event not queued"),
            }
        }
        n
    }
}
