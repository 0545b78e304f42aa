//! The `/emit-logs` replay trigger (socket-and-lines.md §1.5): one GET per
//! accepted connection, 5 s timeout, no retry, result only logged. Each
//! request runs in its own task, so accepting and reading never wait.

use std::time::Duration;

/// Sends `GET <daemon-url>/emit-logs`.
#[derive(Clone)]
pub struct Replayer {
    client: reqwest::Client,
    url: Option<url::Url>,
}

impl Replayer {
    pub fn new(client: reqwest::Client, daemon_url: &url::Url) -> Replayer {
        Replayer {
            client,
            url: daemon_url.join("emit-logs").ok(),
        }
    }

    /// Fires one request in the background.
    pub fn trigger(&self) {
        let Some(url) = self.url.clone() else {
            return;
        };
        let client = self.client.clone();
        tokio::spawn(async move {
            match client
                .get(url.clone())
                .timeout(Duration::from_secs(5))
                .send()
                .await
            {
                Ok(r) => tracing::debug!(status = r.status().as_u16(), %url, "replay requested"),
                Err(e) => tracing::debug!(error = %e, %url, "replay request failed"),
            }
        });
    }
}
