//! The subscription store under growth (issue 16, events-and-metrics.md
//! §8.2): every change is one fsynced journal record, so its cost must not
//! grow with the store.
//!
//! Run: `cargo bench -p ptp-event-proxy --bench store`. Two parts:
//!
//! 1. One timed run (not a criterion sample): `STORE_BENCH_N` (default
//!    10 000) subscriptions created one `Store::apply` at a time into an
//!    empty store, with the background compaction running as in the proxy.
//!    Prints the total (target ≤ 20 s) and the median and maximum of the
//!    first and the last 100 creates.
//! 2. Criterion: one create, and one delete, with 100 and with 10 000
//!    subscriptions in the store (target: the 10 000 case within 1.5× of
//!    the 100 case). Each timed create is undone (and each timed delete
//!    redone) outside the timing, so the size stays put.
//!
//! The store lives in a temporary directory on the file system of `TMPDIR`:
//! fsync costs there decide the figures.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use ptp_event_proxy::store::{
    Api, Store, StoreChange, StoreOptions, StoreRole, StoredSubscription,
};

const BASE: &str = "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/api/ocloudNotifications/v2/subscriptions";

/// A subscription as the v2 API stores it (≈ 400 bytes of JSON).
fn sub(i: usize) -> StoredSubscription {
    let id = format!("5d1ba1b6-0a7c-4f3e-9d6b-{i:012x}");
    StoredSubscription {
        api: Api::V2,
        uri_location: format!("{BASE}/{id}"),
        id,
        resource: "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state".into(),
        endpoint: Some(format!(
            "http://consumer-events-subscription-service.cloud-events.svc.cluster.local:9043/event/{i}"
        )),
        created: "2025-05-14T14:00:02.3Z".into(),
    }
}

/// `STORE_BENCH_COMPACT_MIN` (bytes) overrides the compaction threshold,
/// e.g. a huge value to measure the appends without compaction.
fn open(dir: &std::path::Path) -> Store {
    let mut options = StoreOptions::default();
    if let Some(n) = std::env::var("STORE_BENCH_COMPACT_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.compact_min_bytes = n;
    }
    let (store, _, _) = Store::open_with(dir, StoreRole::V2Producer, options).expect("open");
    store
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Part 1: N creates in a row.
fn sequential(n: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let mut each = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        store
            .apply(&[StoreChange::PutSubscription(sub(i))])
            .expect("apply");
        each.push(t.elapsed());
    }
    let total = start.elapsed();
    let k = 100.min(n);
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    let (mut first, mut last) = (each[..k].to_vec(), each[n - k..].to_vec());
    let (max_first, max_last) = (max(&first), max(&last));
    println!(
        "store/sequential_creates: {n} creates in {:.2} s ({:.0} µs each); \
         first {k}: median {:?} max {:?}; last {k}: median {:?} max {:?}; overall max {:?}",
        total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / n as f64,
        median(&mut first),
        max_first,
        median(&mut last),
        max_last,
        max(&each),
    );
}

/// A store holding `n` subscriptions (written as one record, compacted).
fn filled(n: usize) -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = open(tmp.path());
    let all: Vec<StoreChange> = (0..n)
        .map(|i| StoreChange::PutSubscription(sub(i)))
        .collect();
    store.apply(&all).expect("fill");
    store.compact_now().expect("compact");
    (tmp, store)
}

/// Part 2: one create and one delete at two sizes.
fn at_size(c: &mut Criterion) {
    let mut g = c.benchmark_group("store");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    for n in [100usize, 10_000] {
        let (_tmp, store) = filled(n);
        let mut next = 1_000_000usize;
        g.bench_with_input(BenchmarkId::new("create_at", n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    next += 1;
                    let s = sub(next);
                    let id = s.id.clone();
                    let t = Instant::now();
                    store
                        .apply(&[StoreChange::PutSubscription(s)])
                        .expect("create");
                    timed += t.elapsed();
                    store
                        .apply(&[StoreChange::RemoveSubscriptions(vec![id])])
                        .expect("undo");
                }
                timed
            })
        });
        g.bench_with_input(BenchmarkId::new("delete_at", n), &n, |b, _| {
            let mut victim = 0usize;
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let i = victim % n;
                    victim += 1;
                    let t = Instant::now();
                    store
                        .apply(&[StoreChange::RemoveSubscriptions(vec![sub(i).id])])
                        .expect("delete");
                    timed += t.elapsed();
                    store
                        .apply(&[StoreChange::PutSubscription(sub(i))])
                        .expect("redo");
                }
                timed
            })
        });
    }
    g.finish();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then only the criterion part runs, once, as a smoke test.
    if std::env::args().any(|a| a == "--bench") {
        let n = std::env::var("STORE_BENCH_N")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        sequential(n);
    }
    let mut c = Criterion::default().configure_from_args();
    at_size(&mut c);
    c.final_summary();
}
