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
mod producer;
mod replay;
mod sync_writer;
mod v1;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

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
    #[error("--transport-host has no port")]
    NoTransportPort,
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

/// Runs the proxy in the role of `settings` until SIGTERM/SIGINT.
pub async fn run(settings: Settings) -> Result<(), DaemonError> {
    run_until(settings, wait_for_signal()).await
}

/// Runs the proxy in the role of `settings` until `shutdown` resolves (the
/// simulator's demo runs the proxy in-process this way).
pub async fn run_until(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    match settings.role {
        crate::config::ProxyRole::V2Producer => run_v2(settings, shutdown).await,
        crate::config::ProxyRole::V1Producer | crate::config::ProxyRole::V1Consumer => {
            v1::run(settings, shutdown).await
        }
    }
}

/// What every role starts with: the store (with the import of the
/// reference's files), the metrics registry and delivery, whose dead-consumer
/// handler the role's hub installs in `dead`.
pub(super) struct Foundation {
    pub store: Store,
    pub data: crate::store::StoreData,
    pub last_sync: Option<SyncState>,
    pub metrics: crate::metrics::SharedMetrics,
    pub dead: Arc<OnceLock<observer::DeadHandler>>,
    pub delivery: Delivery,
}

impl Foundation {
    pub(super) fn open(
        settings: &Settings,
        node: &str,
        role: StoreRole,
    ) -> Result<Foundation, DaemonError> {
        let metrics = Metrics::new(node);
        let observer = Arc::new(metrics.store.clone());
        let metrics = Arc::new(Mutex::new(metrics));
        let options = crate::store::StoreOptions {
            observer,
            ..Default::default()
        };
        let (store, data, report) = Store::open_with(&settings.store_path, role, options)?;
        tracing::info!(?report, path = %store.path().display(), "store opened");
        let last_sync = data
            .last_sync_state
            .as_deref()
            .and_then(SyncState::from_name);
        let dead: Arc<OnceLock<observer::DeadHandler>> = Arc::new(OnceLock::new());
        let obs = Arc::new(observer::MetricsObserver::new(
            metrics.clone(),
            dead.clone(),
            node,
        ));
        let delivery = Delivery::new(DeliveryConfig::default(), obs)?;
        Ok(Foundation {
            store,
            data,
            last_sync,
            metrics,
            dead,
            delivery,
        })
    }
}

impl Foundation {
    /// Hands every dead consumer to `remove` on `hub`, in a task of its own
    /// (the hub is held weakly: it owns delivery, which owns this handler).
    pub(super) fn route_dead<H, F, Fut>(
        cell: &OnceLock<observer::DeadHandler>,
        hub: &Arc<H>,
        remove: F,
    ) where
        H: Send + Sync + 'static,
        F: Fn(Arc<H>, crate::delivery::SubscriberKey) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let weak = Arc::downgrade(hub);
        let _ = cell.set(Arc::new(move |key| {
            if let Some(hub) = weak.upgrade() {
                tokio::spawn(remove(hub, key));
            }
        }));
    }
}

/// A future that resolves once `rx` turns true.
pub(crate) async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

async fn run_v2(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    let node = settings.node_name.clone().ok_or(DaemonError::NoNodeName)?;
    let Foundation {
        store,
        data,
        last_sync,
        metrics,
        dead: hub_cell,
        delivery,
    } = Foundation::open(&settings, &node, StoreRole::V2Producer)?;
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
    Foundation::route_dead(&hub_cell, &hub, |hub, key| async move {
        hub.remove_dead(&key).await
    });
    // Writes only what changed (new publisher ids); a store that cannot be
    // written keeps them in memory (the store logged why) and never stops
    // the proxy (events-and-metrics.md §8.2).
    if let Err(e) = hub.persist_now().await {
        tracing::warn!(error = %e, "new publisher ids are kept in memory only");
    }
    // 3. Listeners.
    let metrics_listener = bind_tcp("metrics", &settings.metrics_addr).await?;
    let api_listener = bind_tcp("REST API", &format!("0.0.0.0:{port}")).await?;
    // 4. Engine task, socket, configuration.
    let producer =
        producer::start(&settings, &node, hub.clone(), metrics.clone(), last_sync).await?;
    // 5. Serve until a signal.
    let (stop_tx, stop_rx) = watch::channel(false);
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
    producer.stop().await;
    let _ = stop_tx.send(true);
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
