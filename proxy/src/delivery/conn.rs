//! The one kept-alive HTTP/1.1 connection of a subscriber, owned by its
//! worker (spec §7.1: at most one request in flight per subscriber,
//! connections kept alive and reused).
//!
//! The worker writes each POST itself, in one `writev`, and reads the
//! response on the same task: no connection pool, no connection task, no
//! request builder. Through reqwest, a delivery cost ≈ 49 µs of CPU (URL
//! re-parsing, pool checkout, a hop to the connection task and back) and a
//! kept-alive connection ≈ 30 KiB of heap (the pool's dispatch channel, the
//! connection task, 8 KiB buffers); `docs/benchmarks.md` has the figures.
//! Here an idle connection is a socket and this struct, and the response
//! buffer lives for one attempt only. Response heads are parsed by
//! `httparse` (the parser hyper uses); bodies are framed by
//! `Content-Length`, `chunked` or the end of the connection, read up to the
//! limit and discarded.
//!
//! A request that fails on a reused connection before any byte of a
//! response arrived (the consumer closed the idle connection as the request
//! went out) is sent once more on a new connection, within the same attempt
//! and deadline: that is a stale connection, not an answer of the consumer.
//! While idle, the connection is watched: when the consumer closes it, it
//! is dropped. One unused for [`IDLE`] is not reused (checked when the next
//! event comes: no timer per event).

use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;
use url::{Host, Url};

use super::Outgoing;
use crate::http::security::ClientTls;

/// How long an idle connection is reused (as the shared client's pool did).
pub(crate) const IDLE: Duration = crate::http::client::POOL_IDLE;
/// Longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Most response headers parsed.
const MAX_HEADERS: usize = 64;
/// First read of a response (a consumer's head is ≈ 100 bytes; the
/// buffer grows for longer ones).
const READ_CHUNK: usize = 256;
/// Reads of a response body.
const BODY_CHUNK: usize = 4096;

/// How workers open connections: plain TCP, or TLS with the outgoing TLS
/// settings (security.md §4). Cheap to clone.
#[derive(Clone)]
pub struct Connector {
    tls: Option<TlsConnector>,
}

impl Connector {
    /// `http://` and `https://` endpoints, the latter verified with `tls`.
    pub fn new(tls: &ClientTls) -> Connector {
        Connector {
            tls: Some(TlsConnector::from(tls.config())),
        }
    }

    /// `http://` endpoints only; `https://` ones fail as a TLS error
    /// (tests).
    pub fn plain() -> Connector {
        Connector { tls: None }
    }
}

