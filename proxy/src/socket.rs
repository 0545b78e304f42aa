//! The event socket (socket-and-lines.md §1): binding rules, accepting any
//! number of daemon connections, framing lines, and handing them to the
//! engine input queue.
//!
//! Tasks: the accept loop waits on the listener; each reader waits on its
//! connection and on the epoch watch (a `CMD RESTART` closes every
//! connection). Readers only wait for the bounded engine queue, never for
//! delivery.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, watch};

use crate::metrics::SharedMetrics;

/// Longest accepted line, excluding the terminator.
pub const MAX_LINE: usize = 64 * 1024;
/// Lines per queued batch.
pub const BATCH_LINES: usize = 64;
/// Capacity of the engine input queue, in batches: at most 4096 lines.
pub const QUEUE_CAPACITY: usize = 4096 / BATCH_LINES;

/// Framed lines of one connection, in order, with the configuration epoch
/// they were read in. Lines travel in batches (one per read, at most
/// `BATCH_LINES`) so the queue costs one message per read, not per line.
#[derive(Debug)]
pub struct QueuedLine {
    pub epoch: u64,
    pub lines: LineBatch,
}

/// Lines stored end to end in one string: two allocations per batch
/// instead of one per line.
#[derive(Debug, Default)]
pub struct LineBatch {
    text: String,
    ends: Vec<usize>,
}

impl LineBatch {
    /// An empty batch with room for `BATCH_LINES` typical lines.
    pub fn with_capacity() -> LineBatch {
        LineBatch {
            text: String::with_capacity(BATCH_LINES * 128),
            ends: Vec::with_capacity(BATCH_LINES),
        }
    }
    /// Appends a line.
    pub fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// The lines, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = self.text.get(start..end).unwrap_or("");
            start = end;
            line
        })
    }
}

/// Errors binding the socket.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another instance is serving {0}")]
    InUse(PathBuf),
    #[error("{0} exists and is not a socket; refusing to remove it")]
    NotASocket(PathBuf),
    #[error("cannot bind {path}: {source}")]
    Bind { path: PathBuf, source: io::Error },
}

/// Binds the socket per §1.1: a stale socket is removed, a live one or a
/// non-socket file is an error.
pub async fn bind(path: &Path) -> Result<UnixListener, SocketError> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
    let bind_err = |source| SocketError::Bind {
        path: path.to_path_buf(),
        source,
    };
    match UnixListener::bind(path) {
        Ok(l) => return Ok(l),
        Err(e) if e.kind() != io::ErrorKind::AddrInUse => return Err(bind_err(e)),
        Err(_) => {}
    }
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::symlink_metadata(path).map_err(bind_err)?;
    if !meta.file_type().is_socket() {
        return Err(SocketError::NotASocket(path.to_path_buf()));
    }
    let live = tokio::time::timeout(Duration::from_millis(100), UnixStream::connect(path)).await;
    if matches!(live, Ok(Ok(_))) {
        return Err(SocketError::InUse(path.to_path_buf()));
    }
    tracing::info!(path = %path.display(), "removing stale socket");
    std::fs::remove_file(path).map_err(bind_err)?;
    UnixListener::bind(path).map_err(bind_err)
}

/// Everything the accept loop needs.
pub struct SocketContext {
    pub queue: mpsc::Sender<QueuedLine>,
    pub epoch: watch::Receiver<u64>,
    pub metrics: SharedMetrics,
    /// Called (asynchronously) for every accepted connection: the
    /// `/emit-logs` replay trigger.
    pub on_accept: Arc<dyn Fn() + Send + Sync>,
}

/// Accepts connections until the listener fails or the task is aborted.
pub async fn accept_loop(listener: UnixListener, ctx: SocketContext) {
    let ctx = Arc::new(ctx);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let ctx2 = ctx.clone();
                tokio::spawn(async move { read_connection(stream, ctx2).await });
                (ctx.on_accept)();
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Line framing state of one connection (§1.3).
#[derive(Default)]
pub struct Framer {
    buf: Vec<u8>,
    discarding: bool,
}

/// What the framer produced for one complete line.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed<'a> {
    /// A line, borrowed from the read buffer or the framer's carry-over.
    Line(&'a str),
    Rejected,
}

impl Framer {
    /// Feeds bytes; calls `out` for every complete line (empty lines skipped).
    /// A line that lies whole in `data` is not copied.
    pub fn feed(&mut self, mut data: &[u8], out: &mut impl FnMut(Framed<'_>)) {
        while !data.is_empty() {
            match data.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let (head, rest) = data.split_at(i);
                    data = &rest[1..];
                    if self.discarding {
                        self.discarding = false;
                        self.buf.clear();
                        continue;
                    }
                    if self.buf.len() + head.len() > MAX_LINE + 1 {
                        self.buf.clear();
                        out(Framed::Rejected);
                        continue;
                    }
                    if self.buf.is_empty() {
                        finish(head, out);
                    } else {
                        self.buf.extend_from_slice(head);
                        finish(&self.buf, out);
                        self.buf.clear();
                    }
                }
                None => {
                    if !self.discarding {
                        self.buf.extend_from_slice(data);
                        if self.buf.len() > MAX_LINE + 1 {
                            self.buf.clear();
                            self.discarding = true;
                            out(Framed::Rejected);
                        }
                    }
                    data = &[];
                }
            }
        }
    }
}

