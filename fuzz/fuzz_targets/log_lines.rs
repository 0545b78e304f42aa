//! Daemon log lines: `ptp_event_core::linuxptp::parse`.
//!
//! Must hold: the parser never panics on any text (the socket reader hands
//! only valid UTF-8 to it, so lossy conversion stands in), and a line that
//! parses, rendered back with `Display`, parses to the same model (`==` and
//! equal `Debug` text, so `-0` and `+0` frequencies differ).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_core::linuxptp::{has_config_name, parse, LogLine};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(first) = parse(&text) else {
        return;
    };
    // A line whose only configuration name sits in a token the model does
    // not keep (an unknown DPLL or SyncE key) cannot render back to a tagged
    // line; that is a limit of the model, not a parser bug.
    if let LogLine::Entry(e) = &first {
        if !has_config_name(e.config) {
            return;
        }
    }
    let rendered = first.to_string();
    match parse(&rendered) {
        Ok(again) => {
            assert_eq!(again, first, "render of {text:?} is {rendered:?}");
            assert_eq!(
                format!("{again:?}"),
                format!("{first:?}"),
                "render of {text:?} is {rendered:?}"
            );
        }
        Err(e) => panic!("{text:?} parsed as {first:?}, rendered {rendered:?}, which fails: {e}"),
    }
});
