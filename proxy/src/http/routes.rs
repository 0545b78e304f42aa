//! The behaviours every listener shares (rest-api.md §2.1), done once:
//! 405 with `Allow` (HEAD included) for a known path, 404 for an unknown
//! one, 301 for an unclean path, 408 after 10 s, problem+json bodies.

use axum::handler::Handler;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::MethodRouter;
use axum::Router;

use super::{path, problem, server, Flavor, Problem};

/// A route serving the methods of `router`; any other method, `HEAD`
/// included (axum would otherwise answer it with the GET handler), is
/// answered 405 with `Allow: <allow>`.
pub fn endpoint<S>(allow: &'static str, router: MethodRouter<S>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let refuse = move || async move { Problem::method_not_allowed(allow) };
    router.head(refuse).fallback(refuse)
}

/// The handler of paths no route serves.
pub async fn no_such_path() -> Problem {
    Problem::no_such_path()
}

/// Finishes a listener's router: `fallback` answers unknown paths (it may
/// serve patterns a route cannot express, such as `…/CurrentState`), then
/// the shared layers are added around every route and the fallback.
pub fn listener<H, T>(router: Router, fallback: H, flavor: Flavor) -> Router
where
    H: Handler<T, ()>,
    T: 'static,
{
    router
        .fallback(fallback)
        .layer(from_fn(server::request_timeout))
        .layer(from_fn_with_state(flavor, problem::render))
        .layer(from_fn(path::redirect_unclean))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn app() -> Router {
        let r = Router::new().route("/health", endpoint("GET", get(|| async { "OK" })));
        listener(r, no_such_path, Flavor::V1)
    }

    async fn call(method: &str, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let r = app().oneshot(req).await.expect("infallible");
        let (parts, body) = r.into_parts();
        let b = body.collect().await.expect("body").to_bytes();
        (
            parts.status,
            parts.headers,
            String::from_utf8_lossy(&b).into_owned(),
        )
    }

    #[tokio::test]
    async fn known_unknown_unclean_and_wrong_method() {
        let (s, _, b) = call("GET", "/health").await;
        assert_eq!((s, b.as_str()), (StatusCode::OK, "OK"));
        let (s, h, _) = call("HEAD", "/health").await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(h["allow"], "GET");
        let (s, h, b) = call("POST", "/health").await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(h["allow"], "GET");
        assert!(
            b.contains("\"error\":\"method not allowed on this path\""),
            "{b}"
        );
        let (s, h, b) = call("GET", "/health/").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(h["content-type"], "application/problem+json");
        assert!(b.contains("\"instance\":\"/health/\""), "{b}");
        let (s, h, b) = call("DELETE", "//health?x=1").await;
        assert_eq!(s, StatusCode::MOVED_PERMANENTLY);
        assert_eq!(h["location"], "/health?x=1");
        assert!(b.is_empty() && h.get("content-type").is_none());
    }
}
