//! The store journal (`proxy-store.journal`, and `proxy-store.journal.prev`
//! of an unfinished compaction) replayed by the store's loader,
//! `Store::open`, over a valid snapshot, in a fresh directory per input (on
//! /dev/shm when there is one: the store fsyncs every write).
//!
//! Input: a snapshot byte (`% 4`: which of four valid `proxy-store.json`
//! files, with `journalSeq` 0, 0, 2 and 5), then the active journal and,
//! after a NUL, the `.prev` journal (no NUL: no `.prev` file). A line that
//! starts with `#` gets its checksum from the target (`#` becomes the CRC-32
//! of the rest of the line as 8 hex digits and a space), so the fuzzer
//! reaches the record decoder and the replay; any other line is written as
//! it is (the framing and the checksum check).
//!
//! Must hold: no panic; the store opens (`Loaded`), holds what it reports,
//! and every discarded tail ends its file; a change applied after the open
//! is found by the next open (a discarded tail is cut, sequence numbers go
//! on); a compaction then saves what replayed, and the next open loads the
//! same value from the snapshot alone (nothing replayed, nothing
//! discarded), which `store::parse_store` reads to the same value.
#![no_main]

use std::fs;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use ptp_event_proxy::store::{
    parse_store, OpenOutcome, OpenReport, Store, StoreChange, StoreData, StoreOptions, StoreRole,
    JOURNAL_FILE, PREV_JOURNAL_FILE, STORE_FILE,
};

const SNAPSHOTS: [&str; 4] = [
    r#"{"format":1}"#,
    r#"{"format":1,"publishers":[{"api":"v2","resource":"/cluster/node/n/sync/ptp-status/lock-state","id":"a8c0b15c-567d-4b77-8b93-585794903745"}],"subscriptions":[{"api":"v2","id":"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a","resource":"/cluster/node/n/sync/ptp-status/lock-state","endpoint":"http://127.0.0.1:9043/event","uriLocation":"http://p/api/ocloudNotifications/v2/subscriptions/5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a","created":"2025-05-14T14:00:02.3Z"}],"transportClients":[],"lastSyncState":"LOCKED"}"#,
    r#"{"format":1,"publishers":[],"subscriptions":[{"api":"v1","id":"s1","resource":"/cluster/node/n/sync/sync-status/os-clock-sync-state","uriLocation":"http://p/api/cloudNotifications/v1/subscriptions/s1","created":"2025-05-14T14:00:02.3Z"}],"transportClients":[{"clientId":"c1","endpoint":"http://127.0.0.1:9/c1","subscriptions":[{"id":"t1","resource":"/cluster/node/n/sync","endpoint":"","uriLocation":""}]}],"journalSeq":2}"#,
    r#"{"format":1,"lastSyncState":"HOLDOVER","journalSeq":5}"#,
];

const MARK: &str = "FUZZ-after-replay";

fn temp_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let b = tempfile::Builder::new()
        .prefix("fuzz-journal-")
        .tempdir_in(shm);
    b.or_else(|_| tempfile::tempdir())
        .expect("a temporary directory")
}

/// The journal file of `part`: `#` lines get their checksum.
fn journal_bytes(part: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(part.len() + 64);
    let mut lines = part.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        match line.strip_prefix(b"#") {
            Some(json) => {
                out.extend_from_slice(format!("{:08x} ", crc32fast::hash(json)).as_bytes());
                out.extend_from_slice(json);
            }
            None => out.extend_from_slice(line),
        }
        if lines.peek().is_some() {
            out.push(b'\n');
        }
    }
    out
}

fn open(dir: &Path) -> (Store, StoreData, OpenReport) {
    let options = StoreOptions {
        background: false,
        ..StoreOptions::default()
    };
    let opened = Store::open_with(dir, StoreRole::V2Producer, options);
    let (store, data, report) = opened.unwrap_or_else(|e| panic!("open fails: {e}"));
    assert_eq!(report.outcome, OpenOutcome::Loaded, "{report:?}");
    assert_eq!(store.data(), data, "the store holds what open returned");
    (store, data, report)
}

fuzz_target!(|input: &[u8]| {
    let Some((&which, rest)) = input.split_first() else {
        return;
    };
    let snapshot = SNAPSHOTS[usize::from(which % 4)];
    let mut parts = rest.splitn(2, |&b| b == 0);
    let active = journal_bytes(parts.next().unwrap_or_default());
    let prev = parts.next().map(journal_bytes);

    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name);
    fs::write(path(STORE_FILE), snapshot).expect("write the snapshot");
    if !active.is_empty() {
        fs::write(path(JOURNAL_FILE), &active).expect("write the journal");
    }
    if let Some(prev) = &prev {
        fs::write(path(PREV_JOURNAL_FILE), prev).expect("write the .prev journal");
    }

    // Replay.
    let (store, replayed, report) = open(dir.path());
    let newlines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    let records = newlines(&active) + prev.as_deref().map_or(0, newlines);
    assert!(report.replayed <= records, "{report:?}");
    for d in &report.discarded {
        let len = fs::metadata(&d.file).map(|m| m.len()).unwrap_or(0);
        let file_len = if d.file.ends_with(PREV_JOURNAL_FILE) {
            prev.as_ref().map_or(0, |p| p.len() as u64)
        } else {
            active.len() as u64
        };
        assert_eq!(len, file_len, "open cut or wrote a journal: {d:?}");
        assert!(d.bytes > 0 && d.offset + d.bytes == file_len, "{d:?}");
        assert!(!d.reason.is_empty());
    }
    if report.replayed == 0 {
        let (data, _) = parse_store(snapshot.as_bytes()).expect("a valid snapshot");
        assert_eq!(replayed, data, "nothing replayed, yet the data changed");
    }

    // A change after the replay is kept by the next open.
    let mark = StoreChange::SetSyncState(MARK.to_owned());
    store.apply(&[mark]).expect("a change after the replay");
    drop(store);
    let mut expected = replayed;
    expected.last_sync_state = Some(MARK.to_owned());
    let (store, again, _) = open(dir.path());
    assert_eq!(again, expected, "the change after the replay is lost");

    // Saved (compacted) and loaded from the snapshot alone.
    store.compact_now().expect("compaction");
    drop(store);
    assert!(!path(PREV_JOURNAL_FILE).exists());
    let (_store, saved, report) = open(dir.path());
    assert_eq!(saved, expected, "the compacted store differs");
    assert_eq!(report.replayed, 0, "{report:?}");
    assert!(report.discarded.is_empty(), "{report:?}");
    let file = fs::read(path(STORE_FILE)).expect("the snapshot");
    let (from_file, _) = parse_store(&file).expect("the compacted snapshot parses");
    assert_eq!(from_file, expected);
});