/// Why a POST got no status.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PostError {
    /// The URL cannot be requested (scheme, host): not retried.
    #[error("endpoint cannot be requested: {0}")]
    Invalid(&'static str),
    #[error("connect: {0}")]
    Connect(#[source] io::Error),
    #[error("TLS: {0}")]
    Tls(#[source] io::Error),
    #[error("{0}")]
    Io(#[source] io::Error),
    #[error("bad response: {0}")]
    Protocol(&'static str),
    #[error("timeout")]
    Timeout,
}

impl PostError {
    /// The peer reset the connection.
    pub(crate) fn is_connection_reset(&self) -> bool {
        match self {
            Self::Connect(e) | Self::Tls(e) | Self::Io(e) => {
                e.kind() == io::ErrorKind::ConnectionReset
            }
            _ => false,
        }
    }
}

/// A plain or TLS connection.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Where requests go, derived once per endpoint URL.
struct Target {
    url: Url,
    tls: bool,
    host: Host<String>,
    port: u16,
    /// `POST <path> HTTP/1.1`, `Host` and (from the URL's user
    /// information) `Authorization`, each with its CRLF.
    head: Vec<u8>,
}

impl Target {
    fn new(url: &Url) -> Result<Target, PostError> {
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => return Err(PostError::Invalid("the scheme is not http or https")),
        };
        let host = url.host().ok_or(PostError::Invalid("no host"))?.to_owned();
        let host_str = url.host_str().ok_or(PostError::Invalid("no host"))?;
        let port = url
            .port_or_known_default()
            .ok_or(PostError::Invalid("no port"))?;
        let mut head = Vec::with_capacity(64 + url.as_str().len());
        head.extend_from_slice(b"POST ");
        head.extend_from_slice(url.path().as_bytes());
        if let Some(q) = url.query() {
            head.push(b'?');
            head.extend_from_slice(q.as_bytes());
        }
        head.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        head.extend_from_slice(host_str.as_bytes());
        if let Some(p) = url.port() {
            let _ = write!(head, ":{p}");
        }
        head.extend_from_slice(b"\r\n");
        if !url.username().is_empty() || url.password().is_some() {
            use base64::Engine as _;
            let mut creds = percent_decode(url.username());
            creds.push(b':');
            creds.extend(percent_decode(url.password().unwrap_or("")));
            head.extend_from_slice(b"Authorization: Basic ");
            head.extend_from_slice(
                base64::engine::general_purpose::STANDARD
                    .encode(creds)
                    .as_bytes(),
            );
            head.extend_from_slice(b"\r\n");
        }
        Ok(Target {
            url: url.clone(),
            tls,
            host,
            port,
            head,
        })
    }

    /// The request head with its headers (the body follows it in the same
    /// write).
    fn request(&self, item: &Outgoing) -> Vec<u8> {
        use reqwest::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, TRANSFER_ENCODING};
        let extra: usize = item
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum();
        let mut r = Vec::with_capacity(self.head.len() + extra + 64);
        r.extend_from_slice(&self.head);
        // The event's own content type replaces the default (the last one
        // given wins).
        let content_type = item.headers.iter().rposition(|(n, _)| n == CONTENT_TYPE);
        if content_type.is_none() {
            r.extend_from_slice(b"content-type: application/json\r\n");
        }
        for (i, (name, value)) in item.headers.iter().enumerate() {
            let framing = name == CONTENT_LENGTH
                || name == TRANSFER_ENCODING
                || name == HOST
                || name == CONNECTION;
            if framing || (name == CONTENT_TYPE && Some(i) != content_type) {
                continue;
            }
            r.extend_from_slice(name.as_str().as_bytes());
            r.extend_from_slice(b": ");
            r.extend_from_slice(value.as_bytes());
            r.extend_from_slice(b"\r\n");
        }
        let _ = write!(r, "content-length: {}\r\n\r\n", item.body.len());
        r
    }
}

/// `%XX` escapes of a URL's user information, decoded.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// How the response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    /// Until the consumer closes the connection.
    Close,
}

/// What matters of a response head.
#[derive(Debug)]
struct Head {
    status: u16,
    keep_alive: bool,
    framing: Framing,
}

/// Why sending or reading the head failed, and whether a fresh connection
/// may be tried (nothing of a response arrived).
struct Failure {
    error: PostError,
    stale: bool,
}

impl From<PostError> for Failure {
    fn from(error: PostError) -> Failure {
        Failure {
            error,
            stale: false,
        }
    }
}

/// Whether an IO error means the connection was gone.
fn gone(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected
    )
}

/// The worker's connection slot.
pub(crate) struct Connection {
    target: Option<Target>,
    stream: Option<Stream>,
    idle_since: Instant,
    /// [`IDLE`] (tests shorten it).
    idle_limit: Duration,
}

impl Default for Connection {
    fn default() -> Connection {
        Connection {
            target: None,
            stream: None,
            idle_since: Instant::now(),
            idle_limit: IDLE,
        }
    }
}

impl Connection {
    /// POSTs `item` to `url`; the status. `timeout` bounds connecting,
    /// sending and the response head, and again reading (and discarding)
    /// at most `max_body` bytes of body; a body that is longer, slow or
    /// broken only closes the connection.
    pub(crate) async fn post(
        &mut self,
        connector: &Connector,
        url: &Url,
        item: &Outgoing,
        timeout: Duration,
        max_body: usize,
    ) -> Result<u16, PostError> {
        if self.idle_since.elapsed() >= self.idle_limit {
            self.stream = None;
        }
        if self.target.as_ref().is_none_or(|t| t.url != *url) {
            self.stream = None;
            self.target = None;
            self.target = Some(Target::new(url)?);
        }
        let Some(target) = &self.target else {
            return Err(PostError::Invalid("no target"));
        };
        let head = target.request(item);
        let stream = self.stream.take();
        let exchange = exchange(connector, target, stream, &head, &item.body);
        let (mut stream, head, rest) = match tokio::time::timeout(timeout, exchange).await {
            Ok(r) => r?,
            Err(_) => return Err(PostError::Timeout),
        };
        let clean = match (head.framing, rest.len()) {
            // Nothing (more) to read: no timer.
            (Framing::Empty, 0) => true,
            (Framing::Length(n), have) if have as u64 == n => true,
            (framing, _) => {
                let body = drain_body(&mut stream, framing, rest, max_body);
                matches!(tokio::time::timeout(timeout, body).await, Ok(Ok(true)))
            }
        };
        if clean && head.keep_alive {
            self.stream = Some(stream);
            self.idle_since = Instant::now();
        }
        Ok(head.status)
    }

