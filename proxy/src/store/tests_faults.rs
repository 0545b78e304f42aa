//! Tests of failed writes: nothing changes, the observer and the writable
//! state report it, and a pending compaction or initial store file is
//! retried until it succeeds. Writes are made to fail with obstacles (a
//! directory where a file must go), which stop root too; the black-box
//! tests use a real read-only mount.

use super::tests_journal::{manual, open_manual, put};
use super::*;
use std::fs;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Records what the store reports.
#[derive(Default)]
struct Recorder {
    failures: AtomicU64,
    states: Mutex<Vec<bool>>,
}

impl Recorder {
    fn failures(&self) -> u64 {
        self.failures.load(Ordering::SeqCst)
    }
    fn states(&self) -> Vec<bool> {
        self.states.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl StoreObserver for Recorder {
    fn write_failed(&self, _error: &StoreError) {
        self.failures.fetch_add(1, Ordering::SeqCst);
    }
    fn writable_changed(&self, writable: bool) {
        if let Ok(mut s) = self.states.lock() {
            s.push(writable);
        }
    }
}

fn with(rec: &Arc<Recorder>, background: bool) -> StoreOptions {
    StoreOptions {
        observer: rec.clone(),
        background,
        retry_initial: Duration::from_millis(10),
        retry_max: Duration::from_millis(40),
        ..StoreOptions::default()
    }
}

fn wait(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_failed_apply_changes_nothing_until_a_write_succeeds_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rec = Arc::new(Recorder::default());
    let (store, _, report) =
        Store::open_with(tmp.path(), StoreRole::V2Producer, with(&rec, false)).expect("open");
    assert!(report.writable);
    assert_eq!(rec.states(), vec![true]);
    store.apply(&[put("a")]).expect("apply");
    store.compact_now().expect("compact");
    let obstacle = tmp.path().join(JOURNAL_FILE);
    fs::create_dir(&obstacle).expect("mkdir");
    let before = store.data();
    for _ in 0..3 {
        let err = store.apply(&[put("b")]).expect_err("must fail");
        assert_eq!(err.path(), obstacle);
        assert!(err.os_error().is_some());
        assert!(err.to_string().contains(JOURNAL_FILE), "{err}");
    }
    assert_eq!(store.data(), before);
    assert!(!store.writable());
    assert_eq!(rec.failures(), 3);
    assert_eq!(rec.states(), vec![true, false]);
    fs::remove_dir(&obstacle).expect("rmdir");
    store.apply(&[put("c")]).expect("apply");
    assert!(store.writable());
    assert_eq!(rec.states(), vec![true, false, true]);
    drop(store);
    let (_, data, _) = open_manual(tmp.path());
    let ids: Vec<&str> = data.subscriptions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["a", "c"]);
}

#[test]
fn a_failed_compaction_is_retried_in_the_background() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rec = Arc::new(Recorder::default());
    let options = StoreOptions {
        compact_min_bytes: 1024,
        ..with(&rec, true)
    };
    let (store, _, _) = Store::open_with(tmp.path(), StoreRole::V2Producer, options).expect("open");
    // The snapshot cannot be replaced while a directory is in the way of
    // its temporary file; appends still work.
    let obstacle = tmp.path().join(STORE_TMP_FILE);
    fs::create_dir(&obstacle).expect("mkdir");
    for i in 0..20 {
        store.apply(&[put(&format!("s{i}"))]).expect("apply");
    }
    wait("two failed compactions", || rec.failures() >= 2);
    assert!(tmp.path().join(PREV_JOURNAL_FILE).exists());
    fs::remove_dir(&obstacle).expect("rmdir");
    wait("the compaction", || {
        !tmp.path().join(PREV_JOURNAL_FILE).exists() && store.writable()
    });
    let data = store.data();
    assert_eq!(data.subscriptions.len(), 20);
    drop(store);
    let (_, loaded, report) = open_manual(tmp.path());
    assert_eq!(loaded, data);
    assert_eq!(report.replayed, 0);
}

