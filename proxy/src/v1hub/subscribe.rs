//! Creating and deleting local v1 subscriptions (rest-api.md §4.3, §4.2):
//! the endpoint check, the same-resource rule, persisting before
//! acknowledging, and the sidecar's registration messages.

use std::time::{Duration, SystemTime};

use super::{
    lock, save_store, target, Active, RegMsg, V1CreateError, V1Hub, V1Role, V1Sub,
    TRANSPORT_KEY_PREFIX,
};
use crate::delivery::{SubscriberKey, Url};
use crate::store::{Api, StoredSubscription};
use ptp_event_core::events::{rfc3339, Resource};

impl V1Hub {
    /// rest-api.md §4.3: endpoint check, same-resource lookup, persist.
    /// Returns the subscription and whether it is new.
    pub async fn create(
        &self,
        resource: String,
        endpoint: Option<(String, Url)>,
    ) -> Result<(V1Sub, bool), V1CreateError> {
        if let Some((_, url)) = &endpoint {
            self.check_endpoint(url)
                .await
                .map_err(V1CreateError::EndpointCheck)?;
        }
        let _w = self.writer.lock().await;
        let id = uuid::Uuid::new_v4().to_string();
        let endpoint = endpoint.map(|(e, _)| e).unwrap_or_default();
        let sub = V1Sub {
            uri_location: format!("{}/subscriptions/{id}", self.base),
            id,
            resource,
            endpoint,
        };
        let data = {
            let mut st = lock(&self.state);
            if let Some(a) = st.subs.iter().find(|a| a.sub.resource == sub.resource) {
                return Ok((a.sub.clone(), false));
            }
            st.data.subscriptions.push(StoredSubscription {
                api: Api::V1,
                id: sub.id.clone(),
                resource: sub.resource.clone(),
                endpoint: (!sub.endpoint.is_empty()).then(|| sub.endpoint.clone()),
                uri_location: sub.uri_location.clone(),
                created: rfc3339(SystemTime::now()),
            });
            st.data.clone()
        };
        if let Err(e) = save_store(&self.store, data).await {
            lock(&self.state)
                .data
                .subscriptions
                .retain(|s| s.id != sub.id);
            return Err(e.into());
        }
        lock(&self.state).subs.push(Active {
            target: target(&sub.endpoint),
            sub: sub.clone(),
        });
        if self.role == V1Role::Producer && Resource::from_v1_address(&sub.resource).is_none() {
            tracing::warn!(resource = %sub.resource, "v1 subscription to an unpublished resource: it will receive no events");
        }
        tracing::info!(subscription = %sub.id, resource = %sub.resource, endpoint = %sub.endpoint, "v1 subscription created");
        self.update_gauges();
        self.notify(&[RegMsg::New]);
        Ok((sub, true))
    }

    /// The empty POST of §4.3 step 2: 10 s, one attempt, any 2xx.
    async fn check_endpoint(&self, url: &Url) -> Result<(), String> {
        let request = self
            .client
            .post(url.clone())
            .header("Content-Type", "application/json")
            .timeout(Duration::from_secs(10))
            .body(Vec::new());
        match request.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("{url} returned {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err(format!("{url} timed out")),
            Err(e) => Err(format!("{url} failed: {e}")),
        }
    }

    /// Deletes one local subscription (persisted before it returns).
    pub async fn delete(&self, id: &str) -> Result<bool, crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let data = {
            let mut st = lock(&self.state);
            if !st.subs.iter().any(|a| a.sub.id == id) {
                return Ok(false);
            }
            let mut data = st.data.clone();
            data.subscriptions.retain(|s| s.id != id);
            st.data = data.clone();
            data
        };
        let result = save_store(&self.store, data).await;
        let removed = {
            let mut st = lock(&self.state);
            let pos = st.subs.iter().position(|a| a.sub.id == id);
            pos.map(|p| st.subs.remove(p))
        };
        if let Some(Active {
            target: Some((key, _)),
            sub,
        }) = removed
        {
            self.delivery.discard_tag(&key, &sub.id.as_str().into());
            let still_used = lock(&self.state)
                .subs
                .iter()
                .any(|a| a.target.as_ref().is_some_and(|(k, _)| *k == key));
            if !still_used {
                self.delivery.remove_subscriber(&key);
            }
        }
        self.update_gauges();
        self.notify(&[RegMsg::Delete, RegMsg::New]);
        result.map(|()| true)
    }

    /// Deletes every local subscription.
    pub async fn delete_all(&self) -> Result<(), crate::store::StoreError> {
        let _w = self.writer.lock().await;
        let (data, removed) = {
            let mut st = lock(&self.state);
            let removed = std::mem::take(&mut st.subs);
            st.data.subscriptions.retain(|s| s.api != Api::V1);
            (st.data.clone(), removed)
        };
        let result = save_store(&self.store, data).await;
        for a in removed {
            if let Some((key, _)) = a.target {
                self.delivery.remove_subscriber(&key);
            }
        }
        self.update_gauges();
        self.notify(&[RegMsg::Delete]);
        result
    }

    /// Removes a dead subscriber (events-and-metrics.md §7.3): a transport
    /// client, or every local subscription with that endpoint. Persisted
    /// first. Counted before anything is removed, so whoever sees the
    /// removal also sees it counted.
    pub async fn remove_dead(&self, key: &SubscriberKey) {
        if let Ok(m) = self.metrics.lock() {
            m.subscribers_removed.inc();
        }
        if key.as_str().starts_with(TRANSPORT_KEY_PREFIX) {
            self.remove_dead_client(key).await;
        } else {
            let _w = self.writer.lock().await;
            let (data, ids) = {
                let st = lock(&self.state);
                let ids: Vec<String> = st
                    .subs
                    .iter()
                    .filter(|a| a.target.as_ref().is_some_and(|(k, _)| k == key))
                    .map(|a| a.sub.id.clone())
                    .collect();
                let mut data = st.data.clone();
                data.subscriptions.retain(|s| !ids.contains(&s.id));
                (data, ids)
            };
            if let Err(e) = save_store(&self.store, data.clone()).await {
                tracing::error!(error = %e, "store write after removing a dead v1 endpoint failed");
            }
            {
                let mut st = lock(&self.state);
                st.subs.retain(|a| !ids.contains(&a.sub.id));
                st.data = data;
            }
            self.delivery.remove_subscriber(key);
            tracing::warn!(subscriber = %key, subscriptions = ids.len(), "v1 endpoint removed after 10 consecutive failed deliveries");
            self.notify(&[RegMsg::Delete, RegMsg::New]);
        }
        self.update_gauges();
    }
}
