//! Loading the configuration the engine needs (ptp4l/phc2sys files, the
//! threshold profile file, the daemon's port aliases), and the periodic
//! profile reload task (waits on its interval timer).

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Control;
use crate::config::{NodeConfig, Settings};

/// Loads everything; problems are logged, never fatal.
pub async fn load(settings: &Settings, node: &str) -> NodeConfig {
    let (files, errors) = crate::config::load_config_dir(&settings.config_dir);
    for e in errors {
        tracing::warn!(error = %e, "configuration file skipped");
    }
    let profiles = match crate::config::load_profiles(&settings.profile_path, node) {
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
    let aliases = fetch_aliases(&settings.daemon_url).await;
    NodeConfig {
        files,
        profiles,
        aliases,
    }
}

/// `GET <daemon-url>/port-aliases`, 2 s, best effort.
pub async fn fetch_aliases(daemon_url: &url::Url) -> BTreeMap<String, String> {
    let Ok(url) = daemon_url.join("port-aliases") else {
        return BTreeMap::new();
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap_or_default();
    let resp = client.get(url).timeout(Duration::from_secs(2)).send().await;
    match resp {
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

/// Reloads the profile file every `CONFIG_UPDATE_INTERVAL`.
pub async fn reload_loop(settings: Settings, node: String, ctl: mpsc::Sender<Control>) {
    let every = settings.config_update_interval.max(Duration::from_secs(1));
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let cfg = load(&settings, &node).await;
        if ctl.send(Control::Config(cfg)).await.is_err() {
            return;
        }
    }
}
