//! The snapshot file `proxy-store.json` (spec events-and-metrics.md §8.1,
//! §8.2): parsing with the format check, and the atomic replacement
//! (temporary file, fsync, rename, directory fsync).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::image::{Frozen, Image};
use super::journal::MAX_SEQ;
use super::{
    StoreData, StoreError, StoredPublisher, StoredSubscription, TransportClient, FORMAT,
    STORE_FILE, STORE_TMP_FILE,
};
use super::{JOURNAL_FILE, PREV_JOURNAL_FILE};

/// The files of one store directory.
#[derive(Debug, Clone)]
pub(super) struct Paths {
    pub dir: PathBuf,
    pub file: PathBuf,
    pub tmp: PathBuf,
    pub journal: PathBuf,
    pub prev: PathBuf,
}

impl Paths {
    pub fn new(dir: &Path) -> Paths {
        Paths {
            dir: dir.to_path_buf(),
            file: dir.join(STORE_FILE),
            tmp: dir.join(STORE_TMP_FILE),
            journal: dir.join(JOURNAL_FILE),
            prev: dir.join(PREV_JOURNAL_FILE),
        }
    }
}

/// Parses a snapshot: the data and the last journal record it includes
/// (0 for files without `journalSeq`; above [`MAX_SEQ`] the file is
/// unreadable, as for a negative one). The error is a human-readable reason.
pub(super) fn parse(bytes: &[u8]) -> Result<(StoreData, u64), String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        format: Option<serde_json::Value>,
        #[serde(default)]
        journal_seq: Option<u64>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    match head.format {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT)) => {}
        Some(other) => return Err(format!("unknown format {other}")),
        None => return Err("no format member".to_owned()),
    }
    let seq = head.journal_seq.unwrap_or(0);
    if seq > MAX_SEQ {
        return Err(format!("journalSeq {seq} out of range"));
    }
    let data = serde_json::from_slice(bytes).map_err(|e| format!("invalid store content: {e}"))?;
    Ok((data, seq))
}

/// The snapshot as written: the members of §8.1 in their order, then
/// `journalSeq` (ignored by readers that do not know it).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Out<'a> {
    format: u32,
    publishers: &'a [StoredPublisher],
    subscriptions: Vec<&'a StoredSubscription>,
    transport_clients: Vec<&'a TransportClient>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_sync_state: &'a Option<String>,
    journal_seq: u64,
}

/// The bytes of a snapshot of `frozen` that includes the journal up to `seq`.
pub(super) fn encode(frozen: &Frozen, seq: u64) -> Result<Vec<u8>, serde_json::Error> {
    let out = Out {
        format: FORMAT,
        publishers: &frozen.publishers,
        subscriptions: frozen.subscriptions.iter().map(|s| &**s).collect(),
        transport_clients: frozen.transport_clients.iter().map(|c| &**c).collect(),
        last_sync_state: &frozen.last_sync_state,
        journal_seq: seq,
    };
    let mut bytes = serde_json::to_vec_pretty(&out)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// What [`Store::open`](super::Store::open) holds after loading a store file
/// with these bytes and no journal: the data (a later duplicate id replaces
/// an earlier one) and the file's `journalSeq`. Pure, for the fuzz targets;
/// the error is the reason the file would be moved aside.
pub fn parse_store(bytes: &[u8]) -> Result<(StoreData, u64), String> {
    let (data, seq) = parse(bytes)?;
    Ok((Image::from_data(data).to_data(), seq))
}

/// The bytes of the store file a compaction writes for `data`, including
/// the journal up to record `seq`. Pure, for the fuzz targets.
pub fn encode_store(data: &StoreData, seq: u64) -> Result<Vec<u8>, serde_json::Error> {
    encode(&Image::from_data(data.clone()).freeze(), seq)
}

/// Replaces the snapshot atomically with `bytes`.
pub(super) fn write_atomic(paths: &Paths, bytes: &[u8]) -> Result<(), StoreError> {
    if let Err(e) = write_synced(&paths.tmp, bytes) {
        let _ = fs::remove_file(&paths.tmp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&paths.tmp, &paths.file) {
        let _ = fs::remove_file(&paths.tmp);
        return Err(StoreError::io("rename into place", &paths.file, e));
    }
    fsync_dir(&paths.dir)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut file = File::create(path).map_err(|e| StoreError::io("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| StoreError::io("write", path, e))?;
    file.sync_all()
        .map_err(|e| StoreError::io("fsync", path, e))
}

/// Makes renames and new entries of `dir` durable.
pub(super) fn fsync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("fsync directory", dir, e))
}

/// `<path>.corrupt-<secs>`.
pub(super) fn corrupt_name(path: &Path, secs: u64) -> PathBuf {
    let mut target = path.to_path_buf().into_os_string();
    target.push(format!(".corrupt-{secs}"));
    PathBuf::from(target)
}

/// Renames `from` to `to`; a missing `from` is not an error.
pub(super) fn move_aside(from: &Path, to: &Path) -> Result<bool, StoreError> {
    match fs::rename(from, to) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io("move aside", from, e)),
    }
}

/// Removes `path`; a missing file is not an error.
pub(super) fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io("remove", path, e)),
    }
}
