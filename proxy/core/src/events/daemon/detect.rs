//! Which protocol a daemon connection speaks (next-generation.md §1): the
//! first non-blank byte of the connection decides, `{` for JSON messages,
//! anything else for log lines, and a connection never switches.

/// The protocol of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// linuxptp log lines (socket-and-lines.md).
    LogLines,
    /// Daemon JSON messages.
    Json,
}

/// The line the proxy writes on every accepted JSON connection, without
/// its terminator; the daemon replays its current states on it.
pub const STATUS_REQUEST: &str = r#"{"version":1,"type":"status_request"}"#;

/// [`STATUS_REQUEST`] with its `\n`, ready to be written.
pub const STATUS_REQUEST_LINE: &str = "{\"version\":1,\"type\":\"status_request\"}\n";

/// The protocol a line announces when it is the first non-blank line of a
/// connection; `None` for a blank line (spaces, tabs, `\r`, `\n` only).
pub fn detect(line: &[u8]) -> Option<Protocol> {
    let first = line.iter().find(|b| !b.is_ascii_whitespace())?;
    Some(if *first == b'{' {
        Protocol::Json
    } else {
        Protocol::LogLines
    })
}

/// The per-connection detection state: undecided until the first non-blank
/// line, then fixed for the life of the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProtocolDetector {
    protocol: Option<Protocol>,
}

impl ProtocolDetector {
    /// A detector for a new connection.
    pub fn new() -> ProtocolDetector {
        ProtocolDetector::default()
    }

    /// Feeds the next line of the connection (bytes as framed, valid UTF-8
    /// or not); returns the connection's protocol, `None` while only blank
    /// lines were seen. Once decided, later lines never change it.
    pub fn feed(&mut self, line: impl AsRef<[u8]>) -> Option<Protocol> {
        if self.protocol.is_none() {
            self.protocol = detect(line.as_ref());
        }
        self.protocol
    }

    /// The protocol decided so far.
    pub fn protocol(&self) -> Option<Protocol> {
        self.protocol
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_blank_byte_decides() {
        let rows: [(&[u8], Option<Protocol>); 9] = [
            (b"", None),
            (b"   \t\r", None),
            (b"{\"version\":1}", Some(Protocol::Json)),
            (b"  \t{", Some(Protocol::Json)),
            (b"{", Some(Protocol::Json)),
            (
                b"ptp4l[1.0]: [ptp4l.0.config] master offset 1 s2 freq 0",
                Some(Protocol::LogLines),
            ),
            (b"CMD LIVE_START", Some(Protocol::LogLines)),
            (b" [{", Some(Protocol::LogLines)),
            (b"\xff{", Some(Protocol::LogLines)),
        ];
        for (line, want) in rows {
            assert_eq!(detect(line), want, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn a_connection_never_switches() {
        let mut d = ProtocolDetector::new();
        assert_eq!(d.feed(""), None);
        assert_eq!(d.feed("  "), None);
        assert_eq!(d.protocol(), None);
        assert_eq!(
            d.feed(
                "ptp4l[5.0]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to FAULTY on FAULT_DETECTED"
            ),
            Some(Protocol::LogLines)
        );
        // A later `{` is one more (malformed) log line, not a switch.
        assert_eq!(
            d.feed(r#"{"version":1,"type":"sync_state","values":{"state":"LOCKED"}}"#),
            Some(Protocol::LogLines)
        );
        assert_eq!(d.feed(""), Some(Protocol::LogLines));
        assert_eq!(d.protocol(), Some(Protocol::LogLines));

        let mut d = ProtocolDetector::new();
        assert_eq!(d.feed(b"\n".as_slice()), None);
        assert_eq!(d.feed(STATUS_REQUEST), Some(Protocol::Json));
        assert_eq!(d.feed("CMD RESTART"), Some(Protocol::Json));
    }

    #[test]
    fn the_status_request_line() {
        assert_eq!(STATUS_REQUEST_LINE, format!("{STATUS_REQUEST}\n"));
        assert_eq!(detect(STATUS_REQUEST_LINE.as_bytes()), Some(Protocol::Json));
    }
}
