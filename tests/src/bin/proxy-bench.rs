//! `proxy-bench`: black-box figures of the real `cloud-event-proxy` binary
//! over its UNIX socket and REST v2 API, on loopback only. Each figure that
//! depends on the machine has a floor beside it, measured in the same run:
//! what the bench's own plain HTTP client needs to reach the same consumer.
//!
//! ```text
//! cargo build --release -p ptp-event-proxy -p ptp-tests
//! target/release/proxy-bench [--proxy-bin PATH] [--old-bin PATH] [--ab-rounds N]
//!     [--transitions N] [--idle-transitions N] [--slow-transitions N] [--burst N]
//!     [--ingest-lines N] [--subscribers N] [--fanout-rounds N] [--reconnects N]
//!     [--connections N] [--starts N] [--log-level LEVEL] [--json PATH]
//!     [--only latency,burst,fanout,ingest,connections,startup]
//! ```
//!
//! With `--old-bin`, the two binaries run alternately (new, old, new, old,
//! ... for `--ab-rounds` rounds) and the table has one column per run.
//! Every loop is bounded and every wait has a deadline.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptp_tests::bench::{
    clk_tck, drain, fmt_d, next_arrival, offset_line, percentile, phc2sys_line,
    supports_ready_file, write, Arrival, BenchProxy, Sink, LOCK, STARTUP,
};
use ptp_tests::{DaemonReply, DaemonStub};
use tokio::sync::mpsc;

struct Opts {
    proxy_bin: PathBuf,
    old_bin: Option<PathBuf>,
    ab_rounds: usize,
    transitions: usize,
    idle_transitions: usize,
    slow_transitions: usize,
    burst: usize,
    burst_subscribers: usize,
    ingest_lines: usize,
    subscribers: usize,
    fanout_rounds: usize,
    reconnects: usize,
    connections: usize,
    starts: usize,
    log_level: String,
    json: PathBuf,
    only: Vec<String>,
}

const USAGE: &str = "usage: proxy-bench [--proxy-bin PATH] [--old-bin PATH] [--ab-rounds N] \
[--transitions N] [--idle-transitions N] [--slow-transitions N] [--burst N] \
[--burst-subscribers N] [--ingest-lines N] [--subscribers N] [--fanout-rounds N] \
[--reconnects N] [--connections N] [--starts N] [--log-level LEVEL] [--json PATH] \
[--only latency,burst,fanout,ingest,connections,startup]";

