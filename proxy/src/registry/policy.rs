//! The endpoint allow-list and the subscription limit (security.md §5,
//! §6) as the registry applies them: the create paths ask
//! [`Registry::admit_endpoint`] before any request goes to the endpoint,
//! and count against `--max-subscriptions` under the same lock that adds
//! the subscription. At start-up, [`Registry::hold_refused_endpoints`]
//! keeps the stored subscriptions and clients a stricter list no longer
//! allows in the store, but delivers nothing to them.

use crate::delivery::Url;
use crate::http::security::Refusal;
use crate::store::Api;

use super::state::State;
use super::{lock, Registry};

/// Why the registry refused to add a subscription or a client, before
/// anything was stored or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Admission {
    /// The endpoint is outside `--endpoint-allow` (403).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// `--max-subscriptions` are held (429).
    #[error("the proxy holds its maximum of {0} subscriptions (--max-subscriptions)")]
    Full(usize),
}

impl Admission {
    /// 403 or 429, with the reason as `detail`.
    pub fn problem(&self) -> crate::http::Problem {
        match self {
            Admission::Refused(r) => r.problem(),
            Admission::Full(_) => crate::http::Problem::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                self.to_string(),
            ),
        }
    }
}

impl Registry {
    /// Whether subscriptions may name `url` (`--endpoint-allow`). Waits on
    /// name resolution (2 s at most) when the list has CIDRs and the name
    /// is not listed itself.
    pub async fn admit_endpoint(&self, url: &Url) -> Result<(), Admission> {
        match &self.settings.endpoint_policy {
            None => Ok(()),
            Some(policy) => Ok(policy.check(url).await?),
        }
    }

    /// `Full` when adding `adding` subscriptions to the `held` ones would
    /// pass `--max-subscriptions`.
    pub(super) fn admit_count(&self, held: usize, adding: usize) -> Result<(), Admission> {
        let max = self.settings.max_subscriptions;
        if held.saturating_add(adding) > max {
            Err(Admission::Full(max))
        } else {
            Ok(())
        }
    }

    /// Every subscription of this role's API and every transport
    /// client's subscription (what `--max-subscriptions` caps).
    pub(super) fn held(st: &State, api: Api) -> usize {
        st.of(api).count()
            + st.pending.len()
            + st.data
                .transport_clients
                .iter()
                .map(|c| c.subscriptions.len())
                .sum::<usize>()
    }

    /// Start-up, before any event: stored subscriptions and transport
    /// clients whose endpoint the list does not allow stay in the store
    /// (and in the lists) but get no deliveries; each is logged once.
    pub async fn hold_refused_endpoints(&self) {
        let Some(policy) = self.settings.endpoint_policy.clone() else {
            return;
        };
        let (subs, clients) = {
            let st = lock(&self.state);
            let subs: Vec<(String, Url)> = st
                .subs
                .iter()
                .filter_map(|a| Some((a.id.clone(), a.target.as_ref()?.url.clone())))
                .collect();
            let clients: Vec<(String, Url)> = st
                .clients
                .iter()
                .map(|c| (c.id.clone(), c.target.url.clone()))
                .collect();
            (subs, clients)
        };
        let mut held_subs = Vec::new();
        for (id, url) in subs {
            if let Err(refusal) = policy.check(&url).await {
                tracing::warn!(subscription = %id, endpoint = %url, reason = %refusal, "stored subscription kept but not delivered to: its endpoint is outside --endpoint-allow");
                held_subs.push(id);
            }
        }
        let mut held_clients = Vec::new();
        for (id, url) in clients {
            if let Err(refusal) = policy.check(&url).await {
                tracing::warn!(client = %id, endpoint = %url, reason = %refusal, "stored transport client kept but not delivered to: its endpoint is outside --endpoint-allow");
                held_clients.push(id);
            }
        }
        if held_subs.is_empty() && held_clients.is_empty() {
            return;
        }
        let mut st = lock(&self.state);
        for a in st.subs.iter_mut().filter(|a| held_subs.contains(&a.id)) {
            a.target = None;
        }
        st.clients.retain(|c| !held_clients.contains(&c.id));
    }
}
