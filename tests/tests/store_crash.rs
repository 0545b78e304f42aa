//! kill -9 during churn (spec events-and-metrics.md §8.2, issue 16): the
//! real binary is SIGKILLed at random moments while several clients create
//! and delete v2 subscriptions against a real consumer; after every restart
//! on the same store directory, every acknowledged create (201) is listed
//! and every acknowledged delete (204) is not.
//!
//! CI runs 30 rounds (seeded, well under a minute). The long run:
//!
//! ```text
//! STORE_CRASH_ROUNDS=200 cargo test -p ptp-tests --test store_crash -- --nocapture
//! ```
//!
//! `STORE_CRASH_SEED=<n>` replays another sequence of kill moments and
//! operations (the seed is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use ptp_tests::{Consumer, Dirs, Proxy, Reply};

const LOCK: &str = "/sync/ptp-status/lock-state";
/// Clients issuing requests at the same time.
const WORKERS: u64 = 3;
/// Subscriptions a worker keeps at most (then it deletes).
const PER_WORKER: usize = 25;

/// What a client was told (or is about to ask).
#[derive(Debug)]
enum Ack {
    Created {
        id: String,
        endpoint: String,
    },
    /// A DELETE is sent: until its 204 arrives, either outcome is right.
    Deleting {
        id: String,
    },
    Deleted {
        id: String,
    },
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `id → EndpointUri` of `GET /subscriptions`.
async fn listed(proxy: &Proxy) -> Result<BTreeMap<String, String>> {
    let list: Value = reqwest::get(proxy.url("/subscriptions"))
        .await?
        .error_for_status()?
        .json()
        .await?;
    let items = list.as_array().context("list is an array")?;
    Ok(items
        .iter()
        .map(|s| {
            (
                s["SubscriptionId"].as_str().unwrap_or("").to_string(),
                s["EndpointUri"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect())
}

/// One client: creates and deletes its own subscriptions until `stop` or
/// until the proxy is gone; records every acknowledgement.
#[allow(clippy::too_many_arguments)]
async fn churn(
    url: String,
    consumer: String,
    worker: u64,
    seed: u64,
    mut mine: Vec<String>,
    next: Arc<Mutex<u64>>,
    acks: Arc<Mutex<Vec<Ack>>>,
    stop: Arc<AtomicBool>,
) {
    let mut rng = StdRng::seed_from_u64(seed ^ (worker << 32));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let address = Proxy::address(LOCK);
    while !stop.load(Ordering::SeqCst) {
        let create = mine.is_empty() || (mine.len() < PER_WORKER && rng.gen_bool(0.6));
        if create {
            let n = {
                let mut g = next
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                *g += 1;
                *g
            };
            let endpoint = format!("{consumer}/c/{n}");
            let body = serde_json::json!({"ResourceAddress": address, "EndpointUri": endpoint});
            let Ok(r) = client
                .post(format!("{url}/subscriptions"))
                .json(&body)
                .send()
                .await
            else {
                return;
            };
            if r.status().as_u16() != 201 {
                return;
            }
            let Ok(v) = r.json::<Value>().await else {
                return;
            };
            let id = v["SubscriptionId"].as_str().unwrap_or("").to_string();
            if let Ok(mut a) = acks.lock() {
                a.push(Ack::Created {
                    id: id.clone(),
                    endpoint,
                });
            }
            mine.push(id);
        } else {
            let id = mine.swap_remove(rng.gen_range(0..mine.len()));
            if let Ok(mut a) = acks.lock() {
                a.push(Ack::Deleting { id: id.clone() });
            }
            let Ok(r) = client
                .delete(format!("{url}/subscriptions/{id}"))
                .send()
                .await
            else {
                return;
            };
            if r.status().as_u16() != 204 {
                return;
            }
            if let Ok(mut a) = acks.lock() {
                a.push(Ack::Deleted { id });
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_changes_survive_sigkill_during_churn() -> Result<()> {
    let rounds = env_or("STORE_CRASH_ROUNDS", 30);
    let seed = env_or("STORE_CRASH_SEED", 0x005e_ed16);
    println!("store_crash: {rounds} rounds, seed {seed}");
    let started = Instant::now();
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let consumer = Consumer::start(Reply::default()).await?;
    let base = format!("http://{}", consumer.addr);
    let mut rng = StdRng::seed_from_u64(seed);
    // What must hold after the next restart.
    let mut present: BTreeMap<String, String> = BTreeMap::new();
    let mut absent: BTreeSet<String> = BTreeSet::new();
    let next = Arc::new(Mutex::new(0u64));
    let (mut creates, mut deletes) = (0usize, 0usize);
    for round in 0..=rounds {
        let proxy = Proxy::start(&dirs, &[]).await?;
        let list = listed(&proxy).await?;
        for (id, endpoint) in &present {
            ensure!(
                list.get(id) == Some(endpoint),
                "round {round}: acknowledged create {id} ({endpoint}) lost; listed {}",
                list.len()
            );
        }
        for id in &absent {
            ensure!(
                !list.contains_key(id),
                "round {round}: acknowledged delete {id} came back"
            );
        }
        // The files say the same as the API (an independent reader).
        let on_disk = ptp_tests::store::stored(&dirs.store())?;
        let stored: BTreeMap<String, String> = on_disk["subscriptions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let field = |k: &str| s[k].as_str().unwrap_or("").to_string();
                (field("id"), field("endpoint"))
            })
            .collect();
        ensure!(
            stored == list,
            "round {round}: the store files and the API differ"
        );
        // Operations in flight at the kill went either way: the list says.
        present = list;
        if round == rounds {
            proxy.stop().await?;
            break;
        }
        // Each worker owns a share of what exists.
        let mut shares: Vec<Vec<String>> = vec![Vec::new(); WORKERS as usize];
        for (i, id) in present.keys().enumerate() {
            shares[i % WORKERS as usize].push(id.clone());
        }
        let acks = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let url = proxy.url("");
        let workers: Vec<_> = shares
            .into_iter()
            .enumerate()
            .map(|(w, mine)| {
                tokio::spawn(churn(
                    url.clone(),
                    base.clone(),
                    w as u64,
                    seed.wrapping_add(round),
                    mine,
                    next.clone(),
                    acks.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        // The kill moment (not a wait for a condition).
        let kill_after = Duration::from_millis(rng.gen_range(15..350));
        tokio::time::sleep(kill_after).await;
        let mut proxy = proxy;
        proxy.child.start_kill().context("SIGKILL")?;
        tokio::time::timeout(Duration::from_secs(10), proxy.child.wait())
            .await
            .context("proxy not dead 10 s after SIGKILL")??;
        stop.store(true, Ordering::SeqCst);
        for w in workers {
            tokio::time::timeout(Duration::from_secs(15), w)
                .await
                .context("a client did not stop")??;
        }
        let acks = std::mem::take(&mut *acks.lock().unwrap_or_else(|p| p.into_inner()));
        for a in acks {
            match a {
                Ack::Created { id, endpoint } => {
                    creates += 1;
                    present.insert(id, endpoint);
                }
                Ack::Deleting { id } => {
                    present.remove(&id);
                }
                Ack::Deleted { id } => {
                    deletes += 1;
                    absent.insert(id);
                }
            }
        }
    }
    println!(
        "store_crash: {rounds} kills, {creates} acknowledged creates, {deletes} acknowledged \
         deletes checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The test exercised something: most rounds acknowledged changes.
    ensure!(
        creates as u64 >= rounds && deletes as u64 >= rounds / 3,
        "too little churn: {creates} creates, {deletes} deletes in {rounds} rounds"
    );
    Ok(())
}
