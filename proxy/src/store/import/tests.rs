//! Import of the reference's files, with the fixtures of
//! `proxy/testdata/store/`.

use std::fs;
use std::path::{Path, PathBuf};

use super::super::{OpenOutcome, Store, StoreData, StoreRole, STORE_FILE, STORE_TMP_FILE};
use super::*;

const V2_CONSUMER: &str = "e4a181ee-edf2-3ea6-a65a-d94b404e121a.json";
const V2_CONSUMER_2: &str = "f0e1d2c3-b4a5-3968-8777-665544332211.json";
const V2_BROKEN: &str = "9f8e7d6c-5b4a-4392-8817-161514131211.json";
const V1_CLIENT: &str = "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f.json";
const V1_BAD_CLIENT: &str = "c2a7e3b5-4d6f-3a9b-8f8e-3b2c5d7e9f10.json";
const LOCK: &str = "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state";

/// Copies the fixture directory `name` into a fresh temporary directory.
fn fixture(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/store")
        .join(name);
    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in fs::read_dir(&src).expect("fixture dir") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy");
    }
    tmp
}

fn exists(dir: &Path, name: &str) -> bool {
    dir.join(name).exists()
}

fn skipped_entries(skipped: &[SkippedEntry], file: &str) -> Vec<Option<String>> {
    skipped
        .iter()
        .filter(|s| s.file.file_name().is_some_and(|f| f == file))
        .map(|s| s.entry.clone())
        .collect()
}

fn imported_name(name: &str) -> String {
    format!("{name}.imported")
}

fn on_disk(dir: &Path) -> StoreData {
    serde_json::from_slice(&fs::read(dir.join(STORE_FILE)).expect("read")).expect("parse")
}

#[test]
fn v2_producer_import() {
    let tmp = fixture("v2-producer");
    let dir = tmp.path();
    let (_, data, report) = Store::open(dir, StoreRole::V2Producer).expect("open");
    assert_eq!(report.outcome, OpenOutcome::Initialised);
    assert_eq!(
        report.imported,
        ImportCounts {
            v2_subscriptions: 3,
            publishers: 2,
            last_sync_state: true,
            ..ImportCounts::default()
        }
    );
    let subs: Vec<(&str, &str, Option<&str>)> = data
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.resource.as_str(), s.endpoint.as_deref()))
        .collect();
    assert_eq!(
        subs,
        vec![
            (
                "5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a",
                LOCK,
                Some("http://consumer.ns.svc:8989/event")
            ),
            (
                "6e2cb2c7-1b8d-4a4f-8e7c-2a3f4e5d6c7b",
                "/cluster/node/compute-1.example.com/sync/sync-status/os-clock-sync-state",
                // No entry endpoint: the document's `EndPointURI`.
                Some("http://consumer.ns.svc:8989/event")
            ),
            (
                "22222222-3333-4444-8555-666666666666",
                "/cluster/node/compute-1.example.com/sync/ptp-status/clock-class",
                Some("http://other.ns.svc:9000/ptp")
            ),
        ]
    );
    let first = &data.subscriptions[0];
    assert_eq!(first.api, Api::V2);
    assert_eq!(
        first.uri_location,
        "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions/5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a"
    );
    assert!(first.created.ends_with('Z'));
    assert!(data.transport_clients.is_empty());
    assert_eq!(data.publishers.len(), 2);
    assert!(data.publishers.iter().all(|p| p.api == Api::V2));
    assert_eq!(
        data.publishers[0].id,
        "a8c0b15c-567d-4b77-8b93-585794903745"
    );
    assert_eq!(data.publishers[0].resource, LOCK);
    assert_eq!(data.last_sync_state.as_deref(), Some("LOCKED"));

    // Skipped: missing resource, duplicate pair, unusable endpoint, broken
    // file, and sub.json (v1 subscriptions in a v2 producer).
    let e = |s: &str| Some(s.to_owned());
    assert_eq!(
        skipped_entries(&report.skipped, V2_CONSUMER),
        vec![e("7f3dc3d8-2c9e-4b50-9f8d-3b4a5f6e7d8c")]
    );
    assert_eq!(
        skipped_entries(&report.skipped, V2_CONSUMER_2),
        vec![
            e("11111111-2222-4333-8444-555555555555"),
            e("33333333-4444-4555-8666-777777777777")
        ]
    );
    assert_eq!(skipped_entries(&report.skipped, V2_BROKEN), vec![None]);
    assert_eq!(skipped_entries(&report.skipped, "sub.json"), vec![None]);
    assert_eq!(report.skipped.len(), 5);

    // Files: the used consumer files are renamed, everything else stays.
    assert_eq!(
        report.renamed,
        vec![
            dir.join(imported_name(V2_CONSUMER)),
            dir.join(imported_name(V2_CONSUMER_2))
        ]
    );
    assert!(report.not_renamed.is_empty());
    for name in [V2_CONSUMER, V2_CONSUMER_2] {
        assert!(
            !exists(dir, name) && exists(dir, &imported_name(name)),
            "{name}"
        );
    }
    for name in [
        V2_BROKEN,
        "notes.json",
        "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f.json.imported",
        "sub.json",
        "pub.json",
        "metrics.json",
    ] {
        assert!(exists(dir, name), "{name} must stay");
    }
    assert_eq!(on_disk(dir), data);
}

