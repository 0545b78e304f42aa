//! The engine task: waits on configuration updates, engine queries, the
//! next holdover deadline and the line queue; feeds parse → engine (log
//! lines to `on_line`, daemon JSON messages to `on_message`, in queue
//! order) and
//! carries out the effects (metrics, fan-out through the registry, the
//! sync-state writer, configuration requests). It never waits on IO: files
//! and `/port-aliases` come from the configuration task as messages, and
//! delivery is a queue append.
//!
//! After a `CMD RESTART` the engine is empty; lines of the new epoch are
//! taken once the configuration files are reloaded (a local read; the
//! daemon's aliases follow later without holding lines back), or after
//! [`RELOAD_WAIT`] at the latest.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use super::config_task::{ConfigRequest, ConfigUpdate};
use crate::engine_link::Query;
use crate::ingest::{Protocol, QueuedBatch};
use crate::metrics::{Metrics, PtpWriter};
use crate::registry::Registry;
use ptp_event_core::clock::{Effect, Effects, Engine, LineResult, Now};
use ptp_event_core::events::daemon;
use ptp_event_core::linuxptp::{parse, Control, Kind, LogLine, SyncState};

/// Longest pause of line intake after a `CMD RESTART`.
pub const RELOAD_WAIT: Duration = Duration::from_secs(2);
/// A configuration file named by lines is requested at most this often.
const WANT_EVERY: Duration = Duration::from_secs(1);
/// A new node sync-state goes to the writer this long after it changed
/// (the latest one then): waking the writer (and its store write) at the
/// moment of the event would put another thread's wake-up on the path of
/// the event's delivery; a flapping clock costs one write per interval.
/// Flushed when the engine task ends.
pub const SYNC_STATE_DELAY: Duration = Duration::from_millis(100);

/// The channels the engine task serves.
pub struct EngineInputs {
    pub lines: mpsc::Receiver<QueuedBatch>,
    pub queries: mpsc::Receiver<Query>,
    pub configs: mpsc::Receiver<ConfigUpdate>,
}

/// Where the engine task's output goes.
pub struct EngineOutputs {
    pub registry: Arc<Registry>,
    pub metrics: Metrics,
    /// The configuration epoch (readers close their connections on a bump).
    pub epoch: watch::Sender<u64>,
    pub sync_state: watch::Sender<Option<SyncState>>,
    pub config_requests: mpsc::UnboundedSender<ConfigRequest>,
}

pub struct EngineTask {
    engine: Engine,
    inputs: EngineInputs,
    out: EngineOutputs,
    ptp: PtpWriter,
    epoch: u64,
    /// Set after a `CMD RESTART` until the reloaded files arrive.
    reload_until: Option<tokio::time::Instant>,
    wanted: HashMap<String, Instant>,
    /// The latest node sync-state not yet handed to the writer, and when
    /// it is due ([`SYNC_STATE_DELAY`]).
    sync_pending: Option<SyncState>,
    sync_due: Option<tokio::time::Instant>,
    /// Events published and not yet logged (logged after the delivery
    /// workers had their turn).
    unlogged: Vec<ptp_event_core::events::EventData>,
}

impl EngineTask {
    pub fn new(engine: Engine, inputs: EngineInputs, out: EngineOutputs) -> EngineTask {
        let ptp = out.metrics.ptp_writer();
        EngineTask {
            engine,
            inputs,
            out,
            ptp,
            epoch: 0,
            reload_until: None,
            wanted: HashMap::new(),
            sync_pending: None,
            sync_due: None,
            unlogged: Vec::new(),
        }
    }

    /// Runs until the line queue or the configuration channel closes;
    /// then hands the latest node sync-state to the writer.
    pub async fn run(mut self, initial: Effects) {
        self.serve(initial).await;
        self.log_published();
        self.flush_sync_state();
    }

    async fn serve(&mut self, initial: Effects) {
        let origin = tokio::time::Instant::now();
        let std_origin = Instant::now();
        let now = move || Now {
            mono: std_origin.elapsed(),
            wall: SystemTime::now(),
        };
        self.apply(initial);
        loop {
            if !self.unlogged.is_empty() {
                // The workers woken by this input run first; the log lines
                // (a write each) follow.
                tokio::task::yield_now().await;
                self.log_published();
            }
            let deadline = self.engine.next_deadline();
            let paused = self.reload_until;
            let sync_due = self.sync_due;
            tokio::select! {
                biased;
                update = self.inputs.configs.recv() => match update {
                    Some(u) => self.config(u),
                    None => return,
                },
                Some(query) = self.inputs.queries.recv() => {
                    query(&self.engine.snapshot());
                }
                _ = sleep_until(deadline.map(|d| origin + d)) => {
                    let fx = self.engine.on_tick(now());
                    self.apply(fx);
                }
                _ = sleep_until(sync_due) => self.flush_sync_state(),
                _ = sleep_until(paused) => {
                    tracing::warn!("configuration not reloaded within {RELOAD_WAIT:?} of CMD RESTART; reading lines");
                    self.reload_until = None;
                }
                batch = self.inputs.lines.recv(), if paused.is_none() => {
                    let Some(q) = batch else { return };
                    // One clock reading per batch: its lines arrived together.
                    let at = now();
                    let mut counts = LineCounts::default();
                    if q.protocol == Protocol::Json {
                        // The daemon's decisions outlive a CMD RESTART
                        // (`Engine::on_restart` keeps them): never discarded.
                        for text in q.lines.iter() {
                            self.message(text, at, &mut counts);
                        }
                    } else if q.epoch >= self.epoch {
                        // (Older: read before a CMD RESTART, the old configuration's.)
                        for text in q.lines.iter() {
                            if self.line(text, at, &mut counts) {
                                break; // CMD RESTART: the rest of the batch is the old configuration's
                            }
                        }
                    }
                    counts.flush(&self.out.metrics);
                }
            }
        }
    }

