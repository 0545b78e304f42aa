//! Tests of the store file: model, save, loading and quarantine.

use super::*;
use std::fs;
use std::thread;

const SPEC_EXAMPLE: &str = r#"{
  "format": 1,
  "publishers": [
    {"api": "v2", "resource": "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state", "id": "a8c0b15c-567d-4b77-8b93-585794903745"}
  ],
  "subscriptions": [
    {"api": "v2", "id": "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a",
     "resource": "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state",
     "endpoint": "http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043/event",
     "uriLocation": "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions/5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a",
     "created": "2025-05-14T14:00:02.3Z"}
  ],
  "transportClients": [],
  "lastSyncState": "LOCKED"
}"#;

fn sample() -> StoreData {
    StoreData {
        format: FORMAT,
        publishers: vec![StoredPublisher {
            api: Api::V1,
            resource: "/cluster/node/n/sync/ptp-status/lock-state".into(),
            id: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d".into(),
        }],
        subscriptions: vec![
            StoredSubscription {
                api: Api::V2,
                id: "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a".into(),
                resource: "/cluster/node/n/sync/ptp-status/lock-state".into(),
                endpoint: Some("http://consumer:9043/event".into()),
                uri_location: "http://p:9043/api/ocloudNotifications/v2/subscriptions/5d1b".into(),
                created: "2025-05-14T14:00:02.3Z".into(),
            },
            StoredSubscription {
                api: Api::V1,
                id: "e23473d9-ba18-4f78-946e-401a0caeff90".into(),
                resource: "/cluster/node/n/sync/ptp-status/lock-state".into(),
                endpoint: None,
                uri_location: "http://localhost:8089/api/ocloudNotifications/v1/subscriptions/e234"
                    .into(),
                created: "2025-05-14T14:00:03Z".into(),
            },
        ],
        transport_clients: vec![TransportClient {
            client_id: "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f".into(),
            endpoint: "http://consumer-events-subscription-service:9043".into(),
            subscriptions: vec![TransportSubscription {
                id: "e23473d9-ba18-4f78-946e-401a0caeff90".into(),
                resource: "/cluster/node/n/sync/ptp-status/lock-state".into(),
                endpoint: "http://localhost:8989/event".into(),
                uri_location: "http://localhost:8089/api/ocloudNotifications/v1/subscriptions/e234"
                    .into(),
            }],
        }],
        last_sync_state: Some("HOLDOVER".into()),
    }
}

fn open(dir: &Path) -> (Store, StoreData, OpenReport) {
    Store::open(dir, StoreRole::V2Producer).expect("open")
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn empty_directory_gives_empty_store_and_writes_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("a/b");
    let (store, data, report) = open(&dir);
    assert_eq!(report.outcome, OpenOutcome::Initialised);
    assert_eq!(report.imported, ImportCounts::default());
    assert!(report.skipped.is_empty());
    assert_eq!(data, StoreData::default());
    assert!(data.is_empty());
    assert_eq!(store.path(), dir.join(STORE_FILE));
    assert_eq!(store.dir(), dir);
    assert_eq!(files(&dir), vec![STORE_FILE]);
}

#[test]
fn round_trip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    let data = sample();
    store.save(&data).expect("save");
    let (_, loaded, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(loaded, data);
}

#[test]
fn member_names_as_in_the_spec() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    store.save(&sample()).expect("save");
    store.compact_now().expect("compact");
    let text = fs::read_to_string(store.path()).expect("read");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "format",
        "publishers",
        "subscriptions",
        "transportClients",
        "lastSyncState",
    ] {
        assert!(keys.contains(&k), "{k} missing in {text}");
    }
    assert_eq!(v["format"], 1);
    assert_eq!(v["publishers"][0]["api"], "v1");
    let sub = &v["subscriptions"][0];
    assert_eq!(sub["api"], "v2");
    for k in ["id", "resource", "endpoint", "uriLocation", "created"] {
        assert!(sub.get(k).is_some(), "{k} missing");
    }
    assert!(v["subscriptions"][1].get("endpoint").is_none());
    let client = &v["transportClients"][0];
    assert!(client.get("clientId").is_some() && client.get("endpoint").is_some());
    let tsub = &client["subscriptions"][0];
    for k in ["id", "resource", "endpoint", "uriLocation"] {
        assert!(tsub.get(k).is_some(), "{k} missing");
    }
    // Member order of the file follows the spec example.
    let pos = |s: &str| text.find(s).expect("member");
    assert!(pos("\"format\"") < pos("\"publishers\""));
    assert!(pos("\"publishers\"") < pos("\"subscriptions\""));
    assert!(pos("\"transportClients\"") < pos("\"lastSyncState\""));
    // The journal position comes last; readers of §8.1 ignore it.
    assert!(pos("\"lastSyncState\"") < pos("\"journalSeq\""));
    assert_eq!(v["journalSeq"], 1);
}

#[test]
fn spec_example_loads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join(STORE_FILE), SPEC_EXAMPLE).expect("write");
    let (_, data, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(
        data.publishers[0].id,
        "a8c0b15c-567d-4b77-8b93-585794903745"
    );
    assert_eq!(data.subscriptions[0].api, Api::V2);
    assert_eq!(data.subscriptions[0].created, "2025-05-14T14:00:02.3Z");
    assert!(data.transport_clients.is_empty());
    assert_eq!(data.last_sync_state.as_deref(), Some("LOCKED"));
}

