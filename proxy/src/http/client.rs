//! The one outgoing HTTP client setup (`settings`): deliveries, initial
//! notifications, endpoint checks, the daemon's `/port-aliases`, and the v1
//! sidecar's calls to its producers share one pooled client; the daemon's
//! `/emit-logs` trigger has a client of the same settings with a smaller
//! idle pool ([`daemon`]). (The JWKS fetcher of `security/` builds its own,
//! with the outgoing TLS settings, because it follows redirects.)
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

/// Idle connections kept per host by [`daemon`].
pub const DAEMON_IDLE_PER_HOST: usize = 1;

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

/// The client for the daemon's `/emit-logs` replay trigger: one request per
/// accepted socket connection, so a burst of reconnects runs many at once.
/// It keeps at most [`DAEMON_IDLE_PER_HOST`] idle connection, so the
/// connections of such a burst close when their requests end (the shared
/// client keeps every idle connection for [`POOL_IDLE`], which after 1000
/// reconnects held hundreds of file descriptors).
pub fn daemon() -> Result<reqwest::Client, reqwest::Error> {
    settings(reqwest::Client::builder())
        .pool_max_idle_per_host(DAEMON_IDLE_PER_HOST)
        .build()
}
