//! Tests of the journal as the store uses it: one record per `apply`,
//! replay, compaction and its crash states, torn and corrupt records, and
//! that opening writes nothing when nothing changed.

use super::*;
use std::fs;
use std::time::{Duration, Instant, SystemTime};

const LOCK: &str = "/cluster/node/n/sync/ptp-status/lock-state";

pub(super) fn sub(id: &str) -> StoredSubscription {
    StoredSubscription {
        api: Api::V2,
        id: id.into(),
        resource: LOCK.into(),
        endpoint: Some(format!("http://127.0.0.1:9/{id}")),
        uri_location: format!("http://p/api/ocloudNotifications/v2/subscriptions/{id}"),
        created: "2025-05-14T14:00:02.3Z".into(),
    }
}

pub(super) fn put(id: &str) -> StoreChange {
    StoreChange::PutSubscription(sub(id))
}

fn client(id: &str, endpoint: &str) -> TransportClient {
    TransportClient {
        client_id: id.into(),
        endpoint: endpoint.into(),
        subscriptions: vec![TransportSubscription {
            id: format!("{id}-s"),
            resource: LOCK.into(),
            endpoint: String::new(),
            uri_location: String::new(),
        }],
    }
}

/// Options without the background thread: compaction only on request.
pub(super) fn manual() -> StoreOptions {
    StoreOptions {
        background: false,
        ..StoreOptions::default()
    }
}

pub(super) fn open_manual(dir: &Path) -> (Store, StoreData, OpenReport) {
    Store::open_with(dir, StoreRole::V2Producer, manual()).expect("open")
}

fn lines(path: &Path) -> usize {
    fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

fn ids(data: &StoreData) -> Vec<&str> {
    data.subscriptions.iter().map(|s| s.id.as_str()).collect()
}

/// Every file of `dir` with its content and modification time.
fn listing(dir: &Path) -> Vec<(String, Vec<u8>, SystemTime)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            let p = e.path();
            let modified = e.metadata().and_then(|m| m.modified()).expect("mtime");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(&p).expect("read"),
                modified,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_record_per_apply_and_the_snapshot_is_not_rewritten() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    let snapshot = fs::read(store.path()).expect("read");
    store.apply(&[put("a")]).expect("apply");
    store
        .apply(&[
            put("b"),
            put("c"),
            StoreChange::RemoveSubscriptions(vec!["a".into()]),
        ])
        .expect("apply");
    assert_eq!(lines(store.journal_path()), 2);
    assert_eq!(fs::read(store.path()).expect("read"), snapshot);
    assert_eq!(ids(&store.data()), vec!["b", "c"]);
    store.apply(&[]).expect("empty");
    assert_eq!(lines(store.journal_path()), 2);
    drop(store);
    let (_, data, report) = open_manual(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(report.replayed, 2);
    assert!(report.discarded.is_empty());
    assert_eq!(ids(&data), vec!["b", "c"]);
}

#[test]
fn every_kind_of_change_replays_to_the_same_image() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    let publisher = |id: &str| StoredPublisher {
        api: Api::V2,
        resource: LOCK.into(),
        id: id.into(),
    };
    let mut replaced = sub("a");
    replaced.endpoint = Some("http://127.0.0.1:9/other".into());
    let groups = vec![
        vec![put("a"), put("b"), put("c")],
        vec![StoreChange::PutSubscription(replaced.clone())],
        vec![StoreChange::RemoveSubscriptions(vec![
            "b".into(),
            "zz".into(),
        ])],
        vec![StoreChange::PutTransportClient(client("k1", "http://s1"))],
        vec![StoreChange::PutTransportClient(client("k2", "http://s2"))],
        vec![StoreChange::PutTransportClient(client("k1", "http://s1b"))],
        vec![StoreChange::RemoveTransportClients(vec!["k2".into()])],
        vec![StoreChange::PutPublishers(vec![publisher("p1")])],
        vec![StoreChange::PutPublishers(vec![publisher("p2")])],
        vec![StoreChange::SetSyncState("HOLDOVER".into())],
    ];
    for g in &groups {
        store.apply(g).expect("apply");
    }
    let data = store.data();
    // A replaced entry keeps its place.
    assert_eq!(ids(&data), vec!["a", "c"]);
    assert_eq!(data.subscriptions[0], replaced);
    assert_eq!(data.transport_clients, vec![client("k1", "http://s1b")]);
    assert_eq!(data.publishers, vec![publisher("p2")]);
    assert_eq!(data.last_sync_state.as_deref(), Some("HOLDOVER"));
    drop(store);
    let (_, loaded, report) = open_manual(tmp.path());
    assert_eq!(report.replayed, groups.len());
    assert_eq!(loaded, data);
    // And the same after a compaction.
    let (store, _, _) = open_manual(tmp.path());
    store.compact_now().expect("compact");
    let (_, compacted, report) = open_manual(tmp.path());
    assert_eq!(report.replayed, 0);
    assert_eq!(compacted, data);
}

