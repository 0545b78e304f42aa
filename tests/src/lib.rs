//! Helpers shared by the black-box tests: start the real `cloud-event-proxy`
//! binary with every path in a temporary directory and loopback ports, talk
//! to its UNIX socket, and record what a real HTTP consumer receives.
//!
//! Every wait has a deadline; nothing sleeps and hopes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::process::{Child, Command};

pub mod bench;
pub mod consumer;
pub mod daemon;
pub mod openapi;
pub mod security;
pub mod store;
pub mod v1;
pub use consumer::{Consumer, Reply};
pub use daemon::{DaemonReply, DaemonStub};
pub use openapi::{send, Checked, CheckedRequest};

/// The node name the tests use.
pub const NODE: &str = "compute-1.example.com";

/// Path of a binary of the workspace, built on demand.
pub fn workspace_bin(name: &str, package: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test>-hash → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bin = dir.join(name);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // `cargo test --workspace` builds every binary before the tests run; a
    // narrower `cargo test -p ptp-tests` does not, so make sure the binary is
    // there and current (a no-op build when it is), once per test process.
    if !built.iter().any(|b| b == name) {
        let release = dir.file_name().is_some_and(|d| d == "release");
        let mut cmd = std::process::Command::new(env!("CARGO"));
        // The test's own CARGO_PKG_*/CARGO_MANIFEST_* variables would make
        // build scripts that watch them (ring's) rerun, and every outer and
        // inner build rebuild ring and what depends on it in turn.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_MANIFEST_")
                || matches!(
                    &*k,
                    "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
                )
            {
                cmd.env_remove(&key);
            }
        }
        cmd.args(["build", "--quiet", "-p", package, "--bin", name]);
        // The variables cargo sets for a test process: a build script that
        // tracks one (ring tracks CARGO_MANIFEST_DIR) would otherwise be
        // rerun here and again by the next plain cargo command, rebuilding
        // half the tree both times.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CARGO_PKG_")
                || matches!(
                    &*k,
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_BIN_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "CARGO_RUSTC_CURRENT_DIR"
                )
            {
                cmd.env_remove(&key);
            }
        }
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "building {name} failed"
        );
        built.push(name.to_string());
    }
    bin
}

/// Path of `cloud-event-proxy`.
pub fn proxy_bin() -> PathBuf {
    workspace_bin("cloud-event-proxy", "ptp-event-proxy")
}

/// Polls `f` until it returns `Some` or the deadline passes.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The directories of one proxy instance.
pub struct Dirs {
    pub root: tempfile::TempDir,
}

impl Dirs {
    pub fn new() -> Result<Dirs> {
        let root = tempfile::tempdir()?;
        for d in ["config", "profiles", "store", "run"] {
            std::fs::create_dir_all(root.path().join(d))?;
        }
        Ok(Dirs { root })
    }
    pub fn config(&self) -> PathBuf {
        self.root.path().join("config")
    }
    pub fn profiles(&self) -> PathBuf {
        self.root.path().join("profiles")
    }
    pub fn store(&self) -> PathBuf {
        self.root.path().join("store")
    }
    pub fn socket(&self) -> PathBuf {
        self.root.path().join("run/events.sock")
    }
    /// Writes an OC profile: `ptp4l.0.config` with the given interfaces and a
    /// threshold file with `holdover_s`.
    pub fn write_oc(&self, ifaces: &[&str], holdover_s: u64) -> Result<()> {
        let mut cfg = String::from("#profile: oc-profile\n[global]\nslaveOnly 1\n");
        for i in ifaces {
            cfg.push_str(&format!("[{i}]\nmasterOnly 0\n"));
        }
        std::fs::write(self.config().join("ptp4l.0.config"), cfg)?;
        let profiles = format!(
            "[{{\"name\":\"oc-profile\",\"ptpClockThreshold\":{{\"holdOverTimeout\":{holdover_s},\"maxOffsetThreshold\":100,\"minOffsetThreshold\":-100}}}}]"
        );
        std::fs::write(self.profiles().join(NODE), profiles)?;
        Ok(())
    }
}

/// A running proxy.
pub struct Proxy {
    pub child: Child,
    pub pid: u32,
    pub api_port: u16,
    pub metrics_port: u16,
    /// The bound transport port (v1 roles).
    pub transport_port: Option<u16>,
    pub socket: PathBuf,
    pub stderr_log: PathBuf,
    /// API base path: `/api/ocloudNotifications/v2` or `…/v1`.
    pub base: &'static str,
    /// The daemon stub the proxy's `--daemon-url` points at.
    pub daemon: Arc<DaemonStub>,
}