    /// Resolves when the consumer closed the idle connection (or sent
    /// something unasked): it is dropped. Never resolves without a
    /// connection. Cancel-safe.
    pub(crate) async fn idle(&mut self) {
        let Some(stream) = self.stream.as_mut() else {
            return std::future::pending().await;
        };
        let mut byte = [0u8; 1];
        let _ = stream.read(&mut byte).await;
        self.stream = None;
    }
}

/// Sends `request` on `stream` (or on a new connection) and reads the
/// response head; once more on a new connection when a reused one turns
/// out to be gone.
async fn exchange(
    connector: &Connector,
    target: &Target,
    mut stream: Option<Stream>,
    head: &[u8],
    body: &[u8],
) -> Result<(Stream, Head, Vec<u8>), PostError> {
    loop {
        let reused = stream.is_some();
        let mut s = match stream.take() {
            Some(s) => s,
            // Boxed: connecting (name lookup, TLS handshake state) is the
            // large part of an attempt's state, and rare; unboxed it made
            // every event in flight cost ≈ 4.8 KiB.
            None => Box::pin(connect(connector, target)).await?,
        };
        match send(&mut s, head, body).await {
            Ok((head, rest)) => return Ok((s, head, rest)),
            Err(f) if f.stale && reused => continue,
            Err(f) => return Err(f.error),
        }
    }
}

async fn connect(connector: &Connector, t: &Target) -> Result<Stream, PostError> {
    let tcp = match &t.host {
        Host::Ipv4(ip) => TcpStream::connect(SocketAddr::new((*ip).into(), t.port)).await,
        Host::Ipv6(ip) => TcpStream::connect(SocketAddr::new((*ip).into(), t.port)).await,
        Host::Domain(d) => TcpStream::connect((d.as_str(), t.port)).await,
    }
    .map_err(PostError::Connect)?;
    // One write per request: nothing to coalesce, so do not wait for ACKs.
    let _ = tcp.set_nodelay(true);
    if !t.tls {
        return Ok(Stream::Plain(tcp));
    }
    let Some(tls) = &connector.tls else {
        return Err(PostError::Tls(io::Error::other(
            "no TLS configuration for https endpoints",
        )));
    };
    let name = match &t.host {
        Host::Domain(d) => ServerName::try_from(d.clone())
            .map_err(|_| PostError::Invalid("not a TLS server name"))?,
        Host::Ipv4(ip) => ServerName::IpAddress((*ip).into()),
        Host::Ipv6(ip) => ServerName::IpAddress((*ip).into()),
    };
    let s = tls.connect(name, tcp).await.map_err(PostError::Tls)?;
    Ok(Stream::Tls(Box::new(s)))
}

/// Writes `head` and `body` together (one `writev`: one segment with
/// `TCP_NODELAY`).
async fn write_request(s: &mut Stream, head: &[u8], body: &[u8]) -> io::Result<()> {
    let mut parts = [io::IoSlice::new(head), io::IoSlice::new(body)];
    let mut rest = &mut parts[..];
    while !rest.is_empty() {
        let n = s.write_vectored(rest).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        io::IoSlice::advance_slices(&mut rest, n);
    }
    s.flush().await
}

/// Writes the request and reads the response head (skipping 1xx
/// informational heads); returns the head and the bytes read after it.
async fn send(s: &mut Stream, head: &[u8], body: &[u8]) -> Result<(Head, Vec<u8>), Failure> {
    let written = write_request(s, head, body);
    if let Err(e) = written.await {
        let stale = gone(&e);
        return Err(Failure {
            error: PostError::Io(e),
            stale,
        });
    }
    let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut received = false;
    loop {
        if buf.capacity() - buf.len() < READ_CHUNK / 2 {
            buf.reserve(READ_CHUNK);
        }
        let n = match s.read_buf(&mut buf).await {
            Ok(n) => n,
            Err(e) => {
                let stale = !received && gone(&e);
                return Err(Failure {
                    error: PostError::Io(e),
                    stale,
                });
            }
        };
        if n == 0 {
            return Err(Failure {
                error: PostError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed before a response",
                )),
                stale: !received,
            });
        }
        received = true;
        while let Some((head, len)) = parse_head(&buf)? {
            buf.drain(..len);
            if let Some(head) = head {
                return Ok((head, buf));
            }
        }
        if buf.len() > MAX_HEAD {
            return Err(PostError::Protocol("response head too long").into());
        }
    }
}

