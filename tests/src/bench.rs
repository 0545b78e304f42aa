//! Building blocks of the `proxy-bench` binary: a proxy launcher that
//! records start-up instants, a multi-path recording consumer that reports
//! every arrival on a channel, `/proc` readers and small statistics.
//!
//! Every wait has a deadline; every loop is bounded.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::{Dirs, NODE};

/// A loopback port that was free a moment ago. The bench only, for binaries
/// without `--ready-file` (A/B runs against older builds); tests bind port
/// 0 and read the bound port back.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Resource suffix of the lock-state events.
pub const LOCK: &str = "/sync/ptp-status/lock-state";

/// One event received by the consumer.
#[derive(Debug)]
pub struct Arrival {
    pub at: Instant,
    /// N of the `/event/N` path (`usize::MAX` for any other path).
    pub index: usize,
    /// `data.values[0].value` of the event.
    pub value: String,
}

/// A consumer server answering 204 on every path and reporting arrivals.
pub struct Sink {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    /// Starts a server on 127.0.0.1:0 that sends each arrival to `tx`.
    pub async fn start(tx: mpsc::UnboundedSender<Arrival>) -> Result<Sink> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().fallback(move |uri: Uri, body: Bytes| {
            let tx = tx.clone();
            async move {
                let at = Instant::now();
                let index = uri
                    .path()
                    .strip_prefix("/event/")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(usize::MAX);
                let value = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v["data"]["values"][0]["value"].as_str().map(String::from))
                    .unwrap_or_default();
                let _ = tx.send(Arrival { at, index, value });
                StatusCode::NO_CONTENT
            }
        });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Sink {
            base: format!("http://{addr}"),
            task,
        })
    }

    /// Endpoint of subscriber `i`.
    pub fn endpoint(&self, i: usize) -> String {
        format!("{}/event/{i}", self.base)
    }
}

/// Receives the next arrival or fails at `deadline`.
pub async fn next_arrival(
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    deadline: Instant,
) -> Result<Arrival> {
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, rx.recv()).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => bail!("consumer channel closed"),
        Err(_) => bail!("deadline passed waiting for an event"),
    }
}

/// Drops everything already received.
pub fn drain(rx: &mut mpsc::UnboundedReceiver<Arrival>) -> usize {
    let mut n = 0;
    while rx.try_recv().is_ok() {
        n += 1;
    }
    n
}

/// A running proxy started by the bench.
pub struct BenchProxy {
    pub child: Child,
    pub pid: u32,
    pub api_port: u16,
    pub socket: PathBuf,
    pub spawned_at: Instant,
    pub dirs: Dirs,
    /// Set when the ports come from `--ready-file` (read by
    /// [`BenchProxy::wait_ready`]).
    ready_file: Option<PathBuf>,
}

/// Whether `bin` supports `--ready-file` (its `--help` names it). Binaries
/// without it (older builds in A/B runs) get ports picked beforehand.
pub fn supports_ready_file(bin: &Path) -> bool {
    std::process::Command::new(bin)
        .arg("--help")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("--ready-file"))
        .unwrap_or(false)
}

#[derive(serde::Deserialize)]
struct ReadyPorts {
    api: u16,
}

