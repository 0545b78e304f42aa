//! Creating a v2 subscription (rest-api.md §3.3): duplicate check, resource
//! check, initial notification, persist, activate.

use std::time::{Duration, SystemTime};

use super::{client_id, lock, Hub, Pending, Subscription};
use crate::delivery::{SubscriberKey, Url};
use ptp_event_core::events::{placeholder, rfc3339, v2_event, EventData, Resource};

/// A subscription as the v2 API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    pub resource: String,
    pub endpoint: String,
    pub id: String,
    pub uri_location: String,
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
    #[error("the subscription could not be stored: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl Hub {
    /// Steps 4–8 of §3.3 for a validated (resource, endpoint) pair.
    pub async fn create(
        &self,
        resource: String,
        endpoint: String,
        url: Url,
    ) -> Result<SubscriptionInfo, CreateError> {
        let id = uuid::Uuid::new_v4().to_string();
        let uri_location = format!("{}/subscriptions/{id}", self.uri_base);
        // Steps 4-6a under the lock: duplicate, resource, snapshot, reserve.
        let (kind, values) = {
            let mut st = lock(&self.state);
            if let Some(s) = st
                .subs
                .iter()
                .find(|s| s.resource == resource && s.endpoint == endpoint)
            {
                return Err(CreateError::Duplicate(s.info()));
            }
            if let Some(p) = st
                .pending
                .iter()
                .find(|p| p.resource == resource && p.endpoint == endpoint)
            {
                return Err(CreateError::Duplicate(SubscriptionInfo {
                    resource: p.resource.clone(),
                    endpoint: p.endpoint.clone(),
                    id: p.id.clone(),
                    uri_location: format!("{}/subscriptions/{}", self.uri_base, p.id),
                }));
            }
            let Some(kind) = Resource::from_v2_address(&resource) else {
                return Err(CreateError::UnknownResource(resource));
            };
            let values = st.snapshot.values(kind).map(<[_]>::to_vec);
            st.pending.push(Pending {
                id: id.clone(),
                resource: resource.clone(),
                endpoint: endpoint.clone(),
                buffer: Vec::new(),
            });
            (kind, values)
        };
        if resource != kind.address(&self.node) {
            tracing::warn!(
                resource,
                expected = %kind.address(&self.node),
                "subscription address does not name this node exactly; it will receive no pushes"
            );
        }
        let data = match values {
            Some(values) => EventData {
                resource: kind,
                values,
            },
            None => placeholder(kind, &self.node),
        };
        let body = v2_event(&data, &uuid::Uuid::new_v4(), SystemTime::now());
        if let Err(reason) = self.initial_notification(&url, body).await {
            self.drop_pending(&id);
            return Err(CreateError::InitialNotification {
                uri: endpoint,
                reason,
            });
        }
        let sub = Subscription {
            id: id.clone(),
            resource,
            key: SubscriberKey::new(client_id(&endpoint)),
            endpoint,
            uri_location,
            url,
        };
        let _w = self.writer.lock().await;
        let data = {
            let mut st = lock(&self.state);
            st.data
                .subscriptions
                .push(Hub::stored(&sub, rfc3339(SystemTime::now())));
            st.data.clone()
        };
        if let Err(e) = self.save(data).await {
            let mut st = lock(&self.state);
            st.data.subscriptions.retain(|s| s.id != id);
            st.pending.retain(|p| p.id != id);
            return Err(CreateError::Store(e));
        }
        {
            let mut st = lock(&self.state);
            let buffered = st
                .pending
                .iter()
                .position(|p| p.id == id)
                .map(|i| st.pending.remove(i).buffer)
                .unwrap_or_default();
            for item in buffered {
                if let Err(e) = self.delivery.enqueue(&sub.key, &sub.url, item) {
                    tracing::warn!(subscriber = %sub.key, error = %e, "buffered event not queued");
                }
            }
            st.subs.push(sub.clone());
        }
        self.update_gauges();
        tracing::info!(subscription = %sub.id, resource = %sub.resource, endpoint = %sub.endpoint, "subscription created");
        Ok(sub.info())
    }

    fn drop_pending(&self, id: &str) {
        lock(&self.state).pending.retain(|p| p.id != id);
    }

    /// One attempt, 2 s, redirects not followed; any 2xx is success.
    async fn initial_notification(&self, url: &Url, body: bytes::Bytes) -> Result<(), String> {
        let request = self
            .client
            .post(url.clone())
            .header("Content-Type", "application/json")
            .timeout(Duration::from_secs(2))
            .body(body);
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("returned {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err("timed out".to_string()),
            Err(e) => Err(format!("failed: {e}")),
        }
    }
}