#[test]
fn v1_producer_import() {
    let tmp = fixture("v1-producer");
    let dir = tmp.path();
    let (_, data, report) = Store::open(dir, StoreRole::V1Producer).expect("open");
    assert_eq!(
        report.imported,
        ImportCounts {
            v1_subscriptions: 2,
            transport_clients: 1,
            transport_subscriptions: 2,
            publishers: 1,
            last_sync_state: true,
            ..ImportCounts::default()
        }
    );
    let client = &data.transport_clients[0];
    assert_eq!(client.client_id, "b1f6d2a4-3c5e-3f8a-9e7d-2a1b4c6d8e0f");
    assert_eq!(
        client.endpoint,
        "http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043"
    );
    let tsubs: Vec<(&str, &str)> = client
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.endpoint.as_str()))
        .collect();
    assert_eq!(
        tsubs,
        vec![
            (
                "e23473d9-ba18-4f78-946e-401a0caeff90",
                "http://localhost:8989/event"
            ),
            ("f34584ea-cb29-4089-a57f-512b1dbf0001", ""),
        ]
    );
    assert_eq!(client.subscriptions[0].resource, LOCK);
    assert!(client.subscriptions[0]
        .uri_location
        .ends_with("/e23473d9-ba18-4f78-946e-401a0caeff90"));

    assert!(data.subscriptions.iter().all(|s| s.api == Api::V1));
    let subs: Vec<(&str, Option<&str>)> = data
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.endpoint.as_deref()))
        .collect();
    assert_eq!(
        subs,
        vec![
            (
                "e23473d9-ba18-4f78-946e-401a0caeff90",
                Some("http://localhost:8989/event")
            ),
            ("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6", None),
        ]
    );
    assert_eq!(data.publishers.len(), 1);
    assert_eq!(data.publishers[0].api, Api::V1);
    assert_eq!(
        data.publishers[0].id,
        "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
    );
    assert_eq!(data.last_sync_state.as_deref(), Some("HOLDOVER"));

    assert_eq!(
        skipped_entries(&report.skipped, V1_CLIENT),
        vec![Some("f34584ea-cb29-4089-a57f-512b1dbf0002".to_owned())]
    );
    assert_eq!(skipped_entries(&report.skipped, V1_BAD_CLIENT), vec![None]);
    assert_eq!(
        skipped_entries(&report.skipped, "sub.json"),
        vec![Some("[2]".to_owned())]
    );
    assert_eq!(report.skipped.len(), 3);

    assert_eq!(report.renamed, vec![dir.join(imported_name(V1_CLIENT))]);
    assert!(!exists(dir, V1_CLIENT));
    for name in [
        V1_BAD_CLIENT,
        "config.json",
        "sub.json",
        "pub.json",
        "metrics.json",
    ] {
        assert!(exists(dir, name), "{name} must stay");
    }
    assert_eq!(on_disk(dir), data);
}

#[test]
fn v1_consumer_import() {
    let tmp = fixture("v1-consumer");
    let dir = tmp.path();
    let (_, data, report) = Store::open(dir, StoreRole::V1Consumer).expect("open");
    assert_eq!(
        report.imported,
        ImportCounts {
            v1_subscriptions: 1,
            last_sync_state: true,
            ..ImportCounts::default()
        }
    );
    let sub = &data.subscriptions[0];
    assert_eq!(sub.id, "e23473d9-ba18-4f78-946e-401a0caeff90");
    // `EndpointURI` odd casing in sub.json.
    assert_eq!(sub.endpoint.as_deref(), Some("http://localhost:8989/event"));
    assert!(data.publishers.is_empty() && data.transport_clients.is_empty());
    assert_eq!(data.last_sync_state.as_deref(), Some("FREERUN"));
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    // A consumer sidecar does not touch per-consumer files.
    assert!(report.renamed.is_empty());
    assert!(exists(dir, V1_CLIENT));
}

#[test]
fn second_open_does_not_import_again() {
    let tmp = fixture("v2-producer");
    let dir = tmp.path();
    let (store, mut data, _) = Store::open(dir, StoreRole::V2Producer).expect("open");
    // A subscription deleted after the import must not come back.
    data.subscriptions.remove(0);
    store.save(&data).expect("save");
    // A consumer file appearing later is left alone.
    let late = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e.json";
    fs::copy(dir.join(imported_name(V2_CONSUMER)), dir.join(late)).expect("copy");
    let (_, again, report) = Store::open(dir, StoreRole::V2Producer).expect("reopen");
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(report.imported, ImportCounts::default());
    assert_eq!(again, data);
    assert!(exists(dir, late));
}

