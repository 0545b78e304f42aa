//! Fleet mode: N real proxies, each with its own fake daemon, temporary
//! directory, socket and ports, one central consumer subscribed to every
//! proxy, and the same scenario played on all nodes at once (a correlated
//! loss, e.g. of a shared grandmaster). Reports per node the events
//! expected and received, the latency from the line to the central
//! consumer, the consumer's fan-in rate and each proxy's RSS and CPU.
//! Bounded in time (the scenario plus a grace period) and count.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptp_event_core::events::Resource;

use super::consumer::{subscribe, Consumer, Delivered};
use super::player::play;
use super::procstat::{usage, Usage};
use super::real::Proxy;
use super::virtual_time;
use crate::daemon::{DaemonServer, Wire};
use crate::scenario::expect::resource_name;
use crate::scenario::Scenario;

/// The largest fleet `ptp-sim fleet` starts.
pub const MAX_NODES: usize = 200;

/// Options of a fleet run.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    pub proxy_bin: PathBuf,
    pub nodes: usize,
    pub speed: f64,
    /// Time after the timeline for late events (s).
    pub grace: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_counts_the_busiest_window() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let arrivals = [at(0), at(10), at(20), at(500), at(505)];
        assert_eq!(peak(&arrivals, Duration::from_millis(100)), 30.0);
        assert_eq!(peak(&[], Duration::from_millis(100)), 0.0);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let r = FleetReport {
            scenario: "s".into(),
            nodes: Vec::new(),
            latencies_ms: (1..=100).map(f64::from).collect(),
            fan_in_per_s: 0.0,
            peak_per_s: 0.0,
            wall_s: 0.0,
        };
        assert_eq!(r.quantile(0.5), Some(50.0));
        assert_eq!(r.quantile(0.99), Some(99.0));
        assert_eq!(r.quantile(1.0), Some(100.0));
    }
}

/// What one node did.
#[derive(Debug, Clone)]
pub struct NodeReport {
    pub node: String,
    pub expected: usize,
    pub received: usize,
    /// Received events in the expected order per resource and clock.
    pub in_order: bool,
    pub usage: Option<Usage>,
}

/// The whole fleet.
#[derive(Debug, Clone)]
pub struct FleetReport {
    pub scenario: String,
    pub nodes: Vec<NodeReport>,
    /// Line-to-consumer latencies (ms), sorted.
    pub latencies_ms: Vec<f64>,
    /// Events per second at the consumer, first to last event.
    pub fan_in_per_s: f64,
    /// The busiest 100 ms at the consumer, in events per second.
    pub peak_per_s: f64,
    /// Wall time of the playback (s).
    pub wall_s: f64,
}

impl FleetReport {
    /// Whether every node received exactly the expected events, in order.
    pub fn passed(&self) -> bool {
        self.nodes
            .iter()
            .all(|n| n.in_order && n.received == n.expected)
    }

    /// The `q`-quantile of the latencies (ms), nearest rank.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.latencies_ms.is_empty() {
            return None;
        }
        let rank = (q * self.latencies_ms.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies_ms.len()) - 1;
        self.latencies_ms.get(i).copied()
    }

    /// The readable report.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== fleet {} on {} node(s)",
            self.scenario,
            self.nodes.len()
        );
        let _ = writeln!(
            out,
            "{:<28} {:>8} {:>8} {:>6} {:>9} {:>7}",
            "node", "expected", "received", "order", "RSS MiB", "CPU s"
        );
        for n in &self.nodes {
            let (rss, cpu) = n.usage.map_or(("?".into(), "?".into()), |u| {
                (
                    format!("{:.1}", u.rss_kib as f64 / 1024.0),
                    format!("{:.2}", u.cpu_s),
                )
            });
            let _ = writeln!(
                out,
                "{:<28} {:>8} {:>8} {:>6} {:>9} {:>7}",
                n.node,
                n.expected,
                n.received,
                if n.in_order { "ok" } else { "WRONG" },
                rss,
                cpu
            );
        }
        let q = |x: f64| self.quantile(x).map_or("-".into(), |v| format!("{v:.1}"));
        let _ = writeln!(
            out,
            "latency line → central consumer (ms): p50 {} p99 {} max {} over {} events",
            q(0.5),
            q(0.99),
            q(1.0),
            self.latencies_ms.len()
        );
        let _ = writeln!(
            out,
            "fan-in at the consumer: {:.0} events/s on average, {:.0} events/s in the busiest 100 ms; playback {:.1} s",
            self.fan_in_per_s, self.peak_per_s, self.wall_s
        );
        let _ = writeln!(
            out,
            "{} {}",
            if self.passed() { "PASS" } else { "FAIL" },
            self.scenario
        );
        out
    }
}

/// The node an event is about, from its first value's address.
fn node_of(d: &Delivered) -> Option<String> {
    let addr = &d.values.first()?.0;
    let rest = addr.strip_prefix("/cluster/node/")?;
    Some(rest.split('/').next()?.to_string())
}