/// Parses a response head at the start of `buf`: `None` while incomplete;
/// `Some((None, len))` for an informational (1xx) head to skip.
fn parse_head(buf: &[u8]) -> Result<Option<(Option<Head>, usize)>, PostError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut r = httparse::Response::new(&mut headers);
    let len = match r.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(PostError::Protocol("malformed response head")),
    };
    let status = r.code.unwrap_or(0);
    if (100..200).contains(&status) && status != 101 {
        return Ok(Some((None, len)));
    }
    let http10 = r.version == Some(0);
    let mut keep_alive = !http10;
    let mut length: Option<u64> = None;
    let mut chunked = None;
    for h in r.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && http10 {
                    keep_alive = true;
                }
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or(PostError::Protocol("bad content-length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(PostError::Protocol("conflicting content-length"));
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            let last = h.value.rsplit(|b| *b == b',').next().unwrap_or(b"");
            chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        }
    }
    let framing = if status == 204 || status == 304 || status == 101 {
        Framing::Empty
    } else if let Some(chunked) = chunked {
        if chunked {
            Framing::Chunked
        } else {
            Framing::Close
        }
    } else {
        match length {
            Some(0) => Framing::Empty,
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        }
    };
    if framing == Framing::Close || status == 101 {
        keep_alive = false;
    }
    Ok(Some((
        Some(Head {
            status,
            keep_alive,
            framing,
        }),
        len,
    )))
}

/// Reads a body of `framing` (after `rest`, already read) and discards it;
/// whether it ended cleanly within `max` bytes with nothing after it, so
/// the connection can carry the next request.
async fn drain_body(
    s: &mut Stream,
    framing: Framing,
    rest: Vec<u8>,
    max: usize,
) -> io::Result<bool> {
    let mut r = BodyReader {
        s,
        buf: rest,
        pos: 0,
    };
    match framing {
        Framing::Empty => Ok(r.is_drained()),
        Framing::Length(n) => {
            if n > max as u64 {
                return Ok(false);
            }
            r.skip(n as usize).await?;
            Ok(r.is_drained())
        }
        Framing::Close => {
            // Never reused: read what the limit allows, then close.
            // (No buffer on the stack: it would be part of every
            // worker's attempt state.)
            let mut total = r.buf.len();
            r.pos = r.buf.len();
            while total < max && r.fill().await? {
                total += r.buf.len() - r.pos;
                r.pos = r.buf.len();
            }
            Ok(false)
        }
        Framing::Chunked => {
            let mut total = 0usize;
            loop {
                let line = r.line().await?;
                let size = line.split(|b| *b == b';').next().unwrap_or(b"");
                let size = std::str::from_utf8(size)
                    .ok()
                    .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
                    .ok_or_else(|| bad("bad chunk size"))?;
                if size == 0 {
                    // Trailers, up to the empty line.
                    loop {
                        let l = r.line().await?;
                        total += l.len();
                        if l.is_empty() {
                            return Ok(r.is_drained());
                        }
                        if total > max {
                            return Ok(false);
                        }
                    }
                }
                total = total.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
                if total > max {
                    return Ok(false);
                }
                r.skip(size as usize).await?;
                if !r.line().await?.is_empty() {
                    return Err(bad("chunk not followed by CRLF"));
                }
            }
        }
    }
}

fn bad(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Buffered reads of a body.
struct BodyReader<'a> {
    s: &'a mut Stream,
    buf: Vec<u8>,
    pos: usize,
}

impl BodyReader<'_> {
    /// Reads more; false at the end of the connection.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        if self.buf.capacity() - self.buf.len() < BODY_CHUNK / 2 {
            self.buf.reserve(BODY_CHUNK);
        }
        Ok(self.s.read_buf(&mut self.buf).await? > 0)
    }

    fn is_drained(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// Skips `n` bytes.
    async fn skip(&mut self, mut n: usize) -> io::Result<()> {
        loop {
            let here = (self.buf.len() - self.pos).min(n);
            self.pos += here;
            n -= here;
            if n == 0 {
                return Ok(());
            }
            if !self.fill().await? {
                return Err(bad("body cut short"));
            }
        }
    }

    /// The next line without its CRLF (at most 4 KiB).
    async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = self.buf[self.pos..].windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[self.pos..self.pos + i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.buf.len() - self.pos > 4096 {
                return Err(bad("line too long in a chunked body"));
            }
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            if !self.fill().await? {
                return Err(bad("body cut short"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