impl BenchProxy {
    /// Spawns `bin` on fresh temporary directories with a LOCKED-capable OC
    /// profile (`ens2f0`, thresholds ±100 ns), its `--daemon-url` at
    /// `daemon_url`. With `ready_file`, the listeners bind port 0 and
    /// [`BenchProxy::wait_ready`] reads the bound ports. Does not wait.
    pub fn spawn(
        bin: &Path,
        log_level: &str,
        daemon_url: &str,
        ready_file: bool,
    ) -> Result<BenchProxy> {
        let dirs = Dirs::new()?;
        dirs.write_oc(&["ens2f0"], 5)?;
        let log = std::fs::File::create(dirs.root.path().join("proxy.log"))?;
        let mut cmd = Command::new(bin);
        let (api_port, ready) = if ready_file {
            let path = dirs.root.path().join("ready.json");
            cmd.arg("--api-port=0")
                .arg("--metrics-addr=127.0.0.1:0")
                .arg(format!("--ready-file={}", path.display()));
            (0, Some(path))
        } else {
            let api_port = free_port();
            cmd.arg(format!("--api-port={api_port}"))
                .arg(format!("--metrics-addr=127.0.0.1:{}", free_port()));
            (api_port, None)
        };
        cmd.arg(format!("--store-path={}", dirs.store().display()))
            .arg(format!("--socket={}", dirs.socket().display()))
            .arg(format!("--ptp-config-dir={}", dirs.config().display()))
            .arg(format!("--daemon-url={daemon_url}"))
            .arg("--transport-host=http://127.0.0.1:9043")
            .env_clear()
            .env("NODE_NAME", NODE)
            .env("PTP_PROFILE_PATH", dirs.profiles())
            .env("LOG_LEVEL", log_level)
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("spawning {}", bin.display()))?;
        let pid = child.id().context("proxy has no pid")?;
        Ok(BenchProxy {
            child,
            pid,
            api_port,
            socket: dirs.socket(),
            spawned_at,
            dirs,
            ready_file: ready,
        })
    }

    /// Reads the bound API port from the ready file (no-op for a proxy
    /// started on picked ports).
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let Some(path) = &self.ready_file else {
            return Ok(());
        };
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(text) = std::fs::read_to_string(path) {
                if let Ok(r) = serde_json::from_str::<ReadyPorts>(&text) {
                    self.api_port = r.api;
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!("no ready file after {timeout:?}; log:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
    }

    /// Open file descriptors (entries of `/proc/<pid>/fd`).
    pub fn fd_count(&self) -> Result<usize> {
        Ok(std::fs::read_dir(format!("/proc/{}/fd", self.pid))?.count())
    }

    /// Polls the socket until a connection succeeds; returns it and the
    /// time since spawn.
    pub async fn wait_socket(&self, timeout: Duration) -> Result<(UnixStream, Duration)> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(s) = UnixStream::connect(&self.socket).await {
                return Ok((s, self.spawned_at.elapsed()));
            }
            if Instant::now() >= deadline {
                bail!(
                    "socket not accepting after {timeout:?}; log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// POSTs a v2 subscription of `endpoint` to `suffix`; the status.
    pub async fn subscribe(
        &self,
        client: &reqwest::Client,
        suffix: &str,
        endpoint: &str,
    ) -> Result<u16> {
        let body = serde_json::json!({
            "ResourceAddress": format!("/cluster/node/{NODE}{suffix}"),
            "EndpointUri": endpoint,
        });
        let r = client
            .post(format!(
                "http://127.0.0.1:{}/api/ocloudNotifications/v2/subscriptions",
                self.api_port
            ))
            .json(&body)
            .timeout(Duration::from_secs(5))
            .send()
            .await?;
        Ok(r.status().as_u16())
    }

    /// Polls lock-state's CurrentState until it is LOCKED: the start-up
    /// lines were processed, so no event of theirs can reach a subscriber
    /// that subscribes afterwards.
    pub async fn wait_locked(&self, client: &reqwest::Client, timeout: Duration) -> Result<()> {
        let url = format!(
            "http://127.0.0.1:{}/api/ocloudNotifications/v2/cluster/node/{NODE}{LOCK}/CurrentState",
            self.api_port
        );
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(r) = client.get(&url).send().await {
                if r.text().await.is_ok_and(|t| t.contains("\"LOCKED\"")) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "lock-state not LOCKED after {timeout:?}; log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Retries a subscription until it answers 201; the time since spawn.
    pub async fn wait_subscribed(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        timeout: Duration,
    ) -> Result<Duration> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(201) = self.subscribe(client, LOCK, endpoint).await {
                return Ok(self.spawned_at.elapsed());
            }
            if Instant::now() >= deadline {
                bail!("no 201 after {timeout:?}; log:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
    }

    /// VmRSS in KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .context("no VmRSS in /proc/<pid>/status")
    }

    /// utime + stime in clock ticks.
    pub fn cpu_ticks(&self) -> Result<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the `(comm)`, which may contain spaces.
        let rest = s.rsplit_once(')').map(|(_, r)| r).context("bad stat")?;
        let f: Vec<&str> = rest.split_whitespace().collect();
        // rest starts at field 3 (state); utime is field 14, stime 15.
        let utime: u64 = f.get(11).and_then(|v| v.parse().ok()).context("utime")?;
        let stime: u64 = f.get(12).and_then(|v| v.parse().ok()).context("stime")?;
        Ok(utime + stime)
    }

    /// The proxy's stderr log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dirs.root.path().join("proxy.log")).unwrap_or_default()
    }

    /// SIGTERM, then wait up to 10 s (SIGKILL on drop otherwise).
    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if unknown).
pub fn clk_tck() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// Writes `data` and flushes.
pub async fn write(s: &mut UnixStream, data: &[u8]) -> Result<()> {
    s.write_all(data).await?;
    s.flush().await?;
    Ok(())
}

/// Lines that bring the OC profile to a SLAVE port (needed before offset
/// lines apply).
pub const STARTUP: &str = "CMD LIVE_START\n\
ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1\n\
ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n\
ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318\n\
phc2sys[5383.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547\n";

/// A ptp4l `master offset` line (servo s2).
pub fn offset_line(ts_ms: u64, offset: i64) -> String {
    format!(
        "ptp4l[{}.{:03}]: [ptp4l.0.config] master offset {offset:>10} s2 freq   -1061 path delay      2318\n",
        ts_ms / 1000,
        ts_ms % 1000
    )
}

/// A phc2sys CLOCK_REALTIME line (servo s2).
pub fn phc2sys_line(ts_ms: u64, offset: i64) -> String {
    format!(
        "phc2sys[{}.{:03}]: [ptp4l.0.config] CLOCK_REALTIME phc offset {offset:>8} s2 freq   +2726 delay    547\n",
        ts_ms / 1000,
        ts_ms % 1000
    )
}

/// Nearest-rank percentile of sorted durations (`p` in 0..=100).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Formats a duration in µs or ms.
pub fn fmt_d(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 10_000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}
