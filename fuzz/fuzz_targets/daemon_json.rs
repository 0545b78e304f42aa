//! The daemon's JSON messages: `ptp_event_core::events::daemon::parse`.
//!
//! Must hold: no panic on any bytes; `parse_bytes` agrees with `parse` on
//! valid UTF-8; a message that parses renders (`to_line`) to one line that
//! the protocol detector calls JSON and that parses to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_core::events::daemon::{detect, parse, parse_bytes, Protocol, Rejected};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        assert_eq!(parse_bytes(data), Err(Rejected::NotUtf8));
        return;
    };
    let first = parse(text);
    assert_eq!(parse_bytes(data), first);
    let Ok(msg) = first else {
        return;
    };
    let line = msg.to_line();
    assert!(!line.contains(['\n', '\r']), "{text:?} renders as {line:?}");
    assert_eq!(detect(line.as_bytes()), Some(Protocol::Json), "{line:?}");
    assert_eq!(parse(&line), Ok(msg), "{text:?} renders as {line:?}");
});
