//! The v1 sidecar-to-sidecar HTTP transport (rest-api.md §5).
//!
//! Files: `server.rs` (the router of the listener on the port of
//! `--transport-host`, producer and sidecar routes), `doc.rs` (the
//! Subscriber document, pure), `register.rs` (the sidecar's registration
//! task with one producer; waits on registration messages and the re-send
//! interval), `current.rs` (the sidecar's CurrentState requests to the
//! producers; no task).

mod current;
mod doc;
mod register;
mod server;

pub use current::{fetch_current_data, fetch_current_state};
pub use doc::{build as build_doc, parse as parse_doc, DocError, SubscriberDoc};
pub use register::{Registrar, RETRY_CAP};
pub use server::{router, TransportState};

/// The sidecar's identity: UUID v3 (URL namespace) of its normalised
/// `--transport-host` string.
pub fn sidecar_client_id(transport_host: &str) -> String {
    crate::registry::client_id(transport_host)
}

/// A normalised host URL as a string without the trailing `/` the URL
/// parser adds to an empty path (`http://host:9043`).
pub fn base_string(url: &url::Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_string_drops_the_root_slash() {
        let u = url::Url::parse("http://consumer:9043").expect("url");
        assert_eq!(base_string(&u), "http://consumer:9043");
        assert_eq!(
            sidecar_client_id("http://consumer:9043"),
            crate::registry::client_id("http://consumer:9043")
        );
    }
}
