//! One daemon connection's reader task: waits on the connection and on the
//! epoch watch (a `CMD RESTART` closes every connection of the old epoch),
//! frames lines and queues them in batches of one read.
//!
//! The first non-blank byte of the connection decides its protocol
//! (next-generation.md §1): `{` for the daemon's JSON messages, anything
//! else for log lines; it never changes. A JSON connection gets one
//! `status_request` line written back (the daemon replays its states on
//! it); its lines go to the engine queue marked as JSON.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;

use super::batch::{LineBatch, Protocol, QueuedBatch, BATCH_LINES};
use super::buffers::{ReaderShared, READ_BUF};
use super::context::SocketContext;
use super::framer::{Framed, Framer};
use ptp_event_core::clock::LineResult;
use ptp_event_core::events::daemon::{ProtocolDetector, STATUS_REQUEST_LINE};
use ptp_event_core::linuxptp::Kind;

/// Longest wait for the socket to take the `status_request` line (it fits
/// in any socket buffer of a fresh connection: in practice no wait).
const STATUS_REQUEST_WRITE: Duration = Duration::from_secs(1);

/// Waits for the socket to be readable, then borrows a read buffer for one
/// read only: an idle connection holds no buffer.
pub(super) async fn read(
    mut stream: UnixStream,
    ctx: Arc<SocketContext>,
    shared: Arc<ReaderShared>,
) {
    let mut epoch_rx = ctx.epoch.clone();
    let epoch = *epoch_rx.borrow_and_update();
    ctx.metrics.socket_connection(true);
    let mut framer = Framer::default();
    let mut detector = ProtocolDetector::new();
    let mut batches: Vec<LineBatch> = Vec::new();
    'read: loop {
        tokio::select! {
            r = stream.readable() => if r.is_err() { break },
            _ = epoch_rx.changed() => break,
        };
        let mut buf = shared.take();
        let n = match stream.try_read(&mut buf) {
            Ok(0) => {
                shared.give(buf);
                break;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                shared.give(buf);
                continue;
            }
            Err(_) => break,
        };
        let data = &buf[..n];
        let protocol = match detector.protocol() {
            Some(p) => p,
            None => match detector.feed(data) {
                Some(Protocol::Json) => {
                    status_request(&mut stream).await;
                    Protocol::Json
                }
                Some(p) => p,
                // Only blank bytes so far: the framer skips them.
                None => Protocol::LogLines,
            },
        };
        let mut rejected = 0u64;
        framer.feed(data, &mut |f| match f {
            Framed::Line(text) => match batches.last_mut() {
                Some(b) if b.len() < BATCH_LINES => b.push(text),
                _ => {
                    let mut b = LineBatch::new();
                    b.push(text);
                    batches.push(b);
                }
            },
            Framed::Rejected => rejected += 1,
        });
        shared.give(buf);
        if rejected > 0 {
            let kind = match protocol {
                Protocol::Json => Kind::Json,
                Protocol::LogLines => Kind::Other,
            };
            ctx.metrics
                .socket_lines(kind, LineResult::Rejected, rejected);
        }
        for lines in batches.drain(..) {
            let room = shared.reserve(lines.bytes()).await;
            let batch = QueuedBatch {
                epoch,
                protocol,
                lines,
                room,
            };
            if ctx.queue.send(batch).await.is_err() {
                break 'read;
            }
        }
        if n < READ_BUF {
            // Probably all there was: the engine task (woken above) runs
            // before this task's next read, which would only find the
            // socket empty.
            tokio::task::yield_now().await;
        }
    }
    ctx.metrics.socket_connection(false);
}

/// Writes `{"version":1,"type":"status_request"}` once on a new JSON
/// connection. A daemon that does not read, or has closed its side, only
/// misses the replay: the connection is read on.
async fn status_request(stream: &mut UnixStream) {
    let write = stream.write_all(STATUS_REQUEST_LINE.as_bytes());
    match tokio::time::timeout(STATUS_REQUEST_WRITE, write).await {
        Ok(Ok(())) => tracing::debug!("JSON daemon connection: status_request sent"),
        Ok(Err(e)) => tracing::debug!(error = %e, "status_request not written"),
        Err(_) => tracing::warn!("status_request not written within 1 s"),
    }
}
