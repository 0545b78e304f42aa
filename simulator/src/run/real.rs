//! Real-time runner: starts the real `cloud-event-proxy` with generated
//! configuration in temporary directories, a fake daemon and a recording
//! consumer subscribed to every v2 resource, plays the scenario over the
//! socket and checks what the consumer received.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptp_event_core::events::Resource;
use tokio::process::Command;

use super::children::{Owned, ScratchDir};
use super::consumer::{subscribe, wait_ok, Consumer, Delivered, Silent};
use super::player::play;
use super::report::{Outcome, Received};
use super::virtual_time::join_values;
use crate::daemon::{DaemonServer, Wire};
use crate::scenario::expect::resource_name;
use crate::scenario::format::Protocol;
use crate::scenario::node::{node_config, threshold_file};
use crate::scenario::{build, check, Observed, Scenario, Timeline};

/// The timeline of a scenario in its protocol.
pub fn timeline(s: &Scenario) -> Timeline {
    match s.protocol {
        Protocol::Lines => build(s),
        Protocol::Json => super::json::timeline(s),
    }
}

/// Options of a real run.
#[derive(Debug, Clone)]
pub struct RealOptions {
    pub proxy_bin: PathBuf,
    pub speed: f64,
    /// Extra time after the timeline for late events (s).
    pub grace: f64,
    /// Widening of every expectation window (s).
    pub slack: f64,
    /// Print lines and events as they happen.
    pub live: bool,
}

/// The default proxy binary: `cloud-event-proxy` next to this executable.
pub fn default_proxy_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    // Test binaries live in target/<profile>/deps.
    let dir = if dir.ends_with("deps") {
        dir.parent().map(Path::to_path_buf).unwrap_or(dir)
    } else {
        dir
    };
    dir.join("cloud-event-proxy")
}

/// Builds the default proxy binary with cargo (same profile as this
/// executable), so that `cargo run --profile demo -p ptp-simulator -- demo`
/// works on a fresh clone. Both packages are named, so that cargo resolves
/// the features of the dependencies as it did for ptp-sim and builds only
/// the proxy's `main.rs`, instead of a second set of dependencies.
async fn build_proxy(bin: &Path) -> Result<()> {
    let profile = match bin.parent().and_then(Path::file_name) {
        Some(d) if d == "debug" => "dev".to_string(),
        Some(d) => d.to_string_lossy().into_owned(),
        None => "dev".to_string(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("{} not found: building it with cargo …", bin.display());
    let mut cmd = Command::new(cargo);
    // `cargo run` gave ptp-sim its package's CARGO_PKG_*/CARGO_MANIFEST_*
    // variables; build scripts that watch them (ring's does) would rerun and
    // rebuild half the dependencies if the inner cargo saw them.
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
    cmd.args(["build", "--profile", &profile])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .args([
            "-p",
            "ptp-simulator",
            "-p",
            "ptp-event-proxy",
            "--bin",
            "cloud-event-proxy",
        ]);
    let status = cmd
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .context("running cargo to build cloud-event-proxy")?;
    if !status.success() {
        bail!("building cloud-event-proxy failed ({status})");
    }
    Ok(())
}

/// A running proxy with its scratch directories. Dropping it kills the
/// proxy, then removes the directory (`children.rs`).
pub struct Proxy {
    pub child: Owned,
    /// `http://127.0.0.1:<api>/api/ocloudNotifications/v2`, once ready.
    pub api_base: String,
    ready: PathBuf,
    pub socket: PathBuf,
    pub log: PathBuf,
    _dir: ScratchDir,
}

impl Proxy {
    /// Writes the configuration of `s` into the scratch directory `dir`
    /// and starts the proxy (its socket is `<dir>/events.sock`).
    pub async fn start_at(
        s: &Scenario,
        bin: &Path,
        daemon_url: &str,
        dir: ScratchDir,
    ) -> Result<Proxy> {
        if !bin.exists() && bin == default_proxy_bin() {
            build_proxy(bin).await?;
        }
        if !bin.exists() {
            bail!(
                "proxy binary {} not found (build it with `cargo build -p ptp-event-proxy` or pass --proxy-bin)",
                bin.display()
            );
        }
        let cfg_dir = dir.path().join("run");
        let prof_dir = dir.path().join("linuxptp");
        let store = dir.path().join("store");
        for d in [&cfg_dir, &prof_dir, &store] {
            std::fs::create_dir_all(d).with_context(|| format!("create {}", d.display()))?;
        }
        for p in &s.profiles {
            let f = cfg_dir.join(p.ptp4l_config());
            std::fs::write(&f, p.ptp4l_file()).with_context(|| format!("write {}", f.display()))?;
        }
        let tf = prof_dir.join(&s.node);
        std::fs::write(&tf, threshold_file(&s.profiles))
            .with_context(|| format!("write {}", tf.display()))?;
        let socket = dir.path().join("events.sock");
        let log = dir.path().join("proxy.log");
        let ready = dir.path().join("ready.json");
        let logf = std::fs::File::create(&log).context("proxy log file")?;
        let errf = logf.try_clone().context("proxy log file")?;
        let mut cmd = Command::new(bin);
        cmd.arg("--socket")
            .arg(&socket)
            .arg("--ptp-config-dir")
            .arg(&cfg_dir)
            .arg("--daemon-url")
            .arg(daemon_url)
            .arg("--store-path")
            .arg(&store)
            // Port 0 everywhere; the bound ports come from the ready file.
            .arg("--api-port=0")
            .arg("--metrics-addr=127.0.0.1:0")
            .arg("--transport-host=http://127.0.0.1:9043")
            .arg("--ready-file")
            .arg(&ready)
            .env("NODE_NAME", &s.node)
            .env("PTP_PROFILE_PATH", &prof_dir)
            .env(
                "LOG_LEVEL",
                std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into()),
            )
            // The proxy stops when ptp-sim's end of its stdin closes.
            .arg("--exit-with-stdin")
            .stdout(Stdio::from(logf))
            .stderr(Stdio::from(errf));
        let child =
            super::children::spawn(&mut cmd).with_context(|| format!("start {}", bin.display()))?;
        Ok(Proxy {
            child,
            api_base: String::new(),
            ready,
            socket,
            log,
            _dir: dir,
        })
    }

    /// Waits for `/health` and the socket file, failing early if the proxy exits.
    pub async fn wait_ready(&mut self, client: &reqwest::Client, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().context("proxy status")? {
                bail!("proxy exited early ({status}); log:\n{}", self.log_tail());
            }
            if self.api_base.is_empty() {
                if let Some(ports) = std::fs::read_to_string(&self.ready)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                {
                    let port = |k: &str| ports[k].as_u64().unwrap_or(0);
                    self.api_base = format!(
                        "http://127.0.0.1:{}/api/ocloudNotifications/v2",
                        port("api")
                    );
                }
            }
            let health = format!("{}/health", self.api_base);
            let step = (Instant::now() + Duration::from_millis(200)).min(deadline);
            if wait_ok(client, &health, step).await.is_ok() && self.socket.exists() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "proxy not ready within {timeout:?}; log:\n{}",
                    self.log_tail()
                );
            }
        }
    }

    /// The last lines of the proxy's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Stops the proxy.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// Observed event of a delivery, `None` for unknown sources.
