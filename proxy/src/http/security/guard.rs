//! The bearer-token guard as axum middleware, counted in
//! `cne_api_auth_total{outcome}` through a counter the caller hands in
//! (the proxy's one metrics registry: `Metrics::api_auth`).
//!
//! Put it on the method routers of the routes that change subscriptions
//! (security.md §3) with [`protect`]:
//! ```ignore
//! Router::new()
//!     .route("/subscriptions", endpoint("GET, POST", protect(get(list).post(create), guard)))
//!     .route("/health", endpoint("GET", get(health))) // not guarded
//! ```
//! `GET` (and `HEAD`) pass without a token, so a route may serve a public
//! `GET` and a protected `POST`; every other method it serves needs a valid
//! token. A refusal is a [`Problem`]: the listener's render layer writes it
//! with the request path and the listener's flavour.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use super::bearer::{AuthFailure, AuthOutcome, BearerAuth};
use crate::http::Problem;

/// Counts one outcome (`cne_api_auth_total{outcome}`).
pub type AuthCounter = Arc<dyn Fn(AuthOutcome) + Send + Sync>;

/// What the middleware needs: the validator and the counter.
#[derive(Clone)]
pub struct BearerGuard {
    auth: Arc<BearerAuth>,
    count: Option<AuthCounter>,
}

impl std::fmt::Debug for BearerGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerGuard")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl BearerGuard {
    pub fn new(auth: Arc<BearerAuth>) -> Self {
        Self { auth, count: None }
    }

    /// Counts every outcome with `count`.
    pub fn counting(mut self, count: impl Fn(AuthOutcome) + Send + Sync + 'static) -> Self {
        self.count = Some(Arc::new(count));
        self
    }

    /// The validator.
    pub fn auth(&self) -> &Arc<BearerAuth> {
        &self.auth
    }

    fn count(&self, outcome: AuthOutcome) {
        if let Some(c) = &self.count {
            c(outcome);
        }
    }
}

impl AuthFailure {
    /// The refusal: status, `WWW-Authenticate` or `Retry-After`, and the
    /// failed check as `detail`.
    pub fn problem(&self) -> Problem {
        let mut p = Problem::new(self.status(), self.detail());
        if let Some(v) = self.www_authenticate() {
            p = p.with_header(header::WWW_AUTHENTICATE, v);
        }
        if let Some(v) = self.retry_after() {
            p = p.with_header(header::RETRY_AFTER, v);
        }
        p
    }
}

/// The middleware: passes `GET`/`HEAD`, checks the bearer token of any
/// other request. Waits on the token check (a JWKS fetch at most).
pub async fn require_bearer(
    State(guard): State<BearerGuard>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    match guard.auth.check_headers(request.headers()).await {
        Ok(()) => {
            guard.count(AuthOutcome::Ok);
            next.run(request).await
        }
        Err(failure) => {
            guard.count(failure.outcome());
            tracing::debug!(
                method = %request.method(),
                path = request.uri().path(),
                outcome = failure.outcome_label(),
                detail = failure.detail(),
                "request refused"
            );
            failure.problem().into_response()
        }
    }
}

/// `methods` with the guard on each of them when tokens are required
/// (the method router's fallback, a 405, stays unguarded).
pub fn protect<S>(methods: MethodRouter<S>, guard: Option<&BearerGuard>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    match guard {
        Some(g) => methods.route_layer(from_fn_with_state(g.clone(), require_bearer)),
        None => methods,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use axum::http::StatusCode;
    use axum::routing::get;
    use serde_json::json;

    use super::*;
    use crate::http::routes::{endpoint, listener, no_such_path};
    use crate::http::security::auth_config::OAuthSettings;
    use crate::http::security::testjwt::{jwks_of, JwksServer, Signer};
    use crate::http::Flavor;

    async fn serve(router: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn public_routes_answer_and_protected_ones_need_a_token() {
        let key = Signer::es256("k");
        let jwks = JwksServer::start(jwks_of(&[&key])).await;
        let settings = OAuthSettings {
            issuer: "https://issuer.test".to_string(),
            jwks_url: jwks.url.clone(),
            audience: Some("ptp".to_string()),
            scopes: vec!["write".to_string()],
        };
        let client = reqwest::Client::new();
        let auth = Arc::new(BearerAuth::new(settings, client.clone()));
        let counts: Arc<Mutex<HashMap<&'static str, u32>>> = Arc::default();
        let c = counts.clone();
        let guard = BearerGuard::new(auth).counting(move |o| {
            *c.lock().expect("counts").entry(o.label()).or_default() += 1;
        });
        let g = Some(&guard);
        let router = axum::Router::new()
            .route(
                "/subscriptions",
                endpoint(
                    "GET, POST",
                    protect(
                        get(|| async { "[]" }).post(|| async { (StatusCode::CREATED, "{}") }),
                        g,
                    ),
                ),
            )
            .route(
                "/subscriptions/{id}",
                endpoint(
                    "DELETE",
                    protect(
                        axum::routing::delete(|| async { StatusCode::NO_CONTENT }),
                        g,
                    ),
                ),
            )
            .route("/health", endpoint("GET", get(|| async { "OK" })));
        let base = serve(listener(router, no_such_path, Flavor::V1)).await;

        let r = client
            .get(format!("{base}/health"))
            .send()
            .await
            .expect("health");
        assert_eq!(r.status(), 200);
        let r = client
            .get(format!("{base}/subscriptions"))
            .send()
            .await
            .expect("list");
        assert_eq!(r.status(), 200, "GET stays public");
        let r = client
            .put(format!("{base}/subscriptions"))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 405, "a method the route does not serve");

        let r = client
            .post(format!("{base}/subscriptions"))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.expect("problem");
        assert_eq!(body["status"], 401);
        assert_eq!(body["instance"], "/subscriptions");
        assert_eq!(body["error"], body["detail"], "v1 flavour");

        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_secs()
            + 300;
        let good = key.sign(
            &json!({"iss": "https://issuer.test", "aud": "ptp", "scope": "write", "exp": exp}),
        );
        let r = client
            .post(format!("{base}/subscriptions"))
            .bearer_auth(&good)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let r = client
            .delete(format!("{base}/subscriptions/abc"))
            .bearer_auth(&good)
            .send()
            .await
            .expect("delete");
        assert_eq!(r.status(), 204);

        let read_only = key.sign(
            &json!({"iss": "https://issuer.test", "aud": "ptp", "scope": "read", "exp": exp}),
        );
        let r = client
            .delete(format!("{base}/subscriptions/abc"))
            .bearer_auth(&read_only)
            .send()
            .await
            .expect("delete");
        assert_eq!(r.status(), 403);
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"insufficient_scope\""
        );
        let body = r.text().await.expect("body");
        assert!(!body.contains(&read_only), "token echoed: {body}");

        let expired = key.sign(
            &json!({"iss": "https://issuer.test", "aud": "ptp", "scope": "write", "exp": 1000}),
        );
        let r = client
            .post(format!("{base}/subscriptions"))
            .bearer_auth(&expired)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = r.json().await.expect("problem");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("exp:")),
            "{body}"
        );

        let counts = counts.lock().expect("counts").clone();
        assert_eq!(
            counts,
            HashMap::from([("ok", 2), ("missing", 1), ("invalid", 1), ("forbidden", 1)])
        );
    }
}
