//! Tokens signed with real keys, checked against a real loopback JWKS
//! server; time is a [`ManualClock`].

use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::http::security::clock::ManualClock;
use crate::http::security::testjwt::{jwks_of, unreachable_url, JwksServer, Signer};

const NOW: i64 = 1_750_000_000;
const ISSUER: &str = "https://issuer.test";

fn settings(jwks_url: url::Url) -> OAuthSettings {
    OAuthSettings {
        issuer: ISSUER.to_string(),
        jwks_url,
        audience: Some("ptp-events".to_string()),
        scopes: vec!["subscriptions:write".to_string()],
    }
}

fn claims() -> serde_json::Value {
    json!({
        "iss": ISSUER, "aud": ["other", "ptp-events"], "sub": "system:serviceaccount:ns:consumer",
        "scope": "openid subscriptions:write", "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 600,
    })
}

fn with(mut base: serde_json::Value, key: &str, value: serde_json::Value) -> serde_json::Value {
    base[key] = value;
    base
}

fn auth(url: url::Url) -> (BearerAuth, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(NOW));
    let client = reqwest::Client::builder().build().expect("client");
    (
        BearerAuth::with_clock(settings(url), client, clock.clone()),
        clock,
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Checks, and asserts that the token is not in what a client or a log
/// could see.
async fn check(auth: &BearerAuth, token: &str) -> Result<(), AuthFailure> {
    let r = auth.check(Some(&bearer(token))).await;
    if let Err(f) = &r {
        assert!(
            !f.detail().contains(token),
            "token in detail: {}",
            f.detail()
        );
        assert!(!f.to_string().contains(token), "token in Display");
        for part in token.split('.').filter(|p| p.len() > 8) {
            assert!(
                !f.detail().contains(part),
                "token part in detail: {}",
                f.detail()
            );
        }
    }
    r
}

fn invalid(r: Result<(), AuthFailure>, starts: &str) {
    let f = r.expect_err("refused");
    assert_eq!(f.status(), StatusCode::UNAUTHORIZED, "{f}");
    assert_eq!(f.outcome(), AuthOutcome::Invalid, "{f}");
    assert_eq!(
        f.www_authenticate().expect("WWW-Authenticate"),
        "Bearer error=\"invalid_token\""
    );
    assert!(
        f.detail().starts_with(starts),
        "want {starts:?}: {}",
        f.detail()
    );
}

#[tokio::test]
async fn valid_tokens_of_every_accepted_algorithm() {
    let signers = [
        Signer::es256("ec256"),
        Signer::es384("ec384"),
        Signer::rs256("rsa256"),
        Signer::rsa("rsa384", jsonwebtoken::Algorithm::RS384),
        Signer::rsa("rsa512", jsonwebtoken::Algorithm::RS512),
    ];
    let refs: Vec<&Signer> = signers.iter().collect();
    let server = JwksServer::start(jwks_of(&refs)).await;
    let (auth, _) = auth(server.url.clone());
    for s in &signers {
        check(&auth, &s.sign(&claims())).await.expect(&s.kid);
    }
    // scp as an array, a single audience string, no nbf.
    let mut c = claims();
    c.as_object_mut().expect("object").remove("scope");
    c.as_object_mut().expect("object").remove("nbf");
    c["scp"] = json!(["subscriptions:write"]);
    c["aud"] = json!("ptp-events");
    check(&auth, &signers[0].sign(&c)).await.expect("scp array");
    assert_eq!(server.hits(), 1, "one fetch for all keys");
}

#[tokio::test]
async fn each_failed_check_is_named() {
    let key = Signer::es256("k1");
    let server = JwksServer::start(jwks_of(&[&key])).await;
    let (auth, _) = auth(server.url.clone());
    let c = claims();
    invalid(
        check(&auth, &key.sign(&with(c.clone(), "exp", json!(NOW - 61)))).await,
        "exp:",
    );
    invalid(
        check(&auth, &key.sign(&with(c.clone(), "nbf", json!(NOW + 61)))).await,
        "nbf:",
    );
    invalid(
        check(
            &auth,
            &key.sign(&with(c.clone(), "iss", json!("https://evil.test"))),
        )
        .await,
        "iss:",
    );
    invalid(
        check(&auth, &key.sign(&with(c.clone(), "aud", json!("ptp")))).await,
        "aud:",
    );
    // Within the leeway.
    check(&auth, &key.sign(&with(c.clone(), "exp", json!(NOW - 59))))
        .await
        .expect("leeway");
    check(&auth, &key.sign(&with(c.clone(), "nbf", json!(NOW + 59))))
        .await
        .expect("leeway");

    // A valid token without the scope: 403.
    let f = check(&auth, &key.sign(&with(c.clone(), "scope", json!("openid"))))
        .await
        .expect_err("no scope");
    assert_eq!(f.status(), StatusCode::FORBIDDEN);
    assert_eq!(f.outcome_label(), "forbidden");
    assert!(f.detail().contains("subscriptions:write"), "{}", f.detail());

    // Signed by another key that claims the same kid.
    let impostor = Signer::es256("k1");
    invalid(check(&auth, &impostor.sign(&c)).await, "signature:");
    // A tampered payload.
    let t = key.sign(&c);
    let mut parts: Vec<&str> = t.split('.').collect();
    let forged = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(with(c.clone(), "scope", json!("subscriptions:write admin")).to_string())
    };
    parts[1] = &forged;
    invalid(check(&auth, &parts.join(".")).await, "signature:");
}

