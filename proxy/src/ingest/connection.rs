//! One daemon connection's reader task: waits on the connection and on the
//! epoch watch (a `CMD RESTART` closes every connection of the old epoch),
//! frames lines and queues them in batches of one read.

use std::sync::Arc;

use tokio::io::AsyncReadExt;
use tokio::net::UnixStream;

use super::batch::{LineBatch, QueuedBatch, BATCH_LINES};
use super::context::SocketContext;
use super::framer::{Framed, Framer};
use ptp_event_core::clock::LineResult;
use ptp_event_core::linuxptp::Kind;

/// Bytes read at once.
const READ_BUF: usize = 64 * 1024;

pub(super) async fn read(mut stream: UnixStream, ctx: Arc<SocketContext>) {
    let mut epoch_rx = ctx.epoch.clone();
    let epoch = *epoch_rx.borrow_and_update();
    ctx.metrics.socket_connection(true);
    let mut framer = Framer::default();
    let mut buf = vec![0u8; READ_BUF];
    let mut batches: Vec<LineBatch> = Vec::new();
    'read: loop {
        let n = tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            _ = epoch_rx.changed() => break,
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
        if rejected > 0 {
            ctx.metrics
                .socket_lines(Kind::Other, LineResult::Rejected, rejected);
        }
        for lines in batches.drain(..) {
            if ctx.queue.send(QueuedBatch { epoch, lines }).await.is_err() {
                break 'read;
            }
        }
    }
    ctx.metrics.socket_connection(false);
}
