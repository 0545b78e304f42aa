//! Endpoint policy, limits and start-up checks through the real binary
//! (security.md §1, §5, §6): `--endpoint-allow` refuses before any
//! request is sent (a CIDR, a host name resolving outside it) and holds
//! stored subscriptions a stricter list no longer allows;
//! `--max-subscriptions` answers 429 and stores nothing; `--api-addr`
//! binds one address; a bad `--auth-config` stops the start naming the
//! file and the member, and `validate --auth-config` checks it.

use std::process::Stdio;
use std::time::Duration;

use ptp_tests::security::{write_auth_config, Pki};
use ptp_tests::{proxy_bin, write_lines, Consumer, Dirs, Proxy, Reply, NODE};
use serde_json::{json, Value};

const LOCK: &str = "/sync/ptp-status/lock-state";
const SLAVE: &str =
    "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED";

fn flap(i: usize) -> String {
    let offset = if i % 2 == 0 { 5000 } else { 3 };
    format!(
        "ptp4l[{i}.0]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318"
    )
}

fn stored(dirs: &Dirs) -> anyhow::Result<Value> {
    ptp_tests::store::stored(&dirs.store())
}

#[tokio::test]
async fn the_allow_list_refuses_before_any_request_and_holds_stored_subscriptions(
) -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let a = Consumer::start(Reply::default()).await?;
    let b = Consumer::start(Reply::default()).await?;
    let localhost = |c: &Consumer| format!("http://localhost:{}/event", c.addr.port());

    // Only the pod network: loopback consumers are refused, by address
    // and by a name that resolves to loopback.
    let strict = Proxy::start(&dirs, &["--endpoint-allow=10.128.0.0/14"]).await?;
    for endpoint in [a.endpoint(), localhost(&a)] {
        let (status, body) = strict.subscribe(LOCK, &endpoint).await?;
        assert_eq!(status, 403, "{endpoint}: {body}");
        assert_eq!(body["status"], 403);
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("--endpoint-allow"), "{detail}");
    }
    let (_, body) = strict.subscribe(LOCK, &localhost(&a)).await?;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("endpoint localhost resolves to ")),
        "{body}"
    );
    assert!(a.received().is_empty(), "the initial notification was sent");
    assert_eq!(stored(&dirs)?["subscriptions"], json!([]));
    strict.stop().await?;

    // Loopback allowed: by address and by the name.
    let open = Proxy::start(&dirs, &["--endpoint-allow=127.0.0.0/8,::1/128"]).await?;
    let (status, body) = open.subscribe(LOCK, &a.endpoint()).await?;
    assert_eq!(status, 201, "{body}");
    let (status, body) = open.subscribe(LOCK, &localhost(&b)).await?;
    assert_eq!(status, 201, "{body}");
    a.wait_count(1, Duration::from_secs(5)).await?;
    b.wait_count(1, Duration::from_secs(5)).await?;
    open.stop().await?;

    // A stricter list after a restart: only b's port. a's subscription
    // stays stored and listed but gets nothing.
    let list = format!(
        "--endpoint-allow=127.0.0.1/32:{0},[::1/128]:{0}",
        b.addr.port()
    );
    let restarted = Proxy::start(&dirs, &[&list]).await?;
    let listed = restarted.get_json("/subscriptions").await?;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let mut conn = restarted.send(&[SLAVE]).await?;
    for i in 1..3 {
        write_lines(&mut conn, &[&flap(i)]).await?;
        b.wait_count(1 + i, Duration::from_secs(10)).await?;
    }
    assert_eq!(
        a.received().len(),
        1,
        "a held subscription was delivered to"
    );
    assert_eq!(
        stored(&dirs)?["subscriptions"].as_array().map(Vec::len),
        Some(2)
    );
    let log = restarted.log();
    assert_eq!(
        log.matches("stored subscription kept but not delivered to")
            .count(),
        1,
        "{log}"
    );
    Ok(())
}

#[tokio::test]
async fn one_subscription_more_than_the_maximum_is_429_and_not_stored() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    let proxy = Proxy::start(&dirs, &["--max-subscriptions=2"]).await?;
    let consumers = [
        Consumer::start(Reply::default()).await?,
        Consumer::start(Reply::default()).await?,
        Consumer::start(Reply::default()).await?,
    ];
    for c in &consumers[..2] {
        let (status, body) = proxy.subscribe(LOCK, &c.endpoint()).await?;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = proxy.subscribe(LOCK, &consumers[2].endpoint()).await?;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("maximum of 2 subscriptions")),
        "{body}"
    );
    assert!(consumers[2].received().is_empty());
    assert_eq!(
        stored(&dirs)?["subscriptions"].as_array().map(Vec::len),
        Some(2)
    );
    // One removed: room for one more.
    let first = proxy.get_json("/subscriptions").await?[0]["SubscriptionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = ptp_tests::send(
        reqwest::Client::new().delete(proxy.url(&format!("/subscriptions/{first}"))),
    )
    .await?;
    assert_eq!(r.status, 204);
    let (status, body) = proxy.subscribe(LOCK, &consumers[2].endpoint()).await?;
    assert_eq!(status, 201, "{body}");
    Ok(())
}

