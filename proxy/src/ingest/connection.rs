//! One daemon connection's reader task: waits on the connection and on the
//! epoch watch (a `CMD RESTART` closes every connection of the old epoch),
//! frames lines and queues them in batches of one read.

use std::sync::Arc;

use tokio::net::UnixStream;

use super::accept::SocketContext;
use super::batch::{LineBatch, QueuedBatch, BATCH_LINES};
use super::buffers::ReaderShared;
use super::framer::{Framed, Framer};
use ptp_event_core::clock::LineResult;
use ptp_event_core::linuxptp::Kind;

/// Waits for the socket to be readable, then borrows a read buffer for one
/// read only: an idle connection holds no buffer.
pub(super) async fn read(stream: UnixStream, ctx: Arc<SocketContext>, shared: Arc<ReaderShared>) {
    let mut epoch_rx = ctx.epoch.clone();
    let epoch = *epoch_rx.borrow_and_update();
    ctx.metrics.socket_connection(true);
    let mut framer = Framer::default();
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
        let mut rejected = 0u64;
        framer.feed(&buf[..n], &mut |f| match f {
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
            ctx.metrics
                .socket_lines(Kind::Other, LineResult::Rejected, rejected);
        }
        for lines in batches.drain(..) {
            let room = shared.reserve(lines.bytes()).await;
            if ctx
                .queue
                .send(QueuedBatch { epoch, lines, room })
                .await
                .is_err()
            {
                break 'read;
            }
        }
    }
    ctx.metrics.socket_connection(false);
}
