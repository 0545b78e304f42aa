//! The subscription store loader: `store::parse_store`, what
//! `Store::open` reads `proxy-store.json` with, and `store::encode_store`,
//! what `Store::save` writes.
//!
//! Must hold: no panic on any bytes (an unreadable file is moved aside with
//! a reason, never a crash); what loads has the one known format, saves and
//! loads again to the same value, and saves to the same bytes twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_proxy::store::{encode_store, parse_store, FORMAT};

fuzz_target!(|data: &[u8]| {
    let loaded = match parse_store(data) {
        Ok(d) => d,
        Err(reason) => {
            assert!(!reason.is_empty());
            return;
        }
    };
    assert_eq!(loaded.format, FORMAT);
    let saved = encode_store(&loaded).expect("a loaded store saves");
    assert_eq!(encode_store(&loaded).expect("saves"), saved, "saving is deterministic");
    let again = parse_store(&saved).unwrap_or_else(|e| {
        panic!("saved {:?} does not load: {e}", String::from_utf8_lossy(&saved))
    });
    assert_eq!(again, loaded);
});
