//! Common HTTP behaviour (rest-api.md §2): problem+json errors, path
//! cleaning redirects, bounded request bodies, JSON responses.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Response, StatusCode};

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;

/// A response with an RFC 7807 body; `extra` members follow `instance`.
pub fn problem(
    status: StatusCode,
    detail: &str,
    instance: &str,
    extra: &[(&str, &str)],
) -> Response<Body> {
    let mut body = String::with_capacity(160 + detail.len());
    body.push_str("{\"type\":\"about:blank\",\"title\":");
    body.push_str(&json_str(status.canonical_reason().unwrap_or("Error")));
    body.push_str(",\"status\":");
    body.push_str(&status.as_u16().to_string());
    body.push_str(",\"detail\":");
    body.push_str(&json_str(detail));
    body.push_str(",\"instance\":");
    body.push_str(&json_str(instance));
    for (k, v) in extra {
        body.push(',');
        body.push_str(&json_str(k));
        body.push(':');
        body.push_str(&json_str(v));
    }
    body.push('}');
    with_type(status, "application/problem+json", body.into())
}

/// A JSON string literal.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// A response with a body and a content type.
pub fn with_type(status: StatusCode, content_type: &'static str, body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON document.
pub fn json(status: StatusCode, body: impl Into<Body>) -> Response<Body> {
    with_type(status, "application/json", body.into())
}

/// An empty response (204, 301).
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// 405 with the `Allow` header.
pub fn not_allowed(allow: &'static str, instance: &str) -> Response<Body> {
    let mut r = problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this path",
        instance,
        &[],
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

/// 404 for an unknown path.
pub fn not_found(instance: &str) -> Response<Body> {
    problem(StatusCode::NOT_FOUND, "no such path", instance, &[])
}

/// The cleaned form of a path with `//` or dot segments, if it needs one.
pub fn cleaned(path: &str) -> Option<String> {
    let dirty = path.contains("//") || path.split('/').any(|s| s == "." || s == "..");
    if !dirty {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if path.ends_with('/') && p.len() > 1 {
        p.push('/');
    }
    Some(p)
}

/// 301 to the cleaned path, query kept.
pub fn redirect(to: &str, query: Option<&str>) -> Response<Body> {
    let location = match query {
        Some(q) => format!("{to}?{q}"),
        None => to.to_string(),
    };
    let mut r = empty(StatusCode::MOVED_PERMANENTLY);
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Marks a response as the last on its connection (`Connection: close`):
/// used when the request body was not read, so that clients do not reuse
/// a connection the server is about to close.
pub fn closing(mut r: Response<Body>) -> Response<Body> {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// Reads a request body of at most [`MAX_BODY`] bytes.
pub async fn read_body(
    req: axum::http::Request<Body>,
    instance: &str,
) -> Result<bytes::Bytes, Response<Body>> {
    let too_large = || {
        closing(problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body larger than 64 KiB",
            instance,
            &[],
        ))
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| too_large())
}

/// `HEAD` is never allowed; others by the route.
pub fn is(method: &Method, m: Method) -> bool {
    *method == m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_double_slashes_and_dots() {
        assert_eq!(cleaned("/a/b"), None);
        assert_eq!(cleaned("/a//b").as_deref(), Some("/a/b"));
        assert_eq!(cleaned("/a/./b/../c").as_deref(), Some("/a/c"));
        assert_eq!(
            cleaned("/v2//cluster/node/x/").as_deref(),
            Some("/v2/cluster/node/x/")
        );
    }

    #[test]
    fn problem_body_members_in_order() {
        let r = problem(StatusCode::CONFLICT, "d", "/i", &[("SubscriptionId", "x")]);
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/problem+json"[..])
        );
    }
}
