//! A store that cannot be written (spec events-and-metrics.md §8.2, issue
//! 16): the proxy starts on it, serves the API and delivers events; changes
//! answer 500 with problem+json naming the store error and change nothing;
//! one ERROR line per failed write; `cne_store_writable 0`.
//!
//! Permission bits do not stop root (CI runs as root), so the proxy is
//! started in a private mount namespace (`unshare --mount`) in which the
//! store directory is bind-mounted read-only, or is a tiny tmpfs (a full
//! disk). The wrapper `exec`s the binary, so the pid is the proxy's. When
//! the mechanism is not available (no `unshare`, no permission to mount),
//! the tests say so on stderr and pass without checking.

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::Value;

use ptp_tests::{Consumer, Dirs, Proxy, Reply};

const LOCK: &str = "/sync/ptp-status/lock-state";
const LOCKED: &[&str] = &[
    "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[1.1]: [ptp4l.0.config] master offset          3 s2 freq   -1061 path delay      2318",
    "ptp4l[2.1]: [ptp4l.0.config] master offset       5000 s2 freq   -1061 path delay      2318",
];

/// Absolute path of a program on `PATH`.
fn program(name: &str) -> Option<String> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

/// The programs of the wrapper.
struct Tools {
    unshare: String,
    sh: String,
    mount: String,
}

impl Tools {
    /// The tools, if they exist and a private read-only bind mount works
    /// here; otherwise why not.
    fn probe() -> Result<Tools, String> {
        let find = |n: &str| program(n).ok_or_else(|| format!("`{n}` not found on PATH"));
        let tools = Tools {
            unshare: find("unshare")?,
            sh: find("sh")?,
            mount: find("mount")?,
        };
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let script = format!(
            "{m} --bind \"$0\" \"$0\" && {m} -o remount,bind,ro \"$0\" && \
             if ( : > \"$0/probe\" ) 2>/dev/null; then exit 3; fi",
            m = tools.mount
        );
        let out = std::process::Command::new(&tools.unshare)
            .args(["--mount", "--propagation", "private", "--", &tools.sh, "-c"])
            .arg(&script)
            .arg(dir.path())
            .output()
            .map_err(|e| format!("unshare: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "a read-only bind mount in a private mount namespace failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(tools)
    }

    /// Runs the binary with `dir` bind-mounted read-only.
    fn read_only(&self, dir: &Path) -> Vec<String> {
        self.wrap(
            format!(
                "{m} --bind \"$0\" \"$0\" && {m} -o remount,bind,ro \"$0\" && exec \"$@\"",
                m = self.mount
            ),
            dir,
        )
    }

    /// Runs the binary with a tmpfs of `size` over `dir` (starts empty).
    fn tmpfs(&self, dir: &Path, size: &str) -> Vec<String> {
        self.wrap(
            format!(
                "{m} -t tmpfs -o size={size} tmpfs \"$0\" && exec \"$@\"",
                m = self.mount
            ),
            dir,
        )
    }

    fn wrap(&self, script: String, dir: &Path) -> Vec<String> {
        vec![
            self.unshare.clone(),
            "--mount".into(),
            "--propagation".into(),
            "private".into(),
            "--".into(),
            self.sh.clone(),
            "-c".into(),
            script,
            dir.display().to_string(),
        ]
    }
}

/// The tools, or `None` after printing why the test cannot check anything.
fn tools_or_skip(test: &str) -> Option<Tools> {
    match Tools::probe() {
        Ok(t) => Some(t),
        Err(why) => {
            eprintln!("SKIPPED {test}: no way to make the store unwritable here: {why}");
            None
        }
    }
}

async fn start(dirs: &Dirs, wrapper: &[String]) -> Result<Proxy> {
    let w: Vec<&str> = wrapper.iter().map(String::as_str).collect();
    Proxy::start_wrapped(dirs, &[], &[], &w).await
}

/// ERROR lines of failed store writes in the proxy's log.
fn store_errors(proxy: &Proxy) -> usize {
    proxy
        .log()
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains("store write failed"))
        .count()
}

/// The value of an unlabelled series in a scrape.
fn metric(scrape: &str, name: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Every file of the store directory with its content.
fn contents(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        v.push((
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path())?,
        ));
    }
    v.sort();
    Ok(v)
}

