//! One HTTP attempt and the classification of its outcome (spec §7.2).
//!
//! The attempt POSTs the event's bytes with `Content-Type: application/json`
//! (or the event's own content type) plus the event's own headers, on the
//! subscriber's connection (`conn.rs`). The timeout covers connection
//! set-up, sending and the response head; then at most `max_body` bytes of
//! the response body are read (bounded by the same timeout again) and
//! discarded, so the connection can carry the next event.

use super::conn::{Connection, Connector, PostError};
use super::observer::AttemptResult;
use super::Outgoing;
use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;
use url::Url;

/// What happened on the wire, for logs.
#[derive(Debug)]
pub(crate) enum AttemptDetail {
    Status(StatusCode),
    Timeout,
    /// Connection refused/reset, DNS or TLS failure, a broken response, ...
    Transport(PostError),
    /// The request could not even be made (e.g. an unsupported scheme).
    Invalid(PostError),
}

impl fmt::Display for AttemptDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {status}"),
            Self::Timeout => f.write_str("timeout"),
            Self::Transport(err) | Self::Invalid(err) => write!(f, "{err}"),
        }
    }
}

impl AttemptDetail {
    /// Whether the peer reset the connection (`ECONNRESET`).
    pub(crate) fn is_connection_reset(&self) -> bool {
        matches!(self, Self::Transport(err) if err.is_connection_reset())
    }
}

/// One attempt's classified result and what caused it.
#[derive(Debug)]
pub(crate) struct AttemptReport {
    pub(crate) result: AttemptResult,
    pub(crate) detail: AttemptDetail,
}

/// 2xx delivered; 5xx, 408 and 429 retryable; anything else rejected.
pub(crate) fn classify_status(status: StatusCode) -> AttemptResult {
    if status.is_success() {
        AttemptResult::Delivered
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        AttemptResult::Retryable
    } else {
        AttemptResult::Rejected
    }
}

/// Performs one POST of `item` to `url` on `conn`.
pub(crate) async fn attempt(
    conn: &mut Connection,
    connector: &Connector,
    url: &Url,
    item: &Outgoing,
    timeout: Duration,
    max_body: usize,
) -> AttemptReport {
    match conn.post(connector, url, item, timeout, max_body).await {
        Ok(code) => match StatusCode::from_u16(code) {
            Ok(status) => report(classify_status(status), AttemptDetail::Status(status)),
            Err(_) => report(
                AttemptResult::Retryable,
                AttemptDetail::Transport(PostError::Protocol("status code out of range")),
            ),
        },
        Err(PostError::Timeout) => report(AttemptResult::Retryable, AttemptDetail::Timeout),
        Err(err @ PostError::Invalid(_)) => {
            report(AttemptResult::Rejected, AttemptDetail::Invalid(err))
        }
        Err(err) => report(AttemptResult::Retryable, AttemptDetail::Transport(err)),
    }
}

fn report(result: AttemptResult, detail: AttemptDetail) -> AttemptReport {
    AttemptReport { result, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classification() {
        let table = [
            (200, AttemptResult::Delivered),
            (201, AttemptResult::Delivered),
            (202, AttemptResult::Delivered),
            (204, AttemptResult::Delivered),
            (299, AttemptResult::Delivered),
            (100, AttemptResult::Rejected),
            (301, AttemptResult::Rejected),
            (302, AttemptResult::Rejected),
            (307, AttemptResult::Rejected),
            (400, AttemptResult::Rejected),
            (401, AttemptResult::Rejected),
            (404, AttemptResult::Rejected),
            (408, AttemptResult::Retryable),
            (409, AttemptResult::Rejected),
            (429, AttemptResult::Retryable),
            (500, AttemptResult::Retryable),
            (502, AttemptResult::Retryable),
            (503, AttemptResult::Retryable),
            (504, AttemptResult::Retryable),
            (599, AttemptResult::Retryable),
        ];
        for (code, expected) in table {
            let status = StatusCode::from_u16(code).expect("valid status code");
            assert_eq!(classify_status(status), expected, "status {code}");
        }
    }
}
