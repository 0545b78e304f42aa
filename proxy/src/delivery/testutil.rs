//! Small HTTP consumers on 127.0.0.1 for the delivery tests: a scripted
//! hyper server that records what it receives and counts connections, and a
//! black hole that accepts connections and never answers.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
use url::Url;

/// How the server answers one request.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) delay: Duration,
    pub(crate) body_len: usize,
    /// Wait for [`TestServer::release`] before answering.
    pub(crate) hold: bool,
}

impl Reply {
    pub(crate) fn status(status: u16) -> Self {
        Self {
            status,
            delay: Duration::ZERO,
            body_len: 0,
            hold: false,
        }
    }
    pub(crate) fn held(status: u16) -> Self {
        Self {
            hold: true,
            ..Self::status(status)
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) at: Instant,
    pub(crate) body: Bytes,
    pub(crate) headers: HeaderMap,
}

struct State {
    received: Mutex<Vec<Received>>,
    requests: AtomicUsize,
    connections: AtomicUsize,
    changed: Notify,
    gate: Semaphore,
}

pub(crate) struct TestServer {
    pub(crate) url: Url,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

type Responder = dyn Fn(usize) -> Reply + Send + Sync;

impl TestServer {
    /// Answers request number `i` (0-based, over all connections) with
    /// `responder(i)`.
    pub(crate) async fn start(responder: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let url = Url::parse(&format!("http://{addr}/events")).expect("url");
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            changed: Notify::new(),
            gate: Semaphore::new(0),
        });
        let responder: Arc<Responder> = Arc::new(responder);
        let accept = tokio::spawn({
            let state = Arc::clone(&state);
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(serve(stream, Arc::clone(&state), Arc::clone(&responder)));
                }
            }
        });
        Self { url, state, accept }
    }

    /// Always answers `status`.
    pub(crate) async fn answering(status: u16) -> Self {
        Self::start(move |_| Reply::status(status)).await
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    pub(crate) fn bodies(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect()
    }

    pub(crate) fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Lets `n` held requests answer.
    pub(crate) fn release(&self, n: usize) {
        self.state.gate.add_permits(n);
    }

    /// Waits until at least `n` requests were received, or `timeout`.
    pub(crate) async fn wait_received(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.state.changed.notified();
            if self.received().len() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.received().len() >= n;
            }
        }
    }
}

async fn serve(stream: TcpStream, state: Arc<State>, responder: Arc<Responder>) {
    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
        let state = Arc::clone(&state);
        let responder = Arc::clone(&responder);
        async move {
            let index = state.requests.fetch_add(1, Ordering::SeqCst);
            let reply = responder(index);
            let headers = req.headers().clone();
            let body = match req.into_body().collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => Bytes::new(),
            };
            state.received.lock().expect("lock").push(Received {
                at: Instant::now(),
                body,
                headers,
            });
            state.changed.notify_waiters();
            if reply.hold {
                if let Ok(permit) = state.gate.acquire().await {
                    permit.forget();
                }
            }
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            let mut response = Response::new(Full::new(Bytes::from(vec![b'x'; reply.body_len])));
            *response.status_mut() = StatusCode::from_u16(reply.status).expect("status");
            if (300..400).contains(&reply.status) {
                response.headers_mut().insert(
                    hyper::header::LOCATION,
                    hyper::header::HeaderValue::from_static("/elsewhere"),
                );
            }
            Ok::<_, Infallible>(response)
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Accepts TCP connections and never answers.
pub(crate) struct BlackHole {
    pub(crate) url: Url,
    accepted: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl BlackHole {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let url = Url::parse(&format!("http://{addr}/events")).expect("url");
        let accepted = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn({
            let accepted = Arc::clone(&accepted);
            async move {
                let mut held = Vec::new();
                while let Ok((stream, _)) = listener.accept().await {
                    accepted.fetch_add(1, Ordering::SeqCst);
                    held.push(stream);
                }
            }
        });
        Self {
            url,
            accepted,
            accept,
        }
    }

    pub(crate) fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A consumer that reads the start of every request and then resets the
/// connection (`SO_LINGER` 0, so closing sends an RST).
pub(crate) struct Resetter {
    pub(crate) url: Url,
    accept: JoinHandle<()>,
}

impl Drop for Resetter {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Resetter {
    pub(crate) async fn start() -> Self {
        use tokio::io::AsyncReadExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let url = Url::parse(&format!("http://{addr}/events")).expect("url");
        let accept = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf).await;
                let _ = stream.set_zero_linger();
                drop(stream);
            }
        });
        Self { url, accept }
    }
}

/// A URL on 127.0.0.1 where nothing listens (connection refused).
pub(crate) async fn refused_url() -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    Url::parse(&format!("http://{addr}/events")).expect("url")
}
