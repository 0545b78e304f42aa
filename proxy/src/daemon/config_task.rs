//! The configuration task: waits on the engine task's requests and on the
//! profile reload interval. It reads the ptp4l/phc2sys files and the
//! threshold profile file on the blocking pool, fetches the daemon's
//! `/port-aliases` (2 s, best effort) and hands the results to the engine
//! task as messages, so the engine never waits for a disk or a slow daemon.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::{load_config_dir, load_config_file, load_profiles, Settings};
use ptp_event_core::node_config::{NodeConfig, Ptp4lConfig};

/// What the engine task asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigRequest {
    /// Everything again (after `CMD RESTART`).
    Reload,
    /// One file named by lines the engine has no configuration for.
    File(String),
}

/// What the engine task receives.
#[derive(Debug)]
pub enum ConfigUpdate {
    /// The whole node configuration (files, profiles, aliases).
    Full(NodeConfig),
    /// One lazily loaded file.
    File(Ptp4lConfig),
}

/// Time for the daemon to answer `/port-aliases`.
const ALIASES_TIMEOUT: Duration = Duration::from_secs(2);

/// Reads the files (blocking); problems are logged, never fatal.
pub fn load_files(settings: &Settings, node: &str) -> NodeConfig {
    let (files, errors) = load_config_dir(&settings.config_dir);
    for e in errors {
        tracing::warn!(error = %e, "configuration file skipped");
    }
    let profiles = match load_profiles(&settings.profile_path, node) {
        Ok(p) => {
            for w in p.warnings() {
                tracing::warn!(warning = %w, "threshold profile");
            }
            p.into_profiles()
        }
        Err(e) => {
            tracing::warn!(error = %e, "threshold profiles not loaded; defaults apply");
            Vec::new()
        }
    };
    NodeConfig {
        files,
        profiles,
        aliases: BTreeMap::new(),
    }
}

/// `GET <daemon-url>/port-aliases`, best effort.
pub async fn fetch_aliases(
    http: &reqwest::Client,
    daemon_url: &url::Url,
) -> BTreeMap<String, String> {
    let Ok(url) = daemon_url.join("port-aliases") else {
        return BTreeMap::new();
    };
    match http.get(url).timeout(ALIASES_TIMEOUT).send().await {
        Ok(r) if r.status().is_success() => match r.json::<BTreeMap<String, String>>().await {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(error = %e, "port aliases are not a JSON object of strings");
                BTreeMap::new()
            }
        },
        Ok(r) => {
            tracing::debug!(status = r.status().as_u16(), "port aliases not available");
            BTreeMap::new()
        }
        Err(e) => {
            tracing::debug!(error = %e, "daemon not reachable for port aliases");
            BTreeMap::new()
        }
    }
}

pub struct ConfigTask {
    pub settings: Settings,
    pub node: String,
    pub http: reqwest::Client,
    pub requests: mpsc::UnboundedReceiver<ConfigRequest>,
    pub updates: mpsc::Sender<ConfigUpdate>,
    /// What the engine was started with.
    pub current: NodeConfig,
}

impl ConfigTask {
    /// Runs until the engine task is gone. The aliases are fetched by a
    /// task of their own, so a slow daemon never holds a file reload back.
    pub async fn run(mut self) {
        let every = self
            .settings
            .config_update_interval
            .max(Duration::from_secs(1));
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        let (alias_tx, mut alias_rx) = mpsc::channel(4);
        let mut fetch = self.fetch_aliases(&alias_tx);
        loop {
            let ok = tokio::select! {
                r = self.requests.recv() => match r {
                    Some(ConfigRequest::Reload) => {
                        fetch.abort();
                        fetch = self.fetch_aliases(&alias_tx);
                        self.reload().await
                    }
                    Some(ConfigRequest::File(name)) => self.file(name).await,
                    None => return,
                },
                Some(aliases) = alias_rx.recv() => self.aliases(aliases).await,
                _ = tick.tick() => {
                    fetch.abort();
                    fetch = self.fetch_aliases(&alias_tx);
                    self.reload().await
                }
            };
            if !ok {
                fetch.abort();
                return;
            }
        }
    }

    /// Starts one `/port-aliases` request; its answer comes back on `tx`.
    fn fetch_aliases(
        &self,
        tx: &mpsc::Sender<BTreeMap<String, String>>,
    ) -> tokio::task::JoinHandle<()> {
        let (http, url, tx) = (
            self.http.clone(),
            self.settings.daemon_url.clone(),
            tx.clone(),
        );
        tokio::spawn(async move {
            let _ = tx.send(fetch_aliases(&http, &url).await).await;
        })
    }

    /// Reads the files and hands them over with the aliases known so far.
    /// Returns false once the engine is gone.
    async fn reload(&mut self) -> bool {
        let settings = self.settings.clone();
        let node = self.node.clone();
        let files = match tokio::task::spawn_blocking(move || load_files(&settings, &node)).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "configuration reload failed");
                return true;
            }
        };
        self.current = NodeConfig {
            aliases: std::mem::take(&mut self.current.aliases),
            ..files
        };
        self.send(ConfigUpdate::Full(self.current.clone())).await
    }

    /// New aliases: the configuration again, if they changed.
    async fn aliases(&mut self, aliases: BTreeMap<String, String>) -> bool {
        if aliases == self.current.aliases {
            return true;
        }
        self.current.aliases = aliases;
        self.send(ConfigUpdate::Full(self.current.clone())).await
    }

    async fn file(&mut self, name: String) -> bool {
        let dir = self.settings.config_dir.clone();
        let loaded = tokio::task::spawn_blocking(move || load_config_file(&dir, &name)).await;
        match loaded {
            Ok(Ok(file)) => {
                self.current.files.insert(file.name.clone(), file.clone());
                self.send(ConfigUpdate::File(file)).await
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "line names an unusable configuration");
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "configuration file load failed");
                true
            }
        }
    }

    async fn send(&self, u: ConfigUpdate) -> bool {
        self.updates.send(u).await.is_ok()
    }
}
