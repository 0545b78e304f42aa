//! One-time import of the reference proxy's files (spec events-and-metrics.md
//! §8.4). Pure with respect to the store file: reads the directory and returns
//! the data; the caller writes it and only then renames the consumer files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use uuid::Uuid;

use super::TransportSubscription;
use super::{Api, StoreData, StoreRole, StoredPublisher, StoredSubscription, TransportClient};

/// What the import produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub v2_subscriptions: usize,
    pub v1_subscriptions: usize,
    pub transport_clients: usize,
    pub transport_subscriptions: usize,
    pub publishers: usize,
    /// `lastSyncState` was taken from `metrics.json`.
    pub last_sync_state: bool,
}

/// A file or an entry of a file that the import did not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    pub file: PathBuf,
    /// The entry's key or `[index]`; `None` when the whole file was skipped.
    pub entry: Option<String>,
    pub reason: String,
}

/// Result of [`import`].
#[derive(Debug)]
pub(super) struct Imported {
    pub data: StoreData,
    pub counts: ImportCounts,
    pub skipped: Vec<SkippedEntry>,
    /// Per-consumer files that were read and used; renamed to `.imported`
    /// once the store file is written.
    pub consumer_files: Vec<PathBuf>,
}

/// Reads the reference's files in `dir` for `role`; `now` is the `created`
/// time given to imported subscriptions.
pub(super) fn import(dir: &Path, role: StoreRole, now: &str) -> Imported {
    let mut im = Imported {
        data: StoreData::default(),
        counts: ImportCounts::default(),
        skipped: Vec::new(),
        consumer_files: Vec::new(),
    };
    if role == StoreRole::V1Consumer {
        // A consumer sidecar holds no per-consumer files of its own.
    } else {
        for path in consumer_files(dir, &mut im) {
            let doc = match read_json(&path) {
                Ok(Some(doc)) => doc,
                Ok(None) => continue,
                Err(reason) => {
                    im.skip(&path, None, reason);
                    continue;
                }
            };
            let Some(doc) = doc.as_object() else {
                im.skip(&path, None, "not a JSON object".to_owned());
                continue;
            };
            let used = if role == StoreRole::V2Producer {
                im.consumer_v2(&path, doc, now)
            } else {
                im.consumer_transport(&path, doc)
            };
            if used {
                im.consumer_files.push(path);
            }
        }
    }
    im.sub_json(&dir.join("sub.json"), role, now);
    im.pub_json(&dir.join("pub.json"), role);
    im.metrics_json(&dir.join("metrics.json"));
    im
}

/// Regular files named `<uuid>.json`, sorted by name.
fn consumer_files(dir: &Path, im: &mut Imported) -> Vec<PathBuf> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            im.skip(dir, None, format!("cannot list directory: {e}"));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter(|e| {
            e.file_name().to_str().is_some_and(|name| {
                name.split_once('.')
                    .is_some_and(|(stem, ext)| ext == "json" && Uuid::try_parse(stem).is_ok())
            })
        })
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// `Ok(None)` when the file does not exist.
fn read_json(path: &Path) -> Result<Option<Value>, String> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("invalid JSON: {e}")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read: {e}")),
    }
}

/// Member of `obj` whose name equals `key` ignoring ASCII case.
fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Trimmed non-empty string member.
fn str_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    get_ci(obj, key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One subscription entry with either the O-RAN or the v1 key set.
struct Entry<'a> {
    label: String,
    id: Option<&'a str>,
    resource: Option<&'a str>,
    endpoint: Option<&'a str>,
    uri_location: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn new(label: String, obj: &'a Map<String, Value>) -> Entry<'a> {
        Entry {
            label,
            id: str_ci(obj, "SubscriptionId").or_else(|| str_ci(obj, "id")),
            resource: str_ci(obj, "ResourceAddress").or_else(|| str_ci(obj, "resource")),
            endpoint: str_ci(obj, "EndpointUri"),
            uri_location: str_ci(obj, "UriLocation"),
        }
    }

    /// The entry's id, else the map key when it is a UUID, else a new one.
    fn id_or(&self, key: Option<&str>) -> String {
        self.id
            .or(key.filter(|k| Uuid::try_parse(k).is_ok()))
            .map(str::to_owned)
            .unwrap_or_else(|| Uuid::new_v4().to_string())
    }
}

/// One raw entry: its label (map key or `[index]`), its map key, and the
/// entry itself when it is an object.
type RawEntry<'a> = (String, Option<&'a str>, Option<&'a Map<String, Value>>);

/// Entries of a map (`{"<id>": {...}}`) or array.
fn entries(value: &Value) -> Vec<RawEntry<'_>> {
    match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), Some(k.as_str()), v.as_object()))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), None, v.as_object()))
            .collect(),
        _ => Vec::new(),
    }
}

