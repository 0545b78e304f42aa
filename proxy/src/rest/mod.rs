//! The REST listeners: the O-RAN v2 API (`v2.rs`), the legacy v1 API
//! (`v1.rs`) and `GET /metrics` (`metrics.rs`), each one axum router with
//! the shared behaviours of `crate::http::routes`. Handlers read the
//! registry and ask the engine task for CurrentState; they never reach into
//! the engine.

pub mod metrics;
pub mod v1;
pub mod v2;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A list body, indented by one space per level (rest-api.md §2.3).
fn pretty<T: Serialize>(items: &[T]) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::http::pretty::list(items),
    )
        .into_response()
}

/// A serialised event (the core's byte-exact envelope).
fn event_body(body: bytes::Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /health` of the REST APIs.
async fn health() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "OK").into_response()
}

/// The resource address of a `…/{address}/CurrentState` path under `base`
/// (`/` + the segments between), if the path has that shape.
fn current_state_address(path: &str, base: &str) -> Option<String> {
    let rest = path.strip_prefix(base)?.strip_prefix('/')?;
    let address = rest.strip_suffix("/CurrentState")?;
    let ok = !address.is_empty() && address.split('/').all(|s| !s.is_empty());
    ok.then(|| format!("/{address}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_state_paths() {
        let b = "/api/ocloudNotifications/v2";
        assert_eq!(
            current_state_address(&format!("{b}/cluster/node/n/sync/CurrentState"), b).as_deref(),
            Some("/cluster/node/n/sync")
        );
        for bad in [
            "/CurrentState",
            "/x//CurrentState",
            "/x/CurrentState/",
            "/x",
        ] {
            assert_eq!(
                current_state_address(&format!("{b}{bad}"), b),
                None,
                "{bad}"
            );
        }
        assert_eq!(current_state_address("/other/x/CurrentState", b), None);
    }
}
