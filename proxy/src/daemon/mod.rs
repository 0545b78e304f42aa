//! The tasks of a running proxy and the channels between them
//! (`docs/architecture.md` draws them). Start-up order: store → metrics →
//! delivery → registry → listeners → engine, socket and configuration
//! tasks → serving; shutdown in reverse.
//!
//! Tasks, one per file: `engine_task.rs` (waits on configuration updates,
//! engine queries, the next holdover deadline and the line queue),
//! `config_task.rs` (waits on the engine's requests and the reload
//! interval), `sync_writer.rs` (waits on the latest node sync-state),
//! `replay.rs` (one `/emit-logs` request per accepted connection),
//! `sidecar.rs` (the v1 sidecar's registration with each producer);
//! `producer.rs` starts the producer side, `listeners.rs` binds and serves
//! the TCP listeners, `observer.rs` turns delivery outcomes into metrics.

mod config_task;
mod engine_task;
mod listeners;
mod observer;
mod parent;
mod producer;
mod replay;
mod sidecar;
mod sync_writer;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::config::{ProxyRole, Settings};
use crate::delivery::{Delivery, DeliveryConfig};
use crate::engine_link::EngineLink;
use crate::http::security::Security;
use crate::metrics::Metrics;
use crate::registry::{Registry, RegistrySettings, Role};
use crate::store::{Store, StoreOptions, StoreRole};
use ptp_event_core::linuxptp::SyncState;

pub use config_task::{fetch_aliases, load_files};

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
    Socket(#[from] crate::ingest::SocketError),
    #[error("delivery: {0}")]
    Delivery(#[from] crate::delivery::DeliveryError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("--transport-host has no port")]
    NoTransportPort,
    #[error("cannot write the ready file {path}: {source}")]
    ReadyFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Runs the proxy in the role of `settings`, with the loaded `security`
/// settings, until SIGTERM/SIGINT (or, with `--exit-with-stdin`, until
/// standard input closes: `parent.rs`).
pub async fn run(settings: Settings, security: Security) -> Result<(), DaemonError> {
    let parent_gone = parent::gone(settings.exit_with_stdin);
    let shutdown = async move {
        tokio::select! {
            () = wait_for_signal() => {}
            () = parent_gone => {}
        }
    };
    run_until(settings, security, shutdown).await
}

/// Runs the proxy in the role of `settings` until `shutdown` resolves.
pub async fn run_until(
    settings: Settings,
    security: Security,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    for line in security.summary() {
        tracing::info!("{line}");
    }
    let role = match settings.role {
        ProxyRole::V2Producer => Role::V2Producer,
        ProxyRole::V1Producer => Role::V1Producer,
        ProxyRole::V1Consumer => Role::V1Sidecar,
    };
    let node = match (&settings.node_name, role) {
        (Some(n), _) => n.clone(),
        (None, Role::V1Sidecar) => String::new(),
        (None, _) => return Err(DaemonError::NoNodeName),
    };
    let store_role = match role {
        Role::V2Producer => StoreRole::V2Producer,
        Role::V1Producer => StoreRole::V1Producer,
        Role::V1Sidecar => StoreRole::V1Consumer,
    };

    // 1. Store, metrics, delivery.
    let metrics = Metrics::new(&node);
    let (store, data, report) = Store::open_with(
        &settings.store_path,
        store_role,
        StoreOptions {
            observer: Arc::new(metrics.clone()),
            ..Default::default()
        },
    )?;
    tracing::info!(?report, path = %store.path().display(), writable = store.writable(), "store opened");
    let last_sync = data
        .last_sync_state
        .as_deref()
        .and_then(SyncState::from_name);
    let http = crate::http::client::outgoing_with(&security.client_tls)?;
    let dead: Arc<OnceLock<observer::DeadHandler>> = Arc::new(OnceLock::new());
    let obs = Arc::new(observer::MetricsObserver::new(
        metrics.clone(),
        dead.clone(),
        &node,
    ));
    let delivery = Delivery::new(DeliveryConfig::default(), http.clone(), obs)?;

    // 2. Listeners (their bound ports name the URLs the registry hands out).
    let mut bound = listeners::bind(&settings, role, &security).await?;
    let api_port = bound.api_port();
    let scheme = if security.server_tls.is_some() {
        "https"
    } else {
        "http"
    };
    let (subscription_base, publisher_base) = match role {
        Role::V2Producer => {
            let host = settings.transport_url.host_str().unwrap_or("localhost");
            (
                format!("{scheme}://{host}:{api_port}/api/ocloudNotifications/v2"),
                format!("{scheme}://localhost:{api_port}/api/ocloudNotifications/v2"),
            )
        }
        Role::V1Producer | Role::V1Sidecar => {
            let base = format!("{scheme}://localhost:{api_port}/api/ocloudNotifications/v1");
            (base.clone(), base)
        }
    };

    // 3. Registry.
    let registry = Arc::new(Registry::new(
        RegistrySettings {
            role,
            node: node.clone(),
            subscription_base,
            publisher_base,
            v1_format: settings.v1_format,
            endpoint_policy: security.endpoint_policy.clone(),
            max_subscriptions: security.max_subscriptions,
        },
        data,
        store,
        delivery.clone(),
        metrics.clone(),
        http.clone(),
    ));
    let weak = Arc::downgrade(&registry);
    let _ = dead.set(Arc::new(move |key| {
        if let Some(r) = weak.upgrade() {
            tokio::spawn(async move { r.remove_dead(&key).await });
        }
    }));
    registry.persist_new_publishers().await;
    registry.hold_refused_endpoints().await;
    if let Some(bearer) = security.bearer.clone() {
        // Not fatal: the first protected request fetches again.
        tokio::spawn(async move {
            if let Ok(keys) = bearer.prefetch().await {
                tracing::info!(keys, "token issuer's signing keys fetched");
            }
        });
    }

    // 4. Producer side: engine, socket, configuration.
    let (producer, engine) = if role == Role::V1Sidecar {
        (None, EngineLink::detached())
    } else {
        let (p, link) = producer::start(
            &settings,
            &node,
            registry.clone(),
            metrics.clone(),
            http.clone(),
            last_sync,
        )
        .await?;
        (Some(p), link)
    };

    // 5. Serve, and (sidecar) register with the producers.
    let (stop_tx, stop_rx) = watch::channel(false);
    let sidecar_endpoint = bound.transport_endpoint(&settings);
    let servers = bound.serve(
        &settings,
        listeners::Served {
            registry: registry.clone(),
            engine,
            metrics: metrics.clone(),
            sidecar_endpoint: sidecar_endpoint.clone(),
            security,
        },
        &stop_rx,
    );
    let registrars = if role == Role::V1Sidecar {
        sidecar::start(&settings, &registry, &sidecar_endpoint)
    } else {
        Vec::new()
    };
    if let Some(path) = &settings.ready_file {
        bound.write_ready_file(path)?;
    }
    tracing::info!(role = settings.role.describe(), node = %node, api_port, metrics = %bound.metrics_addr(), "cloud-event-proxy ready");

    shutdown.await;
    tracing::info!("shutting down");
    if let Some(p) = producer {
        p.stop().await;
    }
    for r in registrars {
        r.abort();
    }
    let _ = stop_tx.send(true);
    delivery.shutdown(Duration::from_secs(2)).await;
    for h in servers {
        let _ = tokio::time::timeout(Duration::from_secs(1), h).await;
    }
    Ok(())
}

/// A future that resolves once `rx` turns true.
pub(crate) async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
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
