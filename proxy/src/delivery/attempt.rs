//! One HTTP attempt and the classification of its outcome (spec §7.2).
//!
//! The attempt POSTs the event's bytes with `Content-Type: application/json`
//! plus the event's own headers. The timeout covers connection set-up,
//! sending and the response head; then at most `max_body` bytes of the
//! response body are read (bounded by the same timeout again) and discarded.
//! Reading the body to its end lets the connection go back to the pool.

use super::observer::AttemptResult;
use super::Outgoing;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::{Client, StatusCode};
use std::fmt;
use std::time::Duration;
use url::Url;

/// What happened on the wire, for logs.
#[derive(Debug)]
pub(crate) enum AttemptDetail {
    Status(StatusCode),
    Timeout,
    /// Connection refused/reset, DNS or TLS failure, ...
    Transport(reqwest::Error),
    /// The request could not even be built (e.g. an unsupported scheme).
    Invalid(reqwest::Error),
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
    /// Whether the peer reset the connection (an `ECONNRESET` anywhere in
    /// the error's chain).
    pub(crate) fn is_connection_reset(&self) -> bool {
        let Self::Transport(err) = self else {
            return false;
        };
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(e) = source {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
            {
                return true;
            }
            source = e.source();
        }
        false
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

fn request_headers(item: &Outgoing) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(item.headers.len() + 1);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in item.headers.iter() {
        if name == CONTENT_TYPE {
            headers.insert(name.clone(), value.clone());
        } else {
            headers.append(name.clone(), value.clone());
        }
    }
    headers
}

/// Performs one POST of `item` to `url`.
pub(crate) async fn attempt(
    client: &Client,
    url: &Url,
    item: &Outgoing,
    timeout: Duration,
    max_body: usize,
) -> AttemptReport {
    let request = client
        .post(url.clone())
        .headers(request_headers(item))
        .body(item.body.clone());
    let mut response = match tokio::time::timeout(timeout, request.send()).await {
        Err(_elapsed) => return report(AttemptResult::Retryable, AttemptDetail::Timeout),
        Ok(Err(err)) if err.is_builder() => {
            return report(AttemptResult::Rejected, AttemptDetail::Invalid(err))
        }
        Ok(Err(err)) if err.is_timeout() => {
            return report(AttemptResult::Retryable, AttemptDetail::Timeout)
        }
        Ok(Err(err)) => return report(AttemptResult::Retryable, AttemptDetail::Transport(err)),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    // The status decides; the body is only drained so the connection can be
    // reused. A body that is too long, too slow or broken just closes it.
    let _ = tokio::time::timeout(timeout, async {
        let mut read = 0usize;
        while read < max_body {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
    })
    .await;
    report(classify_status(status), AttemptDetail::Status(status))
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

    #[test]
    fn content_type_is_json_unless_the_item_says_otherwise() {
        use reqwest::header::HeaderName;
        let mut item = super::super::tests::item(1, "t");
        let headers = request_headers(&item);
        assert_eq!(headers[CONTENT_TYPE], "application/json");
        assert_eq!(headers.len(), 1);

        item.headers = vec![
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/cloudevents+json"),
            ),
            (
                HeaderName::from_static("ce-id"),
                HeaderValue::from_static("42"),
            ),
        ]
        .into();
        let headers = request_headers(&item);
        assert_eq!(headers[CONTENT_TYPE], "application/cloudevents+json");
        assert_eq!(headers.get_all(CONTENT_TYPE).iter().count(), 1);
        assert_eq!(headers["ce-id"], "42");
    }
}
