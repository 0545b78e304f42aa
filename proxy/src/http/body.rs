//! Bounded request bodies (rest-api.md §2.2): over 64 KiB → 413 (checked
//! against `Content-Length` before reading, enforced while reading chunked
//! bodies); a body that cannot be read (invalid chunked framing) → 400.

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use bytes::Bytes;

use super::Problem;

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;

/// The request body, at most [`MAX_BODY`] bytes.
#[derive(Debug, Clone)]
pub struct LimitedBody(pub Bytes);

fn too_large() -> Problem {
    // The rest of the body is not read: the connection cannot be reused.
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request body larger than 64 KiB",
    )
    .closing()
}

/// Whether a body error is the length limit (anything else is framing).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

impl<S: Send + Sync> FromRequest<S> for LimitedBody {
    type Rejection = Problem;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
            Ok(b) => Ok(LimitedBody(b)),
            Err(e) if is_length_limit(&e) => Err(too_large()),
            Err(e) => {
                Err(Problem::bad_request(format!("the request body cannot be read: {e}")).closing())
            }
        }
    }
}