/// `(resource, iface)` → the expected virtual-time instants, in order.
type Plan = BTreeMap<(&'static str, Option<String>), Vec<(f64, String)>>;

fn plan(s: &Scenario) -> (Plan, usize) {
    let out = virtual_time::run(s);
    let mut p: Plan = BTreeMap::new();
    for r in &out.received {
        p.entry((r.obs.resource, r.obs.iface.clone()))
            .or_default()
            .push((r.obs.t, r.obs.value.clone()));
    }
    (p, out.received.len())
}

/// The largest number of arrivals within any `window`, per second.
fn peak(arrivals: &[Instant], window: Duration) -> f64 {
    let mut best = 0usize;
    let mut start = 0usize;
    for (i, at) in arrivals.iter().enumerate() {
        while arrivals[start] + window < *at {
            start += 1;
        }
        best = best.max(i + 1 - start);
    }
    best as f64 / window.as_secs_f64()
}

/// Runs the fleet.
pub async fn run(s: &Scenario, opts: &FleetOptions) -> Result<FleetReport> {
    if opts.nodes == 0 || opts.nodes > MAX_NODES {
        bail!("--nodes must be between 1 and {MAX_NODES}");
    }
    let (plan, expected) = plan(s);
    let tl = super::real::timeline(s);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("HTTP client")?;
    let mut consumer = Consumer::start("127.0.0.1:0", 204, Duration::ZERO).await?;
    let mut nodes = Vec::new();
    for i in 0..opts.nodes {
        let mut sc = s.clone();
        sc.node = format!("node-{i:03}.fleet.example");
        let dir = super::children::scratch_dir().context("temporary directory")?;
        let wire = Wire::shared(&dir.path().join("events.sock"), &sc.daemon.replay_level);
        let daemon = DaemonServer::start(wire.clone(), &sc.daemon).await?;
        let proxy = Proxy::start_at(&sc, &opts.proxy_bin, &daemon.url(), dir).await?;
        nodes.push((sc, wire, daemon, proxy));
    }
    let result = async {
        let endpoint = consumer.endpoint();
        for (sc, _, _, proxy) in &mut nodes {
            proxy.wait_ready(&client, Duration::from_secs(60)).await?;
            for r in Resource::V2 {
                subscribe(
                    &client,
                    &proxy.api_base,
                    &r.address(&sc.node),
                    &endpoint,
                    false,
                )
                .await?;
            }
        }
        while consumer.rx.try_recv().is_ok() {}
        let t0 = Instant::now();
        let mut players = Vec::new();
        for (_, wire, _, _) in &nodes {
            let (wire, lines, speed) = (wire.clone(), tl.lines.clone(), opts.speed);
            players.push(tokio::spawn(async move {
                play(&wire, &lines, t0, speed, |_| {}).await
            }));
        }
        let end = t0 + Duration::from_secs_f64(tl.end / opts.speed + opts.grace);
        let total = expected * nodes.len();
        let mut got: Vec<Delivered> = Vec::new();
        while got.len() < total {
            tokio::select! {
                Some(d) = consumer.rx.recv() => got.push(d),
                _ = tokio::time::sleep_until(end.into()) => break,
            }
        }
        // A short drain for events beyond the expected ones.
        let drain = Instant::now() + Duration::from_millis(300);
        while let Ok(Some(d)) = tokio::time::timeout_at(drain.into(), consumer.rx.recv()).await {
            got.push(d);
        }
        let wall_s = t0.elapsed().as_secs_f64();
        for p in players {
            p.await.context("player task")??;
        }
        let mut per_node: BTreeMap<String, Vec<&Delivered>> = BTreeMap::new();
        for d in &got {
            if let Some(n) = node_of(d) {
                per_node.entry(n).or_default().push(d);
            }
        }
        let mut latencies = Vec::new();
        let mut reports = Vec::new();
        for (sc, _, _, proxy) in &nodes {
            let evs = per_node.remove(&sc.node).unwrap_or_default();
            let mut seen: BTreeMap<(&'static str, Option<String>), usize> = BTreeMap::new();
            let mut in_order = true;
            for d in &evs {
                let Some(res) = Resource::from_v2_address(&d.source) else {
                    in_order = false;
                    continue;
                };
                let obs = crate::scenario::Observed::from_values(0.0, res, &sc.node, &d.values);
                let key = (resource_name(res), obs.iface.clone());
                let k = seen.entry(key.clone()).or_default();
                match plan.get(&key).and_then(|v| v.get(*k)) {
                    Some((t, value)) if *value == obs.value => {
                        let at = d.at.saturating_duration_since(t0).as_secs_f64();
                        latencies.push((at - t / opts.speed).max(0.0) * 1000.0);
                    }
                    _ => in_order = false,
                }
                *k += 1;
            }
            reports.push(NodeReport {
                node: sc.node.clone(),
                expected,
                received: evs.len(),
                in_order,
                usage: proxy.child.id().and_then(usage),
            });
        }
        latencies.sort_by(f64::total_cmp);
        let span = match (got.first(), got.last()) {
            (Some(a), Some(b)) => b.at.saturating_duration_since(a.at).as_secs_f64(),
            _ => 0.0,
        };
        let arrivals: Vec<Instant> = got.iter().map(|d| d.at).collect();
        Ok::<_, anyhow::Error>(FleetReport {
            peak_per_s: peak(&arrivals, Duration::from_millis(100)),
            scenario: s.name.clone(),
            nodes: reports,
            latencies_ms: latencies,
            fan_in_per_s: if span > 0.0 {
                got.len() as f64 / span
            } else {
                0.0
            },
            wall_s,
        })
    }
    .await;
    for (_, _, _, proxy) in nodes {
        proxy.stop().await;
    }
    result
}
