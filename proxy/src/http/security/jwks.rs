//! The signing keys of the token issuer, fetched from `oauthJWKSURL`
//! (a JWKS, RFC 7517) and cached (security.md §3).
//!
//! - A token whose `kid` is cached and whose cache is younger than 10
//!   minutes needs no request.
//! - An unknown `kid`, or a cache older than 10 minutes, makes one fetch,
//!   but at most one attempt per 30 s, whatever the outcome (so tokens with
//!   made-up key ids cannot make the proxy hammer the issuer). Concurrent
//!   requests share one fetch.
//! - When a fetch fails, the keys already cached stay in use.
//!
//! Keys that cannot verify one of the accepted algorithms (encryption
//! keys, HMAC secrets, unknown curves, keys without `kid`) are skipped; one
//! odd key does not make the whole set unusable.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey};
use url::Url;

use super::clock::Clock;

/// A cache older than this is refreshed.
pub const REFRESH_EVERY: Duration = Duration::from_secs(600);
/// At most one fetch attempt per this interval.
pub const MIN_FETCH_INTERVAL: Duration = Duration::from_secs(30);
/// One fetch, connection included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// Larger documents are refused.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// What a key can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    P256,
    P384,
}

/// One usable key of the set.
pub struct JwksKey {
    family: Family,
    /// The JWK's own `alg`, when it names one.
    alg: Option<Algorithm>,
    decoding: DecodingKey,
}

impl JwksKey {
    /// Whether this key may verify a token signed with `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        if self.alg.is_some_and(|own| own != alg) {
            return false;
        }
        matches!(
            (self.family, alg),
            (
                Family::Rsa,
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
            ) | (Family::P256, Algorithm::ES256)
                | (Family::P384, Algorithm::ES384)
        )
    }

    /// The key for `jsonwebtoken::crypto::verify`.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

type KeySet = HashMap<String, Arc<JwksKey>>;

/// Why a fetch did not give a key set.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("JWKS request failed: {0}")]
    Request(String),
    #[error("JWKS answered {0}")]
    Status(u16),
    #[error("JWKS larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    #[error("JWKS is not a JSON object with a \"keys\" array: {0}")]
    Document(String),
}

/// The result of a key lookup.
pub enum Lookup {
    Found(Arc<JwksKey>),
    /// The set is known and has no such key.
    Unknown,
    /// The issuer could not be reached and no cached key fits.
    Unavailable,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Duration>,
    attempted_at: Option<Duration>,
    last_failed: bool,
}

/// The cached key set of one issuer.
pub struct Jwks {
    url: Url,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    fetching: tokio::sync::Mutex<()>,
}

fn usable(jwk: &Jwk) -> Option<(String, JwksKey)> {
    let kid = jwk.common.key_id.clone().filter(|k| !k.is_empty())?;
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return None;
    }
    if let Some(ops) = &jwk.common.key_operations {
        if !ops.iter().any(|o| matches!(o, KeyOperations::Verify)) {
            return None;
        }
    }
    let alg = match jwk.common.key_algorithm {
        None => None,
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::RS384) => Some(Algorithm::RS384),
        Some(KeyAlgorithm::RS512) => Some(Algorithm::RS512),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(KeyAlgorithm::ES384) => Some(Algorithm::ES384),
        Some(_) => return None,
    };
    let family = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Family::Rsa,
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => Family::P256,
            EllipticCurve::P384 => Family::P384,
            _ => return None,
        },
        AlgorithmParameters::OctetKey(_) | AlgorithmParameters::OctetKeyPair(_) => return None,
    };
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    Some((
        kid,
        JwksKey {
            family,
            alg,
            decoding,
        },
    ))
}

/// The usable keys of a JWKS document; the first key of a `kid` wins.
pub fn parse_set(body: &[u8]) -> Result<HashMap<String, Arc<JwksKey>>, JwksError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(body).map_err(|e| JwksError::Document(e.to_string()))?;
    let mut set = HashMap::new();
    for value in doc.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if let Some((kid, key)) = usable(&jwk) {
            set.entry(kid).or_insert_with(|| Arc::new(key));
        }
    }
    Ok(set)
}