#[tokio::test]
async fn api_addr_binds_the_rest_api_to_one_address() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    // All of 127.0.0.0/8 is loopback on Linux: bind .2, then .1 is refused.
    let proxy = Proxy::start(&dirs, &["--api-addr=127.0.0.2"]).await?;
    let r = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.2:{}{}/health",
            proxy.api_port, proxy.base
        ))
        .send()
        .await?;
    assert_eq!(r.status(), 200);
    let e = reqwest::Client::new()
        .get(proxy.url("/health"))
        .send()
        .await
        .expect_err("answered on 127.0.0.1");
    assert!(e.is_connect(), "{e:?}");
    // /metrics is on its own address.
    assert!(proxy.scrape().await?.contains("cne_api_subscriptions"));
    Ok(())
}

/// Runs the binary to completion with the test environment.
async fn run(dirs: &Dirs, args: &[&str]) -> anyhow::Result<(i32, String, String)> {
    let out = tokio::process::Command::new(proxy_bin())
        .arg(format!("--store-path={}", dirs.store().display()))
        .arg(format!("--socket={}", dirs.socket().display()))
        .arg(format!("--ptp-config-dir={}", dirs.config().display()))
        .arg("--api-port=0")
        .arg("--metrics-addr=127.0.0.1:0")
        .args(args)
        .env_clear()
        .env("NODE_NAME", NODE)
        .env("PTP_PROFILE_PATH", dirs.profiles())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), out).await??;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[tokio::test]
async fn bad_security_settings_stop_the_start_and_validate_reports_them() -> anyhow::Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let pki = Pki::make(&dirs.root.path().join("pki"))?;
    let other = Pki::make(&dirs.root.path().join("other"))?;

    let good = write_auth_config(dirs.root.path(), "good.json", &pki.server_members(true))?;
    let (code, out, err) = run(
        &dirs,
        &["validate", &format!("--auth-config={}", good.display())],
    )
    .await?;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("auth config {}: OK", good.display())),
        "{out}"
    );
    assert!(out.contains("client certificates required"), "{out}");

    // A key that does not belong to the certificate.
    let mut doc = pki.server_members(false);
    doc["serverKeyPath"] = json!(other.server_key);
    let mismatch = write_auth_config(dirs.root.path(), "mismatch.json", &doc)?;
    let flag = format!("--auth-config={}", mismatch.display());
    let (code, _, err) = run(&dirs, &["validate", &flag]).await?;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&mismatch.display().to_string()) && err.contains("serverKeyPath"),
        "{err}"
    );
    let (code, _, err) = run(&dirs, &[&flag]).await?;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&mismatch.display().to_string()) && err.contains("serverKeyPath"),
        "{err}"
    );

    // An unknown member, OAuth without an issuer.
    for (name, doc, needle) in [
        (
            "unknown.json",
            json!({"enableMTLS": false, "tlsEverywhere": true}),
            "tlsEverywhere",
        ),
        ("oauth.json", json!({"enableOAuth": true}), "oauthIssuer"),
    ] {
        let file = write_auth_config(dirs.root.path(), name, &doc)?;
        let (code, _, err) = run(&dirs, &[&format!("--auth-config={}", file.display())]).await?;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(name) && err.contains(needle), "{err}");
    }
    let (code, _, err) = run(&dirs, &["--auth-config=/no/such/auth.json"]).await?;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/no/such/auth.json"), "{err}");

    // Flag values: status 2, as every invalid flag.
    for bad in [
        "--max-subscriptions=0",
        "--endpoint-allow=10.0.0.1/8",
        "--api-addr=127.0.0.1:9043",
        "--consumer-cert=/x.pem",
    ] {
        let (code, _, err) = run(&dirs, &[bad]).await?;
        assert_eq!(code, 2, "{bad}: {err}");
        let flag = bad.split('=').next().unwrap_or(bad);
        assert!(err.contains(flag), "{bad}: {err}");
    }
    let (code, _, err) = run(
        &dirs,
        &[&format!("--consumer-ca={}", pki.server_key.display())],
    )
    .await?;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--consumer-ca"), "{err}");
    Ok(())
}
