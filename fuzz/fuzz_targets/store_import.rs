//! The one-time import of the reference proxy's files (`Store::open` on a
//! directory without `proxy-store.json`), in a fresh directory per input
//! (on /dev/shm when there is one: the store fsyncs every write).
//!
//! Input: a role byte (`% 3`: v2 producer, v1 producer, v1 consumer), then
//! up to five NUL-separated files: two per-consumer `<uuid>.json` files,
//! `sub.json`, `pub.json`, `metrics.json` (an empty part writes no file).
//!
//! Must hold: no panic; the import writes a store that opens again
//! (`Loaded`) to the same value, and saves and loads to it in memory; the
//! counts match what was stored; ids stay unique (subscriptions per API,
//! publishers by id and resource, transport clients by client id); every
//! used per-consumer file was renamed to `.imported`.
#![no_main]

use std::collections::HashSet;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ptp_event_proxy::store::{encode_store, parse_store, Api, OpenOutcome, Store, StoreRole};

const FILES: [&str; 5] = [
    "0b8a3c4e-1f2d-4e5a-9b6c-7d8e9f0a1b2c.json",
    "f0e1d2c3-b4a5-3968-8777-665544332211.json",
    "sub.json",
    "pub.json",
    "metrics.json",
];

fn temp_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let b = tempfile::Builder::new()
        .prefix("fuzz-store-")
        .tempdir_in(shm);
    b.or_else(|_| tempfile::tempdir())
        .expect("a temporary directory")
}

fn unique<'a>(what: &str, items: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for i in items {
        assert!(seen.insert(i), "{what} {i:?} twice");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&role, rest)) = data.split_first() else {
        return;
    };
    let role = match role % 3 {
        0 => StoreRole::V2Producer,
        1 => StoreRole::V1Producer,
        _ => StoreRole::V1Consumer,
    };
    let dir = temp_dir();
    for (name, part) in FILES.iter().zip(rest.split(|b| *b == 0)) {
        if !part.is_empty() {
            std::fs::write(dir.path().join(name), part).expect("write an input file");
        }
    }
    let (_store, data, report) = Store::open(dir.path(), role).expect("open imports");
    assert_eq!(report.outcome, OpenOutcome::Initialised);

    let c = &report.imported;
    let count = |api| data.subscriptions.iter().filter(|s| s.api == api).count();
    assert_eq!(c.v2_subscriptions, count(Api::V2), "{report:?} {data:?}");
    assert_eq!(c.v1_subscriptions, count(Api::V1), "{report:?} {data:?}");
    assert_eq!(c.transport_clients, data.transport_clients.len());
    let subs: usize = data
        .transport_clients
        .iter()
        .map(|t| t.subscriptions.len())
        .sum();
    assert_eq!(c.transport_subscriptions, subs, "{report:?} {data:?}");
    assert_eq!(c.publishers, data.publishers.len());
    assert_eq!(c.last_sync_state, data.last_sync_state.is_some());
    for api in [Api::V2, Api::V1] {
        let ids = data.subscriptions.iter().filter(|s| s.api == api);
        unique("subscription id", ids.map(|s| s.id.as_str()));
    }
    unique(
        "publisher id",
        data.publishers.iter().map(|p| p.id.as_str()),
    );
    unique(
        "publisher resource",
        data.publishers.iter().map(|p| p.resource.as_str()),
    );
    unique(
        "client id",
        data.transport_clients.iter().map(|t| t.client_id.as_str()),
    );
    for s in data.subscriptions.iter().filter(|s| s.api == Api::V2) {
        assert!(s.endpoint.is_some(), "{s:?}");
    }
    for r in &report.renamed {
        assert!(r.exists(), "{r:?}");
    }
    assert!(report.not_renamed.is_empty(), "{report:?}");

    let (_store, again, report) = Store::open(dir.path(), role).expect("open loads");
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(again, data);
    let saved = encode_store(&data, 0).expect("saves");
    assert_eq!(parse_store(&saved).expect("loads"), (data, 0));
});
