//! `proxy-bench`: black-box figures of the real `cloud-event-proxy` release
//! binary over its UNIX socket and REST v2 API, on loopback only.
//!
//! ```text
//! cargo build --release -p ptp-event-proxy
//! cargo run --release -p ptp-tests --bin proxy-bench -- [--proxy-bin PATH]
//!     [--transitions N] [--ingest-lines N] [--subscribers N] [--fanout-rounds N]
//!     [--starts N] [--log-level LEVEL] [--only latency,ingest,fanout,startup]
//! ```
//!
//! Every loop is bounded and every wait has a deadline.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptp_tests::bench::{
    clk_tck, drain, fmt_d, next_arrival, offset_line, percentile, phc2sys_line, write, Arrival,
    BenchProxy, Sink, LOCK, STARTUP,
};
use tokio::sync::mpsc;

struct Opts {
    proxy_bin: PathBuf,
    transitions: usize,
    ingest_lines: usize,
    subscribers: usize,
    fanout_rounds: usize,
    starts: usize,
    log_level: String,
    only: Vec<String>,
}

const USAGE: &str = "usage: proxy-bench [--proxy-bin PATH] [--transitions N] [--ingest-lines N] \
[--subscribers N] [--fanout-rounds N] [--starts N] [--log-level LEVEL] \
[--only latency,ingest,fanout,startup]";