async fn list(proxy: &Proxy) -> Result<Vec<String>> {
    let v: Value = reqwest::get(proxy.url("/subscriptions"))
        .await?
        .json()
        .await?;
    Ok(v.as_array()
        .context("array")?
        .iter()
        .map(|s| s["SubscriptionId"].as_str().unwrap_or("").to_string())
        .collect())
}

/// Checks a 500 problem+json whose detail names the store error.
async fn assert_store_problem(r: reqwest::Response, dirs: &Dirs, os_error: &str) -> Result<()> {
    ensure!(r.status().as_u16() == 500, "status {}", r.status());
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    ensure!(ct == "application/problem+json", "content-type {ct}");
    let v: Value = r.json().await?;
    let detail = v["detail"].as_str().unwrap_or("");
    let store = dirs.store().display().to_string();
    ensure!(
        detail.contains(&store) && detail.contains(os_error),
        "detail {detail:?} names neither {store} nor {os_error:?}"
    );
    Ok(())
}

/// A store made by a writable run: `n` lock-state subscriptions of
/// `consumer`. Returns their ids.
async fn prepared(dirs: &Dirs, consumer: &Consumer, n: usize) -> Result<Vec<String>> {
    let proxy = Proxy::start(dirs, &[]).await?;
    let mut ids = Vec::new();
    for i in 0..n {
        let (status, v) = proxy
            .subscribe(LOCK, &format!("{}/{i}", consumer.endpoint()))
            .await?;
        ensure!(status == 201, "subscribe: {status} {v}");
        ids.push(v["SubscriptionId"].as_str().unwrap_or("").to_string());
    }
    consumer.wait_count(n, Duration::from_secs(5)).await?;
    ensure!(
        proxy.stop().await?.success(),
        "first run did not exit cleanly"
    );
    Ok(ids)
}

#[tokio::test]
async fn read_only_store_serves_delivers_and_refuses_creates() -> Result<()> {
    let Some(tools) = tools_or_skip("read_only_store_serves_delivers_and_refuses_creates") else {
        return Ok(());
    };
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let ids = prepared(&dirs, &consumer, 1).await?;
    let before = contents(&dirs.store())?;
    ensure!(
        before.iter().any(|(n, _)| n == "proxy-store.journal"),
        "the first run left no journal: {:?}",
        before.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );

    let proxy = start(&dirs, &tools.read_only(&dirs.store())).await?;
    // Loaded (snapshot plus journal) and served.
    ensure!(
        list(&proxy).await? == ids,
        "subscriptions after a read-only start"
    );
    let scrape = proxy.scrape_until(&["cne_store_writable 0"]).await?;
    ensure!(metric(&scrape, "cne_store_write_errors_total") == Some(0.0));
    ensure!(store_errors(&proxy) == 0, "log:\n{}", proxy.log());

    // Creates fail, with the store error, and change nothing.
    let other = Consumer::start(Reply::default()).await?;
    for i in 1..=2 {
        let body = serde_json::json!({
            "ResourceAddress": Proxy::address(LOCK),
            "EndpointUri": format!("{}/new{i}", other.endpoint()),
        });
        let r = reqwest::Client::new()
            .post(proxy.url("/subscriptions"))
            .json(&body)
            .send()
            .await?;
        assert_store_problem(r, &dirs, "Read-only file system").await?;
        ensure!(
            list(&proxy).await? == ids,
            "a failed create changed the list"
        );
        let scrape = proxy
            .scrape_until(&[&format!("cne_store_write_errors_total {i}")])
            .await?;
        ensure!(metric(&scrape, "cne_store_writable") == Some(0.0));
        ensure!(
            store_errors(&proxy) == i,
            "expected {i} ERROR lines, log:\n{}",
            proxy.log()
        );
    }
    let line = proxy
        .log()
        .lines()
        .find(|l| l.contains("store write failed"))
        .unwrap_or_default()
        .to_string();
    ensure!(
        line.contains(&dirs.store().display().to_string())
            && line.contains("Read-only file system"),
        "the ERROR line names the path and the OS error: {line}"
    );

    // Events are still delivered to the loaded subscription.
    let seen = consumer.received().len();
    let _conn = proxy.send(LOCKED).await?;
    consumer
        .wait_count(seen + 1, Duration::from_secs(5))
        .await?;
    let health = reqwest::get(proxy.url("/health")).await?;
    ensure!(health.status().is_success());
    // Nothing on disk changed.
    ensure!(
        contents(&dirs.store())? == before,
        "the store directory changed"
    );
    proxy.stop().await?;
    Ok(())
}