#[test]
fn unknown_members_are_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = r#"{"format":1,"future":{"x":[1,2]},
        "publishers":[{"api":"v2","resource":"/r","id":"p1","extra":true}],
        "subscriptions":[{"api":"v1","id":"s1","resource":"/r","uriLocation":"u","created":"c","ttl":5}],
        "transportClients":[{"clientId":"c1","endpoint":"http://e","subscriptions":[{"id":"t","resource":"/r","endpoint":"","uriLocation":"","x":null}],"y":1}]}"#;
    fs::write(tmp.path().join(STORE_FILE), text).expect("write");
    let (_, data, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(data.publishers.len(), 1);
    assert_eq!(data.subscriptions[0].endpoint, None);
    assert_eq!(data.transport_clients[0].subscriptions[0].id, "t");
    assert_eq!(data.last_sync_state, None);
}

fn assert_quarantined(content: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join(STORE_FILE), content).expect("write");
    // A reference file beside it must not be imported after a quarantine.
    let consumer = tmp.path().join("e4a181ee-edf2-3ea6-a65a-d94b404e121a.json");
    fs::write(
        &consumer,
        r#"{"clientID":"x","subStore":{"store":{}},"EndpointUri":"http://c:1/e"}"#,
    )
    .expect("write");
    let (_, data, report) = open(tmp.path());
    let OpenOutcome::Corrupt { moved_to, reason } = &report.outcome else {
        panic!("expected Corrupt, got {:?}", report.outcome);
    };
    assert!(!reason.is_empty());
    let name = moved_to
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let secs = name
        .strip_prefix("proxy-store.json.corrupt-")
        .expect("prefix");
    assert!(secs.parse::<u64>().expect("seconds") > 1_700_000_000);
    assert_eq!(fs::read_to_string(moved_to).expect("read"), content);
    assert_eq!(data, StoreData::default());
    assert!(report.renamed.is_empty());
    assert!(consumer.exists());
    // The new, empty store file exists, so the next open just loads it.
    let (_, again, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(again, StoreData::default());
}

#[test]
fn unparsable_file_is_moved_aside() {
    assert_quarantined("{\"format\": 1, \"publishers\": [");
}

#[test]
fn wrong_shape_is_moved_aside() {
    assert_quarantined(r#"{"format":1,"subscriptions":{"a":1}}"#);
}

#[test]
fn unknown_format_is_moved_aside() {
    assert_quarantined(r#"{"format":2,"publishers":[]}"#);
    assert_quarantined(r#"{"format":"1"}"#);
    assert_quarantined(r#"{"publishers":[]}"#);
}

#[test]
fn save_leaves_no_tmp_file_and_does_not_rewrite_the_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    let before = fs::read(store.path()).expect("read");
    store.save(&sample()).expect("save");
    store.save(&StoreData::default()).expect("save");
    assert_eq!(files(tmp.path()), vec![JOURNAL_FILE, STORE_FILE]);
    assert_eq!(fs::read(store.path()).expect("read"), before);
    let (_, data, _) = open(tmp.path());
    // No change removes publishers or the sync-state.
    let expected = StoreData {
        publishers: sample().publishers,
        last_sync_state: sample().last_sync_state,
        ..StoreData::default()
    };
    assert_eq!(data, expected);
}

#[test]
fn failed_write_keeps_the_old_content() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    store.save(&sample()).expect("save");
    store.compact_now().expect("compact");
    let before = fs::read(store.path()).expect("read");
    // A directory where the journal should go makes the write fail, even
    // for root (who ignores read-only permissions).
    fs::create_dir(tmp.path().join(JOURNAL_FILE)).expect("mkdir");
    let err = store.save(&StoreData::default()).expect_err("must fail");
    match &err {
        StoreError::Io { path, .. } => assert_eq!(path, &tmp.path().join(JOURNAL_FILE)),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains(JOURNAL_FILE), "{err}");
    assert_eq!(fs::read(store.path()).expect("read"), before);
    assert_eq!(store.data(), sample());
    assert!(!store.writable());
}

#[test]
fn stale_tmp_file_is_removed_on_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join(STORE_FILE), SPEC_EXAMPLE).expect("write");
    fs::write(tmp.path().join(STORE_TMP_FILE), "{half").expect("write");
    let (_, data, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(data.subscriptions.len(), 1);
    assert_eq!(files(tmp.path()), vec![STORE_FILE]);
}

#[test]
fn save_rejects_other_formats() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    let data = StoreData {
        format: 7,
        ..StoreData::default()
    };
    assert!(matches!(
        store.save(&data),
        Err(StoreError::Format { found: 7, .. })
    ));
}

#[test]
fn concurrent_saves_through_clones_are_serialised() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Store>();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (store, _, _) = open(tmp.path());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let store = store.clone();
            thread::spawn(move || {
                for j in 0..10 {
                    let mut data = sample();
                    data.last_sync_state = Some(format!("S{i}-{j}"));
                    store.save(&data).expect("save");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("join");
    }
    let (_, data, report) = open(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert!(data.last_sync_state.expect("state").ends_with("-9"));
    assert_eq!(files(tmp.path()), vec![JOURNAL_FILE, STORE_FILE]);
}
