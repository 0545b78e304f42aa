//! RFC 7807 error bodies (rest-api.md §2.4). Handlers return [`Problem`];
//! the listener's [`render`] layer writes the body with the request path as
//! `instance` and the listener's [`Flavor`] extension member, so 404, 405,
//! 408 and 413 from the shared plumbing look the same as a handler's 400.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Which extension member repeats `detail` (rest-api.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// v2 and `/metrics`: none.
    Plain,
    /// v1: `error`, so clients that read `{"error": …}` keep working.
    V1,
    /// The v1 transport: `message`.
    Transport,
}

impl Flavor {
    fn member(self) -> Option<&'static str> {
        match self {
            Flavor::Plain => None,
            Flavor::V1 => Some("error"),
            Flavor::Transport => Some("message"),
        }
    }
}

/// An error answer: status, detail and per-case extension members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: String,
    /// Members after `instance`, in order (`SubscriptionId`, `UriLocation`
    /// on a v2 409).
    pub extensions: Vec<(&'static str, String)>,
    /// Extra response headers (`Allow` on 405, `WWW-Authenticate` on 401).
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
    /// Close the connection after the answer (the request body was not
    /// read).
    pub close: bool,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            detail: detail.into(),
            extensions: Vec::new(),
            headers: Vec::new(),
            close: false,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }
    /// 404 for a path no route serves.
    pub fn no_such_path() -> Problem {
        Problem::not_found("no such path")
    }
    /// 405 with `Allow`.
    pub fn method_not_allowed(allow: &'static str) -> Problem {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this path",
        )
        .with_header(header::ALLOW, HeaderValue::from_static(allow))
    }
    /// Adds an extension member.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Problem {
        self.extensions.push((name, value.into()));
        self
    }
    /// Adds a response header.
    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Problem {
        self.headers.push((name, value));
        self
    }
    /// Marks the answer as the last on its connection.
    pub fn closing(mut self) -> Problem {
        self.close = true;
        self
    }

    /// The complete response, for a listener of `flavor` and a request
    /// for `instance`.
    pub fn response(&self, flavor: Flavor, instance: &str) -> Response {
        let body = Body {
            problem: self,
            instance,
            flavor,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut r = (self.status, bytes).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in &self.headers {
            h.insert(name.clone(), value.clone());
        }
        if self.close {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        r
    }
}

/// The serialised document: `type`, `title`, `status`, `detail`,
/// `instance`, the listener's member, then the extensions.
struct Body<'a> {
    problem: &'a Problem,
    instance: &'a str,
    flavor: Flavor,
}

impl Serialize for Body<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.problem;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", "about:blank")?;
        m.serialize_entry("title", p.status.canonical_reason().unwrap_or("Error"))?;
        m.serialize_entry("status", &p.status.as_u16())?;
        m.serialize_entry("detail", &p.detail)?;
        m.serialize_entry("instance", self.instance)?;
        if let Some(member) = self.flavor.member() {
            m.serialize_entry(member, &p.detail)?;
        }
        for (k, v) in &p.extensions {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl IntoResponse for Problem {
    /// The status and the problem itself; [`render`] writes the body.
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// Layer of every listener: renders a handler's [`Problem`] with the
/// request path and the listener's flavor.
pub async fn render(State(flavor): State<Flavor>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut r = next.run(req).await;
    match r.extensions_mut().remove::<Problem>() {
        Some(p) => p.response(flavor, &path),
        None => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(r: Response) -> String {
        let b = r.into_body().collect().await.expect("body").to_bytes();
        String::from_utf8(b.to_vec()).expect("utf8")
    }

    #[tokio::test]
    async fn members_in_the_order_of_the_spec() {
        let p = Problem::new(StatusCode::CONFLICT, "d")
            .with("SubscriptionId", "x")
            .with("UriLocation", "u");
        let r = p.response(Flavor::Plain, "/i");
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"application/problem+json"[..])
        );
        assert_eq!(
            body(r).await,
            r#"{"type":"about:blank","title":"Conflict","status":409,"detail":"d","instance":"/i","SubscriptionId":"x","UriLocation":"u"}"#
        );
    }

    #[tokio::test]
    async fn v1_and_transport_repeat_the_detail() {
        let p = Problem::bad_request("no \"such\" thing");
        assert_eq!(
            body(p.response(Flavor::V1, "/v1")).await,
            r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"no \"such\" thing","instance":"/v1","error":"no \"such\" thing"}"#
        );
        assert_eq!(
            body(p.response(Flavor::Transport, "/t")).await,
            r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"no \"such\" thing","instance":"/t","message":"no \"such\" thing"}"#
        );
    }

    #[tokio::test]
    async fn headers_and_closing() {
        let r = Problem::method_not_allowed("GET, POST")
            .closing()
            .response(Flavor::Plain, "/x");
        assert_eq!(r.headers()[header::ALLOW], "GET, POST");
        assert_eq!(r.headers()[header::CONNECTION], "close");
    }
}