#[test]
fn compaction_folds_the_journal_into_the_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    for id in ["a", "b", "c"] {
        store.apply(&[put(id)]).expect("apply");
    }
    store.compact_now().expect("compact");
    assert!(!store.journal_path().exists());
    assert!(!tmp.path().join(PREV_JOURNAL_FILE).exists());
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(store.path()).expect("read")).expect("json");
    assert_eq!(v["journalSeq"], 3);
    assert_eq!(v["subscriptions"].as_array().map(Vec::len), Some(3));
    store.apply(&[put("d")]).expect("apply");
    assert_eq!(lines(store.journal_path()), 1);
    // An empty journal: nothing to do.
    store.compact_now().expect("compact");
    store.compact_now().expect("compact again");
    drop(store);
    let (_, data, report) = open_manual(tmp.path());
    assert_eq!(report.replayed, 0);
    assert_eq!(ids(&data), vec!["a", "b", "c", "d"]);
}

#[test]
fn every_crash_state_of_a_compaction_loads_the_same() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (store, _, _) = open_manual(dir);
    for id in ["a", "b"] {
        store.apply(&[put(id)]).expect("apply");
    }
    let journal_ab = fs::read(store.journal_path()).expect("read");
    let snapshot_empty = fs::read(store.path()).expect("read");
    drop(store);
    let expect = |dir: &Path, want: &[&str]| {
        let (_, data, report) = open_manual(dir);
        assert_eq!(report.outcome, OpenOutcome::Loaded);
        assert_eq!(ids(&data), want);
    };
    // 1. Rotated, not yet written: `.prev` holds the records, a new journal
    //    the later ones.
    fs::rename(dir.join(JOURNAL_FILE), dir.join(PREV_JOURNAL_FILE)).expect("rotate");
    expect(dir, &["a", "b"]);
    let (store, _, _) = open_manual(dir);
    store.apply(&[put("c")]).expect("apply");
    drop(store);
    expect(dir, &["a", "b", "c"]);
    // 2. Snapshot written, `.prev` not yet removed: its records are skipped.
    let (store, _, _) = open_manual(dir);
    store.compact_now().expect("compact");
    drop(store);
    fs::write(dir.join(PREV_JOURNAL_FILE), &journal_ab).expect("write prev");
    let (_, data, report) = open_manual(dir);
    assert_eq!(report.replayed, 0);
    assert_eq!(ids(&data), vec!["a", "b", "c"]);
    // The next compaction removes the left-over `.prev`.
    let (store, _, _) = open_manual(dir);
    store.compact_now().expect("compact");
    assert!(!dir.join(PREV_JOURNAL_FILE).exists());
    drop(store);
    // 3. Snapshot not yet renamed into place: the old one plus `.prev`.
    fs::write(dir.join(STORE_FILE), &snapshot_empty).expect("old snapshot");
    fs::write(dir.join(STORE_TMP_FILE), b"{\"format\":1,\"subscr").expect("tmp");
    fs::write(dir.join(PREV_JOURNAL_FILE), &journal_ab).expect("prev");
    // The active journal still holds record 3 ("c").
    expect(dir, &["a", "b", "c"]);
    assert!(!dir.join(STORE_TMP_FILE).exists());
}