#[tokio::test]
async fn none_and_hmac_are_refused_before_any_key_is_used() {
    let rsa = Signer::rs256("rsa");
    let server = JwksServer::start(jwks_of(&[&rsa])).await;
    let (auth, _) = auth(server.url.clone());
    use base64::Engine as _;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT", "kid": "rsa"})),
        b64(claims())
    );
    invalid(check(&auth, &none).await, "alg: none");
    // HMAC with the public key as the secret (the classic confusion).
    for secret in [rsa.jwk().to_string(), rsa.jwk()["n"].to_string()] {
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("rsa".to_string());
        let t = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("HS256");
        invalid(check(&auth, &t).await, "alg: HS256");
    }
    // An ES256 token naming the RSA key.
    let ec = Signer::es256("rsa");
    invalid(
        check(&auth, &ec.sign(&claims())).await,
        "kid: the JWKS key rsa is not a key for ES256",
    );
    assert_eq!(server.hits(), 1, "no fetch for refused algorithms");
}

#[tokio::test]
async fn missing_and_malformed_tokens() {
    let key = Signer::es256("k1");
    let server = JwksServer::start(jwks_of(&[&key])).await;
    let (auth, _) = auth(server.url.clone());
    for header in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
        Some("Bearer"),
    ] {
        let f = auth.check(header).await.expect_err("no token");
        assert_eq!(f.outcome(), AuthOutcome::Missing, "{header:?}");
        assert_eq!(f.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            f.www_authenticate().expect("header"),
            "Bearer error=\"invalid_token\""
        );
    }
    invalid(
        auth.check(Some("Bearer not-a-jwt")).await,
        "malformed token",
    );
    // The scheme is case-insensitive.
    let t = key.sign(&claims());
    auth.check(Some(&format!("bearer {t}")))
        .await
        .expect("lower-case scheme");
    // Two Authorization headers.
    let mut headers = HeaderMap::new();
    headers.append(
        header::AUTHORIZATION,
        HeaderValue::from_str(&bearer(&t)).expect("value"),
    );
    auth.check_headers(&headers).await.expect("one header");
    headers.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
    invalid(auth.check_headers(&headers).await, "malformed token");
}