fn parse_opts() -> Result<Opts> {
    let mut o = Opts {
        proxy_bin: PathBuf::from("target/release/cloud-event-proxy"),
        old_bin: None,
        ab_rounds: 1,
        transitions: 1000,
        idle_transitions: 300,
        slow_transitions: 30,
        burst: 500,
        burst_subscribers: 10,
        ingest_lines: 3_000_000,
        subscribers: 500,
        fanout_rounds: 20,
        reconnects: 1000,
        connections: 1000,
        starts: 10,
        log_level: "info".into(),
        json: PathBuf::from("target/proxy-bench.json"),
        only: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    let num = |v: Option<String>, name: &str| -> Result<usize> {
        v.context(format!("{name} needs a value"))?
            .replace('_', "")
            .parse()
            .with_context(|| format!("{name}: not a number"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--proxy-bin" => o.proxy_bin = args.next().context("--proxy-bin needs a path")?.into(),
            "--old-bin" => o.old_bin = Some(args.next().context("--old-bin needs a path")?.into()),
            "--ab-rounds" => o.ab_rounds = num(args.next(), &a)?.clamp(1, 20),
            "--transitions" => o.transitions = num(args.next(), &a)?.max(1),
            "--idle-transitions" => o.idle_transitions = num(args.next(), &a)?.max(1),
            "--slow-transitions" => o.slow_transitions = num(args.next(), &a)?.max(1),
            "--burst" => o.burst = num(args.next(), &a)?.max(2),
            "--burst-subscribers" => o.burst_subscribers = num(args.next(), &a)?.max(1),
            "--ingest-lines" => o.ingest_lines = num(args.next(), &a)?.max(1),
            "--subscribers" => o.subscribers = num(args.next(), &a)?.max(1),
            "--fanout-rounds" => o.fanout_rounds = num(args.next(), &a)?.max(1),
            "--reconnects" => o.reconnects = num(args.next(), &a)?.max(1),
            "--connections" => o.connections = num(args.next(), &a)?.clamp(1, 5000),
            "--starts" => o.starts = num(args.next(), &a)?.max(1),
            "--log-level" => o.log_level = args.next().context("--log-level needs a value")?,
            "--json" => o.json = args.next().context("--json needs a path")?.into(),
            "--only" => {
                o.only = args
                    .next()
                    .context("--only needs a list")?
                    .split(',')
                    .map(String::from)
                    .collect()
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    for bin in std::iter::once(&o.proxy_bin).chain(o.old_bin.iter()) {
        if !bin.exists() {
            bail!(
                "{} not found; build it with `cargo build --release -p ptp-event-proxy` or pass --proxy-bin",
                bin.display()
            );
        }
    }
    Ok(o)
}

/// One measured figure.
#[derive(serde::Serialize, Clone)]
struct Figure {
    /// Stable name (the JSON key and the table's row).
    key: String,
    label: String,
    value: f64,
    unit: &'static str,
    /// The target, and whether this value meets it.
    target: Option<String>,
    met: Option<bool>,
}

/// The figures of one run of one binary.
#[derive(serde::Serialize)]
struct Run {
    binary: String,
    label: String,
    machine_before: String,
    machine_after: String,
    seconds: f64,
    figures: Vec<Figure>,
}

#[derive(Default)]
struct Figures(Vec<Figure>);

impl Figures {
    fn add(&mut self, key: &str, label: &str, value: f64, unit: &'static str) {
        self.0.push(Figure {
            key: key.into(),
            label: label.into(),
            value,
            unit,
            target: None,
            met: None,
        });
    }
    fn target(
        &mut self,
        key: &str,
        label: &str,
        value: f64,
        unit: &'static str,
        target: String,
        met: bool,
    ) {
        self.add(key, label, value, unit);
        if let Some(f) = self.0.last_mut() {
            f.target = Some(target);
            f.met = Some(met);
        }
    }
    fn us(&mut self, key: &str, label: &str, d: Duration) {
        self.add(key, label, d.as_secs_f64() * 1e6, "µs");
    }
}

fn machine() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("nproc {nproc}, {model}, load average {load}")
}

/// What every section of one run shares.
struct Env<'a> {
    o: &'a Opts,
    bin: PathBuf,
    ready_file: bool,
    daemon: Arc<DaemonStub>,
}

impl Env<'_> {
    /// Spawns the proxy and waits for its socket and its API port.
    async fn start(&self) -> Result<(BenchProxy, tokio::net::UnixStream)> {
        let mut proxy = BenchProxy::spawn(
            &self.bin,
            &self.o.log_level,
            &self.daemon.url(),
            self.ready_file,
        )?;
        let (conn, _) = proxy.wait_socket(Duration::from_secs(10)).await?;
        proxy.wait_ready(Duration::from_secs(10)).await?;
        Ok((proxy, conn))
    }

    /// Starts a proxy, sends the start-up lines (lock-state LOCKED) and
    /// subscribes `endpoints` to lock-state; waits for their initial
    /// notifications.
    async fn ready(
        &self,
        endpoints: &[String],
        rx: &mut mpsc::UnboundedReceiver<Arrival>,
    ) -> Result<(BenchProxy, tokio::net::UnixStream)> {
        let (proxy, mut conn) = self.start().await?;
        write(&mut conn, STARTUP.as_bytes()).await?;
        let client = reqwest::Client::new();
        proxy.wait_locked(&client, Duration::from_secs(10)).await?;
        for (i, e) in endpoints.iter().enumerate() {
            let st = proxy.subscribe(&client, LOCK, e).await?;
            if st != 201 {
                bail!("subscription {i} answered {st}");
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        for _ in endpoints {
            next_arrival(rx, deadline)
                .await
                .context("initial notifications")?;
        }
        Ok((proxy, conn))
    }
}

/// The body of the floor's plain POSTs: an event of the same shape and
/// size as the proxy's lock-state events.
const FLOOR_BODY: &str = r#"{"specversion":"1.0","id":"6f7b1f0e-3c51-4a44-9d36-2a1e8c52d3a1","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2026-12-01T10:00:00.000000000Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/bench-node/sync/ptp-status/lock-state","data_type":"notification","value_type":"enumeration","value":"FLOOR"},{"ResourceAddress":"/cluster/node/bench-node/sync/ptp-status/lock-state","data_type":"metric","value_type":"decimal64.3","value":"12"}]}}"#;

/// A client like a consumer-facing proxy would use: keep-alive, no delay.
fn plain_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder().tcp_nodelay(true).build()?)
}

/// One plain POST from the bench to `url`; time until the sink has it.
async fn floor_post(
    client: &reqwest::Client,
    url: &str,
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
) -> Result<Duration> {
    let t0 = Instant::now();
    let send = client
        .post(url)
        .header("content-type", "application/json")
        .body(FLOOR_BODY)
        .timeout(Duration::from_secs(2))
        .send();
    let (r, a) = tokio::join!(send, next_arrival(rx, t0 + Duration::from_secs(2)));
    r?;
    let a = a.context("floor POST")?;
    if a.value != "FLOOR" {
        bail!("floor POST: unexpected event {}", a.value);
    }
    Ok(a.at.saturating_duration_since(t0))
}

/// Line → consumer latency over lock-state transitions with `gap` of quiet
/// before each one, and the floor (a plain POST after the same gap).
async fn latency(env: &Env<'_>, gap: Duration, n: usize, tag: &str, f: &mut Figures) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let (proxy, mut conn) = env.ready(&[sink.endpoint(0)], &mut rx).await?;
    let client = plain_client()?;
    let floor_url = format!("{}/floor", sink.base);
    let warmup = 20.min(n);
    let mut samples = Vec::with_capacity(n);
    let mut floor = Vec::with_capacity(n);
    let mut ts = 5_384_000u64;
    for i in 0..(warmup + n) {
        let (offset, want) = if i % 2 == 0 {
            (500, "FREERUN")
        } else {
            (12, "LOCKED")
        };
        ts += 62;
        let line = offset_line(ts, offset);
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
        let t0 = Instant::now();
        write(&mut conn, line.as_bytes()).await?;
        let a = next_arrival(&mut rx, t0 + Duration::from_secs(2))
            .await
            .with_context(|| format!("transition {i}"))?;
        if a.value != want {
            bail!("transition {i}: got {} want {want}", a.value);
        }
        if !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
        let fl = floor_post(&client, &floor_url, &mut rx).await?;
        if i >= warmup {
            samples.push(a.at.saturating_duration_since(t0));
            floor.push(fl);
        }
    }
    samples.sort();
    floor.sort();
    let p99 = percentile(&samples, 99.0);
    let floor99 = percentile(&floor, 99.0);
    let k = |s: &str| format!("latency.{tag}.{s}");
    let gap_txt = if gap.is_zero() {
        "no gap".to_string()
    } else {
        format!("{gap:?} quiet")
    };
    f.us(
        &k("p50"),
        &format!("latency line→consumer, {gap_txt}, p50 ({n})"),
        percentile(&samples, 50.0),
    );
    f.target(
        &k("p99"),
        &format!("latency line→consumer, {gap_txt}, p99"),
        p99.as_secs_f64() * 1e6,
        "µs",
        format!(
            "≤ floor p99 + 50 µs = {}",
            fmt_d(floor99 + Duration::from_micros(50))
        ),
        p99 <= floor99 + Duration::from_micros(50),
    );
    f.us(
        &k("max"),
        &format!("latency line→consumer, {gap_txt}, max"),
        samples.last().copied().unwrap_or_default(),
    );
    f.us(
        &k("floor_p50"),
        &format!("  floor (plain POST), {gap_txt}, p50"),
        percentile(&floor, 50.0),
    );
    f.us(
        &k("floor_p99"),
        &format!("  floor (plain POST), {gap_txt}, p99"),
        floor99,
    );
    proxy.stop().await;
    Ok(())
}

/// A burst of alternating transitions in one socket write to several
/// subscribers: lost events, order, and the time until the last arrived.
async fn burst(env: &Env<'_>, f: &mut Figures) -> Result<()> {
    let (n, subs) = (env.o.burst, env.o.burst_subscribers);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let endpoints: Vec<String> = (0..subs).map(|i| sink.endpoint(i)).collect();
    let (proxy, mut conn) = env.ready(&endpoints, &mut rx).await?;
    let rss0 = proxy.rss_kib()?;
    let mut text = String::new();
    let mut ts = 5_400_000u64;
    for i in 0..n {
        ts += 10;
        text.push_str(&offset_line(ts, if i % 2 == 0 { 500 } else { 12 }));
    }
    let t0 = Instant::now();
    write(&mut conn, text.as_bytes()).await?;
    let deadline = t0 + Duration::from_secs(30);
    let mut got = vec![0usize; subs];
    let mut in_order = true;
    let mut last = t0;
    let mut total = 0;
    while total < n * subs {
        let Ok(a) = next_arrival(&mut rx, deadline).await else {
            break;
        };
        let Some(k) = got.get_mut(a.index) else {
            bail!("burst: event at an unknown path");
        };
        let want = if *k % 2 == 0 { "FREERUN" } else { "LOCKED" };
        in_order &= a.value == want;
        *k += 1;
        total += 1;
        last = a.at;
    }
    let lost = n * subs - total;
    let rss1 = proxy.rss_kib()?;
    f.target(
        "burst.lost",
        &format!("burst of {n} in one write to {subs} subscribers: lost"),
        lost as f64,
        "events",
        "0".into(),
        lost == 0,
    );
    f.target(
        "burst.in_order",
        "  burst: every subscriber in order (1 = yes)",
        f64::from(u8::from(in_order)),
        "",
        "1".into(),
        in_order,
    );
    f.add(
        "burst.drain_ms",
        "  burst: write → last delivery",
        last.saturating_duration_since(t0).as_secs_f64() * 1e3,
        "ms",
    );
    f.add(
        "burst.rss_before_mib",
        "  RSS before / after the burst: before",
        rss0 as f64 / 1024.0,
        "MiB",
    );
    f.add(
        "burst.rss_after_mib",
        "  RSS before / after the burst: after",
        rss1 as f64 / 1024.0,
        "MiB",
    );
    proxy.stop().await;
    Ok(())
}

/// A block of realistic lines: 2 of 3 in-range `master offset` lines at
/// 16 Hz, 1 of 3 in-range phc2sys lines. Returns (bytes, line count).
fn ingest_block(lines: usize) -> (Vec<u8>, usize) {
    let mut buf = Vec::with_capacity(lines * 100);
    let mut ts = 6_000_000u64;
    for i in 0..lines {
        let off = (i as i64 * 37) % 181 - 90; // within ±90 ns
        let l = if i % 3 == 2 {
            phc2sys_line(ts, off / 3)
        } else {
            ts += 62;
            offset_line(ts, off)
        };
        buf.extend_from_slice(l.as_bytes());
    }
    (buf, lines)
}

/// Ingest throughput over one connection, CPU per line, RSS after.
async fn ingest(env: &Env<'_>, f: &mut Figures) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let (proxy, mut conn) = env.ready(&[sink.endpoint(0)], &mut rx).await?;
    let (block, per) = ingest_block(10_000);
    let blocks = env.o.ingest_lines.div_ceil(per);
    let total = blocks * per + 1;
    let tck = clk_tck();
    let cpu0 = proxy.cpu_ticks()?;
    let t0 = Instant::now();
    for _ in 0..blocks {
        write(&mut conn, &block).await?;
    }
    write(&mut conn, offset_line(9_000_000, 5000).as_bytes()).await?;
    let deadline = t0 + Duration::from_secs(10) + Duration::from_micros(10) * total as u32;
    let a = next_arrival(&mut rx, deadline)
        .await
        .context("marker event")?;
    if a.value != "FREERUN" {
        bail!("marker: got {}", a.value);
    }
    let elapsed = a.at.saturating_duration_since(t0);
    let cpu1 = proxy.cpu_ticks()?;
    let rate = total as f64 / elapsed.as_secs_f64();
    let cpu_us = (cpu1.saturating_sub(cpu0)) as f64 * 1e6 / tck as f64 / total as f64;
    f.target(
        "ingest.lines_per_s",
        &format!("ingest, {total} lines, one connection"),
        rate / 1e6,
        "M lines/s",
        "≥ 1.5".into(),
        rate >= 1.5e6,
    );
    f.target(
        "ingest.cpu_us_per_line",
        "  proxy CPU per line",
        cpu_us,
        "µs",
        "≤ 0.7".into(),
        cpu_us <= 0.7,
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss = proxy.rss_kib()? as f64 / 1024.0;
    f.target(
        "ingest.rss_mib",
        "  RSS after the ingest",
        rss,
        "MiB",
        "≤ 12".into(),
        rss <= 12.0,
    );
    proxy.stop().await;
    Ok(())
}

/// Fan-out to N subscriptions on distinct paths over 4 servers, with the
/// floor (the bench's plain client POSTing to the same N paths at once);
/// RSS idle and with N subscriptions.
async fn fanout(env: &Env<'_>, f: &mut Figures) -> Result<()> {
    let n = env.o.subscribers;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut sinks = Vec::new();
    for _ in 0..4 {
        sinks.push(Sink::start(tx.clone()).await?);
    }
    let endpoints: Vec<String> = (0..n).map(|i| sinks[i % sinks.len()].endpoint(i)).collect();

    let (proxy, mut conn) = env.start().await?;
    let client = reqwest::Client::new();
    let probe = format!(
        "http://127.0.0.1:{}/api/ocloudNotifications/v2/subscriptions",
        proxy.api_port
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(r) = client.get(&probe).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if Instant::now() >= deadline {
            bail!("API not answering");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = proxy.rss_kib()? as f64 / 1024.0;
    let idle_fds = proxy.fd_count()?;
    write(&mut conn, STARTUP.as_bytes()).await?;
    proxy.wait_locked(&client, Duration::from_secs(10)).await?;
    for (i, e) in endpoints.iter().enumerate() {
        let st = proxy.subscribe(&client, LOCK, e).await?;
        if st != 201 {
            bail!("subscription {i} answered {st}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for _ in 0..n {
        next_arrival(&mut rx, deadline)
            .await
            .context("initial notifications")?;
    }
    let plain = plain_client()?;
    let mut all = Vec::new();
    let mut firsts = Vec::new();
    let mut floors = Vec::new();
    let mut ts = 7_000_000u64;
    let mut cpu = (0u64, 0u64);
    for round in 0..(env.o.fanout_rounds + 1) {
        let (offset, want) = if round % 2 == 0 {
            (500, "FREERUN")
        } else {
            (12, "LOCKED")
        };
        ts += 62;
        let line = offset_line(ts, offset);
        let c0 = (proxy.cpu_ticks()?, self_cpu_ticks()?);
        let t0 = Instant::now();
        write(&mut conn, line.as_bytes()).await?;
        let (first, last) = receive_all(&mut rx, n, want, t0, round).await?;
        let c1 = (proxy.cpu_ticks()?, self_cpu_ticks()?);
        tokio::time::sleep(Duration::from_millis(20)).await;
        drain(&mut rx);
        // The floor: the same N POSTs from a plain client, all at once.
        let t1 = Instant::now();
        let mut posts = Vec::with_capacity(n);
        for e in &endpoints {
            let req = plain
                .post(e)
                .header("content-type", "application/json")
                .body(FLOOR_BODY)
                .timeout(Duration::from_secs(10));
            posts.push(tokio::spawn(async move { req.send().await.map(|_| ()) }));
        }
        let (_, floor_last) = receive_all(&mut rx, n, "FLOOR", t1, round).await?;
        for p in posts {
            p.await??;
        }
        if round > 0 {
            cpu.0 += c1.0.saturating_sub(c0.0);
            cpu.1 += c1.1.saturating_sub(c0.1);
            all.push(last.saturating_duration_since(t0));
            firsts.push(first.saturating_duration_since(t0));
            floors.push(floor_last.saturating_duration_since(t1));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        drain(&mut rx);
    }
    all.sort();
    firsts.sort();
    floors.sort();
    let median = percentile(&all, 50.0);
    let floor = percentile(&floors, 50.0);
    let rounds = all.len();
    f.target(
        "fanout.all_median",
        &format!("fan-out to {n} (distinct paths), last delivery, median of {rounds}"),
        median.as_secs_f64() * 1e3,
        "ms",
        format!("≤ 1.25 × floor = {}", fmt_d(floor.mul_f64(1.25))),
        median <= floor.mul_f64(1.25),
    );
    f.add(
        "fanout.all_min",
        "  fan-out last delivery, min",
        all.first().copied().unwrap_or_default().as_secs_f64() * 1e3,
        "ms",
    );
    f.add(
        "fanout.all_max",
        "  fan-out last delivery, max",
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        "ms",
    );
    f.add(
        "fanout.floor_median",
        &format!("  floor: {n} plain POSTs at once, last received, median"),
        floor.as_secs_f64() * 1e3,
        "ms",
    );
    f.us(
        "fanout.first_median",
        "  fan-out first delivery, median",
        percentile(&firsts, 50.0),
    );
    let deliveries = (rounds * n) as f64;
    let per = |t: u64| t as f64 * 1e6 / clk_tck() as f64 / deliveries;
    f.target(
        "fanout.proxy_cpu_us",
        "  proxy CPU per delivery",
        per(cpu.0),
        "µs",
        "≤ 10".into(),
        per(cpu.0) <= 10.0,
    );
    f.add(
        "fanout.consumer_cpu_us",
        "  consumer (bench) CPU per delivery",
        per(cpu.1),
        "µs",
    );
    let full = proxy.rss_kib()? as f64 / 1024.0;
    f.target(
        "rss.idle_mib",
        "RSS idle (no subscribers)",
        idle,
        "MiB",
        "≤ 8".into(),
        idle <= 8.0,
    );
    f.target(
        "rss.subscribed_mib",
        &format!("RSS with {n} subscriptions after fan-out"),
        full,
        "MiB",
        "≤ 12".into(),
        full <= 12.0,
    );
    f.add("fds.idle", "fds idle", idle_fds as f64, "");
    f.add(
        "fds.subscribed",
        &format!("fds with {n} subscriptions"),
        proxy.fd_count()? as f64,
        "",
    );
    proxy.stop().await;
    Ok(())
}

/// Receives `n` events of `value`, one per path `/event/0..n`; returns the
/// first and last arrival instants.
async fn receive_all(
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    n: usize,
    value: &str,
    t0: Instant,
    round: usize,
) -> Result<(Instant, Instant)> {
    let deadline = t0 + Duration::from_secs(10);
    let mut seen = vec![false; n];
    let (mut first, mut last) = (None, t0);
    for got in 0..n {
        let a = next_arrival(rx, deadline)
            .await
            .with_context(|| format!("round {round}: {got}/{n} {value} received"))?;
        if a.value != value || a.index >= n || seen[a.index] {
            bail!(
                "round {round}: unexpected event {} at /event/{}",
                a.value,
                a.index
            );
        }
        seen[a.index] = true;
        first.get_or_insert(a.at);
        last = last.max(a.at);
    }
    Ok((first.unwrap_or(t0), last))
}

/// File descriptors after many daemon reconnects (each triggers an
/// `/emit-logs` replay to the daemon stub), and RSS after many
/// simultaneous connections writing 1 MiB lines have closed.
async fn connections(env: &Env<'_>, f: &mut Figures) -> Result<()> {
    let (proxy, first) = env.start().await?;
    drop(first);
    let replays0 = env.daemon.emit_logs();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fd0 = proxy.fd_count()?;
    let r = env.o.reconnects;
    let mut peak = fd0;
    for i in 0..r {
        let mut s = tokio::net::UnixStream::connect(&proxy.socket).await?;
        write(
            &mut s,
            offset_line(8_000_000 + 62 * i as u64, 12).as_bytes(),
        )
        .await?;
        drop(s);
        if i % 50 == 0 {
            peak = peak.max(proxy.fd_count()?);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.daemon.emit_logs() < replays0 + r && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut fds = proxy.fd_count()?;
    while fds > fd0 + 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        fds = proxy.fd_count()?;
    }
    f.add(
        "fds.before_reconnects",
        &format!("fds before {r} reconnects"),
        fd0 as f64,
        "",
    );
    f.add(
        "fds.peak_reconnects",
        "  fds during the reconnects (sampled peak)",
        peak as f64,
        "",
    );
    f.target(
        "fds.after_reconnects",
        &format!("  fds after {r} reconnects"),
        fds as f64,
        "",
        format!("≤ {} (start + 5)", fd0 + 5),
        fds <= fd0 + 5,
    );

    // Many connections at once, each writing one 1 MiB line.
    let c = env.o.connections;
    let rss0 = proxy.rss_kib()?;
    let mut line = vec![b'x'; 1024 * 1024];
    line.push(b'\n');
    let line = Arc::new(line);
    let mut conns = Vec::with_capacity(c);
    for _ in 0..c {
        conns.push(tokio::net::UnixStream::connect(&proxy.socket).await?);
    }
    let mut writers = Vec::with_capacity(c);
    for mut s in conns {
        let line = line.clone();
        writers.push(tokio::spawn(async move {
            write(&mut s, &line).await.map(|_| s)
        }));
    }
    let mut open = Vec::with_capacity(c);
    let mut rss_peak = rss0;
    for w in writers {
        open.push(tokio::time::timeout(Duration::from_secs(60), w).await???);
        if open.len() % 100 == 0 {
            rss_peak = rss_peak.max(proxy.rss_kib()?);
        }
    }
    rss_peak = rss_peak.max(proxy.rss_kib()?);
    drop(open);
    let closed = Instant::now();
    let mut rss = proxy.rss_kib()?;
    let mut back_after = None;
    while closed.elapsed() < Duration::from_secs(5) {
        if rss <= 16 * 1024 && back_after.is_none() {
            back_after = Some(closed.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        rss = proxy.rss_kib()?;
    }
    let rss5 = rss as f64 / 1024.0;
    f.add(
        "rss.before_connections_mib",
        &format!("RSS before {c} connections with 1 MiB lines"),
        rss0 as f64 / 1024.0,
        "MiB",
    );
    f.add(
        "rss.peak_connections_mib",
        "  RSS while they write (sampled peak)",
        rss_peak as f64 / 1024.0,
        "MiB",
    );
    f.target(
        "rss.after_connections_mib",
        "  RSS 5 s after they closed",
        rss5,
        "MiB",
        "≤ 16".into(),
        rss5 <= 16.0,
    );
    f.add(
        "rss.back_under_16_ms",
        "  time until RSS ≤ 16 MiB after closing (-1: not within 5 s)",
        back_after.map_or(-1.0, |d| d.as_secs_f64() * 1e3),
        "ms",
    );
    f.add(
        "fds.after_connections",
        &format!("  fds 5 s after {c} connections closed"),
        proxy.fd_count()? as f64,
        "",
    );
    proxy.stop().await;
    Ok(())
}

/// Exec → socket accepting, exec → first 201, median over starts.
async fn startup(env: &Env<'_>, f: &mut Figures) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let client = reqwest::Client::new();
    let mut sock = Vec::new();
    let mut sub = Vec::new();
    for _ in 0..env.o.starts {
        let mut proxy = BenchProxy::spawn(
            &env.bin,
            &env.o.log_level,
            &env.daemon.url(),
            env.ready_file,
        )?;
        let (_conn, s) = proxy.wait_socket(Duration::from_secs(10)).await?;
        proxy.wait_ready(Duration::from_secs(10)).await?;
        let d = proxy
            .wait_subscribed(&client, &sink.endpoint(0), Duration::from_secs(10))
            .await?;
        sock.push(s);
        sub.push(d);
        proxy.stop().await;
        drain(&mut rx);
    }
    sock.sort();
    sub.sort();
    let (ms, mb) = (percentile(&sock, 50.0), percentile(&sub, 50.0));
    f.target(
        "startup.socket_ms",
        &format!("exec → socket accepts, median of {}", sock.len()),
        ms.as_secs_f64() * 1e3,
        "ms",
        "< 50".into(),
        ms < Duration::from_millis(50),
    );
    f.target(
        "startup.subscribed_ms",
        "exec → first subscription 201, median",
        mb.as_secs_f64() * 1e3,
        "ms",
        "< 50".into(),
        mb < Duration::from_millis(50),
    );
    Ok(())
}

/// utime + stime of this process (the consumer side) in clock ticks.
fn self_cpu_ticks() -> Result<u64> {
    let s = std::fs::read_to_string("/proc/self/stat")?;
    let rest = s.rsplit_once(')').map(|(_, r)| r).context("bad stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11).and_then(|v| v.parse().ok()).context("utime")?;
    let stime: u64 = f.get(12).and_then(|v| v.parse().ok()).context("stime")?;
    Ok(utime + stime)
}

/// Every selected section on one binary.
async fn run_all(o: &Opts, bin: &std::path::Path, label: &str) -> Result<Run> {
    let want = |name: &str| o.only.is_empty() || o.only.iter().any(|x| x == name);
    let daemon = Arc::new(DaemonStub::start(DaemonReply::default()).await?);
    let env = Env {
        o,
        bin: bin.to_path_buf(),
        ready_file: supports_ready_file(bin),
        daemon,
    };
    let machine_before = machine();
    eprintln!(
        "[{label}] {} (ready file: {}); {machine_before}",
        bin.display(),
        env.ready_file
    );
    let started = Instant::now();
    let mut f = Figures::default();
    if want("latency") {
        latency(&env, Duration::ZERO, o.transitions, "gap0", &mut f)
            .await
            .context("latency, no gap")?;
        latency(
            &env,
            Duration::from_millis(10),
            o.idle_transitions,
            "gap10ms",
            &mut f,
        )
        .await
        .context("latency, 10 ms")?;
        latency(
            &env,
            Duration::from_secs(1),
            o.slow_transitions,
            "gap1s",
            &mut f,
        )
        .await
        .context("latency, 1 s")?;
    }
    if want("burst") {
        burst(&env, &mut f).await.context("burst")?;
    }
    if want("fanout") {
        fanout(&env, &mut f).await.context("fan-out")?;
    }
    if want("ingest") {
        ingest(&env, &mut f).await.context("ingest")?;
    }
    if want("connections") {
        connections(&env, &mut f).await.context("connections")?;
    }
    if want("startup") {
        startup(&env, &mut f).await.context("start-up")?;
    }
    Ok(Run {
        binary: bin.display().to_string(),
        label: label.into(),
        machine_before,
        machine_after: machine(),
        seconds: started.elapsed().as_secs_f64(),
        figures: f.0,
    })
}

fn fmt_value(f: &Figure) -> String {
    let v = f.value;
    let num = if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if f.unit.is_empty() {
        num
    } else {
        format!("{num} {}", f.unit)
    }
}

fn print_table(runs: &[Run]) {
    let Some(first) = runs.first() else { return };
    let mut table: Vec<Vec<String>> = Vec::new();
    let mut head = vec!["figure".to_string()];
    head.extend(runs.iter().map(|r| r.label.clone()));
    head.push("target (new)".into());
    head.push("".into());
    table.push(head);
    for fig in &first.figures {
        let mut row = vec![fig.label.clone()];
        let mut verdicts = Vec::new();
        for r in runs {
            let found = r.figures.iter().find(|x| x.key == fig.key);
            row.push(found.map(fmt_value).unwrap_or_else(|| "-".into()));
            if r.label.starts_with("new") {
                verdicts.extend(found.and_then(|x| x.met));
            }
        }
        row.push(fig.target.clone().unwrap_or_default());
        row.push(match (verdicts.is_empty(), verdicts.iter().all(|m| *m)) {
            (true, _) => String::new(),
            (false, true) => "met".into(),
            (false, false) => "MISSED".into(),
        });
        table.push(row);
    }
    let cols = table[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &table {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            if c == 0 || c >= cols - 2 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
            line.push_str("  ");
        }
        println!("{}", line.trim_end());
    }
}

#[derive(serde::Serialize)]
struct Report<'a> {
    proxy_bin: String,
    old_bin: Option<String>,
    runs: &'a [Run],
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = parse_opts()?;
    println!("proxy-bench: new = {}", o.proxy_bin.display());
    if let Some(old) = &o.old_bin {
        println!(
            "             old = {} (alternating, {} round(s))",
            old.display(),
            o.ab_rounds
        );
    }
    println!("machine: {}", machine());
    println!("proxy LOG_LEVEL={}", o.log_level);
    let started = Instant::now();
    let mut runs = Vec::new();
    for round in 1..=o.ab_rounds {
        runs.push(run_all(&o, &o.proxy_bin, &format!("new#{round}")).await?);
        if let Some(old) = &o.old_bin {
            runs.push(run_all(&o, old, &format!("old#{round}")).await?);
        }
    }
    println!();
    print_table(&runs);
    println!();
    println!(
        "machine after run: {} (bench took {:.1} s)",
        machine(),
        started.elapsed().as_secs_f64()
    );
    let report = Report {
        proxy_bin: o.proxy_bin.display().to_string(),
        old_bin: o.old_bin.as_ref().map(|p| p.display().to_string()),
        runs: &runs,
    };
    if let Some(dir) = o.json.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&o.json, serde_json::to_vec_pretty(&report)?)?;
    println!("JSON: {}", o.json.display());
    Ok(())
}