fn observe(d: &Delivered, t0: Instant, speed: f64, node: &str) -> Option<Received> {
    let resource = Resource::from_v2_address(&d.source)?;
    let t = d.at.saturating_duration_since(t0).as_secs_f64() * speed;
    Some(Received {
        obs: Observed::from_values(t, resource, node, &d.values),
        values: d.values.clone(),
        body: d.body.clone(),
    })
}

/// Subscribes the consumer to every v2 resource; the initial notifications
/// are drained.
pub async fn subscribe_all(
    client: &reqwest::Client,
    base: &str,
    node: &str,
    consumer: &mut Consumer,
) -> Result<()> {
    let endpoint = consumer.endpoint();
    for r in Resource::V2 {
        subscribe(client, base, &r.address(node), &endpoint, false).await?;
    }
    while consumer.rx.try_recv().is_ok() {}
    Ok(())
}

/// Fetches the final CurrentState of the resources named in the expectations.
async fn finals(client: &reqwest::Client, base: &str, s: &Scenario) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for name in s.expect.final_state.keys() {
        let r = name.resource();
        let url = format!("{base}{}/CurrentState", r.address(&s.node));
        let Ok(resp) = client.get(&url).send().await else {
            continue;
        };
        if !resp.status().is_success() {
            continue;
        }
        let Ok(v) = json_body(resp).await else {
            continue;
        };
        let d = super::consumer::decode(Instant::now(), v);
        let vals = d.values.iter().map(|(_, t, v)| (t.as_str(), v.as_str()));
        m.insert(resource_name(r).to_string(), join_values(vals));
    }
    m
}

async fn json_body(resp: reqwest::Response) -> Result<serde_json::Value> {
    let b = resp.bytes().await.context("read body")?;
    serde_json::from_slice(&b).context("JSON body")
}

/// Rebuilds the engine's view of a delivered event for the plot.
fn event_data(r: &Received, resource: Resource) -> ptp_event_core::events::EventData {
    use ptp_event_core::events::{DataType, EventData, Value};
    EventData {
        resource,
        values: r
            .values
            .iter()
            .map(|(address, dt, value)| Value {
                address: address.clone(),
                data_type: if dt == "notification" {
                    DataType::Notification
                } else {
                    DataType::Metric
                },
                value: value.clone(),
            })
            .collect(),
    }
}

