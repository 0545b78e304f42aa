//! Bearer tokens through the real binary (security.md §3): tokens of
//! `ptp-sim token`, keys served by `ptp-sim jwks`, and the statuses of
//! every failed check on the protected routes only; the token never shows
//! in a response or in the log. The README's example: `ptp-sim consume`
//! with a CA and a token against an HTTPS proxy.

use std::time::{Duration, Instant};

use ptp_tests::security::{
    good_claims, hs256, https_url, merged, oauth_members, unix_now, unsigned, write_auth_config,
    DownServer, Issuer, Pki, AUDIENCE, ISSUER, SCOPE,
};
use ptp_tests::v1::{start_producer, LOCK as V1_LOCK};
use ptp_tests::{
    send, wait_for, write_lines, Checked, CheckedRequest, Consumer, Dirs, Proxy, Reply,
};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;

const LOCK: &str = "/sync/ptp-status/lock-state";

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

/// POST /subscriptions with `token` (none: no Authorization header).
async fn subscribe(proxy: &Proxy, endpoint: &str, token: Option<&str>) -> anyhow::Result<Checked> {
    let mut req = reqwest::Client::new()
        .post(proxy.url("/subscriptions"))
        .json(&json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": endpoint}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

/// A refusal: the status, the `WWW-Authenticate` value and problem+json
/// whose `detail` starts with `detail` and does not contain the token.
fn refused(r: &Checked, status: u16, www: Option<&str>, detail: &str, token: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("www-authenticate"), www, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let v = r.json().expect("problem+json");
    let d = v["detail"].as_str().unwrap_or_default();
    assert!(d.starts_with(detail), "detail {d:?}, expected {detail:?}…");
    assert!(
        token.is_empty() || !r.text().contains(token),
        "token in {}",
        r.text()
    );
}

const INVALID: Option<&str> = Some("Bearer error=\"invalid_token\"");

#[tokio::test]
async fn every_failed_check_has_its_status_and_public_routes_stay_public() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let issuer = Issuer::start(dirs.root.path(), &[]).await?;
    let auth = write_auth_config(
        dirs.root.path(),
        "auth.json",
        &oauth_members(&issuer.jwks_url),
    )?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let c = reqwest::Client::new();

    // Public: every GET and /health, without a token.
    for path in ["/health", "/subscriptions", "/publishers"] {
        let r = c.get(proxy.url(path)).checked().await?;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    }
    let r = c
        .get(proxy.url(&format!("{}/CurrentState", Proxy::address(LOCK))))
        .checked()
        .await?;
    assert_ne!(r.status, 401);
    // Not a protected route: answered without a token.
    let r = c.post(proxy.url("/dummy")).checked().await?;
    assert_eq!(r.status, 204);

    // Protected, without a token.
    refused(
        &subscribe(&proxy, &consumer.endpoint(), None).await?,
        401,
        INVALID,
        "no bearer token",
        "",
    );
    let r = c.delete(proxy.url("/subscriptions")).checked().await?;
    refused(&r, 401, INVALID, "no bearer token", "");
    let r = c
        .delete(proxy.url("/subscriptions/0b7f3c52-8f67-4e6e-9b1a-4a5b4f3d2c1e"))
        .checked()
        .await?;
    refused(&r, 401, INVALID, "no bearer token", "");
    let r = send(
        c.post(proxy.url("/subscriptions"))
            .header("authorization", "Basic dXNlcjpwYXNz")
            .body("{}"),
    )
    .await?;
    refused(&r, 401, INVALID, "no bearer token", "");
    assert!(
        consumer.received().is_empty(),
        "a request reached the consumer"
    );

    // Every failed check, with the status of security.md §3.
    let jwk = issuer.jwks().await?;
    let now = unix_now();
    let cases: Vec<(&str, String, u16, Option<&str>, &str)> = vec![
        (
            "not a JWT",
            "abc.def".to_string(),
            401,
            INVALID,
            "malformed token",
        ),
        (
            "expired beyond the leeway",
            issuer.token(ISSUER, AUDIENCE, &[SCOPE], -120)?,
            401,
            INVALID,
            "exp:",
        ),
        (
            "not yet valid",
            issuer.sign(&with(good_claims(), "nbf", json!(now + 600)))?,
            401,
            INVALID,
            "nbf:",
        ),
        (
            "wrong issuer",
            issuer.token("https://other.test", AUDIENCE, &[SCOPE], 600)?,
            401,
            INVALID,
            "iss:",
        ),
        (
            "wrong audience",
            issuer.token(ISSUER, "someone-else", &[SCOPE], 600)?,
            401,
            INVALID,
            "aud:",
        ),
        (
            "missing scope",
            issuer.token(ISSUER, AUDIENCE, &["subscriptions:read"], 600)?,
            403,
            Some("Bearer error=\"insufficient_scope\""),
            "scope:",
        ),
        (
            "alg none",
            unsigned(&issuer.kid, &good_claims()),
            401,
            INVALID,
            "alg:",
        ),
        (
            "HMAC with the public key as secret",
            hs256(jwk.as_bytes(), &issuer.kid, &good_claims())?,
            401,
            INVALID,
            "alg:",
        ),
        (
            "bad signature",
            {
                let t = issuer.valid()?;
                let (rest, _) = t.rsplit_once('.').unwrap_or_default();
                let other = issuer.sign(&with(good_claims(), "sub", json!("other")))?;
                format!("{rest}.{}", other.rsplit('.').next().unwrap_or_default())
            },
            401,
            INVALID,
            "signature",
        ),
    ];
    let mut tokens = Vec::new();
    for (what, token, status, www, detail) in &cases {
        let r = subscribe(&proxy, &consumer.endpoint(), Some(token)).await?;
        eprintln!("{what}: {} {}", r.status, r.text());
        refused(&r, *status, *www, detail, token);
        tokens.push(token.clone());
    }
    assert!(
        consumer.received().is_empty(),
        "a request reached the consumer"
    );

    // A valid token: created, listed, deleted.
    let good = issuer.valid()?;
    let r = subscribe(&proxy, &consumer.endpoint(), Some(&good)).await?;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()?["SubscriptionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = c
        .delete(proxy.url(&format!("/subscriptions/{id}")))
        .bearer_auth(&good)
        .checked()
        .await?;
    assert_eq!(r.status, 204);
    let r = c
        .delete(proxy.url("/subscriptions"))
        .bearer_auth(&good)
        .checked()
        .await?;
    assert_eq!(r.status, 204);
    tokens.push(good);

    // 4 refusals without a token, 8 invalid, 1 forbidden, 3 accepted.
    proxy
        .scrape_until(&[
            "cne_api_auth_total{outcome=\"missing\"} 4",
            "cne_api_auth_total{outcome=\"invalid\"} 8",
            "cne_api_auth_total{outcome=\"forbidden\"} 1",
            "cne_api_auth_total{outcome=\"ok\"} 3",
            "cne_api_auth_total{outcome=\"unavailable\"} 0",
        ])
        .await?;
    let log = proxy.log();
    for t in &tokens {
        // The signature part is what makes a token a credential.
        let sig = t.rsplit('.').next().unwrap_or_default();
        assert!(sig.len() < 8 || !log.contains(sig), "a token is in the log");
    }
    Ok(())
}

#[tokio::test]
async fn an_unknown_kid_is_refused_until_the_rotated_jwks_is_fetched() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let pending = dirs.root.path().join("pending");
    let served = dirs.root.path().join("served");
    std::fs::create_dir_all(&pending)?;
    std::fs::create_dir_all(&served)?;
    let issuer = Issuer::start(dirs.root.path(), &[served.join("next.pem")]).await?;
    let auth = write_auth_config(
        dirs.root.path(),
        "auth.json",
        &oauth_members(&issuer.jwks_url),
    )?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    // A key the JWKS does not serve yet.
    let next =
        ptp_tests::security::sim_token(&pending.join("next.pem"), ISSUER, AUDIENCE, &[SCOPE], 600)?;
    let c = reqwest::Client::new();
    let unknown = proxy.url("/subscriptions/0b7f3c52-8f67-4e6e-9b1a-4a5b4f3d2c1e");
    let delete = |token: String| {
        let req = c.delete(&unknown).bearer_auth(token);
        async move { send(req).await }
    };
    // The current key works (404: past the guard, no such subscription).
    assert_eq!(delete(issuer.valid()?).await?.status, 404);
    let r = delete(next.clone()).await?;
    refused(&r, 401, INVALID, "kid:", &next);

    // The issuer rotates: the JWKS serves the new key from now on.
    std::fs::rename(pending.join("next.pem"), served.join("next.pem"))?;
    assert!(issuer
        .jwks()
        .await?
        .contains(&jsonwebtoken::decode_header(&next)?.kid.unwrap_or_default()));
    // At most one fetch per 30 s: still unknown right now...
    let rotated = Instant::now();
    let r = delete(next.clone()).await?;
    refused(&r, 401, INVALID, "kid:", &next);
    // ...and found once the next fetch is allowed.
    wait_for("the rotated key", Duration::from_secs(45), || async {
        let r = delete(next.clone()).await.ok()?;
        tokio::time::sleep(Duration::from_millis(250)).await;
        (r.status == 404).then_some(())
    })
    .await?;
    eprintln!(
        "rotated key accepted {:?} after the rotation",
        rotated.elapsed()
    );
    // The old key still works.
    assert_eq!(delete(issuer.valid()?).await?.status, 404);
    Ok(())
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_with_retry_after() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let issuer = Issuer::start(dirs.root.path(), &[]).await?;
    let down = DownServer::start().await?;
    let auth = write_auth_config(dirs.root.path(), "auth.json", &oauth_members(&down.url))?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let token = issuer.valid()?;
    let r = subscribe(&proxy, &consumer.endpoint(), Some(&token)).await?;
    refused(&r, 503, None, "the token issuer's signing keys", &token);
    assert_eq!(r.header("retry-after"), Some("30"));
    // Public routes do not need the issuer.
    assert_eq!(proxy.get("/subscriptions").await?.status, 200);
    proxy
        .scrape_until(&["cne_api_auth_total{outcome=\"unavailable\"} 1"])
        .await?;
    Ok(())
}

#[tokio::test]
async fn v1_and_transport_protect_their_changing_routes() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let issuer = Issuer::start(dirs.root.path(), &[]).await?;
    let auth = write_auth_config(
        dirs.root.path(),
        "auth.json",
        &oauth_members(&issuer.jwks_url),
    )?;
    let producer =
        start_producer(&dirs, 0, &[&format!("--auth-config={}", auth.display())]).await?;
    let c = reqwest::Client::new();
    let good = issuer.valid()?;
    let consumer = Consumer::start(Reply::default()).await?;

    assert_eq!(
        c.get(producer.url("/subscriptions"))
            .checked()
            .await?
            .status,
        200
    );
    assert_eq!(c.get(producer.url("/health")).checked().await?.status, 200);
    let body = json!({"resource": Proxy::address(V1_LOCK), "endpointUri": consumer.endpoint()});
    let r = send(c.post(producer.url("/subscriptions")).json(&body)).await?;
    refused(&r, 401, INVALID, "no bearer token", "");
    let v = r.json()?;
    assert_eq!(v["error"], v["detail"], "v1 flavour");
    let r = send(
        c.post(producer.url("/subscriptions"))
            .json(&body)
            .bearer_auth(&good),
    )
    .await?;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()?["id"].as_str().unwrap_or_default().to_string();
    let ping = producer.url(&format!("/subscriptions/status/{id}"));
    refused(
        &c.put(&ping).checked().await?,
        401,
        INVALID,
        "no bearer token",
        "",
    );
    assert_eq!(c.put(&ping).bearer_auth(&good).checked().await?.status, 202);

    // Transport: POST /subscription needs a token, POST /event and
    // /health do not.
    let t = format!("http://127.0.0.1:{}", producer.transport()?);
    let doc = json!({"clientID": "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f", "subStore": {"store": {}},
        "EndpointUri": format!("http://{}", consumer.addr), "status": 1});
    let r = send(
        c.post(format!("{t}/subscription"))
            .header("ce-subject", "NEW")
            .json(&doc),
    )
    .await?;
    refused(&r, 401, INVALID, "no bearer token", "");
    let v = r.json()?;
    assert_eq!(v["message"], v["detail"], "transport flavour");
    let r = send(
        c.post(format!("{t}/subscription"))
            .header("ce-subject", "NEW")
            .bearer_auth(&good)
            .json(&doc),
    )
    .await?;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        c.post(format!("{t}/event"))
            .body("{}")
            .checked()
            .await?
            .status,
        200
    );
    assert_eq!(c.get(format!("{t}/health")).checked().await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn ptp_sim_consume_subscribes_over_https_with_a_token() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let pki = Pki::make(&dirs.root.path().join("pki"))?;
    let issuer = Issuer::start(dirs.root.path(), &[]).await?;
    let doc = merged(pki.server_members(false), &oauth_members(&issuer.jwks_url));
    let auth = write_auth_config(dirs.root.path(), "auth.json", &doc)?;
    let proxy = Proxy::start(&dirs, &[&format!("--auth-config={}", auth.display())]).await?;
    let api = https_url(&proxy, "");
    let token = issuer.valid()?;
    let consume = |token: Option<&str>| {
        let mut cmd = tokio::process::Command::new(ptp_tests::security::sim_bin());
        cmd.args([
            "consume",
            "--api",
            &api,
            "--resource",
            &Proxy::address(LOCK),
        ])
        .arg("--cacert")
        .arg(&pki.ca);
        if let Some(t) = token {
            cmd.args(["--token", t]);
        }
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        cmd
    };
    // Without the token the subscription is refused and consume fails.
    let out = tokio::time::timeout(Duration::from_secs(20), consume(None).output()).await??;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401"), "{err}");

    let mut child = consume(Some(&token)).spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("stdout"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.starts_with("subscribed")) {
        seen.push(next_line(&mut lines).await?);
    }
    let mut conn = proxy
        .send(&["ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"])
        .await?;
    write_lines(
        &mut conn,
        &["ptp4l[2.0]: [ptp4l.0.config] master offset          3 s2 freq   -1061 path delay      2318"],
    )
    .await?;
    loop {
        let l = next_line(&mut lines).await?;
        if l.contains("LOCKED") {
            break;
        }
        seen.push(l);
    }
    assert!(!proxy
        .log()
        .contains(token.rsplit('.').next().unwrap_or("-")));
    Ok(())
}

async fn next_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> anyhow::Result<String> {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .map_err(|_| anyhow::anyhow!("no line within 20 s"))??
        .ok_or_else(|| anyhow::anyhow!("ptp-sim consume exited"))
}
