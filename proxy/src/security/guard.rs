//! The bearer-token guard as axum middleware, and the
//! `cne_api_auth_total{outcome}` counter.
//!
//! Layer it onto the routes that change subscriptions (security.md §3):
//! ```ignore
//! let guard = BearerGuard::new(auth.clone(), ProblemFlavor::V2).with_metrics(metrics);
//! Router::new()
//!     .route("/subscriptions", get(list).post(create).delete(delete_all))
//!     .route("/subscriptions/{id}", get(one).delete(delete_one))
//!     .route_layer(axum::middleware::from_fn_with_state(guard, require_bearer))
//!     .route("/health", get(health)) // added after the layer: not guarded
//! ```
//! `GET` (and `HEAD`) pass without a token, so a route may serve a public
//! `GET` and a protected `POST`; every other method needs a valid token.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, Response};
use axum::middleware::Next;
use prometheus::{IntCounterVec, Opts, Registry};

use super::bearer::{AuthFailure, AuthOutcome, BearerAuth};
use super::problem::{problem_response, ProblemFlavor};

/// `cne_api_auth_total{outcome}`.
#[derive(Clone, Debug)]
pub struct AuthMetrics {
    total: IntCounterVec,
}

impl AuthMetrics {
    pub const NAME: &'static str = "cne_api_auth_total";

    /// Registers the counter, with every outcome at 0.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let total = IntCounterVec::new(
            Opts::new(
                Self::NAME,
                "Requests to protected API routes, by bearer-token outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(total.clone()))?;
        for o in AuthOutcome::ALL {
            total.with_label_values(&[o.label()]);
        }
        Ok(Self { total })
    }

    pub fn observe(&self, outcome: AuthOutcome) {
        self.total.with_label_values(&[outcome.label()]).inc();
    }

    /// The count of one outcome.
    pub fn get(&self, outcome: AuthOutcome) -> u64 {
        self.total.with_label_values(&[outcome.label()]).get()
    }
}

/// What the middleware needs: the validator, the API's problem flavour,
/// and optionally the counter.
#[derive(Clone, Debug)]
pub struct BearerGuard {
    auth: Arc<BearerAuth>,
    flavor: ProblemFlavor,
    metrics: Option<AuthMetrics>,
}

impl BearerGuard {
    pub fn new(auth: Arc<BearerAuth>, flavor: ProblemFlavor) -> Self {
        Self {
            auth,
            flavor,
            metrics: None,
        }
    }

    pub fn with_metrics(mut self, metrics: AuthMetrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    fn count(&self, outcome: AuthOutcome) {
        if let Some(m) = &self.metrics {
            m.observe(outcome);
        }
    }
}

/// The response to a refused request: status, `WWW-Authenticate` or
/// `Retry-After`, problem+json with the failed check.
pub fn failure_response(f: &AuthFailure, instance: &str, flavor: ProblemFlavor) -> Response<Body> {
    let mut r = problem_response(f.status(), f.detail(), instance, flavor);
    if let Some(v) = f.www_authenticate() {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if let Some(v) = f.retry_after() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// The middleware: passes `GET`/`HEAD`, checks the bearer token of any
/// other request. Waits on the token check (a JWKS fetch at most).
pub async fn require_bearer(
    State(guard): State<BearerGuard>,
    request: Request,
    next: Next,
) -> Response<Body> {
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
            let path = request.uri().path();
            tracing::debug!(
                method = %request.method(),
                path,
                outcome = failure.outcome_label(),
                detail = failure.detail(),
                "request refused"
            );
            failure_response(&failure, path, guard.flavor)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::routing::{delete, get};
    use serde_json::json;

    use super::*;
    use crate::security::auth_config::OAuthSettings;
    use crate::security::testjwt::{jwks_of, JwksServer, Signer};

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
        let registry = Registry::new();
        let metrics = AuthMetrics::register(&registry).expect("register");
        let guard = BearerGuard::new(auth, ProblemFlavor::V1).with_metrics(metrics.clone());
        let router = axum::Router::new()
            .route(
                "/subscriptions",
                get(|| async { "[]" }).post(|| async { (StatusCode::CREATED, "{}") }),
            )
            .route(
                "/subscriptions/{id}",
                delete(|| async { StatusCode::NO_CONTENT }),
            )
            .route_layer(axum::middleware::from_fn_with_state(guard, require_bearer))
            .route("/health", get(|| async { "OK" }));
        let base = serve(router).await;

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

        assert_eq!(metrics.get(AuthOutcome::Ok), 2);
        assert_eq!(metrics.get(AuthOutcome::Missing), 1);
        assert_eq!(metrics.get(AuthOutcome::Invalid), 1);
        assert_eq!(metrics.get(AuthOutcome::Forbidden), 1);
        assert_eq!(metrics.get(AuthOutcome::Unavailable), 0);
        let text = {
            use prometheus::Encoder as _;
            let mut out = Vec::new();
            prometheus::TextEncoder::new()
                .encode(&registry.gather(), &mut out)
                .expect("encode");
            String::from_utf8(out).expect("utf-8")
        };
        assert!(
            text.contains("cne_api_auth_total{outcome=\"unavailable\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("cne_api_auth_total{outcome=\"ok\"} 2"),
            "{text}"
        );
    }
}
