//! `ptp-sim jwks --key FILE... [--listen 127.0.0.1:0]`: serves the public
//! keys of `ptp-sim token` as a JWKS at `/jwks` and prints the URL. The
//! key files are read on every request, so a key created later (a
//! rotation: `ptp-sim token --key new.pem`) is served from then on; files
//! that do not exist yet are skipped.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::jose::SigningKey;

/// `{"keys": [...]}` of the files that exist.
pub fn document(keys: &[PathBuf]) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    for path in keys.iter().filter(|p| p.exists()) {
        out.push(SigningKey::load(path)?.jwk);
    }
    Ok(serde_json::json!({ "keys": out }))
}

async fn serve_jwks(keys: Arc<Vec<PathBuf>>) -> axum::response::Response {
    match document(&keys) {
        Ok(doc) => (
            [(header::CONTENT_TYPE, "application/json")],
            doc.to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "jwks: cannot read a key");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")).into_response()
        }
    }
}

/// Binds `listen` and serves until the task is dropped; returns the URL.
pub async fn start(
    keys: Vec<PathBuf>,
    listen: &str,
) -> Result<(String, tokio::task::JoinHandle<()>)> {
    document(&keys)?;
    let keys = Arc::new(keys);
    let app = Router::new().route("/jwks", get(move || serve_jwks(keys.clone())));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("jwks: bind {listen}"))?;
    let addr = listener.local_addr().context("jwks: local address")?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/jwks"), task))
}

/// The command: prints `jwks URL` and serves until interrupted.
pub async fn main(keys: Vec<PathBuf>, listen: &str) -> Result<ExitCode> {
    let (url, task) = start(keys, listen).await?;
    println!("jwks {url}");
    let _ = tokio::signal::ctrl_c().await;
    task.abort();
    Ok(ExitCode::SUCCESS)
}
