//! RFC 7807 bodies for the refusals of this module (rest-api.md §2.4):
//! `type`, `title`, `status`, `detail`, `instance`, then the extension of
//! the API the route belongs to (`error` on v1, `message` on transport).

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde::Serialize;

/// Which API a refused request was for; decides the extension member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProblemFlavor {
    /// O-RAN v2: no extension.
    #[default]
    V2,
    /// v1: `error`, the same text as `detail`.
    V1,
    /// The v1 transport: `message`, the same text as `detail`.
    Transport,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    instance: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// The problem document as JSON text.
pub fn problem_json(
    status: StatusCode,
    detail: &str,
    instance: &str,
    flavor: ProblemFlavor,
) -> String {
    let p = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        instance,
        error: (flavor == ProblemFlavor::V1).then_some(detail),
        message: (flavor == ProblemFlavor::Transport).then_some(detail),
    };
    // Serialising a struct of strings and a number cannot fail.
    serde_json::to_string(&p).unwrap_or_default()
}

/// A problem+json response.
pub fn problem_response(
    status: StatusCode,
    detail: &str,
    instance: &str,
    flavor: ProblemFlavor,
) -> Response<Body> {
    let mut r = Response::new(Body::from(problem_json(status, detail, instance, flavor)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

/// The 429 of `--max-subscriptions` (security.md §6).
pub fn too_many_subscriptions(max: usize, instance: &str, flavor: ProblemFlavor) -> Response<Body> {
    problem_response(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("the proxy holds its maximum of {max} subscriptions (--max-subscriptions)"),
        instance,
        flavor,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_in_order_with_the_flavour_extension() {
        let path = "/api/ocloudNotifications/v2/subscriptions";
        assert_eq!(
            problem_json(
                StatusCode::UNAUTHORIZED,
                "exp: the token expired",
                path,
                ProblemFlavor::V2
            ),
            r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"exp: the token expired","instance":"/api/ocloudNotifications/v2/subscriptions"}"#
        );
        assert_eq!(
            problem_json(StatusCode::FORBIDDEN, "d \"q\"", "/p", ProblemFlavor::V1),
            r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"d \"q\"","instance":"/p","error":"d \"q\""}"#
        );
        assert_eq!(
            problem_json(
                StatusCode::SERVICE_UNAVAILABLE,
                "d",
                "/p",
                ProblemFlavor::Transport
            ),
            r#"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"d","instance":"/p","message":"d"}"#
        );
        let r = too_many_subscriptions(3, "/p", ProblemFlavor::V2);
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