#[tokio::test]
async fn an_unknown_kid_is_found_after_the_jwks_rotates_at_most_one_fetch_per_30_s() {
    let old = Signer::es256("2024");
    let new = Signer::rs256("2025");
    let server = JwksServer::start(jwks_of(&[&old])).await;
    let (auth, clock) = auth(server.url.clone());
    check(&auth, &old.sign(&claims())).await.expect("old key");
    assert_eq!(server.hits(), 1);

    // The issuer starts signing with a key the proxy has not seen.
    server.set(Some(jwks_of(&[&old, &new])));
    let token = new.sign(&with(claims(), "exp", json!(NOW + 3600)));
    invalid(check(&auth, &token).await, "kid: no key 2025");
    // Unknown kids within 30 s of the last fetch do not fetch again.
    for i in 0..20 {
        let made_up = Signer::es256(&format!("made-up-{i}"));
        invalid(check(&auth, &made_up.sign(&claims())).await, "kid:");
    }
    invalid(check(&auth, &token).await, "kid: no key 2025");
    assert_eq!(server.hits(), 1, "rate limited");
    clock.advance(Duration::from_secs(30));
    check(&auth, &token).await.expect("found after the refetch");
    assert_eq!(server.hits(), 2);
    check(&auth, &old.sign(&with(claims(), "exp", json!(NOW + 3600))))
        .await
        .expect("old key still there");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn the_cache_is_refreshed_every_10_minutes() {
    let a = Signer::es256("a");
    let server = JwksServer::start(jwks_of(&[&a])).await;
    let (auth, clock) = auth(server.url.clone());
    let long = with(claims(), "exp", json!(NOW + 7200));
    check(&auth, &a.sign(&long)).await.expect("a");
    clock.advance(Duration::from_secs(599));
    // The key is withdrawn; within 10 minutes the cache still has it.
    server.set(Some(jwks_of(&[])));
    check(&auth, &a.sign(&long)).await.expect("cached");
    assert_eq!(server.hits(), 1);
    clock.advance(Duration::from_secs(1));
    invalid(check(&auth, &a.sign(&long)).await, "kid: no key a");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_without_a_cached_key() {
    let key = Signer::es256("k");
    let (auth, clock) = auth(unreachable_url().await);
    let t = key.sign(&with(claims(), "exp", json!(NOW + 7200)));
    let f = check(&auth, &t).await.expect_err("no keys");
    assert_eq!(f.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(f.outcome_label(), "unavailable");
    assert!(f.www_authenticate().is_none());
    assert_eq!(f.retry_after().expect("Retry-After"), "30");
    assert!(auth.prefetch().await.is_err());
    clock.advance(Duration::from_secs(31));
    let f = check(&auth, &t).await.expect_err("still no keys");
    assert_eq!(f.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn cached_keys_outlive_a_jwks_outage() {
    let key = Signer::es256("k");
    let server = JwksServer::start(jwks_of(&[&key])).await;
    let (auth, clock) = auth(server.url.clone());
    assert_eq!(auth.prefetch().await.expect("prefetch"), 1);
    server.set(None);
    clock.advance(Duration::from_secs(700));
    let t = key.sign(&with(claims(), "exp", json!(NOW + 7200)));
    check(&auth, &t)
        .await
        .expect("cached key after a failed refresh");
    assert_eq!(server.hits(), 2, "the refresh was tried");
    // A kid that is not cached while the issuer is down: 503, not 401.
    let other = Signer::es256("other");
    let f = check(
        &auth,
        &other.sign(&with(claims(), "exp", json!(NOW + 7200))),
    )
    .await
    .expect_err("unknown while down");
    assert_eq!(f.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[test]
fn every_outcome_has_its_label() {
    let labels: Vec<&str> = AuthOutcome::ALL.iter().map(|o| o.label()).collect();
    assert_eq!(
        labels,
        ["ok", "missing", "invalid", "forbidden", "unavailable"]
    );
}
