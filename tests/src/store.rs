//! Reads what a proxy's store directory holds, from outside: the snapshot
//! `proxy-store.json` plus the journal records after its `journalSeq`
//! (`proxy-store.journal.prev`, then `proxy-store.journal`; each record a
//! line `<crc32 hex> {"seq":N,"changes":[…]}`). An independent reader of
//! the on-disk layout, so black-box tests can check what is persisted while
//! the proxy runs, without opening the store (which could write).

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// The store's content in the form of `proxy-store.json` (§8.1), with the
/// journal applied. A torn or unreadable record ends a journal, as on load
/// (the checksum is not verified here).
pub fn stored(dir: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(dir.join("proxy-store.json"))
        .with_context(|| format!("reading the store in {}", dir.display()))?;
    let mut store: Value = serde_json::from_str(&text).context("parsing proxy-store.json")?;
    let Some(obj) = store.as_object_mut() else {
        bail!("proxy-store.json is not an object");
    };
    let mut seq = obj.get("journalSeq").and_then(Value::as_u64).unwrap_or(0);
    for name in ["proxy-store.journal.prev", "proxy-store.journal"] {
        let Ok(journal) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        for line in journal.split_inclusive('\n') {
            let Some(record) = line
                .strip_suffix('\n')
                .and_then(|l| l.get(9..))
                .and_then(|json| serde_json::from_str::<Value>(json).ok())
            else {
                break;
            };
            let n = record["seq"].as_u64().unwrap_or(0);
            if n <= seq {
                continue;
            }
            seq = n;
            for change in record["changes"].as_array().into_iter().flatten() {
                apply(obj, change);
            }
        }
    }
    obj.remove("journalSeq");
    Ok(store)
}

fn list<'a>(obj: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Vec<Value>> {
    obj.entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}

fn put(items: &mut Vec<Value>, item: &Value, same: impl Fn(&Value, &Value) -> bool) {
    match items.iter_mut().find(|x| same(x, item)) {
        Some(x) => *x = item.clone(),
        None => items.push(item.clone()),
    }
}

fn apply(obj: &mut Map<String, Value>, change: &Value) {
    let Some((kind, arg)) = change.as_object().and_then(|c| c.iter().next()) else {
        return;
    };
    let ids = |arg: &Value| -> Vec<String> {
        arg.as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let gone = ids(arg);
    let unlisted = |v: &Value, key: &str| !gone.iter().any(|id| v[key].as_str() == Some(id));
    match kind.as_str() {
        "putSubscription" => {
            if let Some(items) = list(obj, "subscriptions") {
                put(items, arg, |a, b| a["id"] == b["id"]);
            }
        }
        "removeSubscriptions" => {
            if let Some(items) = list(obj, "subscriptions") {
                items.retain(|s| unlisted(s, "id"));
            }
        }
        "putTransportClient" => {
            if let Some(items) = list(obj, "transportClients") {
                put(items, arg, |a, b| a["clientId"] == b["clientId"]);
            }
        }
        "removeTransportClients" => {
            if let Some(items) = list(obj, "transportClients") {
                items.retain(|c| unlisted(c, "clientId"));
            }
        }
        "putPublishers" => {
            if let Some(items) = list(obj, "publishers") {
                for p in arg.as_array().into_iter().flatten() {
                    put(items, p, |a, b| {
                        a["api"] == b["api"] && a["resource"] == b["resource"]
                    });
                }
            }
        }
        "setSyncState" => {
            obj.insert("lastSyncState".to_string(), arg.clone());
        }
        _ => {}
    }
}
