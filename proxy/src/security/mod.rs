//! WIP
pub mod auth_config;
pub mod bearer;
pub mod client_tls;
pub mod clock;
pub mod guard;
pub mod jwks;
pub mod pem;
pub mod problem;
pub mod tls;
pub mod token;
#[cfg(test)]
pub(crate) mod testjwt;
#[cfg(test)]
pub(crate) mod testpki;
pub use auth_config::{AuthConfig, AuthConfigError, OAuthSettings};
pub use bearer::{AuthFailure, AuthOutcome, BearerAuth};
pub use client_tls::{ClientTls, ClientTlsError, ClientTlsFiles};
pub use tls::{ServerTls, ServerTlsPaths, TlsAcceptError};
pub fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