#[tokio::test]
async fn read_only_store_without_publisher_ids_starts() -> Result<()> {
    let Some(tools) = tools_or_skip("read_only_store_without_publisher_ids_starts") else {
        return Ok(());
    };
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let id = "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a";
    let store = serde_json::json!({
        "format": 1,
        "publishers": [],
        "subscriptions": [{
            "api": "v2", "id": id, "resource": Proxy::address(LOCK),
            "endpoint": "http://127.0.0.1:9/event", "uriLocation": "", "created": "2025-05-14T14:00:02.3Z"
        }],
        "transportClients": []
    });
    std::fs::write(
        dirs.store().join("proxy-store.json"),
        serde_json::to_vec(&store)?,
    )?;
    let before = contents(&dirs.store())?;
    // Twice: a read-only store is no crash loop.
    for _ in 0..2 {
        let proxy = start(&dirs, &tools.read_only(&dirs.store())).await?;
        ensure!(list(&proxy).await? == vec![id.to_string()]);
        let publishers: Value = reqwest::get(proxy.url("/publishers")).await?.json().await?;
        ensure!(
            publishers.as_array().map(Vec::len) == Some(7),
            "publishers {publishers}"
        );
        proxy.scrape_until(&["cne_store_writable 0"]).await?;
        ensure!(proxy.stop().await?.success(), "exit status");
    }
    ensure!(
        contents(&dirs.store())? == before,
        "the store directory changed"
    );
    Ok(())
}

#[tokio::test]
async fn read_only_store_refuses_deletes_and_changes_nothing() -> Result<()> {
    let Some(tools) = tools_or_skip("read_only_store_refuses_deletes_and_changes_nothing") else {
        return Ok(());
    };
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let ids = prepared(&dirs, &consumer, 2).await?;
    let proxy = start(&dirs, &tools.read_only(&dirs.store())).await?;
    let client = reqwest::Client::new();
    let r = client
        .delete(proxy.url(&format!("/subscriptions/{}", ids[0])))
        .send()
        .await?;
    assert_store_problem(r, &dirs, "Read-only file system").await?;
    ensure!(list(&proxy).await? == ids, "a failed delete removed it");
    let one = client
        .get(proxy.url(&format!("/subscriptions/{}", ids[0])))
        .send()
        .await?;
    ensure!(one.status().as_u16() == 200, "GET after a failed delete");
    let r = client.delete(proxy.url("/subscriptions")).send().await?;
    assert_store_problem(r, &dirs, "Read-only file system").await?;
    ensure!(
        list(&proxy).await? == ids,
        "a failed delete-all removed them"
    );
    proxy
        .scrape_until(&["cne_store_write_errors_total 2", "cne_store_writable 0"])
        .await?;
    ensure!(store_errors(&proxy) == 2, "log:\n{}", proxy.log());
    // Both still receive events.
    let seen = consumer.received().len();
    let _conn = proxy.send(LOCKED).await?;
    let got = consumer
        .wait_count(seen + 2, Duration::from_secs(5))
        .await?;
    ensure!(got.len() >= seen + 2);
    proxy.stop().await?;
    Ok(())
}

