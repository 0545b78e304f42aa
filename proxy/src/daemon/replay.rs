//! The `/emit-logs` replay trigger (socket-and-lines.md §1.5): one GET per
//! accepted connection, 5 s timeout, no retry, result only logged.
//! Accepting and reading never wait: a trigger only counts the request.
//!
//! The requests are sent by one task, at most [`IN_FLIGHT`] at a time. A
//! burst of reconnects (1000 in the bench) once meant as many requests,
//! connections and file descriptors at once, and the memory of a
//! kept-alive client connection each; all requests are identical, so the
//! ones not yet sent are only a number.
//!
//! Waits on: a trigger, and the requests in flight.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Requests sent at the same time at most.
pub const IN_FLIGHT: usize = 4;
/// Per request.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Requests `GET <daemon-url>/emit-logs`. Cheap to clone; the sending task
/// ends when the last clone is dropped.
#[derive(Clone)]
pub struct Replayer {
    shared: Arc<Shared>,
    _alive: Arc<Alive>,
}

struct Shared {
    /// Requests triggered and not yet started.
    pending: AtomicUsize,
    wake: Notify,
    closed: AtomicBool,
}

/// Dropped with the last [`Replayer`]: stops the sending task.
struct Alive(Arc<Shared>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::Release);
        self.0.wake.notify_one();
    }
}

impl Replayer {
    /// Starts the sending task (within a tokio runtime).
    pub fn new(client: reqwest::Client, daemon_url: &url::Url) -> Replayer {
        let shared = Arc::new(Shared {
            pending: AtomicUsize::new(0),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
        });
        if let Ok(url) = daemon_url.join("emit-logs") {
            tokio::spawn(send_all(client, url, shared.clone()));
        }
        Replayer {
            _alive: Arc::new(Alive(shared.clone())),
            shared,
        }
    }

    /// Counts one request; the sending task starts it when fewer than
    /// [`IN_FLIGHT`] are in flight.
    pub fn trigger(&self) {
        self.shared.pending.fetch_add(1, Ordering::AcqRel);
        self.shared.wake.notify_one();
    }
}

/// Takes one pending request, if any.
fn take(shared: &Shared) -> bool {
    shared
        .pending
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
        .is_ok()
}

async fn send_all(client: reqwest::Client, url: url::Url, shared: Arc<Shared>) {
    let mut in_flight = JoinSet::new();
    loop {
        while in_flight.len() < IN_FLIGHT && take(&shared) {
            in_flight.spawn(send(client.clone(), url.clone()));
        }
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        if in_flight.is_empty() {
            shared.wake.notified().await;
        } else {
            tokio::select! {
                _ = in_flight.join_next() => {}
                () = shared.wake.notified() => {}
            }
        }
    }
}

async fn send(client: reqwest::Client, url: url::Url) {
    match client.get(url.clone()).timeout(TIMEOUT).send().await {
        Ok(r) => tracing::debug!(status = r.status().as_u16(), %url, "replay requested"),
        Err(e) => tracing::debug!(error = %e, %url, "replay request failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon answering `/emit-logs` after a pause; counts the requests
    /// and the most in flight at once.
    async fn daemon() -> (url::Url, Arc<(AtomicUsize, AtomicUsize, AtomicUsize)>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().expect("addr")))
            .expect("url");
        // (requests, in flight now, most in flight)
        let counts = Arc::new((
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        ));
        let c = counts.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let c = c.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        let now = c.1.fetch_add(1, Ordering::SeqCst) + 1;
                        c.2.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        c.0.fetch_add(1, Ordering::SeqCst);
                        c.1.fetch_sub(1, Ordering::SeqCst);
                        let ok = b"HTTP/1.1 204 No Content\r\n\r\n";
                        if s.write_all(ok).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, counts)
    }

    #[tokio::test]
    async fn every_trigger_is_one_request_with_a_few_in_flight() {
        let (url, counts) = daemon().await;
        let client = crate::http::client::daemon().expect("client");
        let r = Replayer::new(client, &url);
        for _ in 0..40 {
            r.trigger();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while counts.0.load(Ordering::SeqCst) < 40 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(counts.0.load(Ordering::SeqCst), 40);
        let most = counts.2.load(Ordering::SeqCst);
        assert!((1..=IN_FLIGHT).contains(&most), "{most} in flight");
        // Dropping the last handle ends the task: no more requests.
        drop(r);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(counts.0.load(Ordering::SeqCst), 40);
    }
}
