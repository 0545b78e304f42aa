//! Subscriptions on disk (spec events-and-metrics.md §8): the data model of
//! `proxy-store.json`, atomic writes, loading with quarantine of unreadable
//! files, and (in [`import`]) the one-time import of the reference proxy's
//! files.
//!
//! The API is blocking; the async daemon calls it through `spawn_blocking`.
//! A [`Store`] is a cheap `Clone` handle; writes through any clone are
//! serialised by one internal mutex.

mod import;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use import::{ImportCounts, SkippedEntry};

/// Name of the store file inside the store directory.
pub const STORE_FILE: &str = "proxy-store.json";
/// Name of the temporary file used for atomic replacement.
pub const STORE_TMP_FILE: &str = "proxy-store.json.tmp";
/// The only `format` this version reads and writes.
pub const FORMAT: u32 = 1;

/// API generation of a subscription or publisher; serialised as `"v2"`/`"v1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Api {
    #[serde(rename = "v2")]
    V2,
    #[serde(rename = "v1")]
    V1,
}

/// The role of the proxy that opens the store; decides what the import of the
/// reference's files produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreRole {
    /// REST v2 producer: per-consumer files become v2 subscriptions.
    V2Producer,
    /// v1 producer: per-consumer files become transport clients; `sub.json`
    /// holds v1 application subscriptions.
    V1Producer,
    /// v1 consumer sidecar: only `sub.json` (its local subscriptions) and
    /// `metrics.json` are imported.
    V1Consumer,
}

impl StoreRole {
    /// The API of the publishers and local subscriptions of this role.
    pub fn api(self) -> Api {
        match self {
            StoreRole::V2Producer => Api::V2,
            StoreRole::V1Producer | StoreRole::V1Consumer => Api::V1,
        }
    }
}

/// Everything that survives a restart (§8.1). Member order on disk is the
/// order of the fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreData {
    /// File format version; must be [`FORMAT`].
    pub format: u32,
    #[serde(default)]
    pub publishers: Vec<StoredPublisher>,
    #[serde(default)]
    pub subscriptions: Vec<StoredSubscription>,
    #[serde(default)]
    pub transport_clients: Vec<TransportClient>,
    /// Last published node sync-state (`LOCKED`, `HOLDOVER`, `FREERUN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_state: Option<String>,
}

impl Default for StoreData {
    fn default() -> Self {
        StoreData {
            format: FORMAT,
            publishers: Vec::new(),
            subscriptions: Vec::new(),
            transport_clients: Vec::new(),
            last_sync_state: None,
        }
    }
}

impl StoreData {
    /// True when the store holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.publishers.is_empty()
            && self.subscriptions.is_empty()
            && self.transport_clients.is_empty()
            && self.last_sync_state.is_none()
    }
}

/// A publisher id kept stable across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPublisher {
    pub api: Api,
    pub resource: String,
    pub id: String,
}

/// A v2 subscription, or a v1 application subscription (`endpoint` optional).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSubscription {
    pub api: Api,
    pub id: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// As served to clients; empty when an imported entry had none (the
    /// caller then derives it from its own base URL and `id`).
    #[serde(default)]
    pub uri_location: String,
    /// RFC 3339 UTC creation time.
    #[serde(default)]
    pub created: String,
}

/// A v1 consumer sidecar registered with this producer (rest-api.md §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportClient {
    pub client_id: String,
    /// The consumer sidecar's base URL; events go to `<endpoint>/event`.
    pub endpoint: String,
    #[serde(default)]
    pub subscriptions: Vec<TransportSubscription>,
}

/// One subscription of a transport client, as the sidecar sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportSubscription {
    #[serde(default)]
    pub id: String,
    pub resource: String,
    /// The application's endpoint behind the sidecar (may be empty).
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub uri_location: String,
}

/// Errors of the store; each names the file or directory concerned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: cannot {op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("store: cannot serialise {}: {source}", path.display())]
    Serialize {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("store: refusing to write format {found} to {} (only {FORMAT} is supported)", path.display())]
    Format { path: PathBuf, found: u32 },
}

impl StoreError {
    fn io(op: &'static str, path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What [`Store::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// `proxy-store.json` was loaded.
    Loaded,
    /// There was no store file: the reference's files were imported (the
    /// counts may all be zero) and a new store file was written.
    Initialised,
    /// The store file was unreadable and moved aside; the store starts empty.
    Corrupt { moved_to: PathBuf, reason: String },
}

/// Summary of [`Store::open`] for the caller's logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    pub outcome: OpenOutcome,
    /// What the import produced (all zero unless `outcome` is `Initialised`).
    pub imported: ImportCounts,
    /// Per-consumer files renamed to `<uuid>.json.imported`.
    pub renamed: Vec<PathBuf>,
    /// Imported per-consumer files that could not be renamed (logged).
    pub not_renamed: Vec<PathBuf>,
    /// Entries or files of the import that were not used, with the reason.
    pub skipped: Vec<SkippedEntry>,
}

