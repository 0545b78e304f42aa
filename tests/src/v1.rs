//! Helpers of the v1 black-box tests: a v1 producer (`PTP_PLUGIN=true`) and
//! a v1 consumer sidecar pointed at its transport port.

use std::time::Duration;

use anyhow::Result;
use serde_json::Value;

use crate::CheckedRequest;
use crate::{wait_for, Dirs, Proxy, NODE};

/// v1 resource suffixes.
pub const LOCK: &str = "/sync/ptp-status/lock-state";
pub const OS: &str = "/sync/sync-status/os-clock-sync-state";
pub const CLASS: &str = "/sync/ptp-status/ptp-clock-class-change";

/// Daemon lines that make lock-state and os-clock-sync-state LOCKED and
/// announce clock class 6.
pub const STARTUP: &[&str] = &[
    "CMD LIVE_START",
    "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
    "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
    "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
    "phc2sys[5383.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547",
    "ptp4l[1700000001]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6",
];

/// Starts a v1 producer whose transport listens on `transport_port` (0:
/// any; the bound port is [`Proxy::transport_port`]).
pub async fn start_producer(dirs: &Dirs, transport_port: u16, extra: &[&str]) -> Result<Proxy> {
    let transport = format!("--transport-host=http://127.0.0.1:{transport_port}");
    let mut args = vec!["--api-version=1.0", transport.as_str()];
    args.extend_from_slice(extra);
    Proxy::start_with_env(dirs, &args, &[("PTP_PLUGIN", "true")]).await
}

/// Starts a consumer sidecar registered with the producer on
/// `producer_transport`, its own transport on `transport_port` (0: any),
/// re-sending its registration every second.
pub async fn start_sidecar(
    dirs: &Dirs,
    producer_transport: u16,
    transport_port: u16,
    extra: &[&str],
) -> Result<Proxy> {
    let publishers = format!("--http-event-publishers=http://127.0.0.1:{producer_transport}");
    let transport = format!("--transport-host=http://127.0.0.1:{transport_port}");
    let mut args = vec![
        "--api-version=1.0",
        publishers.as_str(),
        transport.as_str(),
        "--v1-resync-interval=1",
    ];
    args.extend_from_slice(extra);
    Proxy::start_with_env(dirs, &args, &[]).await
}

/// A producer and a sidecar on fresh directories and ports.
pub struct Chain {
    pub producer_dirs: Dirs,
    pub sidecar_dirs: Dirs,
    pub producer_transport: u16,
    pub sidecar_transport: u16,
    pub producer: Proxy,
    pub sidecar: Proxy,
}

impl Chain {
    pub async fn start(sidecar_extra: &[&str], producer_extra: &[&str]) -> Result<Chain> {
        let producer_dirs = Dirs::new()?;
        producer_dirs.write_oc(&["ens2f0"], 2)?;
        let sidecar_dirs = Dirs::new()?;
        let producer = start_producer(&producer_dirs, 0, producer_extra).await?;
        let producer_transport = producer.transport()?;
        let sidecar = start_sidecar(&sidecar_dirs, producer_transport, 0, sidecar_extra).await?;
        let sidecar_transport = sidecar.transport()?;
        Ok(Chain {
            producer_dirs,
            sidecar_dirs,
            producer_transport,
            sidecar_transport,
            producer,
            sidecar,
        })
    }
}

/// POSTs a v1 subscription; returns the status and the raw body.
pub async fn subscribe(proxy: &Proxy, suffix: &str, endpoint: &str) -> Result<(u16, String)> {
    let body = serde_json::json!({"endpointUri": endpoint, "resource": Proxy::address(suffix)});
    let r = reqwest::Client::new()
        .post(proxy.url("/subscriptions"))
        .json(&body)
        .checked()
        .await?;
    Ok((r.status().as_u16(), r.text()))
}

/// Waits until the producer's `cne_transport_sender` reports `n` clients
/// for every v1 resource (the sidecar's registration arrived).
pub async fn wait_registered(producer: &Proxy, n: usize) -> Result<()> {
    let lines: Vec<String> = [LOCK, OS, CLASS]
        .iter()
        .map(|s| {
            format!(
                "cne_transport_sender{{address=\"/cluster/node/{NODE}{s}\",status=\"active\"}} {n}"
            )
        })
        .collect();
    wait_for("sidecar registration", Duration::from_secs(20), || async {
        let text = producer.scrape().await.ok()?;
        lines
            .iter()
            .all(|l| text.contains(l.as_str()))
            .then_some(())
    })
    .await
}

/// Events (non-empty bodies) a consumer received: drops the empty POSTs of
/// the endpoint check.
pub fn events(received: &[Value]) -> Vec<Value> {
    received.iter().filter(|v| !v.is_null()).cloned().collect()
}