/// Runs one scenario against the real proxy binary.
pub async fn run(s: &Scenario, opts: &RealOptions) -> Result<Outcome> {
    let tl = timeline(s);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("HTTP client")?;
    let mut consumer = Consumer::start("127.0.0.1:0", 204, Duration::ZERO).await?;
    let mut dead = Vec::new();
    for _ in 0..s.real.dead_consumers {
        dead.push(Silent::start().await?);
    }
    // The daemon's wire needs the socket path before the proxy starts.
    let dir = super::children::scratch_dir().context("temporary directory")?;
    let socket = dir.path().join("events.sock");
    let wire = Wire::shared(&socket, &s.daemon.replay_level);
    let daemon = DaemonServer::start(wire.clone(), &s.daemon).await?;
    let mut proxy = Proxy::start_at(s, &opts.proxy_bin, &daemon.url(), dir).await?;
    let result = async {
        proxy.wait_ready(&client, Duration::from_secs(15)).await?;
        subscribe_all(&client, &proxy.api_base, &s.node, &mut consumer).await?;
        for d in &dead {
            for r in Resource::V2 {
                subscribe(
                    &client,
                    &proxy.api_base,
                    &r.address(&s.node),
                    &d.endpoint(),
                    false,
                )
                .await?;
            }
            d.die();
        }
        let t0 = Instant::now();
        let mut received = Vec::new();
        let live = opts.live;
        let lines = tl.lines.clone();
        let player = play(&wire, &lines, t0, opts.speed, |l| {
            if live && !l.text.is_empty() {
                println!("{:9.3}    > [{}] {}", l.t, l.conn, l.text);
            }
        });
        tokio::pin!(player);
        let grace = s.real.grace.unwrap_or(opts.grace);
        let end = t0 + Duration::from_secs_f64(tl.end / opts.speed + grace);
        let mut playing = true;
        loop {
            tokio::select! {
                r = &mut player, if playing => { r?; playing = false; }
                Some(d) = consumer.rx.recv() => {
                    if let Some(r) = observe(&d, t0, opts.speed, &s.node) {
                        if live {
                            println!("{:9.3}    < {}", r.obs.t, super::report::event_line(&r.obs));
                        }
                        received.push(r);
                    }
                }
                _ = tokio::time::sleep_until(end.into()) => break,
            }
        }
        let finals = finals(&client, &proxy.api_base, s).await;
        let events: Vec<Observed> = received.iter().map(|r: &Received| r.obs.clone()).collect();
        let failures = check(&s.expect, &events, &finals, opts.slack);
        let mut problems = Vec::new();
        if s.protocol == Protocol::Lines && daemon.emit_logs_count() == 0 {
            problems.push("the proxy never called GET /emit-logs".to_string());
        }
        let status_requests = wire.lock().await.status_requests;
        if s.protocol == Protocol::Json && status_requests == 0 {
            problems.push("the proxy never wrote a status_request line".to_string());
        }
        // The plot of a real run: the lines as sent, the events as received.
        let mut rec = ptp_timeline::Recorder::new(&s.node, &node_config(s));
        rec.title(format!("{} (real time, cloud-event-proxy)", s.name));
        let mut items: Vec<(f64, Option<&str>, Option<&Received>)> = tl
            .lines
            .iter()
            .filter(|l| !l.text.is_empty())
            .map(|l| (l.t, Some(l.text.as_str()), None))
            .chain(received.iter().map(|r| (r.obs.t, None, Some(r))))
            .collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (t, line, ev) in items {
            if let Some(Ok(l)) = line.map(ptp_event_core::linuxptp::parse) {
                rec.line(t, &l);
            }
            if let Some(r) = ev {
                if let Some(res) = crate::scenario::expect::resource_by_short(r.obs.resource) {
                    rec.event(t, &event_data(r, res));
                }
            }
        }
        Ok::<_, anyhow::Error>(Outcome {
            scenario: s.name.clone(),
            mode: match s.protocol {
                Protocol::Lines => "real time",
                Protocol::Json => "real time, JSON messages",
            },
            guards: s.guards.clone(),
            known_failure: s.known_failure.clone(),
            timeline: tl,
            received,
            finals,
            failures,
            problems,
            plot: Some(rec.finish(0.0)),
            replays: daemon.replay_count(),
            status_requests,
            replayed: Vec::new(),
        })
    }
    .await;
    let tail = proxy.log_tail();
    proxy.stop().await;
    result.map_err(|e| e.context(format!("proxy log tail:\n{tail}")))
}
