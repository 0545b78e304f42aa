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
pub mod store;
pub mod v1;
pub use consumer::{Consumer, Reply};

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

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
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
    pub api_port: u16,
    pub metrics_port: u16,
    pub socket: PathBuf,
    pub stderr_log: PathBuf,
    /// API base path: `/api/ocloudNotifications/v2` or `…/v1`.
    pub base: &'static str,
}

impl Proxy {
    /// Starts the binary on `dirs` and waits until `/health` answers.
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
        Self::start_wrapped(dirs, extra, env, &[]).await
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
        let base = if extra.iter().any(|a| a.starts_with("--api-version=1")) {
            "/api/ocloudNotifications/v1"
        } else {
            "/api/ocloudNotifications/v2"
        };
        let api_port = free_port();
        let metrics_port = free_port();
        let stderr_log = dirs.root.path().join(format!("proxy-{api_port}.log"));
        let log = std::fs::File::create(&stderr_log)?;
        let daemon_port = free_port();
        let mut cmd = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(proxy_bin());
                c
            }
            None => Command::new(proxy_bin()),
        };
        cmd.arg(format!("--api-port={api_port}"))
            .arg(format!("--metrics-addr=127.0.0.1:{metrics_port}"))
            .arg(format!("--store-path={}", dirs.store().display()))
            .arg(format!("--socket={}", dirs.socket().display()))
            .arg(format!("--ptp-config-dir={}", dirs.config().display()))
            .arg(format!("--daemon-url=http://127.0.0.1:{daemon_port}"))
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
        let child = cmd.spawn().context("spawning cloud-event-proxy")?;
        let mut p = Proxy {
            child,
            api_port,
            metrics_port,
            socket: dirs.socket(),
            stderr_log,
            base,
        };
        let url = p.url("/health");
        let client = reqwest::Client::new();
        let ready = wait_for("proxy health", Duration::from_secs(15), || {
            let client = client.clone();
            let url = url.clone();
            async move {
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => Some(()),
                    _ => None,
                }
            }
        })
        .await;
        if let Err(e) = ready {
            let _ = p.child.start_kill();
            bail!("{e}; proxy log:\n{}", p.log());
        }
        Ok(p)
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

    /// The proxy's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    /// Subscribes `endpoint` to `suffix`; returns the response status and body.
    pub async fn subscribe(&self, suffix: &str, endpoint: &str) -> Result<(u16, Value)> {
        let body =
            serde_json::json!({"ResourceAddress": Self::address(suffix), "EndpointUri": endpoint});
        let r = reqwest::Client::new()
            .post(self.url("/subscriptions"))
            .json(&body)
            .send()
            .await?;
        let status = r.status().as_u16();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        Ok((status, v))
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

    /// Scrapes `/metrics`.
    pub async fn scrape(&self) -> Result<String> {
        Ok(
            reqwest::get(format!("http://127.0.0.1:{}/metrics", self.metrics_port))
                .await?
                .text()
                .await?,
        )
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
