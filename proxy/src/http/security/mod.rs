//! Optional protection of the API and of outgoing requests (security.md):
//! TLS and client certificates on the listeners, bearer tokens (JWT) on the
//! routes that change subscriptions, TLS to consumers, an endpoint
//! allow-list and the settings that select them. Everything here is off
//! unless `--auth-config` or one of the flags is given.
//!
//! One concern per file:
//! - [`auth_config`] — the upstream-format `--auth-config` JSON file;
//! - [`pem`] — reading PEM certificates, CA bundles and private keys;
//! - [`tls`] — the server side (rustls), re-read when the files change;
//! - [`client_tls`] — outgoing TLS (system roots, `--consumer-ca`, client
//!   certificate) for reqwest;
//! - [`token`], [`jwks`], [`bearer`] — JWT validation in the order of §3;
//! - [`guard`] — the axum middleware ([`protect`]), counted in
//!   `cne_api_auth_total`; refusals are `http::Problem`s;
//! - [`clock`] — the injectable time source of token validation;
//! - [`endpoint_policy`] — `--endpoint-allow`;
//! - [`settings`] — the flags as values, and loading all of it at start-up;
//! - [`validate`] — `cloud-event-proxy validate --auth-config FILE`.

pub mod auth_config;
pub mod bearer;
pub mod client_tls;
pub mod clock;
pub mod endpoint_policy;
pub mod guard;
pub mod jwks;
pub mod pem;
pub mod settings;
pub mod tls;
pub mod token;
pub mod validate;

#[cfg(test)]
pub(crate) mod testjwt;
#[cfg(test)]
pub(crate) mod testpki;

pub use auth_config::{AuthConfig, AuthConfigError, OAuthSettings};
pub use bearer::{AuthFailure, AuthOutcome, BearerAuth};
pub use client_tls::{ClientTls, ClientTlsError, ClientTlsFiles, SystemRoots};
pub use clock::{Clock, ManualClock, SystemClock};
pub use endpoint_policy::{EndpointPolicy, PolicyError, Refusal};
pub use guard::{protect, require_bearer, AuthCounter, BearerGuard};
pub use settings::{
    ApiAddr, LoadError, Security, SecurityFlags, SecuritySettings, SettingsError,
    DEFAULT_MAX_SUBSCRIPTIONS,
};
pub use tls::{ServerTls, ServerTlsPaths, TlsAcceptError, TlsFileError, TlsPart};
pub use validate::{validate_auth_config, AuthConfigReport};

/// The one crypto provider of the process: ring, shared with reqwest's
/// rustls (aws-lc-rs would need cmake and a second TLS stack).
pub fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
