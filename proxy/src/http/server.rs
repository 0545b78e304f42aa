//! One HTTP/1.1 server loop for every listener (REST v2, REST v1, the v1
//! transport, `/metrics`), with the timeouts of rest-api.md §2.2: 2 s to
//! receive a request head, 10 s for a whole request (408 otherwise), and
//! idle keep-alive connections closed after 120 s.
//!
//! The accept loop waits on the listener and on `shutdown`; each connection
//! is its own task, which does the TLS handshake when the listener has TLS
//! (`security::ServerTls`: the certificate files are re-read when they
//! change, for the connections accepted from then on).

use std::future::Future;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::security::ServerTls;
use super::Problem;

/// Time to receive a request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(2);
/// Time for a whole request, body and handler included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle time after which a keep-alive connection is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Layer of every listener: a request that takes longer than
/// [`REQUEST_TIMEOUT`], body and handler included, is answered 408.
pub async fn request_timeout(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request took longer than 10 s",
        )
        .closing()
        .into_response(),
    }
}

/// Serves `app` on `listener` until `shutdown` resolves; connections in
/// progress get up to 1 s to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_tls(listener, app, None, shutdown).await
}

/// [`serve`], over TLS when `tls` is given (security.md §2). The accept
/// loop only accepts: each connection's task does its own TLS handshake
/// (bounded by the handshake timeout), so a slow or silent client never
/// holds up the others. A failed handshake (no or an untrusted client
/// certificate with mTLS) closes that connection and is logged at debug.
pub async fn serve_tls(
    listener: TcpListener,
    app: Router,
    tls: Option<ServerTls>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = IdleTimeout::new(stream);
        let watcher = graceful.watcher();
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let result = match tls {
                None => serve_connection(io, app, watcher).await,
                Some(tls) => match tls.accept(io).await {
                    Ok(io) => serve_connection(io, app, watcher).await,
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                },
            };
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(1), graceful.shutdown()).await;
    Ok(())
}

/// HTTP/1.1 on one connection, plain or TLS, until it closes or shutdown.
async fn serve_connection<IO>(
    io: IO,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) -> Result<(), hyper::Error>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .keep_alive(true);
    watcher
        .watch(builder.serve_connection(TokioIo::new(io), service))
        .await
}

/// A TCP stream that fails reads after `IDLE_TIMEOUT` without any byte, so
/// an idle keep-alive connection is closed.
struct IdleTimeout {
    inner: tokio::net::TcpStream,
    sleep: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl IdleTimeout {
    fn new(inner: tokio::net::TcpStream) -> Self {
        IdleTimeout {
            inner,
            sleep: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
        }
    }
}

impl tokio::io::AsyncRead for IdleTimeout {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let before = buf.filled().len();
        match std::pin::Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    let deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
                    self.sleep.as_mut().reset(deadline);
                }
                Poll::Ready(r)
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "idle keep-alive connection",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl tokio::io::AsyncWrite for IdleTimeout {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_client_that_never_sends_its_head_is_disconnected() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new().fallback(|| async { "ok" });
        let server = tokio::spawn(serve(listener, app, async move {
            let _ = stop_rx.await;
        }));
        let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
        c.write_all(b"GET / HTTP/1.1\r\n").await.expect("write");
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
            .await
            .expect("closed within 5 s");
        let waited = started.elapsed();
        assert!(
            matches!(n, Ok(0)) || String::from_utf8_lossy(&buf).contains("408"),
            "{n:?}"
        );
        assert!(
            waited >= Duration::from_millis(1500),
            "closed after {waited:?}"
        );
        // A complete request is served.
        let mut c = tokio::net::TcpStream::connect(addr).await.expect("connect");
        c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let n = c.read(&mut buf).await.expect("read");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
    }
}
