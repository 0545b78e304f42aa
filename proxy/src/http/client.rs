//! The one outgoing HTTP client setup: deliveries, initial notifications,
//! endpoint checks, the daemon's `/emit-logs` and `/port-aliases`, and the
//! v1 sidecar's calls to its producers all share one pooled client.
//! Redirects are not followed; each caller sets its own timeout. `https://`
//! servers are verified with the outgoing TLS settings (security.md §4:
//! system roots plus `--consumer-ca`, the `--consumer-cert` client
//! certificate); a failed handshake is a connection error (`is_connect`),
//! which delivery retries like a refused connection.

use std::time::Duration;

use super::security::ClientTls;

/// How long an idle pooled connection is kept.
pub const POOL_IDLE: Duration = Duration::from_secs(90);
/// Connection set-up limit (the delivery attempt budget, events-and-metrics.md §7.2).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds the shared client with the outgoing TLS settings.
pub fn outgoing_with(tls: &ClientTls) -> Result<reqwest::Client, reqwest::Error> {
    settings(tls.apply(reqwest::Client::builder())).build()
}

/// The shared client with reqwest's own trust (the compiled-in roots), for
/// tests of code that takes a client.
pub fn outgoing() -> Result<reqwest::Client, reqwest::Error> {
    settings(reqwest::Client::builder()).build()
}

fn settings(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE)
        .tcp_nodelay(true)
}
