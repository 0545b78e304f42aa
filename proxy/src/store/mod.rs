//! Subscriptions on disk (spec events-and-metrics.md §8).
//!
//! The store directory holds a snapshot, `proxy-store.json` (the format of
//! §8.1), and a journal, `proxy-store.journal`: every [`Store::apply`]
//! appends one checksummed record and fsyncs it before it returns, so a
//! change costs O(1) in the size of the store. When the journal has grown
//! as large as the snapshot, a background thread compacts it into a new
//! snapshot (written atomically, §8.2) without holding up `apply` for more
//! than a rename. Loading replays the journal over the snapshot; a torn or
//! corrupt record ends it and is logged.
//!
//! A store that cannot be written (read-only volume, full disk) still opens
//! and loads; `apply` then fails with the path and the OS error, logs one
//! ERROR line, tells the [`StoreObserver`], and [`Store::writable`] is
//! false until a write succeeds again. Opening writes nothing unless there
//! is something to write (an import, a quarantine, a pending compaction).
//!
//! The API is blocking; the async daemon calls it through `spawn_blocking`.
//! A [`Store`] is a cheap `Clone + Send + Sync` handle; writes through any
//! clone are serialised by one internal lock. Files: `model.rs` (the data),
//! `change.rs` (what `apply` takes), `image.rs` (the store's own copy),
//! `journal.rs`, `snapshot.rs`, `open`, `write`, `compact`, and `import.rs`
//! (the reference proxy's files).

mod change;
mod compact;
mod error;
mod image;
mod import;
mod journal;
mod model;
mod observer;
mod open;
mod snapshot;
mod time;
mod write;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

pub use change::StoreChange;
pub use error::StoreError;
pub use import::{ImportCounts, SkippedEntry};
pub use journal::{DiscardedTail, JOURNAL_FILE, PREV_JOURNAL_FILE};
pub use model::{
    Api, StoreData, StoreRole, StoredPublisher, StoredSubscription, TransportClient,
    TransportSubscription,
};
pub use observer::{NoObserver, StoreObserver};
pub use snapshot::{encode_store, parse_store};

use image::Image;
use snapshot::Paths;

/// Name of the store file inside the store directory.
pub const STORE_FILE: &str = "proxy-store.json";
/// Name of the temporary file used for atomic replacement.
pub const STORE_TMP_FILE: &str = "proxy-store.json.tmp";
/// The only `format` this version reads and writes.
pub const FORMAT: u32 = 1;

/// What [`Store::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// `proxy-store.json` was loaded (and the journal replayed over it).
    Loaded,
    /// There was no store file: the reference's files were imported (the
    /// counts may all be zero) and a new store file was written (or will
    /// be, see [`OpenReport::unsaved`]).
    Initialised,
    /// The store file was unreadable and moved aside (or will be, see
    /// [`OpenReport::unsaved`]); the store starts empty.
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
    /// Journal records replayed over the snapshot.
    pub replayed: usize,
    /// Journal tails that were not used (logged).
    pub discarded: Vec<DiscardedTail>,
    /// The initial store file (import or quarantine) could not be written:
    /// the data is in memory only, the write is retried in the background
    /// and before the next change. The per-consumer files are renamed after
    /// it succeeded.
    pub unsaved: bool,
    /// Whether the store directory was writable at open.
    pub writable: bool,
}

impl OpenReport {
    fn new(outcome: OpenOutcome) -> OpenReport {
        OpenReport {
            outcome,
            imported: ImportCounts::default(),
            renamed: Vec::new(),
            not_renamed: Vec::new(),
            skipped: Vec::new(),
            replayed: 0,
            discarded: Vec::new(),
            unsaved: false,
            writable: true,
        }
    }
}

/// Tuning and the reporting hook of a store.
#[derive(Clone)]
pub struct StoreOptions {
    /// Told about failed writes and the writable state (metrics).
    pub observer: Arc<dyn StoreObserver>,
    /// A compaction starts when the journal is at least this long and at
    /// least as long as the last snapshot (so its cost is amortised: O(1)
    /// per change).
    pub compact_min_bytes: u64,
    /// Delay before retrying a failed background compaction; doubled after
    /// each failure up to `retry_max`.
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// Compact in a background thread; without it only
    /// [`Store::compact_now`] compacts (deterministic tests).
    pub background: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            observer: Arc::new(NoObserver),
            compact_min_bytes: 64 * 1024,
            retry_initial: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            background: true,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("compact_min_bytes", &self.compact_min_bytes)
            .field("retry_initial", &self.retry_initial)
            .field("retry_max", &self.retry_max)
            .field("background", &self.background)
            .finish_non_exhaustive()
    }
}