impl OpenReport {
    fn new(outcome: OpenOutcome) -> OpenReport {
        OpenReport {
            outcome,
            imported: ImportCounts::default(),
            renamed: Vec::new(),
            not_renamed: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

/// Handle on the store directory. `Clone + Send + Sync`; writes are
/// serialised.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    file: PathBuf,
    tmp: PathBuf,
    write_lock: Mutex<()>,
}

impl Store {
    /// Opens (creating the directory if missing) the store in `dir`, loads
    /// `proxy-store.json`, or, if it does not exist, imports the reference
    /// proxy's files for `role` and writes the new store file (§8.3, §8.4).
    pub fn open(dir: &Path, role: StoreRole) -> Result<(Store, StoreData, OpenReport), StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::io("create directory", dir, e))?;
        let store = Store {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                file: dir.join(STORE_FILE),
                tmp: dir.join(STORE_TMP_FILE),
                write_lock: Mutex::new(()),
            }),
        };
        store.remove_stale_tmp();
        let file = store.inner.file.clone();
        let bytes = match fs::read(&file) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(StoreError::io("read", &file, e)),
        };
        match bytes {
            Some(bytes) => match parse_store(&bytes) {
                Ok(data) => Ok((store, data, OpenReport::new(OpenOutcome::Loaded))),
                Err(reason) => {
                    let moved_to = store.quarantine(&reason)?;
                    let data = StoreData::default();
                    // An empty file now marks the directory as migrated, so the
                    // reference's files are not imported on the next start.
                    store.save(&data)?;
                    let report = OpenReport::new(OpenOutcome::Corrupt { moved_to, reason });
                    Ok((store, data, report))
                }
            },
            None => {
                let imported = import::import(dir, role, &now_rfc3339());
                store.save(&imported.data)?;
                let mut report = OpenReport::new(OpenOutcome::Initialised);
                report.imported = imported.counts;
                report.skipped = imported.skipped;
                for path in imported.consumer_files {
                    let mut target = path.clone().into_os_string();
                    target.push(".imported");
                    match fs::rename(&path, &target) {
                        Ok(()) => report.renamed.push(PathBuf::from(target)),
                        Err(e) => {
                            tracing::error!(file = %path.display(), error = %e,
                                "store: imported file could not be renamed to .imported");
                            report.not_renamed.push(path);
                        }
                    }
                }
                Ok((store, imported.data, report))
            }
        }
    }

    /// Replaces `proxy-store.json` atomically with `data` (§8.2): write the
    /// temporary file, fsync it, rename it over the store file, fsync the
    /// directory. Concurrent calls are serialised.
    pub fn save(&self, data: &StoreData) -> Result<(), StoreError> {
        let inner = &self.inner;
        if data.format != FORMAT {
            return Err(StoreError::Format {
                path: inner.file.clone(),
                found: data.format,
            });
        }
        let bytes = encode_store(data).map_err(|source| StoreError::Serialize {
            path: inner.file.clone(),
            source,
        })?;
        let _guard = inner
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(e) = write_synced(&inner.tmp, &bytes) {
            let _ = fs::remove_file(&inner.tmp);
            return Err(e);
        }
        if let Err(e) = fs::rename(&inner.tmp, &inner.file) {
            let _ = fs::remove_file(&inner.tmp);
            return Err(StoreError::io("rename into place", &inner.file, e));
        }
        File::open(&inner.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io("fsync directory", &inner.dir, e))
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Path of `proxy-store.json`.
    pub fn path(&self) -> &Path {
        &self.inner.file
    }

    /// Moves an unreadable store file aside and logs why.
    fn quarantine(&self, reason: &str) -> Result<PathBuf, StoreError> {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut target = self.inner.file.clone().into_os_string();
        target.push(format!(".corrupt-{secs}"));
        let target = PathBuf::from(target);
        fs::rename(&self.inner.file, &target)
            .map_err(|e| StoreError::io("move aside corrupt", &self.inner.file, e))?;
        tracing::error!(file = %self.inner.file.display(), moved_to = %target.display(), %reason,
            "store: unreadable store file moved aside; starting with an empty store");
        Ok(target)
    }

    /// A `.tmp` left by a crash between write and rename is useless.
    fn remove_stale_tmp(&self) {
        match fs::remove_file(&self.inner.tmp) {
            Ok(()) => {
                tracing::debug!(file = %self.inner.tmp.display(), "store: removed stale temporary file")
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => tracing::debug!(file = %self.inner.tmp.display(), error = %e,
                "store: stale temporary file not removed"),
        }
    }
}

/// The bytes of a store file for `data` (what [`Store::save`] writes):
/// pretty JSON and a final newline.
pub fn encode_store(data: &StoreData) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec_pretty(data)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses a store file (what [`Store::open`] loads); the error is a
/// human-readable reason. Pure, so the fuzz target calls it directly.
pub fn parse_store(bytes: &[u8]) -> Result<StoreData, String> {
    #[derive(Deserialize)]
    struct Head {
        format: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    match head.format {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT)) => {}
        Some(other) => return Err(format!("unknown format {other}")),
        None => return Err("no format member".to_owned()),
    }
    serde_json::from_slice(bytes).map_err(|e| format!("invalid store content: {e}"))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut file = File::create(path).map_err(|e| StoreError::io("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io("write", path, e))?;
    file.sync_all()
        .map_err(|e| StoreError::io("fsync", path, e))
}

/// Current UTC time in RFC 3339 with `Z` (spec events-and-metrics.md §4.4).
pub(crate) fn now_rfc3339() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs(), d.subsec_nanos())
}

/// Formats Unix seconds and nanoseconds as RFC 3339 UTC, fraction without
/// trailing zeros and omitted when zero.
fn rfc3339(secs: u64, nanos: u32) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (H. Hinnant's algorithm, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests;