#[test]
fn an_import_that_cannot_be_written_is_kept_in_memory_and_written_later() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let consumer = tmp.path().join("e4a181ee-edf2-3ea6-a65a-d94b404e121a.json");
    fs::write(
        &consumer,
        r#"{"clientID":"e4a181ee-edf2-3ea6-a65a-d94b404e121a","subStore":{"store":{"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a":{"ResourceAddress":"/cluster/node/n/sync/ptp-status/lock-state","EndpointUri":"http://c:1/e","SubscriptionId":"5d1ba1b6-0a7c-4f3e-9d6b-1f2e3d4c5b6a"}}},"EndpointUri":"http://c:1/e"}"#,
    )
    .expect("write");
    let obstacle = tmp.path().join(STORE_TMP_FILE);
    fs::create_dir(&obstacle).expect("mkdir");
    let rec = Arc::new(Recorder::default());
    let (store, data, report) =
        Store::open_with(tmp.path(), StoreRole::V2Producer, with(&rec, false)).expect("open");
    assert_eq!(report.outcome, OpenOutcome::Initialised);
    assert!(report.unsaved);
    assert!(!report.writable);
    assert_eq!(data.subscriptions.len(), 1);
    assert_eq!(rec.failures(), 1);
    assert!(
        consumer.exists(),
        "renamed before the store file was written"
    );
    assert!(!store.path().exists());
    // A change needs the store file first: refused while it cannot be written.
    assert!(store.apply(&[put("x")]).is_err());
    assert_eq!(store.data(), data);
    fs::remove_dir(&obstacle).expect("rmdir");
    store.apply(&[put("x")]).expect("apply");
    assert!(store.writable());
    assert!(!consumer.exists());
    let mut renamed = consumer.clone().into_os_string();
    renamed.push(".imported");
    assert!(Path::new(&renamed).exists());
    drop(store);
    let (_, loaded, report) = open_manual(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(loaded.subscriptions.len(), 2);
}

#[test]
fn an_unsaved_import_is_written_by_the_background_retry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let obstacle = tmp.path().join(STORE_TMP_FILE);
    fs::create_dir(&obstacle).expect("mkdir");
    let rec = Arc::new(Recorder::default());
    let (store, _, report) =
        Store::open_with(tmp.path(), StoreRole::V2Producer, with(&rec, true)).expect("open");
    assert!(report.unsaved);
    wait("a retry", || rec.failures() >= 2);
    fs::remove_dir(&obstacle).expect("rmdir");
    wait("the store file", || {
        store.path().exists() && store.writable()
    });
    assert_eq!(rec.states().last(), Some(&true));
}

#[test]
fn a_quarantine_that_cannot_be_done_is_done_before_the_first_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = "{\"format\": 1, \"publishers\": [";
    fs::write(tmp.path().join(STORE_FILE), text).expect("write");
    let obstacle = tmp.path().join(STORE_TMP_FILE);
    fs::create_dir(&obstacle).expect("mkdir");
    let (store, data, report) =
        Store::open_with(tmp.path(), StoreRole::V2Producer, manual()).expect("open");
    let OpenOutcome::Corrupt { moved_to, .. } = &report.outcome else {
        panic!("{:?}", report.outcome);
    };
    assert!(report.unsaved);
    assert!(data.is_empty());
    // The unreadable file was moved aside; the new one is not written.
    assert_eq!(fs::read_to_string(moved_to).expect("moved"), text);
    assert!(!store.path().exists());
    fs::remove_dir(&obstacle).expect("rmdir");
    store.apply(&[put("a")]).expect("apply");
    drop(store);
    let (_, data, report) = open_manual(tmp.path());
    assert_eq!(report.outcome, OpenOutcome::Loaded);
    assert_eq!(data.subscriptions.len(), 1);
}