/// Handle on the store directory. `Clone + Send + Sync`; writes are
/// serialised.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.inner.shared.paths.dir)
            .finish_non_exhaustive()
    }
}

/// Owned by the handles only: dropping the last handle ends the compaction
/// thread (after a compaction in progress), so no write follows the drop.
struct Inner {
    shared: Arc<Shared>,
    wake: Option<Mutex<mpsc::Sender<()>>>,
    compactor: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel wakes the thread; it returns.
        self.wake = None;
        if let Some(t) = self.compactor.take() {
            let _ = t.join();
        }
    }
}

/// Shared by the handles and the compaction thread.
struct Shared {
    paths: Paths,
    state: Mutex<State>,
    /// One compaction at a time (background or `compact_now`).
    compacting: Mutex<()>,
    observer: Arc<dyn StoreObserver>,
    options: StoreOptions,
}

/// Everything the lock protects.
struct State {
    image: Image,
    /// Sequence number of the last record in the image.
    seq: u64,
    /// The active journal, open for appending (opened on the first append).
    journal: Option<File>,
    /// Length of the valid records in the active journal.
    journal_len: u64,
    /// The journal file on disk is longer than its valid records (a
    /// discarded tail, or an append that failed and could not be undone):
    /// cut it to `journal_len` before the next append.
    cut_needed: bool,
    /// The part to cut is more than a torn last record: keep a copy.
    keep_cut: bool,
    /// `proxy-store.journal.prev` exists (a compaction is unfinished).
    prev_exists: bool,
    /// Size of the last snapshot written or loaded.
    snapshot_len: u64,
    /// The initial store file is not written yet.
    base: Option<Base>,
    writable: bool,
    /// A compaction is due (retried until it succeeds).
    compaction_due: bool,
}

/// What must happen before the first journal record: the store file of an
/// import or of a quarantine is not on disk yet.
#[derive(Debug, Default)]
struct Base {
    /// Move the unreadable store file here first.
    quarantine: Option<PathBuf>,
    /// Journal files of a store file that is gone or unreadable: moved aside.
    orphan_journals: bool,
    /// Imported per-consumer files, renamed to `.imported` afterwards.
    renames: Vec<PathBuf>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store {
    /// Writes `changes` as one journal record (all or none of them, also
    /// across a crash), fsynced before it returns, then applies them to the
    /// store's image. On failure nothing changed, one ERROR line is logged
    /// with the path and the OS error, and the store is not writable until
    /// a write succeeds again. An empty slice writes nothing.
    pub fn apply(&self, changes: &[StoreChange]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let shared = &self.inner.shared;
        let result = {
            let mut st = shared.lock();
            shared.apply_locked(&mut st, changes)
        };
        self.wake_compactor();
        result
    }

    /// Makes the store hold `data` (the callers that keep a whole image):
    /// writes only the difference to the store's image as one journal
    /// record, so the cost on disk is that of the change, not of the store.
    /// Nothing is written when nothing changed. Publishers missing from
    /// `data` are kept (no change removes a publisher).
    pub fn save(&self, data: &StoreData) -> Result<(), StoreError> {
        let shared = &self.inner.shared;
        if data.format != FORMAT {
            return Err(StoreError::Format {
                path: shared.paths.file.clone(),
                found: data.format,
            });
        }
        let result = {
            let mut st = shared.lock();
            let changes = st.image.diff(data);
            if changes.is_empty() {
                return Ok(());
            }
            shared.apply_locked(&mut st, &changes)
        };
        self.wake_compactor();
        result
    }

    /// False after a write failed, until one succeeds again (also false
    /// from the start when the directory is on a read-only file system).
    pub fn writable(&self) -> bool {
        self.inner.shared.lock().writable
    }

    /// Compacts the journal into the snapshot now, in this thread (also
    /// writes a pending initial store file). A no-op when the journal is
    /// empty.
    pub fn compact_now(&self) -> Result<(), StoreError> {
        self.inner.shared.compact_reported()
    }

    /// A copy of what the store holds (O(n)).
    pub fn data(&self) -> StoreData {
        self.inner.shared.lock().image.to_data()
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.inner.shared.paths.dir
    }

    /// Path of `proxy-store.json`.
    pub fn path(&self) -> &Path {
        &self.inner.shared.paths.file
    }

    /// Path of the active journal.
    pub fn journal_path(&self) -> &Path {
        &self.inner.shared.paths.journal
    }

    fn wake_compactor(&self) {
        let due = self.inner.shared.lock().compaction_due;
        if let (true, Some(wake)) = (due, &self.inner.wake) {
            let tx = wake.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_journal;
