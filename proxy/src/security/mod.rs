//! WIP
pub mod auth_config;
pub mod pem;
pub mod tls;
#[cfg(test)]
pub(crate) mod testpki;
pub fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