#[test]
fn files_are_renamed_only_after_the_store_was_written() {
    let tmp = fixture("v2-producer");
    let dir = tmp.path();
    // The store file cannot be written: a directory is in the way of the
    // temporary file. The proxy still starts, with the import in memory.
    fs::create_dir(dir.join(STORE_TMP_FILE)).expect("mkdir");
    let (store, data, report) = Store::open(dir, StoreRole::V2Producer).expect("open");
    assert!(report.unsaved);
    assert_eq!(data.subscriptions.len(), 3);
    assert!(report.renamed.is_empty());
    assert!(!exists(dir, STORE_FILE));
    for name in [V2_CONSUMER, V2_CONSUMER_2] {
        assert!(exists(dir, name), "{name} must not be renamed");
        assert!(!exists(dir, &imported_name(name)));
    }
    drop(store);
    // Once the obstacle is gone, the import runs and renames.
    fs::remove_dir(dir.join(STORE_TMP_FILE)).expect("rmdir");
    let (_, data, report) = Store::open(dir, StoreRole::V2Producer).expect("open");
    assert!(!report.unsaved);
    assert_eq!(data.subscriptions.len(), 3);
    assert_eq!(report.renamed.len(), 2);
    for name in [V2_CONSUMER, V2_CONSUMER_2] {
        assert!(exists(dir, &imported_name(name)));
    }
}

#[test]
fn transport_clients_with_the_same_id_are_merged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let doc = |sub: &str, res: &str| {
        format!(
            r#"{{"clientID":"cid","subStore":{{"store":{{"{sub}":{{"id":"{sub}","resource":"{res}","endpointUri":"http://localhost:8989/event"}}}}}},"EndpointUri":"http://sidecar:9043"}}"#
        )
    };
    let a = "00000000-0000-4000-8000-000000000001.json";
    let b = "00000000-0000-4000-8000-000000000002.json";
    fs::write(tmp.path().join(a), doc("s1", "/r1")).expect("write");
    fs::write(tmp.path().join(b), doc("s2", "/r2")).expect("write");
    let im = import(tmp.path(), StoreRole::V1Producer, "T");
    assert_eq!(im.data.transport_clients.len(), 1);
    assert_eq!(im.data.transport_clients[0].subscriptions.len(), 2);
    assert_eq!(im.counts.transport_clients, 1);
    assert_eq!(im.counts.transport_subscriptions, 2);
    let files: Vec<PathBuf> = [a, b].iter().map(|n| tmp.path().join(n)).collect();
    assert_eq!(im.consumer_files, files);
}

#[test]
fn deleted_consumer_and_missing_client_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let deleted = "00000000-0000-4000-8000-000000000003.json";
    fs::write(
        tmp.path().join(deleted),
        r#"{"clientID":"x","subStore":{"store":{}},"EndpointUri":"http://a:1","action":2}"#,
    )
    .expect("write");
    let anon = "00000000-0000-4000-8000-000000000004.json";
    fs::write(
        tmp.path().join(anon),
        r#"{"subStore":{"store":[{"resource":"/r"}]},"endpointuri":" http://sidecar:9043 "}"#,
    )
    .expect("write");
    let im = import(tmp.path(), StoreRole::V1Producer, "T");
    assert_eq!(skipped_entries(&im.skipped, deleted), vec![None]);
    let client = &im.data.transport_clients[0];
    assert_eq!(client.endpoint, "http://sidecar:9043");
    let expected = Uuid::new_v3(&Uuid::NAMESPACE_URL, b"http://sidecar:9043").to_string();
    assert_eq!(client.client_id, expected);
    // No id anywhere: a fresh one.
    assert!(Uuid::try_parse(&client.subscriptions[0].id).is_ok());
    assert_eq!(im.consumer_files, vec![tmp.path().join(anon)]);
}

#[test]
fn metrics_json_needs_a_known_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(
        tmp.path().join("metrics.json"),
        r#"{"last_clock_state":"s2"}"#,
    )
    .expect("write");
    let im = import(tmp.path(), StoreRole::V2Producer, "T");
    assert_eq!(im.data.last_sync_state, None);
    assert_eq!(im.skipped.len(), 1);
}

#[test]
fn helpers() {
    assert!(usable_endpoint("http://consumer.ns.svc:8989/event"));
    assert!(usable_endpoint("HTTPS://h"));
    assert!(!usable_endpoint("consumer:9000"));
    assert!(!usable_endpoint("ftp://h/x"));
    assert!(!usable_endpoint("/event"));
    let obj: Map<String, Value> =
        serde_json::from_str(r#"{"EndPointURI":" x ","empty":""}"#).expect("json");
    assert_eq!(str_ci(&obj, "EndpointUri"), Some("x"));
    assert_eq!(str_ci(&obj, "empty"), None);
    assert_eq!(str_ci(&obj, "missing"), None);
}
