//! The one outgoing HTTP client setup: deliveries, initial notifications,
//! endpoint checks, the daemon's `/emit-logs` and `/port-aliases`, and the
//! v1 sidecar's calls to its producers all share one pooled client.
//! Redirects are not followed; each caller sets its own timeout.

use std::time::Duration;

/// How long an idle pooled connection is kept.
pub const POOL_IDLE: Duration = Duration::from_secs(90);
/// Connection set-up limit (the delivery attempt budget, events-and-metrics.md §7.2).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds the shared client.
pub fn outgoing() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE)
        .tcp_nodelay(true)
        .build()
}
