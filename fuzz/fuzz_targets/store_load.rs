//! The subscription store loader: `store::parse_store`, what
//! `Store::open` holds after reading `proxy-store.json`, and
//! `store::encode_store`, what a compaction writes.
//!
//! Must hold: no panic on any bytes (an unreadable file is moved aside with
//! a reason, never a crash); what loads has the one known format, saves and
//! loads again to the same value, and saves to the same bytes twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_proxy::store::{encode_store, parse_store, FORMAT};

fuzz_target!(|data: &[u8]| {
    let (loaded, seq) = match parse_store(data) {
        Ok(d) => d,
        Err(reason) => {
            assert!(!reason.is_empty());
            return;
        }
    };
    assert_eq!(loaded.format, FORMAT);
    let saved = encode_store(&loaded, seq).expect("a loaded store saves");
    assert_eq!(
        encode_store(&loaded, seq).expect("saves"),
        saved,
        "saving is deterministic"
    );
    let again = parse_store(&saved).unwrap_or_else(|e| {
        panic!(
            "saved {:?} does not load: {e}",
            String::from_utf8_lossy(&saved)
        )
    });
    assert_eq!(again, (loaded, seq));
});