    /// Hands the pending node sync-state to the writer.
    fn flush_sync_state(&mut self) {
        self.sync_due = None;
        if let Some(s) = self.sync_pending.take() {
            self.out.sync_state.send_replace(Some(s));
        }
    }

    fn log_published(&mut self) {
        for data in self.unlogged.drain(..) {
            tracing::info!(
                resource = data.resource.suffix(),
                values = ?data.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
                "event published"
            );
        }
    }

    fn config(&mut self, update: ConfigUpdate) {
        let fx = match update {
            ConfigUpdate::Full(cfg) => {
                self.reload_until = None;
                self.engine.on_config(cfg)
            }
            ConfigUpdate::File(file) => {
                tracing::info!(config = %file.name, "configuration file loaded");
                self.engine.on_config_file(file)
            }
        };
        self.apply(fx);
    }

    /// One line of a JSON connection (next-generation.md §1).
    fn message(&mut self, text: &str, now: Now, counts: &mut LineCounts) {
        match daemon::parse(text) {
            Ok(msg) => {
                counts.add(Kind::Json, LineResult::Parsed);
                let fx = self.engine.on_message(&msg, now);
                self.apply(fx);
            }
            Err(e) => {
                counts.add(Kind::Json, LineResult::Rejected);
                tracing::debug!(error = %e, line = %text, "daemon JSON message rejected");
            }
        }
    }

    /// One line; returns true after a `CMD RESTART`.
    fn line(&mut self, text: &str, now: Now, counts: &mut LineCounts) -> bool {
        let parsed = match parse(text) {
            Ok(l) => l,
            Err(e) => {
                counts.add(e.kind, LineResult::Rejected);
                tracing::debug!(error = %e, line = %text, "line rejected");
                return false;
            }
        };
        let restart = matches!(parsed, LogLine::Control(Control::Restart));
        let fx = self.engine.on_line(&parsed, now);
        counts.add(fx.kind, fx.result);
        self.apply(fx);
        if restart {
            self.epoch += 1;
            let _ = self.out.epoch.send(self.epoch);
            tracing::info!("CMD RESTART: engine reset, configuration reloading");
            self.reload_until = Some(tokio::time::Instant::now() + RELOAD_WAIT);
            let _ = self.out.config_requests.send(ConfigRequest::Reload);
        }
        restart
    }

    fn apply(&mut self, fx: Effects) {
        let mut published = Vec::new();
        let mut items = fx.items;
        for e in items.drain(..) {
            match e {
                Effect::Metric(op) => self.ptp.apply(&op),
                Effect::Publish(data, time) => published.push((data, time)),
                Effect::PersistSyncState(s) => {
                    self.sync_pending = Some(s);
                    self.sync_due
                        .get_or_insert_with(|| tokio::time::Instant::now() + SYNC_STATE_DELAY);
                }
                Effect::ProtocolConflict(r) => tracing::warn!(
                    resource = r.suffix(),
                    "log lines and daemon JSON messages both report this resource; the JSON states win"
                ),
                Effect::WantConfig(name) => {
                    let due = self
                        .wanted
                        .get(&name)
                        .is_none_or(|t| t.elapsed() >= WANT_EVERY);
                    if due {
                        self.wanted.insert(name.clone(), Instant::now());
                        let _ = self.out.config_requests.send(ConfigRequest::File(name));
                    }
                }
            }
        }
        self.engine.recycle(items);
        if published.is_empty() {
            return;
        }
        let refs: Vec<_> = published.iter().map(|(d, t)| (d, *t)).collect();
        self.out.registry.publish(&refs, Instant::now());
        self.unlogged
            .extend(published.into_iter().map(|(data, _)| data));
    }
}

/// Sleeps until `at`, or for ever.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// `cne_socket_lines_total` increments of one batch, added once per batch.
#[derive(Default)]
struct LineCounts {
    counts: Vec<(Kind, LineResult, u64)>,
}

impl LineCounts {
    fn add(&mut self, kind: Kind, result: LineResult) {
        match self
            .counts
            .iter_mut()
            .find(|(k, r, _)| *k == kind && *r == result)
        {
            Some((_, _, n)) => *n += 1,
            None => self.counts.push((kind, result, 1)),
        }
    }

    fn flush(self, metrics: &Metrics) {
        for (kind, result, n) in self.counts {
            metrics.socket_lines(kind, result, n);
        }
    }
}