#[tokio::test]
async fn full_store_refuses_changes_and_recovers_when_space_returns() -> Result<()> {
    let Some(tools) = tools_or_skip("full_store_refuses_changes_and_recovers_when_space_returns")
    else {
        return Ok(());
    };
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let proxy = start(&dirs, &tools.tmpfs(&dirs.store(), "256k")).await?;
    let (status, first) = proxy
        .subscribe(LOCK, &format!("{}/a", consumer.endpoint()))
        .await?;
    ensure!(status == 201, "{status} {first}");
    proxy.scrape_until(&["cne_store_writable 1"]).await?;
    // The store as the proxy sees it, through its mount namespace.
    let pid = proxy.child.id().context("pid")?;
    let inside = Path::new("/proc")
        .join(pid.to_string())
        .join("root")
        .join(dirs.store().strip_prefix("/")?);
    ensure!(
        inside.join("proxy-store.json").exists(),
        "no store in the tmpfs"
    );
    let filler = inside.join("filler");
    let chunk = vec![0u8; 64 * 1024];
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler)?;
        let mut full = false;
        for _ in 0..64 {
            if let Err(e) = f.write_all(&chunk).and_then(|()| f.sync_all()) {
                ensure!(e.raw_os_error() == Some(28), "filling: {e}");
                full = true;
                break;
            }
        }
        ensure!(full, "the tmpfs did not fill up");
    }
    // Appends may still fit in the journal's last page for a while; the
    // first that does not fails whole.
    let mut ids = list(&proxy).await?;
    let mut refused = false;
    for i in 0..40 {
        let endpoint = format!("{}/full{i}", consumer.endpoint());
        let r = reqwest::Client::new()
            .post(proxy.url("/subscriptions"))
            .json(&serde_json::json!({"ResourceAddress": Proxy::address(LOCK), "EndpointUri": endpoint}))
            .send()
            .await?;
        if r.status().as_u16() == 201 {
            let v: Value = r.json().await?;
            ids.push(v["SubscriptionId"].as_str().unwrap_or("").to_string());
            continue;
        }
        assert_store_problem(r, &dirs, "No space left on device").await?;
        refused = true;
        break;
    }
    ensure!(refused, "40 creates fitted into a full tmpfs");
    ensure!(
        list(&proxy).await? == ids,
        "a failed create changed the list"
    );
    proxy
        .scrape_until(&["cne_store_writable 0", "cne_store_write_errors_total 1"])
        .await?;
    ensure!(store_errors(&proxy) == 1, "log:\n{}", proxy.log());
    // Space returns: the next change succeeds and the store is writable.
    std::fs::remove_file(&filler)?;
    let (status, second) = proxy
        .subscribe(LOCK, &format!("{}/b", consumer.endpoint()))
        .await?;
    ensure!(status == 201, "{status} {second}");
    proxy.scrape_until(&["cne_store_writable 1"]).await?;
    // The failed append left no partial record: every line is whole.
    let journal = std::fs::read_to_string(inside.join("proxy-store.journal"))?;
    ensure!(journal.ends_with('\n'), "journal ends inside a record");
    for l in journal.lines() {
        ensure!(
            l.len() > 9 && l.as_bytes()[8] == b' ' && l.ends_with('}'),
            "not a whole record: {l:?}"
        );
    }
    let second_id = second["SubscriptionId"].as_str().unwrap_or("");
    ensure!(!second_id.is_empty() && journal.contains(second_id));
    proxy.stop().await?;
    Ok(())
}
