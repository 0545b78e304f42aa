//! Wiring the tasks together (DESIGN.md "The shape"): store → configs →
//! metrics → delivery → hub → listeners → socket → engine task.
//!
//! Tasks, one per file: `engine_task.rs` (waits on the line queue, the
//! control channel and the next holdover deadline), `observer.rs` (delivery
//! outcomes into metrics), `configs.rs` (loading, periodic profile reload,
//! port aliases), `replay.rs` (the `/emit-logs` trigger).

mod configs;
mod engine_task;
mod observer;
mod replay;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::clock::Engine;
use crate::config::Settings;
use crate::delivery::{Delivery, DeliveryConfig};
use crate::hub::Hub;
use crate::linuxptp::SyncState;
use crate::metrics::Metrics;
use crate::store::{Store, StoreRole};

pub use engine_task::Control;

/// Why the daemon could not start (exit status 1).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("NODE_NAME is not set")]
    NoNodeName,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Socket(#[from] crate::socket::SocketError),
    #[error("delivery: {0}")]
    Delivery(#[from] crate::delivery::DeliveryError),
    #[error("the {0} role is not supported by this build")]
    Unsupported(&'static str),
}

async fn bind_tcp(what: &'static str, addr: &str) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| DaemonError::Bind {
            what,
            addr: addr.to_string(),
            source,
        })
}

/// Runs the v2 producer until SIGTERM/SIGINT.
pub async fn run(settings: Settings) -> Result<(), DaemonError> {
    run_until(settings, wait_for_signal()).await
}

/// Runs the v2 producer until `shutdown` resolves (the simulator's demo runs
/// the proxy in-process this way).
pub async fn run_until(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    if settings.role != crate::config::ProxyRole::V2Producer {
        return Err(DaemonError::Unsupported(settings.role.describe()));
    }
    let node = settings.node_name.clone().ok_or(DaemonError::NoNodeName)?;
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    // 1. Store (with the import of the reference's files).
    let (store, data, report) = Store::open(&settings.store_path, StoreRole::V2Producer)?;
    tracing::info!(?report, path = %store.path().display(), "store opened");
    let last_sync = data
        .last_sync_state
        .as_deref()
        .and_then(SyncState::from_name);
    // 2. Configuration.
    let node_config = configs::load(&settings, &node).await;
    // 3. Metrics, delivery, hub.
    let metrics = Arc::new(Mutex::new(Metrics::new(&node)));
    let hub_cell: Arc<OnceLock<std::sync::Weak<Hub>>> = Arc::new(OnceLock::new());
    let observer = Arc::new(observer::MetricsObserver::new(
        metrics.clone(),
        hub_cell.clone(),
        &node,
    ));
    let delivery = Delivery::new(DeliveryConfig::default(), observer)?;
    let api_host = settings
        .transport_url
        .host_str()
        .unwrap_or("localhost")
        .to_string();
    let port = settings.api_port;
    let hub = Arc::new(Hub::new(
        &node,
        format!("http://{api_host}:{port}/api/ocloudNotifications/v2"),
        format!("http://localhost:{port}/api/ocloudNotifications/v2"),
        data,
        store,
        delivery.clone(),
        metrics.clone(),
    ));
    let _ = hub_cell.set(Arc::downgrade(&hub));
    hub.persist_now().await?;
    // 4. Listeners.
    let metrics_listener = bind_tcp("metrics", &settings.metrics_addr).await?;
    let api_listener = bind_tcp("REST API", &format!("0.0.0.0:{port}")).await?;
    // 5. Engine task and socket.
    let (line_tx, line_rx) = mpsc::channel(crate::socket::QUEUE_CAPACITY);
    let (ctl_tx, ctl_rx) = mpsc::channel(16);
    let (epoch_tx, epoch_rx) = watch::channel(0u64);
    let mut engine = Engine::new(&node, last_sync);
    let fx = engine.on_config(node_config);
    let engine_ctx = engine_task::EngineTask {
        engine,
        lines: line_rx,
        control: ctl_rx,
        epoch: epoch_tx,
        hub: hub.clone(),
        metrics: metrics.clone(),
        settings: settings.clone(),
        node: node.clone(),
        last_snapshot: None,
    };
    let engine_handle = tokio::spawn(engine_ctx.run(fx));
    let mut accept_handle = None;
    if settings.read_socket {
        let listener = crate::socket::bind(&settings.socket).await?;
        let replay = replay::Replayer::new(settings.daemon_url.clone());
        accept_handle = Some(tokio::spawn(crate::socket::accept_loop(
            listener,
            crate::socket::SocketContext {
                queue: line_tx.clone(),
                epoch: epoch_rx,
                metrics: metrics.clone(),
                on_accept: Arc::new(move || replay.trigger()),
            },
        )));
        tracing::info!(socket = %settings.socket.display(), "event socket listening");
    }
    let reload = tokio::spawn(configs::reload_loop(
        settings.clone(),
        node.clone(),
        ctl_tx.clone(),
    ));
    // 6. Serve until a signal.
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let api = tokio::spawn(crate::api::serve_v2(
        api_listener,
        hub.clone(),
        stopped(stop_rx.clone()),
    ));
    let metrics_srv = tokio::spawn(crate::api::serve_metrics(
        metrics_listener,
        metrics.clone(),
        stopped(stop_rx.clone()),
    ));
    tracing::info!(node = %node, api_port = port, metrics = %settings.metrics_addr, "cloud-event-proxy ready");
    shutdown.await;
    tracing::info!("shutting down");
    if let Some(h) = accept_handle {
        h.abort();
    }
    if settings.read_socket {
        let _ = std::fs::remove_file(&settings.socket);
    }
    let _ = stop_tx.send(true);
    reload.abort();
    drop(line_tx);
    drop(ctl_tx);
    engine_handle.abort();
    delivery.shutdown(Duration::from_secs(2)).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), api).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), metrics_srv).await;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; waiting forever");
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
