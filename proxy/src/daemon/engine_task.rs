//! The engine task: waits on the line queue, the control channel and the
//! next holdover deadline; feeds parse → engine; carries out the effects
//! (metrics, fan-out through the hub, sync-state persistence, lazy config
//! loads). Never waits for delivery.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::clock::{Effect, Effects, Engine, Now};
use crate::config::{NodeConfig, Settings};
use crate::hub::EventSink;
use crate::linuxptp::{parse, Control as LineControl, LogLine};
use crate::metrics::SharedMetrics;
use crate::socket::QueuedLine;

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
    pub metrics: SharedMetrics,
    pub settings: Settings,
    pub node: String,
    pub last_snapshot: Option<Instant>,
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
        loop {
            let deadline = self.engine.next_deadline();
            tokio::select! {
                biased;
                ctl = self.control.recv() => match ctl {
                    Some(Control::Config(cfg)) => {
                        let fx = self.engine.on_config(cfg);
                        self.apply(fx, &mut want);
                    }
                    None => return,
                },
                _ = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(origin + d).await,
                        None => std::future::pending().await,
                    }
                } => {
                    let fx = self.engine.on_tick(now());
                    self.apply(fx, &mut want);
                }
                line = self.lines.recv() => {
                    let Some(q) = line else { return };
                    self.line(q, &mut epoch, now(), &mut want).await;
                }
            }
        }
    }

    async fn line(
        &mut self,
        q: QueuedLine,
        epoch: &mut u64,
        now: Now,
        want: &mut HashMap<String, Instant>,
    ) {
        if q.epoch < *epoch {
            return; // read before a CMD RESTART: belongs to the old configuration
        }
        let parsed = match parse(&q.text) {
            Ok(l) => l,
            Err(e) => {
                if let Ok(m) = self.metrics.lock() {
                    m.socket_lines
                        .with_label_values(&[e.kind.label(), "rejected"])
                        .inc();
                }
                tracing::debug!(error = %e, line = %q.text, "line rejected");
                return;
            }
        };
        if let LogLine::Control(LineControl::Restart) = parsed {
            *epoch += 1;
            let _ = self.epoch.send(*epoch);
            tracing::info!("CMD RESTART: configuration reset");
            let fx = self.engine.on_restart();
            self.count(&fx);
            self.apply(fx, want);
            let cfg = super::configs::load(&self.settings, &self.node).await;
            let fx = self.engine.on_config(cfg);
            self.apply(fx, want);
            return;
        }
        let fx = self.engine.on_line(&parsed, now);
        self.count(&fx);
        self.apply(fx, want);
    }

    fn count(&self, fx: &Effects) {
        if let Ok(m) = self.metrics.lock() {
            m.socket_lines
                .with_label_values(&[fx.kind.label(), fx.result.label()])
                .inc();
        }
    }

    fn apply(&mut self, fx: Effects, want: &mut HashMap<String, Instant>) {
        let mut published = Vec::new();
        if let Ok(mut m) = self.metrics.lock() {
            for e in &fx.items {
                if let Effect::Metric(op) = e {
                    m.apply(op);
                }
            }
        }
        for e in &fx.items {
            match e {
                Effect::Publish(data, time) => published.push((data, *time)),
                Effect::PersistSyncState(s) => {
                    self.hub.clone().persist_sync_state(s.as_str());
                }
                Effect::WantConfig(name) => {
                    let due = want.get(name).is_none_or(|t| t.elapsed().as_secs() >= 1);
                    if due {
                        want.insert(name.clone(), Instant::now());
                        match crate::config::load_config_file(&self.settings.config_dir, name) {
                            Ok(file) => {
                                tracing::info!(config = %name, "configuration file loaded");
                                let fx2 = self.engine.on_config_file(file);
                                if let Ok(mut m) = self.metrics.lock() {
                                    for op in fx2.metrics() {
                                        m.apply(op);
                                    }
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "line names an unusable configuration")
                            }
                        }
                    }
                }
                Effect::Metric(_) => {}
            }
        }
        // CurrentState offsets are refreshed at least every 250 ms; states
        // at once, with the events that announce them.
        let stale = self
            .last_snapshot
            .is_none_or(|t| t.elapsed().as_millis() >= 250);
        if !published.is_empty() || stale {
            for (data, _) in &published {
                tracing::info!(
                    resource = data.resource.suffix(),
                    values = ?data.values.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
                    "event published"
                );
            }
            self.last_snapshot = Some(Instant::now());
            self.hub
                .publish(&published, self.engine.snapshot(), Instant::now());
        }
    }
}
