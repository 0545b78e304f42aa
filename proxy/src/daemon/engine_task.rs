//! The engine task: waits on the line queue, the control channel and the
//! next holdover deadline; feeds parse → engine; carries out the effects
//! (metrics, fan-out through the hub, sync-state persistence, lazy config
//! loads). Never waits for delivery.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::config::{NodeConfig, Settings};
use crate::hub::EventSink;
use crate::metrics::SharedMetrics;
use crate::socket::QueuedLine;
use ptp_event_core::clock::{Effect, Effects, Engine, LineResult, MetricOp, Now};
use ptp_event_core::linuxptp::{parse, Control as LineControl, Kind, LogLine};

/// Messages from other tasks.
#[derive(Debug)]
pub enum Control {
    /// Reloaded configuration (profile file refresh).
    Config(NodeConfig),
}

pub(super) struct EngineTask {
    pub engine: Engine,
    pub lines: mpsc::Receiver<QueuedLine>,
    pub control: mpsc::Receiver<Control>,
    pub epoch: watch::Sender<u64>,
    pub hub: Arc<dyn EventSink>,
    pub sync_state: watch::Sender<Option<ptp_event_core::linuxptp::SyncState>>,
    pub metrics: SharedMetrics,
    pub settings: Settings,
    pub node: String,
    pub last_snapshot: Option<Instant>,
    /// Metric updates not yet applied: a batch takes the registry lock once,
    /// and always before an event is published.
    pub pending: Vec<MetricOp>,
    /// When the current input was dequeued.
    pub input_at: Instant,
}

impl EngineTask {
    pub async fn run(mut self, initial: Effects) {
        let origin = tokio::time::Instant::now();
        let std_origin = Instant::now();
        let now = move || Now {
            mono: std_origin.elapsed(),
            wall: SystemTime::now(),
        };
        let mut epoch = 0u64;
        let mut want: HashMap<String, Instant> = HashMap::new();
        self.apply(initial, &mut want);
        self.flush_metrics();
        loop {
            let deadline = self.engine.next_deadline();
            tokio::select! {
                biased;
                ctl = self.control.recv() => match ctl {
                    Some(Control::Config(cfg)) => {
                        self.input_at = Instant::now();
                        let fx = self.engine.on_config(cfg);
                        self.apply(fx, &mut want);
                        self.flush_metrics();
                    }
                    None => return,
                },
                _ = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(origin + d).await,
                        None => std::future::pending().await,
                    }
                } => {
                    self.input_at = Instant::now();
                    let fx = self.engine.on_tick(now());
                    self.apply(fx, &mut want);
                    self.flush_metrics();
                }
                batch = self.lines.recv() => {
                    let Some(q) = batch else { return };
                    if q.epoch < epoch {
                        continue; // read before a CMD RESTART: the old configuration's
                    }
                    // One clock reading per batch: its lines arrived together.
                    let at = now();
                    self.input_at = Instant::now();
                    let mut counts = LineCounts::default();
                    for text in q.lines.iter() {
                        if self.line(text, &mut epoch, at, &mut want, &mut counts).await {
                            break; // CMD RESTART: the rest of the batch is the old configuration's
                        }
                    }
                    self.flush_metrics();
                    counts.flush(&self.metrics);
                }
            }
        }
    }

    /// One line; returns true after a `CMD RESTART`.
    async fn line(
        &mut self,
        text: &str,
        epoch: &mut u64,
        now: Now,
        want: &mut HashMap<String, Instant>,
        counts: &mut LineCounts,
    ) -> bool {
        let parsed = match parse(text) {
            Ok(l) => l,
            Err(e) => {
                counts.add(e.kind, LineResult::Rejected);
                tracing::debug!(error = %e, line = %text, "line rejected");
                return false;
            }
        };
        if let LogLine::Control(LineControl::Restart) = parsed {
            *epoch += 1;
            let _ = self.epoch.send(*epoch);
            tracing::info!("CMD RESTART: configuration reset");
            let fx = self.engine.on_restart();
            counts.add(fx.kind, fx.result);
            self.apply(fx, want);
            let cfg = super::configs::load(&self.settings, &self.node).await;
            let fx = self.engine.on_config(cfg);
            self.apply(fx, want);
            return true;
        }
        let fx = self.engine.on_line(&parsed, now);
        counts.add(fx.kind, fx.result);
        self.apply(fx, want);
        false
    }

    /// Applies the pending metric updates under one registry lock.
    fn flush_metrics(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        if let Ok(mut m) = self.metrics.lock() {
            for op in &self.pending {
                m.apply(op);
            }
        }
        self.pending.clear();
    }

    fn apply(&mut self, fx: Effects, want: &mut HashMap<String, Instant>) {
        let mut published = Vec::new();
        for e in fx.items {
            match e {
                Effect::Metric(op) => self.pending.push(op),
                Effect::Publish(data, time) => published.push((data, time)),
                Effect::PersistSyncState(s) => {
                    self.sync_state.send_replace(Some(s));
                }
                Effect::ProtocolConflict(r) => tracing::warn!(
                    resource = r.suffix(),
                    "log lines and daemon JSON messages both report this resource; the JSON states win"
                ),
                Effect::WantConfig(name) => {
                    let due = want.get(&name).is_none_or(|t| t.elapsed().as_secs() >= 1);
                    if due {
                        want.insert(name.clone(), Instant::now());
                        match crate::config::load_config_file(&self.settings.config_dir, &name) {
                            Ok(file) => {
                                tracing::info!(config = %name, "configuration file loaded");
                                let fx2 = self.engine.on_config_file(file);
                                self.pending.extend(fx2.metrics().cloned());
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "line names an unusable configuration")
                            }
                        }
                    }
                }
            }
        }
        // CurrentState offsets are refreshed at least every 250 ms; states
        // at once, with the events that announce them.
        let stale = self
            .last_snapshot
            .is_none_or(|t| self.input_at.saturating_duration_since(t).as_millis() >= 250);
        if !published.is_empty() || stale {
            // A consumer that reads the metrics after an event sees them
            // updated.
            self.flush_metrics();
            for (data, _) in &published {
                tracing::info!(
                    resource = data.resource.suffix(),
                    values = ?data.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
                    "event published"
                );
            }
            self.last_snapshot = Some(self.input_at);
            let refs: Vec<_> = published.iter().map(|(d, t)| (d, *t)).collect();
            self.hub
                .publish(&refs, self.engine.snapshot(), Instant::now());
        }
    }
}

/// `cne_socket_lines_total` increments of one batch, added to the registry
/// once per batch.
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

    fn flush(self, metrics: &SharedMetrics) {
        if self.counts.is_empty() {
            return;
        }
        if let Ok(m) = metrics.lock() {
            for (kind, result, n) in self.counts {
                m.socket_lines
                    .with_label_values(&[kind.label(), result.label()])
                    .inc_by(n);
            }
        }
    }
}