#[test]
fn background_compaction_keeps_the_journal_short() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let options = StoreOptions {
        compact_min_bytes: 2048,
        ..StoreOptions::default()
    };
    let (store, _, _) = Store::open_with(tmp.path(), StoreRole::V2Producer, options).expect("open");
    for i in 0..60 {
        store.apply(&[put(&format!("s{i}"))]).expect("apply");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let seq = loop {
        let v: serde_json::Value =
            serde_json::from_slice(&fs::read(store.path()).expect("read")).expect("json");
        let seq = v["journalSeq"].as_u64().unwrap_or(0);
        if seq > 0 {
            break seq;
        }
        assert!(Instant::now() < deadline, "no compaction within 10 s");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(seq <= 60);
    let data = store.data();
    drop(store);
    let (_, loaded, report) = open_manual(tmp.path());
    assert_eq!(loaded, data);
    assert_eq!(loaded.subscriptions.len(), 60);
    assert!(report.replayed < 60, "replayed {}", report.replayed);
}

#[test]
fn a_torn_last_record_is_discarded_and_cut_before_the_next_append() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    store.apply(&[put("a")]).expect("apply");
    store.apply(&[put("b")]).expect("apply");
    let journal = store.journal_path().to_path_buf();
    drop(store);
    let whole = fs::read(&journal).expect("read");
    let third = journal::encode(3, &[put("c")]).expect("encode");
    let mut torn = whole.clone();
    torn.extend_from_slice(&third[..third.len() / 2]);
    fs::write(&journal, &torn).expect("write");
    let (store, data, report) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a", "b"]);
    assert_eq!(report.discarded.len(), 1);
    let d = &report.discarded[0];
    assert!(d.torn_last);
    assert_eq!(d.offset, whole.len() as u64);
    assert_eq!(d.file, journal);
    // Opening did not touch it.
    assert_eq!(fs::read(&journal).expect("read"), torn);
    store.apply(&[put("d")]).expect("apply");
    drop(store);
    let (_, data, report) = open_manual(tmp.path());
    assert!(report.discarded.is_empty(), "{:?}", report.discarded);
    assert_eq!(ids(&data), vec!["a", "b", "d"]);
    let names: Vec<String> = fs::read_dir(tmp.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("corrupt")), "{names:?}");
}

#[test]
fn a_corrupt_record_ends_the_journal_and_the_tail_is_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    for id in ["a", "b", "c"] {
        store.apply(&[put(id)]).expect("apply");
    }
    let journal = store.journal_path().to_path_buf();
    drop(store);
    let mut bytes = fs::read(&journal).expect("read");
    let second = bytes.iter().position(|&b| b == b'\n').expect("nl") + 1;
    bytes[second + 20] ^= 0x01;
    fs::write(&journal, &bytes).expect("write");
    let (store, data, report) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a"]);
    assert!(!report.discarded[0].torn_last);
    assert_eq!(report.discarded[0].offset, second as u64);
    store.apply(&[put("e")]).expect("apply");
    drop(store);
    let kept: Vec<_> = fs::read_dir(tmp.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().contains("proxy-store.journal.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(fs::read(&kept[0]).expect("read"), &bytes[second..]);
    let (_, data, _) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a", "e"]);
}

#[test]
fn opening_writes_nothing_when_nothing_changed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    store.apply(&[put("a")]).expect("apply");
    store.compact_now().expect("compact");
    store.apply(&[put("b")]).expect("apply");
    drop(store);
    let before = listing(tmp.path());
    for _ in 0..2 {
        let (store, data, report) = Store::open(tmp.path(), StoreRole::V2Producer).expect("open");
        assert_eq!(report.replayed, 1);
        assert!(report.writable && !report.unsaved);
        assert_eq!(ids(&data), vec!["a", "b"]);
        // Nothing changed: nothing written.
        store.save(&data).expect("save");
        drop(store);
    }
    assert_eq!(listing(tmp.path()), before);
}

#[test]
fn save_writes_only_the_difference() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    let mut data = StoreData {
        subscriptions: (0..1000).map(|i| sub(&format!("s{i}"))).collect(),
        ..StoreData::default()
    };
    store.save(&data).expect("save");
    store.compact_now().expect("compact");
    data.subscriptions.push(sub("new"));
    data.subscriptions.remove(10);
    store.save(&data).expect("save");
    let journal = fs::read_to_string(store.journal_path()).expect("read");
    assert_eq!(journal.lines().count(), 1);
    assert!(journal.len() < 600, "{} bytes: {journal}", journal.len());
    assert!(
        journal.contains("\"removeSubscriptions\":[\"s10\"]"),
        "{journal}"
    );
    assert_eq!(store.data(), data);
}

