//! The TCP listeners: bound first (a port 0 is replaced by the port the
//! kernel chose, and the URLs the registry hands out use it), then served
//! by `http::server` with the role's routers until shutdown. The ready file
//! tells a supervisor or a test which ports were bound. With an
//! `--auth-config` that names a server certificate, the REST and the v1
//! transport listeners serve TLS (`/metrics` stays plain), and its bearer
//! tokens guard the routes that change subscriptions; `--api-addr` binds
//! the REST API to one address.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{stopped, DaemonError};
use crate::config::Settings;
use crate::engine_link::EngineLink;
use crate::http::security::{BearerGuard, Security};
use crate::metrics::Metrics;
use crate::registry::{Registry, Role};

/// The bound listeners.
pub(super) struct Bound {
    role: Role,
    api: Option<TcpListener>,
    metrics: Option<TcpListener>,
    transport: Option<TcpListener>,
    pub ports: Ports,
}

/// What was bound, for URLs and the ready file.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(super) struct Ports {
    pub api: u16,
    pub metrics: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<u16>,
    pub pid: u32,
}

/// What the routers serve.
pub(super) struct Served {
    pub registry: Arc<Registry>,
    pub engine: EngineLink,
    pub metrics: Metrics,
    /// The v1 sidecar's own transport base URL.
    pub sidecar_endpoint: String,
    /// TLS and bearer tokens.
    pub security: Security,
}

async fn bind_tcp(what: &'static str, addr: &str) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| DaemonError::Bind {
            what,
            addr: addr.to_string(),
            source,
        })
}

fn port(l: &TcpListener) -> u16 {
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

/// Binds the metrics, REST and (v1) transport listeners.
pub(super) async fn bind(
    settings: &Settings,
    role: Role,
    security: &Security,
) -> Result<Bound, DaemonError> {
    let metrics = bind_tcp("metrics", &settings.metrics_addr).await?;
    let api_addr = match &security.api_addr {
        Some(a) => a.with_port(settings.api_port),
        None => format!("0.0.0.0:{}", settings.api_port),
    };
    let api = bind_tcp("REST API", &api_addr).await?;
    let transport = match role {
        Role::V2Producer => None,
        Role::V1Producer | Role::V1Sidecar => {
            let p = settings
                .transport_url
                .port_or_known_default()
                .ok_or(DaemonError::NoTransportPort)?;
            Some(bind_tcp("transport", &format!("0.0.0.0:{p}")).await?)
        }
    };
    let ports = Ports {
        api: port(&api),
        metrics: port(&metrics),
        transport: transport.as_ref().map(port),
        pid: std::process::id(),
    };
    Ok(Bound {
        role,
        api: Some(api),
        metrics: Some(metrics),
        transport,
        ports,
    })
}

impl Bound {
    pub fn api_port(&self) -> u16 {
        self.ports.api
    }

    pub fn metrics_addr(&self) -> SocketAddr {
        self.metrics
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], self.ports.metrics)))
    }

    /// `--transport-host` as a base URL, with the bound transport port.
    pub fn transport_endpoint(&self, settings: &Settings) -> String {
        let mut url = settings.transport_url.clone();
        if let Some(p) = self.ports.transport {
            let _ = url.set_port(Some(p));
        }
        crate::transport::base_string(&url)
    }

    /// Starts one server task per listener.
    pub fn serve(
        &mut self,
        settings: &Settings,
        s: Served,
        stop: &watch::Receiver<bool>,
    ) -> Vec<JoinHandle<std::io::Result<()>>> {
        let mut tasks = Vec::new();
        let tls = s.security.server_tls.clone();
        let mut spawn = |l: Option<TcpListener>, app: axum::Router, tls| {
            if let Some(l) = l {
                tasks.push(tokio::spawn(crate::http::server::serve_tls(
                    l,
                    app,
                    tls,
                    stopped(stop.clone()),
                )));
            }
        };
        spawn(
            self.metrics.take(),
            crate::rest::metrics::router(s.metrics.clone()),
            None,
        );
        let guard = guard(&s.security, &s.metrics);
        match self.role {
            Role::V2Producer => spawn(
                self.api.take(),
                crate::rest::v2::router(crate::rest::v2::V2State {
                    registry: s.registry.clone(),
                    engine: s.engine.clone(),
                    guard,
                }),
                tls,
            ),
            Role::V1Producer | Role::V1Sidecar => {
                let producers = settings
                    .publishers
                    .iter()
                    .map(crate::transport::base_string)
                    .collect();
                spawn(
                    self.api.take(),
                    crate::rest::v1::router(crate::rest::v1::V1State {
                        registry: s.registry.clone(),
                        engine: s.engine.clone(),
                        producers: Arc::new(producers),
                        client_id: Arc::from(crate::transport::sidecar_client_id(
                            &s.sidecar_endpoint,
                        )),
                        guard: guard.clone(),
                    }),
                    tls.clone(),
                );
                spawn(
                    self.transport.take(),
                    crate::transport::router(crate::transport::TransportState {
                        registry: s.registry.clone(),
                        engine: s.engine.clone(),
                        guard,
                    }),
                    tls,
                );
            }
        }
        tasks
    }

    /// Writes the bound ports as JSON, atomically (tmp file then rename).
    pub fn write_ready_file(&self, path: &Path) -> Result<(), DaemonError> {
        let err = |source| DaemonError::ReadyFile {
            path: path.to_path_buf(),
            source,
        };
        let body = serde_json::to_vec(&self.ports).map_err(|e| err(std::io::Error::other(e)))?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        std::fs::write(&tmp, body).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

/// The bearer-token guard, counted in `cne_api_auth_total`, when tokens
/// are required.
fn guard(security: &Security, metrics: &Metrics) -> Option<BearerGuard> {
    let guard = security.guard()?;
    metrics.api_auth_enabled();
    let m = metrics.clone();
    Some(guard.counting(move |o| m.api_auth(o)))
}
