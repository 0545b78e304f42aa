//! Wiring of the two v1 roles (rest-api.md §1, §6.4): store → metrics →
//! delivery → v1 hub → listeners (metrics, REST v1, transport) → producer:
//! engine and socket; sidecar: one registration task per producer.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tracing::Instrument;

use super::{bind_tcp, producer, stopped, DaemonError};
use crate::api::v1::V1Api;
use crate::config::{ProxyRole, Settings};
use crate::store::StoreRole;
use crate::transport::{base_string, sidecar_client_id, Registrar};
use crate::v1hub::{V1Hub, V1HubSettings, V1Role};

pub(super) async fn run(
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), DaemonError> {
    let is_producer = settings.role == ProxyRole::V1Producer;
    let node = if is_producer {
        settings.node_name.clone().ok_or(DaemonError::NoNodeName)?
    } else {
        settings.node_name.clone().unwrap_or_default()
    };
    let (role, store_role) = if is_producer {
        (V1Role::Producer, StoreRole::V1Producer)
    } else {
        (V1Role::Sidecar, StoreRole::V1Consumer)
    };
    let super::Foundation {
        store,
        data,
        last_sync,
        metrics,
        dead,
        delivery,
    } = super::Foundation::open(&settings, &node, store_role)?;
    let port = settings.api_port;
    let hub = Arc::new(V1Hub::new(
        V1HubSettings {
            role,
            node: &node,
            format: settings.v1_format,
            api_port: port,
        },
        data,
        store,
        delivery.clone(),
        metrics.clone(),
    ));
    super::Foundation::route_dead(&dead, &hub, |hub, key| async move {
        hub.remove_dead(&key).await
    });
    // Writes only what changed (new publisher ids); a store that cannot be
    // written keeps them in memory (the store logged why) and never stops
    // the proxy (events-and-metrics.md §8.2).
    if let Err(e) = hub.persist_now().await {
        tracing::warn!(error = %e, "new publisher ids are kept in memory only");
    }
    // 3. Listeners.
    let transport_port = settings
        .transport_url
        .port_or_known_default()
        .ok_or(DaemonError::NoTransportPort)?;
    let metrics_listener = bind_tcp("metrics", &settings.metrics_addr).await?;
    let api_listener = bind_tcp("REST API", &format!("0.0.0.0:{port}")).await?;
    let transport_listener = bind_tcp("transport", &format!("0.0.0.0:{transport_port}")).await?;
    // 4. Producer: engine and socket.
    let producer_tasks = if is_producer {
        Some(producer::start(&settings, &node, hub.clone(), metrics.clone(), last_sync).await?)
    } else {
        None
    };
    // 5. Serve.
    let endpoint = base_string(&settings.transport_url);
    let client_id = sidecar_client_id(&endpoint);
    let producers: Vec<String> = settings.publishers.iter().map(base_string).collect();
    let http = crate::hub::plain_client();
    let api = Arc::new(V1Api {
        hub: hub.clone(),
        producers: if is_producer {
            Vec::new()
        } else {
            producers.clone()
        },
        client_id: client_id.clone(),
        http: http.clone(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let api_srv = tokio::spawn(crate::api::v1::serve_v1(
        api_listener,
        api,
        stopped(stop_rx.clone()),
    ));
    let transport_srv = tokio::spawn(crate::transport::serve(
        transport_listener,
        hub.clone(),
        stopped(stop_rx.clone()),
    ));
    let metrics_srv = tokio::spawn(crate::api::serve_metrics(
        metrics_listener,
        metrics.clone(),
        stopped(stop_rx.clone()),
    ));
    // 6. Sidecar: register with every producer.
    let mut registrars = Vec::new();
    if !is_producer {
        for p in &producers {
            let (tx, rx) = mpsc::unbounded_channel();
            hub.add_registrar(tx);
            let task = Registrar {
                hub: hub.clone(),
                producer: p.clone(),
                client_id: client_id.clone(),
                endpoint: endpoint.clone(),
                resync: settings.v1_resync_interval,
                messages: rx,
                http: http.clone(),
            };
            let span = tracing::info_span!("register", producer = %p);
            registrars.push(tokio::spawn(task.run().instrument(span)));
        }
    }
    tracing::info!(role = settings.role.describe(), node = %node, api_port = port, transport_port, client_id = %client_id, metrics = %settings.metrics_addr, "cloud-event-proxy ready");
    shutdown.await;
    tracing::info!("shutting down");
    if let Some(p) = producer_tasks {
        p.stop().await;
    }
    for r in registrars {
        r.abort();
    }
    let _ = stop_tx.send(true);
    delivery.shutdown(Duration::from_secs(2)).await;
    for h in [api_srv, transport_srv, metrics_srv] {
        let _ = tokio::time::timeout(Duration::from_secs(1), h).await;
    }
    Ok(())
}
