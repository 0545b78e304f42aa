//! The v1 consumer sidecar's registration tasks (rest-api.md §5.3): one
//! `transport::Registrar` per producer, fed by the registry's registration
//! messages.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::config::Settings;
use crate::registry::Registry;
use crate::transport::{base_string, sidecar_client_id, Registrar};

/// Starts one registration task per producer of `--http-event-publishers`.
pub(super) fn start(
    settings: &Settings,
    registry: &Arc<Registry>,
    endpoint: &str,
) -> Vec<JoinHandle<()>> {
    let client_id = sidecar_client_id(endpoint);
    settings
        .publishers
        .iter()
        .map(|p| {
            let producer = base_string(p);
            let (tx, rx) = mpsc::unbounded_channel();
            registry.add_registrar(tx);
            let task = Registrar {
                registry: registry.clone(),
                producer: producer.clone(),
                client_id: client_id.clone(),
                endpoint: endpoint.to_string(),
                resync: settings.v1_resync_interval,
                messages: rx,
            };
            let span = tracing::info_span!("register", producer = %producer);
            tokio::spawn(task.run().instrument(span))
        })
        .collect()
}