#[test]
fn a_journal_without_its_store_file_is_moved_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    store.apply(&[put("a")]).expect("apply");
    drop(store);
    fs::remove_file(tmp.path().join(STORE_FILE)).expect("rm");
    let (store, data, report) = open_manual(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Initialised);
    assert!(data.subscriptions.is_empty());
    assert!(!store.journal_path().exists());
    let moved = fs::read_dir(tmp.path())
        .expect("dir")
        .filter(|e| {
            e.as_ref().is_ok_and(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("proxy-store.journal.corrupt-")
            })
        })
        .count();
    assert_eq!(moved, 1);
    store.apply(&[put("b")]).expect("apply");
    drop(store);
    let (_, data, _) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["b"]);
}

#[test]
fn a_quarantine_also_moves_the_journal_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open_manual(tmp.path());
    store.apply(&[put("a")]).expect("apply");
    drop(store);
    fs::write(tmp.path().join(STORE_FILE), "{\"format\":1,").expect("corrupt");
    let (_, data, report) = open_manual(tmp.path());
    assert!(matches!(report.outcome, OpenOutcome::Corrupt { .. }));
    assert!(data.subscriptions.is_empty());
    assert!(!tmp.path().join(JOURNAL_FILE).exists());
    let (_, data, report) = open_manual(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert!(data.subscriptions.is_empty());
}

#[test]
fn writes_through_clones_from_threads_are_all_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let options = StoreOptions {
        compact_min_bytes: 4096,
        ..StoreOptions::default()
    };
    let (store, _, _) = Store::open_with(tmp.path(), StoreRole::V2Producer, options).expect("open");
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    store.apply(&[put(&format!("t{t}-{i}"))]).expect("apply");
                    if i % 3 == 0 {
                        store
                            .apply(&[StoreChange::RemoveSubscriptions(vec![format!("t{t}-{i}")])])
                            .expect("apply");
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("join");
    }
    let data = store.data();
    assert_eq!(data.subscriptions.len(), 4 * (40 - 14));
    drop(store);
    let (_, loaded, _) = open_manual(tmp.path());
    assert_eq!(loaded, data);
}

/// A journal line with a valid checksum for `json`.
fn record_line(json: &str) -> String {
    format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes()))
}

#[test]
fn a_record_numbered_u64_max_does_not_swallow_the_next_change() {
    // Seen while writing the store_journal fuzz target, which reproduces
    // it with this input: the next append computed u64::MAX + 1 (a panic
    // with overflow checks; in a release build a record numbered 0, which
    // the next open skipped).
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join(STORE_FILE), r#"{"format":1}"#).expect("write");
    let max = record_line(r#"{"seq":18446744073709551615,"changes":[]}"#);
    let journal = tmp.path().join(JOURNAL_FILE);
    fs::write(&journal, &max).expect("write");
    let (store, _, report) = open_manual(tmp.path());
    assert_eq!(report.replayed, 0);
    assert_eq!(report.discarded[0].reason, "sequence number out of range");
    store.apply(&[put("a")]).expect("apply");
    drop(store);
    let (store, data, report) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a"]);
    assert_eq!(report.replayed, 1);
    assert!(report.discarded.is_empty(), "{:?}", report.discarded);
    store.compact_now().expect("compact");
    drop(store);
    let (_, data, report) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a"]);
    assert_eq!(report.replayed, 0);
}

#[test]
fn a_snapshot_with_journal_seq_out_of_range_is_moved_aside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = r#"{"format":1,"journalSeq":18446744073709551615}"#;
    fs::write(tmp.path().join(STORE_FILE), text).expect("write");
    let (store, data, report) = open_manual(tmp.path());
    match &report.outcome {
        OpenOutcome::Corrupt { reason, moved_to } => {
            assert!(reason.contains("out of range"), "{reason}");
            assert_eq!(fs::read_to_string(moved_to).expect("moved"), text);
        }
        other => panic!("{other:?}"),
    }
    assert!(data.is_empty());
    store.apply(&[put("a")]).expect("apply");
    drop(store);
    let (_, data, _) = open_manual(tmp.path());
    assert_eq!(ids(&data), vec!["a"]);
}