impl Jwks {
    /// A cache for `url`, fetched with `client` (whose TLS settings decide
    /// which https servers are trusted).
    pub fn new(url: Url, client: reqwest::Client, clock: Arc<dyn Clock>) -> Self {
        Self {
            url,
            client,
            clock,
            state: RwLock::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// Where the keys come from.
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        match self.state.read() {
            Ok(s) => f(&s),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    fn write(&self, f: impl FnOnce(&mut State)) {
        match self.state.write() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    fn cached(&self, kid: &str) -> Option<Arc<JwksKey>> {
        self.read(|s| s.keys.as_ref().and_then(|k| k.get(kid).cloned()))
    }

    fn may_fetch(&self, now: Duration) -> bool {
        self.read(|s| {
            s.attempted_at
                .is_none_or(|t| now.saturating_sub(t) >= MIN_FETCH_INTERVAL)
        })
    }

    /// The key with `kid`. Waits on a JWKS fetch only when the key is not
    /// cached or the cache is older than 10 minutes, and a fetch is due.
    pub async fn key(&self, kid: &str) -> Lookup {
        let now = self.clock.monotonic();
        let stale = self.read(|s| {
            s.fetched_at
                .is_none_or(|t| now.saturating_sub(t) >= REFRESH_EVERY)
        });
        let cached = self.cached(kid);
        if cached.is_some() && !stale {
            return cached.map_or(Lookup::Unknown, Lookup::Found);
        }
        if self.may_fetch(now) {
            // The outcome is in the state; a failure was logged.
            let _ = self.refresh(false).await;
        } else if cached.is_none() {
            // A fetch may be in flight (the start-up prefetch, another
            // request's): its outcome decides, not the state before it.
            drop(self.fetching.lock().await);
        }
        match self.cached(kid) {
            Some(key) => Lookup::Found(key),
            None if self.read(|s| s.last_failed) => Lookup::Unavailable,
            None => Lookup::Unknown,
        }
    }

    /// Fetches the set now (at start-up, so the first request need not
    /// wait); returns the number of usable keys. `force` ignores the 30 s
    /// limit.
    pub async fn refresh(&self, force: bool) -> Result<usize, JwksError> {
        let _one_at_a_time = self.fetching.lock().await;
        let now = self.clock.monotonic();
        // Another request may have fetched while this one waited.
        if !force && !self.may_fetch(now) {
            return Ok(self.read(|s| s.keys.as_ref().map_or(0, |k| k.len())));
        }
        self.write(|s| s.attempted_at = Some(now));
        match self.fetch().await {
            Ok(set) => {
                let n = set.len();
                tracing::debug!(url = %self.url, keys = n, "JWKS fetched");
                self.write(|s| {
                    s.keys = Some(Arc::new(set));
                    s.fetched_at = Some(now);
                    s.last_failed = false;
                });
                Ok(n)
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "JWKS fetch failed; cached keys stay in use");
                self.write(|s| s.last_failed = true);
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<KeySet, JwksError> {
        let request = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(FETCH_TIMEOUT);
        let mut response = request
            .send()
            .await
            .map_err(|e| JwksError::Request(e.to_string()))?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| JwksError::Request(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        parse_set(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::security::clock::SystemClock;
    use crate::http::security::testjwt::{jwks_of, Signer};

    /// A JWKS server that answers `status` with `doc` only once `go`
    /// is notified, and reports each request on `asked`.
    async fn held_server(
        status: u16,
        doc: String,
    ) -> (
        Url,
        Arc<tokio::sync::Notify>,
        tokio::sync::mpsc::UnboundedReceiver<()>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let go = Arc::new(tokio::sync::Notify::new());
        let (tx, asked) = tokio::sync::mpsc::unbounded_channel();
        let g = go.clone();
        let app = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                let (g, tx, doc) = (g.clone(), tx.clone(), doc.clone());
                async move {
                    let _ = tx.send(());
                    g.notified().await;
                    let code = axum::http::StatusCode::from_u16(status).expect("status");
                    (code, doc)
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let url = Url::parse(&format!("http://{addr}/jwks")).expect("url");
        (url, go, asked)
    }

    #[tokio::test]
    async fn a_lookup_during_a_fetch_in_flight_waits_for_its_outcome() {
        let key = Signer::es256("k1");
        for (status, found) in [(200, true), (500, false)] {
            let (url, go, mut asked) = held_server(status, jwks_of(&[&key])).await;
            let jwks = Arc::new(Jwks::new(
                url,
                reqwest::Client::new(),
                Arc::new(SystemClock::default()),
            ));
            // The start-up prefetch, held by the server.
            let j = jwks.clone();
            let prefetch = tokio::spawn(async move { j.refresh(true).await });
            asked.recv().await.expect("the prefetch reached the server");
            let j = jwks.clone();
            let lookup = tokio::spawn(async move { j.key("k1").await });
            tokio::task::yield_now().await;
            go.notify_waiters();
            let _ = prefetch.await.expect("prefetch");
            let got = lookup.await.expect("lookup");
            match (found, got) {
                (true, Lookup::Found(_)) | (false, Lookup::Unavailable) => {}
                (_, Lookup::Found(_)) => panic!("{status}: found"),
                (_, Lookup::Unknown) => panic!("{status}: unknown while the fetch was in flight"),
                (_, Lookup::Unavailable) => panic!("{status}: unavailable"),
            }
        }
    }

    #[test]
    fn only_signature_keys_of_accepted_kinds_are_kept() {
        let p256 = crate::http::security::testjwt::Signer::es256("ec-1");
        let rsa = crate::http::security::testjwt::Signer::rs256("rsa-1");
        let mut enc = p256.jwk();
        enc["kid"] = "enc".into();
        enc["use"] = "enc".into();
        let mut oaep = rsa.jwk();
        oaep["kid"] = "oaep".into();
        oaep["alg"] = "RSA-OAEP".into();
        let mut nokid = p256.jwk();
        nokid.as_object_mut().expect("object").remove("kid");
        let doc = serde_json::json!({"keys": [
            p256.jwk(), rsa.jwk(), enc, oaep, nokid,
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "weird", "kid": "w"},
            "not even an object",
        ]});
        let set = parse_set(doc.to_string().as_bytes()).expect("set");
        let mut kids: Vec<&str> = set.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["ec-1", "rsa-1"]);
        let ec = &set["ec-1"];
        assert!(ec.fits(Algorithm::ES256));
        assert!(!ec.fits(Algorithm::ES384) && !ec.fits(Algorithm::RS256));
        let rsa = &set["rsa-1"];
        assert!(rsa.fits(Algorithm::RS256) && !rsa.fits(Algorithm::RS384));
        assert!(parse_set(b"[]").is_err());
        assert!(parse_set(b"{\"keys\": []}").expect("empty").is_empty());
    }
}