/// The ports the proxy wrote to its `--ready-file`.
#[derive(Debug, serde::Deserialize)]
struct Ready {
    api: u16,
    metrics: u16,
    transport: Option<u16>,
}

/// How many times a start that lost a fixed port to another process is
/// retried.
const BIND_RETRIES: u32 = 5;

impl Proxy {
    /// Starts the binary on `dirs` and waits until it is ready.
    pub async fn start(dirs: &Dirs, extra: &[&str]) -> Result<Proxy> {
        Self::start_with_env(dirs, extra, &[]).await
    }

    /// As [`Proxy::start`], with extra environment variables. An
    /// `--api-version=1…` argument selects the v1 API base path.
    pub async fn start_with_env(
        dirs: &Dirs,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Proxy> {
        let daemon = Arc::new(DaemonStub::start(DaemonReply::default()).await?);
        Self::start_with_daemon(dirs, extra, env, daemon).await
    }

    /// As [`Proxy::start_with_env`], with the daemon stub given.
    pub async fn start_with_daemon(
        dirs: &Dirs,
        extra: &[&str],
        env: &[(&str, &str)],
        daemon: Arc<DaemonStub>,
    ) -> Result<Proxy> {
        Self::launch(dirs, extra, env, daemon, &[]).await
    }

    /// As [`Proxy::start_with_env`], with the binary started through
    /// `wrapper` (a program and its arguments; the binary's path and
    /// arguments follow them), e.g. one that mounts the store read-only in
    /// a private mount namespace and then `exec`s the binary (same pid).
    pub async fn start_wrapped(
        dirs: &Dirs,
        extra: &[&str],
        env: &[(&str, &str)],
        wrapper: &[&str],
    ) -> Result<Proxy> {
        let daemon = Arc::new(DaemonStub::start(DaemonReply::default()).await?);
        Self::launch(dirs, extra, env, daemon, wrapper).await
    }

    /// Listeners bind port 0 (unless `extra` names a port) and the bound
    /// ports are read from the ready file; a start that finds a port named
    /// in `extra` taken is retried.
    async fn launch(
        dirs: &Dirs,
        extra: &[&str],
        env: &[(&str, &str)],
        daemon: Arc<DaemonStub>,
        wrapper: &[&str],
    ) -> Result<Proxy> {
        let mut attempt = 0;
        loop {
            match Self::try_start(dirs, extra, env, daemon.clone(), wrapper).await {
                Err(e)
                    if attempt < BIND_RETRIES
                        && e.to_string().contains("Address already in use") =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                r => return r,
            }
        }
    }

    async fn try_start(
        dirs: &Dirs,
        extra: &[&str],
        env: &[(&str, &str)],
        daemon: Arc<DaemonStub>,
        wrapper: &[&str],
    ) -> Result<Proxy> {
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let base = if extra.iter().any(|a| a.starts_with("--api-version=1")) {
            "/api/ocloudNotifications/v1"
        } else {
            "/api/ocloudNotifications/v2"
        };
        let stderr_log = dirs.root.path().join(format!("proxy-{n}.log"));
        let ready_file = dirs.root.path().join(format!("ready-{n}.json"));
        let log = std::fs::File::create(&stderr_log)?;
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(proxy_bin());
                c
            }
            None => Command::new(proxy_bin()),
        };
        cmd.arg("--api-port=0")
            .arg("--metrics-addr=127.0.0.1:0")
            .arg(format!("--ready-file={}", ready_file.display()))
            .arg(format!("--store-path={}", dirs.store().display()))
            .arg(format!("--socket={}", dirs.socket().display()))
            .arg(format!("--ptp-config-dir={}", dirs.config().display()))
            .arg(format!("--daemon-url={}", daemon.url()))
            .arg("--transport-host=http://127.0.0.1:9043")
            .args(extra)
            .env_clear()
            .env("NODE_NAME", NODE)
            .env("PTP_PROFILE_PATH", dirs.profiles())
            .env("LOG_LEVEL", "debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let mut child = cmd.spawn().context("spawning cloud-event-proxy")?;
        let pid = child.id().unwrap_or(0);
        let read_log = || std::fs::read_to_string(&stderr_log).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(20);
        let ready = loop {
            if let Ok(text) = std::fs::read_to_string(&ready_file) {
                if let Ok(r) = serde_json::from_str::<Ready>(&text) {
                    break r;
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                bail!(
                    "cloud-event-proxy exited with {status} before it was ready; log:\n{}",
                    read_log()
                );
            }
            if Instant::now() >= deadline {
                let _ = child.start_kill();
                bail!(
                    "cloud-event-proxy not ready within 20 s; log:\n{}",
                    read_log()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        Ok(Proxy {
            child,
            pid,
            api_port: ready.api,
            metrics_port: ready.metrics,
            transport_port: ready.transport,
            socket: dirs.socket(),
            stderr_log,
            base,
            daemon,
        })
    }

    /// `http://127.0.0.1:<api>/api/ocloudNotifications/v2<path>` (`…/v1…`
    /// for a v1 proxy).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}{path}", self.api_port, self.base)
    }

    /// Full resource address of a suffix.
    pub fn address(suffix: &str) -> String {
        format!("/cluster/node/{NODE}{suffix}")
    }

    /// The bound transport port of a v1 proxy.
    pub fn transport(&self) -> Result<u16> {
        self.transport_port
            .context("the proxy has no transport listener")
    }

    /// The proxy's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Subscribes `endpoint` to `suffix`; returns the response status and
    /// body (checked against `docs/openapi.yaml`).
    pub async fn subscribe(&self, suffix: &str, endpoint: &str) -> Result<(u16, Value)> {
        let body =
            serde_json::json!({"ResourceAddress": Self::address(suffix), "EndpointUri": endpoint});
        let r = send(
            reqwest::Client::new()
                .post(self.url("/subscriptions"))
                .json(&body),
        )
        .await?;
        let v = r.json().unwrap_or(Value::Null);
        Ok((r.status, v))
    }

    /// `GET <base><path>`, checked against `docs/openapi.yaml`.
    pub async fn get(&self, path: &str) -> Result<Checked> {
        send(reqwest::Client::new().get(self.url(path))).await
    }

    /// `GET <base><path>` of a JSON document, checked; the status must be 200.
    pub async fn get_json(&self, path: &str) -> Result<Value> {
        let r = self.get(path).await?;
        anyhow::ensure!(r.status == 200, "GET {path}: {} {}", r.status, r.text());
        r.json()
    }

    /// Opens a connection to the event socket.
    pub async fn connect(&self) -> Result<UnixStream> {
        let socket = self.socket.clone();
        wait_for("socket", Duration::from_secs(5), || {
            let socket = socket.clone();
            async move { UnixStream::connect(&socket).await.ok() }
        })
        .await
    }

    /// Sends lines on a new connection and keeps it open (returned).
    pub async fn send(&self, lines: &[&str]) -> Result<UnixStream> {
        let mut s = self.connect().await?;
        write_lines(&mut s, lines).await?;
        Ok(s)
    }

    /// Scrapes `/metrics` (checked against `docs/openapi.yaml`).
    pub async fn scrape(&self) -> Result<String> {
        let url = format!("http://127.0.0.1:{}/metrics", self.metrics_port);
        Ok(send(reqwest::Client::new().get(url)).await?.text())
    }

    /// Scrapes `/metrics` until every one of `lines` appears in it (the
    /// metrics are updated after the effect a test observes, so a scrape
    /// right after it may be early). Returns the scrape that had them all.
    pub async fn scrape_until(&self, lines: &[&str]) -> Result<String> {
        let last = std::sync::Mutex::new(String::new());
        let found = wait_for("metric lines", Duration::from_secs(10), || async {
            let t = self.scrape().await.ok()?;
            let all = lines.iter().all(|l| t.contains(l));
            if let Ok(mut g) = last.lock() {
                g.clone_from(&t);
            }
            all.then_some(t)
        })
        .await;
        found.map_err(|e| {
            let seen = last.lock().map(|g| g.clone()).unwrap_or_default();
            anyhow::anyhow!("{e}: {lines:?}\nlast scrape:\n{seen}")
        })
    }

    /// SIGTERM and wait (with a deadline) for the exit status.
    pub async fn stop(mut self) -> Result<std::process::ExitStatus> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .context("proxy did not exit within 10 s of SIGTERM")??;
        Ok(status)
    }
}

/// Writes lines, each terminated by `\n`.
pub async fn write_lines(s: &mut UnixStream, lines: &[&str]) -> Result<()> {
    let mut buf = String::new();
    for l in lines {
        buf.push_str(l);
        buf.push('\n');
    }
    s.write_all(buf.as_bytes()).await?;
    s.flush().await?;
    Ok(())
}

/// Shared list of received JSON bodies.
pub type Received = Arc<Mutex<Vec<(Instant, Value)>>>;
