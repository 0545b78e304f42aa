//! The producer side shared by the v2 and v1 producer roles: the engine
//! task, the configuration task, the sync-state writer and the event
//! socket. Starting them is wiring; the tasks live in their own files and
//! in `crate::ingest`.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::config_task::{load_files, ConfigTask};
use super::engine_task::{EngineInputs, EngineOutputs, EngineTask};
use super::{replay, DaemonError};
use crate::config::Settings;
use crate::engine_link::EngineLink;
use crate::metrics::Metrics;
use crate::registry::Registry;
use ptp_event_core::clock::Engine;
use ptp_event_core::linuxptp::SyncState;

/// The running producer tasks.
pub(super) struct ProducerTasks {
    engine: JoinHandle<()>,
    accept: Option<JoinHandle<()>>,
    config: JoinHandle<()>,
    sync_writer: JoinHandle<()>,
    socket: Option<std::path::PathBuf>,
    /// Keeps the engine's line queue open when no socket is read.
    _lines: mpsc::Sender<crate::ingest::QueuedBatch>,
}

/// Reads the configuration files, starts the engine and configuration
/// tasks, and binds the event socket (when the role reads it). Returns the
/// tasks and the link other tasks ask the engine through.
pub(super) async fn start(
    settings: &Settings,
    node: &str,
    registry: Arc<Registry>,
    metrics: Metrics,
    http: reqwest::Client,
    last_sync: Option<SyncState>,
) -> Result<(ProducerTasks, EngineLink), DaemonError> {
    // The local files before the first line; the daemon's aliases follow
    // from the configuration task.
    let files = {
        let (s, n) = (settings.clone(), node.to_string());
        tokio::task::spawn_blocking(move || load_files(&s, &n))
            .await
            .unwrap_or_default()
    };
    let (line_tx, line_rx) = mpsc::channel(crate::ingest::QUEUE_CAPACITY);
    let (update_tx, update_rx) = mpsc::channel(16);
    let (request_tx, request_rx) = mpsc::unbounded_channel();
    let (epoch_tx, epoch_rx) = watch::channel(0u64);
    let (link, queries) = EngineLink::new();
    let (sync_tx, sync_writer) = super::sync_writer::start(registry.clone());
    let mut engine = Engine::new(node, last_sync);
    let fx = engine.on_config(files.clone());
    let task = EngineTask::new(
        engine,
        EngineInputs {
            lines: line_rx,
            queries,
            configs: update_rx,
        },
        EngineOutputs {
            registry,
            metrics: metrics.clone(),
            epoch: epoch_tx,
            sync_state: sync_tx,
            config_requests: request_tx,
        },
    );
    let engine_task = tokio::spawn(task.run(fx));
    let config = tokio::spawn(
        ConfigTask {
            settings: settings.clone(),
            node: node.to_string(),
            http: http.clone(),
            requests: request_rx,
            updates: update_tx,
            current: files,
        }
        .run(),
    );
    let mut accept = None;
    let mut socket = None;
    if settings.read_socket {
        let listener = crate::ingest::bind(&settings.socket).await?;
        let replay = replay::Replayer::new(crate::http::client::daemon()?, &settings.daemon_url);
        accept = Some(tokio::spawn(crate::ingest::accept_loop(
            listener,
            crate::ingest::SocketContext {
                queue: line_tx.clone(),
                epoch: epoch_rx,
                metrics,
                on_accept: Arc::new(move || replay.trigger()),
            },
        )));
        socket = Some(settings.socket.clone());
        tracing::info!(socket = %settings.socket.display(), "event socket listening");
    }
    Ok((
        ProducerTasks {
            engine: engine_task,
            accept,
            config,
            sync_writer,
            socket,
            _lines: line_tx,
        },
        link,
    ))
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
        // Without its configuration task the engine task ends, handing the
        // latest node sync-state to the writer; its sender is then gone:
        // the writer finishes its write and ends.
        self.config.abort();
        let mut engine = self.engine;
        if tokio::time::timeout(std::time::Duration::from_millis(500), &mut engine)
            .await
            .is_err()
        {
            engine.abort();
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), self.sync_writer).await;
    }
}
