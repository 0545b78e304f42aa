//! The producer side shared by the v2 and v1 producer roles: the engine
//! task, the event socket and the profile reload loop. Starting them is
//! wiring; the tasks themselves live in `engine_task.rs`, `configs.rs` and
//! `crate::socket`.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::{configs, engine_task, replay, DaemonError};
use crate::config::Settings;
use crate::hub::EventSink;
use crate::metrics::SharedMetrics;
use ptp_event_core::clock::Engine;
use ptp_event_core::linuxptp::SyncState;

/// The running producer tasks.
pub(super) struct ProducerTasks {
    engine: tokio::task::JoinHandle<()>,
    accept: Option<tokio::task::JoinHandle<()>>,
    reload: tokio::task::JoinHandle<()>,
    sync_writer: tokio::task::JoinHandle<()>,
    socket: Option<std::path::PathBuf>,
    line_tx: mpsc::Sender<crate::socket::QueuedLine>,
    ctl_tx: mpsc::Sender<engine_task::Control>,
}

/// Loads the node configuration, starts the engine task, binds the event
/// socket (when the role reads it) and starts the reload loop.
pub(super) async fn start(
    settings: &Settings,
    node: &str,
    sink: Arc<dyn EventSink>,
    metrics: SharedMetrics,
    last_sync: Option<SyncState>,
) -> Result<ProducerTasks, DaemonError> {
    let node_config = configs::load(settings, node).await;
    let (line_tx, line_rx) = mpsc::channel(crate::socket::QUEUE_CAPACITY);
    let (ctl_tx, ctl_rx) = mpsc::channel(16);
    let (epoch_tx, epoch_rx) = watch::channel(0u64);
    let (sync_tx, sync_task) = super::sync_writer::start(sink.clone());
    let mut engine = Engine::new(node, last_sync);
    let fx = engine.on_config(node_config);
    let engine_ctx = engine_task::EngineTask {
        engine,
        lines: line_rx,
        control: ctl_rx,
        epoch: epoch_tx,
        hub: sink,
        sync_state: sync_tx,
        metrics: metrics.clone(),
        settings: settings.clone(),
        node: node.to_string(),
        last_snapshot: None,
        pending: Vec::new(),
        input_at: std::time::Instant::now(),
    };
    let engine_handle = tokio::spawn(engine_ctx.run(fx));
    let mut accept = None;
    let mut socket = None;
    if settings.read_socket {
        let listener = crate::socket::bind(&settings.socket).await?;
        let replay = replay::Replayer::new(settings.daemon_url.clone());
        accept = Some(tokio::spawn(crate::socket::accept_loop(
            listener,
            crate::socket::SocketContext {
                queue: line_tx.clone(),
                epoch: epoch_rx,
                metrics,
                on_accept: Arc::new(move || replay.trigger()),
            },
        )));
        socket = Some(settings.socket.clone());
        tracing::info!(socket = %settings.socket.display(), "event socket listening");
    }
    let reload = tokio::spawn(configs::reload_loop(
        settings.clone(),
        node.to_string(),
        ctl_tx.clone(),
    ));
    Ok(ProducerTasks {
        engine: engine_handle,
        accept,
        reload,
        sync_writer: sync_task,
        socket,
        line_tx,
        ctl_tx,
    })
}

impl ProducerTasks {
    /// Stops accepting, removes the socket file and stops the engine; the
    /// last node sync-state is written before this returns (1 s at most).
    pub(super) async fn stop(self) {
        if let Some(h) = self.accept {
            h.abort();
        }
        if let Some(path) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
        self.reload.abort();
        drop(self.line_tx);
        drop(self.ctl_tx);
        self.engine.abort();
        // The engine's sender is gone with it: the writer finishes its
        // current write and ends.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.sync_writer).await;
    }
}
