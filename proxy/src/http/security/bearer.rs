//! Bearer-token checks on the protected routes (security.md §3), in the
//! spec's order: a well-formed JWT; an accepted algorithm (RS256, RS384,
//! RS512, ES256, ES384; never `none`, never HMAC); the `kid` in the JWKS;
//! the signature; `exp`/`nbf` with 60 s leeway; the exact issuer; the
//! audience; every required scope.
//!
//! Outcomes: 401 with `WWW-Authenticate: Bearer error="invalid_token"` for
//! a missing or bad token, 403 for a missing scope, 503 when the issuer's
//! keys cannot be fetched and none is cached. The detail names the failed
//! check and never contains the token.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};

use super::auth_config::OAuthSettings;
use super::clock::{Clock, SystemClock};
use super::jwks::{Jwks, JwksError, Lookup};
use super::token::{self, TokenProblem};

/// The `outcome` label of `cne_api_auth_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthOutcome {
    Ok,
    /// No bearer token in the request.
    Missing,
    /// A token that fails a check (401).
    Invalid,
    /// A valid token without a required scope (403).
    Forbidden,
    /// The keys could not be fetched (503).
    Unavailable,
}

impl AuthOutcome {
    /// Every outcome, for pre-creating the counter's series.
    pub const ALL: [AuthOutcome; 5] = [
        Self::Ok,
        Self::Missing,
        Self::Invalid,
        Self::Forbidden,
        Self::Unavailable,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Missing => "missing",
            Self::Invalid => "invalid",
            Self::Forbidden => "forbidden",
            Self::Unavailable => "unavailable",
        }
    }
}

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    outcome: AuthOutcome,
    detail: String,
}

impl AuthFailure {
    fn new(outcome: AuthOutcome, detail: impl Into<String>) -> Self {
        Self {
            outcome,
            detail: detail.into(),
        }
    }

    fn token(problem: TokenProblem) -> Self {
        let outcome = match problem {
            TokenProblem::Scope(_) => AuthOutcome::Forbidden,
            _ => AuthOutcome::Invalid,
        };
        Self::new(outcome, problem.to_string())
    }

    /// 401, 403 or 503.
    pub fn status(&self) -> StatusCode {
        match self.outcome {
            AuthOutcome::Forbidden => StatusCode::FORBIDDEN,
            AuthOutcome::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AuthOutcome::Ok | AuthOutcome::Missing | AuthOutcome::Invalid => {
                StatusCode::UNAUTHORIZED
            }
        }
    }

    /// The `WWW-Authenticate` value of a 401 (RFC 6750 §3); a 403 says
    /// `insufficient_scope`; a 503 has none.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        match self.outcome {
            AuthOutcome::Missing | AuthOutcome::Invalid => {
                Some(HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
            AuthOutcome::Forbidden => Some(HeaderValue::from_static(
                "Bearer error=\"insufficient_scope\"",
            )),
            AuthOutcome::Ok | AuthOutcome::Unavailable => None,
        }
    }

    /// `Retry-After` of a 503: when the next JWKS fetch may be tried.
    pub fn retry_after(&self) -> Option<HeaderValue> {
        (self.outcome == AuthOutcome::Unavailable).then(|| HeaderValue::from_static("30"))
    }

    /// The problem+json `detail`: which check failed.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn outcome(&self) -> AuthOutcome {
        self.outcome
    }

    pub fn outcome_label(&self) -> &'static str {
        self.outcome.label()
    }
}

impl std::fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.detail, self.outcome.label())
    }
}

/// Bearer-token validation for one issuer.
pub struct BearerAuth {
    settings: OAuthSettings,
    jwks: Jwks,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerAuth")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl BearerAuth {
    /// Validation with the system clock. `client` fetches the JWKS; build
    /// it with the outgoing TLS settings ([`super::ClientTls::apply`]).
    pub fn new(settings: OAuthSettings, client: reqwest::Client) -> Self {
        Self::with_clock(settings, client, Arc::new(SystemClock::default()))
    }

    /// Validation with another time source (tests).
    pub fn with_clock(
        settings: OAuthSettings,
        client: reqwest::Client,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let jwks = Jwks::new(settings.jwks_url.clone(), client, clock.clone());
        Self {
            settings,
            jwks,
            clock,
        }
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// Fetches the keys now (at start-up); a failure is not fatal, the
    /// first request retries.
    pub async fn prefetch(&self) -> Result<usize, JwksError> {
        self.jwks.refresh(true).await
    }

    /// Checks a request's headers: exactly one `Authorization` header.
    pub async fn check_headers(&self, headers: &HeaderMap) -> Result<(), AuthFailure> {
        let mut values = headers.get_all(header::AUTHORIZATION).iter();
        match (values.next(), values.next()) {
            (None, _) => self.check(None).await,
            (Some(_), Some(_)) => Err(AuthFailure::new(
                AuthOutcome::Invalid,
                "malformed token: more than one Authorization header",
            )),
            (Some(v), None) => match v.to_str() {
                Ok(v) => self.check(Some(v)).await,
                Err(_) => Err(AuthFailure::new(
                    AuthOutcome::Invalid,
                    "malformed token: the Authorization header is not visible ASCII",
                )),
            },
        }
    }

    /// Checks the value of the `Authorization` header. Waits on a JWKS
    /// fetch only when the token's key is not cached (or the cache is due).
    pub async fn check(&self, authorization: Option<&str>) -> Result<(), AuthFailure> {
        let Some(value) = authorization else {
            return Err(AuthFailure::new(
                AuthOutcome::Missing,
                "no bearer token: the request has no Authorization header",
            ));
        };
        let value = value.trim();
        let token = match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(AuthFailure::new(
                    AuthOutcome::Missing,
                    "no bearer token: the Authorization header is not \"Bearer <token>\"",
                ))
            }
        };
        if token.is_empty() {
            return Err(AuthFailure::new(
                AuthOutcome::Missing,
                "no bearer token: the Authorization header has no token",
            ));
        }
        let parsed = token::parse(token).map_err(AuthFailure::token)?;
        let key =
            match self.jwks.key(&parsed.kid).await {
                Lookup::Found(key) => key,
                Lookup::Unknown => {
                    return Err(AuthFailure::token(TokenProblem::UnknownKid(token::shown(
                        &parsed.kid,
                    ))))
                }
                Lookup::Unavailable => return Err(AuthFailure::new(
                    AuthOutcome::Unavailable,
                    "the token issuer's signing keys (JWKS) cannot be fetched and none is cached",
                )),
            };
        if !key.fits(parsed.alg) {
            return Err(AuthFailure::token(TokenProblem::KeyMismatch {
                kid: token::shown(&parsed.kid),
                alg: format!("{:?}", parsed.alg),
            }));
        }
        let verified = jsonwebtoken::crypto::verify(
            parsed.signature,
            parsed.signing_input.as_bytes(),
            key.decoding(),
            parsed.alg,
        );
        if !matches!(verified, Ok(true)) {
            return Err(AuthFailure::token(TokenProblem::Signature));
        }
        token::check_claims(&parsed.claims, &self.settings, self.clock.unix_seconds())
            .map_err(AuthFailure::token)
    }
}

#[cfg(test)]
mod tests;