fn parse_opts() -> Result<Opts> {
    let mut o = Opts {
        proxy_bin: PathBuf::from("target/release/cloud-event-proxy"),
        transitions: 1000,
        ingest_lines: 3_000_000,
        subscribers: 500,
        fanout_rounds: 20,
        starts: 10,
        log_level: "info".into(),
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
            "--transitions" => o.transitions = num(args.next(), &a)?.max(1),
            "--ingest-lines" => o.ingest_lines = num(args.next(), &a)?.max(1),
            "--subscribers" => o.subscribers = num(args.next(), &a)?.max(1),
            "--fanout-rounds" => o.fanout_rounds = num(args.next(), &a)?.max(1),
            "--starts" => o.starts = num(args.next(), &a)?.max(1),
            "--log-level" => o.log_level = args.next().context("--log-level needs a value")?,
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
    if !o.proxy_bin.exists() {
        bail!(
            "{} not found; build it with `cargo build --release -p ptp-event-proxy` or pass --proxy-bin",
            o.proxy_bin.display()
        );
    }
    Ok(o)
}

/// One row of the result table.
struct Row {
    figure: String,
    value: String,
    target: String,
    verdict: &'static str,
}

fn row(figure: &str, value: String, target: &str, ok: Option<bool>) -> Row {
    Row {
        figure: figure.into(),
        value,
        target: target.into(),
        verdict: match ok {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        },
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

/// Starts a proxy, waits for its socket, sends the start-up lines and
/// subscribes `n` endpoints of `sink` to lock-state; waits for the `n`
/// initial notifications.
async fn ready_proxy(
    o: &Opts,
    sink: &Sink,
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    n: usize,
) -> Result<(BenchProxy, tokio::net::UnixStream)> {
    let proxy = BenchProxy::spawn(&o.proxy_bin, &o.log_level)?;
    let (mut conn, _) = proxy.wait_socket(Duration::from_secs(10)).await?;
    write(&mut conn, STARTUP.as_bytes()).await?;
    let client = reqwest::Client::new();
    proxy.wait_locked(&client, Duration::from_secs(10)).await?;
    for i in 0..n {
        let st = proxy.subscribe(&client, LOCK, &sink.endpoint(i)).await?;
        if st != 201 {
            bail!("subscription {i} answered {st}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for _ in 0..n {
        next_arrival(rx, deadline)
            .await
            .context("initial notifications")?;
    }
    Ok((proxy, conn))
}

/// 1. Socket line → consumer receipt latency over lock-state transitions.
async fn latency(o: &Opts, rows: &mut Vec<Row>) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let (proxy, mut conn) = ready_proxy(o, &sink, &mut rx, 1).await?;
    // The last state is LOCKED (in-range start-up line): start out of range.
    let warmup = 20;
    let mut samples = Vec::with_capacity(o.transitions);
    let mut ts = 5_384_000u64;
    for i in 0..(warmup + o.transitions) {
        let out = i % 2 == 0;
        let (offset, want) = if out {
            (500, "FREERUN")
        } else {
            (12, "LOCKED")
        };
        ts += 62;
        let line = offset_line(ts, offset);
        let t0 = Instant::now();
        write(&mut conn, line.as_bytes()).await?;
        let a = next_arrival(&mut rx, t0 + Duration::from_secs(2))
            .await
            .with_context(|| format!("transition {i}"))?;
        if a.value != want {
            bail!("transition {i}: got {} want {want}", a.value);
        }
        if i >= warmup {
            samples.push(a.at.saturating_duration_since(t0));
        }
    }
    samples.sort();
    let p50 = percentile(&samples, 50.0);
    let p99 = percentile(&samples, 99.0);
    let max = samples.last().copied().unwrap_or_default();
    let n = samples.len();
    rows.push(row(
        &format!("1. line→consumer latency p50 ({n} transitions)"),
        fmt_d(p50),
        "",
        None,
    ));
    rows.push(row(
        "   line→consumer latency p99",
        fmt_d(p99),
        "< 200 µs (Go: 1.7 ms)",
        Some(p99 < Duration::from_micros(200)),
    ));
    rows.push(row("   line→consumer latency max", fmt_d(max), "", None));
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

/// 2. Ingest throughput over one connection.
async fn ingest(o: &Opts, rows: &mut Vec<Row>) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let (proxy, mut conn) = ready_proxy(o, &sink, &mut rx, 1).await?;
    let block_lines = 10_000;
    let (block, per) = ingest_block(block_lines);
    let blocks = o.ingest_lines.div_ceil(per);
    let total = blocks * per + 1;
    let bytes = blocks * block.len();
    let tck = clk_tck();
    let cpu0 = proxy.cpu_ticks()?;
    let t0 = Instant::now();
    for _ in 0..blocks {
        write(&mut conn, &block).await?;
    }
    let written = t0.elapsed();
    write(&mut conn, offset_line(9_000_000, 5000).as_bytes()).await?;
    // Deadline: generous (10 s plus 10 µs per line) but bounded.
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
    rows.push(row(
        &format!(
            "2. ingest, {total} lines ({:.0} MB) one connection",
            bytes as f64 / 1e6
        ),
        format!(
            "{:.2} M lines/s ({} total, writer done at {})",
            rate / 1e6,
            fmt_d(elapsed),
            fmt_d(written)
        ),
        ">= 1 M lines/s",
        Some(rate >= 1e6),
    ));
    rows.push(row(
        "   proxy CPU per line (utime+stime)",
        format!("{cpu_us:.3} µs"),
        "",
        None,
    ));
    proxy.stop().await;
    Ok(())
}

/// 3 and 4. Fan-out to N subscribers, RSS idle and with N subscriptions.
async fn fanout(o: &Opts, rows: &mut Vec<Row>) -> Result<()> {
    let n = o.subscribers;
    let (tx, mut rx) = mpsc::unbounded_channel();
    // N distinct EndpointUri paths spread over 4 servers.
    let mut sinks = Vec::new();
    for _ in 0..4 {
        sinks.push(Sink::start(tx.clone()).await?);
    }
    let endpoint = |i: usize| sinks[i % sinks.len()].endpoint(i);

    let proxy = BenchProxy::spawn(&o.proxy_bin, &o.log_level)?;
    let (mut conn, _) = proxy.wait_socket(Duration::from_secs(10)).await?;
    let client = reqwest::Client::new();
    // Idle: ready (a health-style probe: the API answers), no subscribers.
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
    let idle = proxy.rss_kib()?;
    write(&mut conn, STARTUP.as_bytes()).await?;
    proxy.wait_locked(&client, Duration::from_secs(10)).await?;
    for i in 0..n {
        let st = proxy.subscribe(&client, LOCK, &endpoint(i)).await?;
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
    let mut all = Vec::new();
    let mut firsts = Vec::new();
    let mut ts = 7_000_000u64;
    let mut cpu = (0u64, 0u64); // proxy, bench (consumer side) ticks over the timed rounds
    for round in 0..(o.fanout_rounds + 1) {
        let out = round % 2 == 0;
        let (offset, want) = if out {
            (500, "FREERUN")
        } else {
            (12, "LOCKED")
        };
        ts += 62;
        let line = offset_line(ts, offset);
        let mut seen = vec![false; n];
        let c0 = (proxy.cpu_ticks()?, self_cpu_ticks()?);
        let t0 = Instant::now();
        write(&mut conn, line.as_bytes()).await?;
        let deadline = t0 + Duration::from_secs(10);
        let mut first = None;
        let mut last = t0;
        let mut got = 0;
        while got < n {
            let a = next_arrival(&mut rx, deadline)
                .await
                .with_context(|| format!("round {round}: {got}/{n} received"))?;
            if a.value != want || a.index >= n || seen[a.index] {
                bail!(
                    "round {round}: unexpected event {} at /event/{}",
                    a.value,
                    a.index
                );
            }
            seen[a.index] = true;
            got += 1;
            first.get_or_insert(a.at);
            last = last.max(a.at);
        }
        if round > 0 {
            // round 0 is a warm-up
            cpu.0 += proxy.cpu_ticks()?.saturating_sub(c0.0);
            cpu.1 += self_cpu_ticks()?.saturating_sub(c0.1);
            all.push(last.saturating_duration_since(t0));
            firsts.push(first.unwrap_or(t0).saturating_duration_since(t0));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        drain(&mut rx);
    }
    all.sort();
    firsts.sort();
    let median = percentile(&all, 50.0);
    let max = all.last().copied().unwrap_or_default();
    rows.push(row(
        &format!(
            "3. fan-out to {n} subscribers, all received ({} rounds): min",
            all.len()
        ),
        fmt_d(all.first().copied().unwrap_or_default()),
        "",
        None,
    ));
    rows.push(row(
        "   fan-out all received: median",
        fmt_d(median),
        "< 10 ms (Go: 55–118 ms)",
        Some(median < Duration::from_millis(10)),
    ));
    rows.push(row(
        "   fan-out all received: max",
        fmt_d(max),
        "< 10 ms",
        Some(max < Duration::from_millis(10)),
    ));
    rows.push(row(
        "   fan-out first received: median",
        fmt_d(percentile(&firsts, 50.0)),
        "",
        None,
    ));
    let deliveries = (all.len() * n) as f64;
    let per = |t: u64| t as f64 * 1e6 / clk_tck() as f64 / deliveries;
    rows.push(row(
        "   CPU per delivery: proxy / consumer (bench)",
        format!("{:.1} µs / {:.1} µs", per(cpu.0), per(cpu.1)),
        "",
        None,
    ));
    let full = proxy.rss_kib()?;
    rows.push(row(
        "4. RSS idle (no subscribers)",
        format!("{:.1} MiB", idle as f64 / 1024.0),
        "< 8 MiB (Go: 64 MB)",
        Some(idle < 8 * 1024),
    ));
    rows.push(row(
        &format!("   RSS with {n} subscriptions (after fan-out)"),
        format!("{:.1} MiB", full as f64 / 1024.0),
        "< 12 MiB",
        Some(full < 12 * 1024),
    ));
    proxy.stop().await;
    Ok(())
}

/// 5. Exec → socket accepting, exec → first 201, median over starts.
async fn startup(o: &Opts, rows: &mut Vec<Row>) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let sink = Sink::start(tx).await?;
    let client = reqwest::Client::new();
    let mut sock = Vec::new();
    let mut sub = Vec::new();
    for _ in 0..o.starts {
        let proxy = BenchProxy::spawn(&o.proxy_bin, &o.log_level)?;
        let (_conn, s) = proxy.wait_socket(Duration::from_secs(10)).await?;
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
    rows.push(row(
        &format!("5. exec → socket accepts, median of {}", sock.len()),
        format!(
            "{} (max {})",
            fmt_d(ms),
            fmt_d(sock.last().copied().unwrap_or_default())
        ),
        "< 50 ms",
        Some(ms < Duration::from_millis(50)),
    ));
    rows.push(row(
        "   exec → first subscription 201, median",
        format!(
            "{} (max {})",
            fmt_d(mb),
            fmt_d(sub.last().copied().unwrap_or_default())
        ),
        "< 50 ms (Go: 4.1 s)",
        Some(mb < Duration::from_millis(50)),
    ));
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

fn print_table(rows: &[Row]) {
    let w0 = rows
        .iter()
        .map(|r| r.figure.chars().count())
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(0);
    let w2 = rows
        .iter()
        .map(|r| r.target.chars().count())
        .max()
        .unwrap_or(0);
    for r in rows {
        println!(
            "{:<w0$}  {:>w1$}  {:<w2$}  {}",
            r.figure, r.value, r.target, r.verdict
        );
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = parse_opts()?;
    let want = |name: &str| o.only.is_empty() || o.only.iter().any(|x| x == name);
    println!("proxy-bench: {}", o.proxy_bin.display());
    println!("machine: {}", machine());
    println!("proxy LOG_LEVEL={}", o.log_level);
    let mut rows = Vec::new();
    let started = Instant::now();
    if want("latency") {
        latency(&o, &mut rows).await.context("latency")?;
    }
    if want("ingest") {
        ingest(&o, &mut rows).await.context("ingest")?;
    }
    if want("fanout") {
        fanout(&o, &mut rows).await.context("fan-out")?;
    }
    if want("startup") {
        startup(&o, &mut rows).await.context("start-up")?;
    }
    println!();
    print_table(&rows);
    println!();
    println!(
        "machine after run: {} (bench took {:.1} s)",
        machine(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
