//! The consumer sidecar's registration with one producer (rest-api.md
//! §5.3). One task per producer; it waits on registration messages from the
//! v1 hub and on the periodic re-send interval. At start it probes the
//! producer's `/health` (up to 6 tries, 2 s apart) and sends NEW with every
//! stored subscription. Each message is retried with exponential back-off
//! (1 s doubling, capped at 30 s) until a 2xx; a 4xx is not retried.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use crate::registry::{Action, RegMsg, Registry};
use ptp_event_core::events::rfc3339;

/// Longest wait between two tries of one message.
pub const RETRY_CAP: Duration = Duration::from_secs(30);
const PROBE_TRIES: u32 = 6;
const PROBE_GAP: Duration = Duration::from_secs(2);

/// The registration task of one producer.
pub struct Registrar {
    pub registry: Arc<Registry>,
    /// The producer's base URL (no trailing `/`).
    pub producer: String,
    pub client_id: String,
    /// This sidecar's transport base URL.
    pub endpoint: String,
    pub resync: Duration,
    pub messages: mpsc::UnboundedReceiver<RegMsg>,
}

/// The delay before retry `n` (0-based): 1 s doubling, capped.
pub fn backoff(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.min(5)).min(RETRY_CAP)
}

impl Registrar {
    /// Runs until the message channel closes.
    pub async fn run(mut self) {
        self.probe().await;
        self.send(RegMsg::New).await;
        let mut tick = tokio::time::interval(self.resync);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            let msg = tokio::select! {
                m = self.messages.recv() => match m {
                    Some(m) => m,
                    None => return,
                },
                _ = tick.tick() => RegMsg::New,
            };
            self.send(msg).await;
        }
    }

    async fn probe(&self) {
        let url = format!("{}/health", self.producer);
        for attempt in 1..=PROBE_TRIES {
            let r = self
                .registry
                .http()
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => return,
                Ok(r) => {
                    tracing::info!(producer = %self.producer, attempt, status = r.status().as_u16(), "producer health check failed")
                }
                Err(e) => {
                    tracing::info!(producer = %self.producer, attempt, error = %e, "producer health check failed")
                }
            }
            if attempt < PROBE_TRIES {
                tokio::time::sleep(PROBE_GAP).await;
            }
        }
        tracing::warn!(producer = %self.producer, "producer not healthy; registering anyway");
    }

    /// Sends one message until it is accepted (2xx) or refused (4xx).
    async fn send(&self, msg: RegMsg) {
        let (action, subject, subs) = match msg {
            RegMsg::New => (Action::New, "NEW", self.registry.v1_list()),
            RegMsg::Delete => (Action::Delete, "DELETE", Vec::new()),
        };
        let body = super::doc::build(&self.client_id, &self.endpoint, action, &subs);
        let source = subs
            .first()
            .map(|s| s.resource.clone())
            .unwrap_or_else(|| "/".to_string());
        let url = format!("{}/subscription", self.producer);
        let mut n = 0u32;
        loop {
            let r = self
                .registry
                .http()
                .post(&url)
                .timeout(Duration::from_secs(5))
                .header("content-type", "application/json")
                .header("ce-specversion", "0.3")
                .header("ce-id", uuid::Uuid::new_v4().to_string())
                .header("ce-type", "SUBSCRIBER")
                .header("ce-source", source.as_str())
                .header("ce-subject", subject)
                .header("ce-time", rfc3339(SystemTime::now()))
                .body(body.clone())
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => {
                    tracing::debug!(producer = %self.producer, action = subject, subscriptions = subs.len(), "registered");
                    return;
                }
                Ok(r) if r.status().is_client_error() => {
                    tracing::warn!(producer = %self.producer, action = subject, status = r.status().as_u16(), "registration refused; not retried");
                    return;
                }
                Ok(r) => {
                    tracing::info!(producer = %self.producer, action = subject, status = r.status().as_u16(), "registration failed; retrying")
                }
                Err(e) => {
                    tracing::info!(producer = %self.producer, action = subject, error = %e, "registration failed; retrying")
                }
            }
            tokio::time::sleep(backoff(n)).await;
            n = n.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_thirty() {
        let got: Vec<u64> = (0..8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