/// An absolute `http`/`https` URL with a host.
fn usable_endpoint(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    })
}

impl Imported {
    fn skip(&mut self, file: &Path, entry: Option<String>, reason: String) {
        tracing::warn!(file = %file.display(), entry = entry.as_deref().unwrap_or("-"), %reason,
            "store import: skipped");
        self.skipped.push(SkippedEntry {
            file: file.to_path_buf(),
            entry,
            reason,
        });
    }

    /// The `subStore.store` member of a per-consumer document.
    fn consumer_store<'d>(
        &mut self,
        path: &Path,
        doc: &'d Map<String, Value>,
    ) -> Option<&'d Value> {
        let store = get_ci(doc, "subStore")
            .and_then(Value::as_object)
            .and_then(|s| get_ci(s, "store"));
        if store.is_none() {
            self.skip(path, None, "no subStore.store member".to_owned());
        }
        store
    }

    /// Per-consumer file of a v2 producer: each entry is a v2 subscription.
    /// False when the whole file was skipped.
    fn consumer_v2(&mut self, path: &Path, doc: &Map<String, Value>, now: &str) -> bool {
        if get_ci(doc, "action").and_then(Value::as_u64) == Some(2) {
            self.skip(path, None, "consumer marked DELETE (action 2)".to_owned());
            return false;
        }
        let doc_endpoint = str_ci(doc, "EndpointUri");
        let Some(store) = self.consumer_store(path, doc) else {
            return false;
        };
        for (label, key, obj) in entries(store) {
            let Some(obj) = obj else {
                self.skip(path, Some(label), "entry is not an object".to_owned());
                continue;
            };
            let e = Entry::new(label, obj);
            let Some(resource) = e.resource else {
                self.skip(path, Some(e.label), "no resource".to_owned());
                continue;
            };
            let endpoint = match e.endpoint.or(doc_endpoint) {
                Some(ep) if usable_endpoint(ep) => ep,
                other => {
                    let reason = format!("no usable endpoint ({:?})", other.unwrap_or(""));
                    self.skip(path, Some(e.label), reason);
                    continue;
                }
            };
            let id = e.id_or(key);
            let dup = self.data.subscriptions.iter().find(|s| {
                s.api == Api::V2
                    && ((s.resource == resource && s.endpoint.as_deref() == Some(endpoint))
                        || s.id == id)
            });
            if let Some(dup) = dup {
                let reason = format!("duplicate of subscription {}", dup.id);
                self.skip(path, Some(e.label), reason);
                continue;
            }
            self.data.subscriptions.push(StoredSubscription {
                api: Api::V2,
                id,
                resource: resource.to_owned(),
                endpoint: Some(endpoint.to_owned()),
                uri_location: e.uri_location.unwrap_or_default().to_owned(),
                created: now.to_owned(),
            });
            self.counts.v2_subscriptions += 1;
        }
        true
    }

    /// Per-consumer file of a v1 producer: a transport client. False when
    /// the whole file was skipped.
    fn consumer_transport(&mut self, path: &Path, doc: &Map<String, Value>) -> bool {
        if get_ci(doc, "action").and_then(Value::as_u64) == Some(2) {
            self.skip(path, None, "consumer marked DELETE (action 2)".to_owned());
            return false;
        }
        let endpoint = match str_ci(doc, "EndpointUri") {
            Some(ep) if usable_endpoint(ep) => ep.to_owned(),
            other => {
                let reason = format!("no usable client endpoint ({:?})", other.unwrap_or(""));
                self.skip(path, None, reason);
                return false;
            }
        };
        let client_id = str_ci(doc, "clientID")
            .map(str::to_owned)
            .unwrap_or_else(|| Uuid::new_v3(&Uuid::NAMESPACE_URL, endpoint.as_bytes()).to_string());
        let Some(store) = self.consumer_store(path, doc) else {
            return false;
        };
        let mut subs: Vec<TransportSubscription> = Vec::new();
        let mut new_subs = 0;
        let existing = self
            .data
            .transport_clients
            .iter()
            .position(|c| c.client_id == client_id);
        if let Some(i) = existing {
            subs = std::mem::take(&mut self.data.transport_clients[i].subscriptions);
        }
        for (label, key, obj) in entries(store) {
            let Some(obj) = obj else {
                self.skip(path, Some(label), "entry is not an object".to_owned());
                continue;
            };
            let e = Entry::new(label, obj);
            let Some(resource) = e.resource else {
                self.skip(path, Some(e.label), "no resource".to_owned());
                continue;
            };
            let sub_endpoint = e.endpoint.unwrap_or_default();
            if subs
                .iter()
                .any(|s| s.resource == resource && s.endpoint == sub_endpoint)
            {
                let reason = format!("duplicate resource for client {client_id}");
                self.skip(path, Some(e.label), reason);
                continue;
            }
            subs.push(TransportSubscription {
                id: e.id_or(key),
                resource: resource.to_owned(),
                endpoint: sub_endpoint.to_owned(),
                uri_location: e.uri_location.unwrap_or_default().to_owned(),
            });
            new_subs += 1;
        }
        self.counts.transport_subscriptions += new_subs;
        match existing {
            Some(i) => {
                let client = &mut self.data.transport_clients[i];
                client.subscriptions = subs;
                client.endpoint = endpoint;
            }
            None => {
                self.data.transport_clients.push(TransportClient {
                    client_id,
                    endpoint,
                    subscriptions: subs,
                });
                self.counts.transport_clients += 1;
            }
        }
        true
    }

    /// `sub.json`: v1 application subscriptions of a v1 producer or sidecar.
    fn sub_json(&mut self, path: &Path, role: StoreRole, now: &str) {
        let doc = match read_json(path) {
            Ok(Some(doc)) => doc,
            Ok(None) => return,
            Err(reason) => return self.skip(path, None, reason),
        };
        if role == StoreRole::V2Producer {
            let reason = "v1 subscriptions are not served by a v2 producer".to_owned();
            return self.skip(path, None, reason);
        }
        for (label, key, obj) in entries(&doc) {
            let Some(obj) = obj else {
                self.skip(path, Some(label), "entry is not an object".to_owned());
                continue;
            };
            let e = Entry::new(label, obj);
            let Some(resource) = e.resource else {
                self.skip(path, Some(e.label), "no resource".to_owned());
                continue;
            };
            if let Some(ep) = e.endpoint.filter(|ep| !usable_endpoint(ep)) {
                let reason = format!("no usable endpoint ({ep:?})");
                self.skip(path, Some(e.label), reason);
                continue;
            }
            let id = e.id_or(key);
            let dup = self.data.subscriptions.iter().find(|s| {
                s.api == Api::V1
                    && ((s.resource == resource && s.endpoint.as_deref() == e.endpoint)
                        || s.id == id)
            });
            if let Some(dup) = dup {
                let reason = format!("duplicate of subscription {}", dup.id);
                self.skip(path, Some(e.label), reason);
                continue;
            }
            self.data.subscriptions.push(StoredSubscription {
                api: Api::V1,
                id,
                resource: resource.to_owned(),
                endpoint: e.endpoint.map(str::to_owned),
                uri_location: e.uri_location.unwrap_or_default().to_owned(),
                created: now.to_owned(),
            });
            self.counts.v1_subscriptions += 1;
        }
    }

    /// `pub.json`: publisher ids of a producer, reused so they stay stable.
    fn pub_json(&mut self, path: &Path, role: StoreRole) {
        let doc = match read_json(path) {
            Ok(Some(doc)) => doc,
            Ok(None) => return,
            Err(reason) => return self.skip(path, None, reason),
        };
        if role == StoreRole::V1Consumer {
            if !entries(&doc).is_empty() {
                let reason = "a consumer sidecar has no publishers".to_owned();
                self.skip(path, None, reason);
            }
            return;
        }
        let api = role.api();
        for (label, key, obj) in entries(&doc) {
            let Some(obj) = obj else {
                self.skip(path, Some(label), "entry is not an object".to_owned());
                continue;
            };
            let e = Entry::new(label, obj);
            let (Some(resource), Some(id)) = (e.resource, e.id.or(key)) else {
                self.skip(path, Some(e.label), "no resource or no id".to_owned());
                continue;
            };
            if self
                .data
                .publishers
                .iter()
                .any(|p| p.resource == resource || p.id == id)
            {
                let reason = "duplicate resource or id".to_owned();
                self.skip(path, Some(e.label), reason);
                continue;
            }
            self.data.publishers.push(StoredPublisher {
                api,
                resource: resource.to_owned(),
                id: id.to_owned(),
            });
            self.counts.publishers += 1;
        }
    }

    /// `metrics.json`: its `last_clock_state` becomes `lastSyncState`.
    fn metrics_json(&mut self, path: &Path) {
        let doc = match read_json(path) {
            Ok(Some(doc)) => doc,
            Ok(None) => return,
            Err(reason) => return self.skip(path, None, reason),
        };
        let state = doc
            .as_object()
            .and_then(|o| str_ci(o, "last_clock_state"))
            .map(str::to_ascii_uppercase);
        match state {
            Some(s) if matches!(s.as_str(), "LOCKED" | "HOLDOVER" | "FREERUN") => {
                self.data.last_sync_state = Some(s);
                self.counts.last_sync_state = true;
            }
            other => {
                let reason = format!(
                    "no usable last_clock_state ({:?})",
                    other.unwrap_or_default()
                );
                self.skip(path, Some("last_clock_state".to_owned()), reason);
            }
        }
    }
}

#[cfg(test)]
mod tests;