/// Trims a complete line (`\r`, then blanks) and hands it out; empty lines
/// are skipped.
fn finish(line: &[u8], out: &mut impl FnMut(Framed<'_>)) {
    let mut line = line.strip_suffix(b"\r").unwrap_or(line);
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    if line.is_empty() {
        return;
    }
    if line.len() > MAX_LINE {
        return out(Framed::Rejected);
    }
    out(match std::str::from_utf8(line) {
        Ok(s) => Framed::Line(s),
        Err(_) => Framed::Rejected,
    })
}

async fn read_connection(mut stream: UnixStream, ctx: Arc<SocketContext>) {
    let mut epoch_rx = ctx.epoch.clone();
    let epoch = *epoch_rx.borrow_and_update();
    if let Ok(m) = ctx.metrics.lock() {
        m.socket_connections.inc();
    }
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 64 * 1024];
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
                    let mut b = LineBatch::with_capacity();
                    b.push(text);
                    batches.push(b);
                }
            },
            Framed::Rejected => rejected += 1,
        });
        if rejected > 0 {
            if let Ok(m) = ctx.metrics.lock() {
                m.socket_lines
                    .with_label_values(&["other", "rejected"])
                    .inc_by(rejected);
            }
        }
        for batch in batches.drain(..) {
            if ctx
                .queue
                .send(QueuedLine {
                    epoch,
                    lines: batch,
                })
                .await
                .is_err()
            {
                break 'read;
            }
        }
    }
    if let Ok(m) = ctx.metrics.lock() {
        m.socket_connections.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Owned form of `Framed`, for comparing.
    #[derive(Debug, PartialEq, Eq)]
    enum Owned {
        Line(String),
        Rejected,
    }

    fn frame(chunks: &[&[u8]]) -> Vec<Owned> {
        let mut f = Framer::default();
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut |x| {
                out.push(match x {
                    Framed::Line(s) => Owned::Line(s.to_string()),
                    Framed::Rejected => Owned::Rejected,
                })
            });
        }
        out
    }

    #[test]
    fn batch_keeps_lines_and_their_order() {
        let mut b = LineBatch::with_capacity();
        assert!(b.is_empty());
        for l in ["a", "bc", "", "déf"] {
            b.push(l);
        }
        assert_eq!(b.len(), 4);
        assert_eq!(b.iter().collect::<Vec<_>>(), ["a", "bc", "", "déf"]);
    }

    #[test]
    fn splits_lines_across_reads_and_trims() {
        let out = frame(&[b"CMD LIVE", b"_START\r\n\nabc \t\nparti", b"al"]);
        assert_eq!(
            out,
            vec![
                Owned::Line("CMD LIVE_START".into()),
                Owned::Line("abc".into())
            ]
        );
    }

    #[test]
    fn rejects_long_lines_and_invalid_utf8_then_continues() {
        let long = vec![b'a'; MAX_LINE + 10];
        let out = frame(&[&long, &long, b"\nok\n", b"\xff\xfe\n", b"next\n"]);
        assert_eq!(
            out,
            vec![
                Owned::Rejected,
                Owned::Line("ok".into()),
                Owned::Rejected,
                Owned::Line("next".into())
            ]
        );
        let exact = vec![b'b'; MAX_LINE];
        let out = frame(&[&exact, b"\n"]);
        assert_eq!(out.len(), 1);
        assert!(matches!(&out[0], Owned::Line(s) if s.len() == MAX_LINE));
    }

    #[tokio::test]
    async fn stale_socket_is_replaced_live_one_refused_file_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/events.sock");
        let l = bind(&path).await.expect("bind");
        assert!(matches!(bind(&path).await, Err(SocketError::InUse(_))));
        drop(l);
        let _l2 = bind(&path).await.expect("stale socket replaced");
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").expect("write");
        assert!(matches!(bind(&file).await, Err(SocketError::NotASocket(_))));
        assert!(file.exists());
    }
}
