//! `GET /metrics` on `--metrics-addr` (events-and-metrics.md §9.1); any
//! other path is 404.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::http::routes::{endpoint, listener, no_such_path};
use crate::http::Flavor;
use crate::metrics::{Metrics, CONTENT_TYPE};

/// The metrics router.
pub fn router(metrics: Metrics) -> Router {
    let r = Router::new().route(
        "/metrics",
        endpoint(
            "GET",
            get(move || {
                let m = metrics.clone();
                async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], m.render()).into_response() }
            }),
        ),
    );
    listener(r, no_such_path, Flavor::Plain)
}
