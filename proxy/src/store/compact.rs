//! Compaction: the journal is folded into a new snapshot, and the initial
//! store file of an import or a quarantine is written.
//!
//! Crash safety: under the state lock the active journal is renamed to
//! `proxy-store.journal.prev` (appends then go to a new journal) and the
//! image is frozen; without the lock the snapshot is written atomically
//! (its `journalSeq` names the last record it holds) and only then `.prev`
//! is removed. A crash at any step leaves a snapshot plus journals whose
//! records after `journalSeq` complete it.

use std::fs;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use super::snapshot::{self, corrupt_name, fsync_dir, move_aside};
use super::time::unix_seconds;
use super::{Shared, State, StoreError};

impl Shared {
    /// Compacts (or writes the pending initial store file) and reports a
    /// failure like any failed write.
    pub(super) fn compact_reported(&self) -> Result<(), StoreError> {
        let result = self.compact();
        let mut st = self.lock();
        match &result {
            Ok(()) => self.succeeded(&mut st),
            Err(e) => self.failed(&mut st, e, "compaction retried later"),
        }
        result
    }

    fn compact(&self) -> Result<(), StoreError> {
        let _one = self
            .compacting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (frozen, seq) = {
            let mut st = self.lock();
            if st.base.is_some() {
                // The initial store file holds the whole image: that is
                // the compaction.
                self.write_base(&mut st)?;
                st.compaction_due = false;
                return Ok(());
            }
            if !st.prev_exists {
                if st.journal_len == 0 && !st.cut_needed && !self.paths.journal.exists() {
                    st.compaction_due = false;
                    return Ok(());
                }
                // Later appends go to a new journal; its directory entry is
                // made durable before its first record is acknowledged.
                st.journal = None;
                if move_aside(&self.paths.journal, &self.paths.prev)? {
                    st.prev_exists = true;
                }
                st.journal_len = 0;
                st.cut_needed = false;
                st.keep_cut = false;
            }
            (st.image.freeze(), st.seq)
        };
        let bytes = snapshot::encode(&frozen, seq).map_err(|source| StoreError::Serialize {
            path: self.paths.file.clone(),
            source,
        })?;
        snapshot::write_atomic(&self.paths, &bytes)?;
        snapshot::remove(&self.paths.prev)?;
        fsync_dir(&self.paths.dir)?;
        let mut st = self.lock();
        st.prev_exists = false;
        st.snapshot_len = bytes.len() as u64;
        let threshold = self.options.compact_min_bytes.max(st.snapshot_len);
        st.compaction_due = st.journal_len >= threshold;
        tracing::debug!(
            seq,
            bytes = bytes.len(),
            "store: journal compacted into the snapshot"
        );
        Ok(())
    }

    /// Writes the initial store file: moves an unreadable store file and
    /// orphaned journals aside, writes the image, then renames the imported
    /// per-consumer files (§8.4 step 5). Returns the renamed files and those
    /// that could not be renamed (logged).
    pub(super) fn write_base(
        &self,
        st: &mut State,
    ) -> Result<(Vec<std::path::PathBuf>, Vec<std::path::PathBuf>), StoreError> {
        let Some(base) = st.base.as_mut() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let paths = &self.paths;
        fs::create_dir_all(&paths.dir)
            .map_err(|e| StoreError::io("create directory", &paths.dir, e))?;
        if let Some(target) = base.quarantine.clone() {
            if move_aside(&paths.file, &target)? {
                tracing::warn!(file = %paths.file.display(), moved_to = %target.display(),
                    "store: unreadable store file moved aside; starting with an empty store");
            }
            base.quarantine = None;
        }
        if base.orphan_journals {
            let secs = unix_seconds();
            for j in [&paths.journal, &paths.prev] {
                let target = corrupt_name(j, secs);
                if move_aside(j, &target)? {
                    tracing::warn!(file = %j.display(), moved_to = %target.display(),
                        "store: journal without its store file moved aside");
                }
            }
            base.orphan_journals = false;
        }
        let bytes = snapshot::encode(&st.image.freeze(), st.seq).map_err(|source| {
            StoreError::Serialize {
                path: paths.file.clone(),
                source,
            }
        })?;
        snapshot::write_atomic(paths, &bytes)?;
        st.snapshot_len = bytes.len() as u64;
        st.journal = None;
        st.journal_len = 0;
        st.cut_needed = false;
        st.keep_cut = false;
        st.prev_exists = false;
        let renames = st.base.take().map(|b| b.renames).unwrap_or_default();
        let mut renamed = Vec::new();
        let mut not_renamed = Vec::new();
        for path in renames {
            let mut target = path.clone().into_os_string();
            target.push(".imported");
            match fs::rename(&path, &target) {
                Ok(()) => renamed.push(std::path::PathBuf::from(target)),
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e,
                        "store: imported file could not be renamed to .imported");
                    not_renamed.push(path);
                }
            }
        }
        Ok((renamed, not_renamed))
    }
}

/// Starts the compaction thread: it waits for a wake-up (sent after an
/// `apply` made a compaction due), compacts, and retries a failed
/// compaction after a growing delay. It ends when every `Store` handle
/// (and so the sender) is gone.
pub(super) fn start(
    shared: Arc<Shared>,
) -> Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("store-compactor".into())
        .spawn(move || run(&shared, &rx));
    match spawned {
        Ok(handle) => Some((tx, handle)),
        Err(e) => {
            tracing::error!(error = %e, "store: compaction thread not started; compacting only on request");
            None
        }
    }
}

fn run(shared: &Shared, rx: &mpsc::Receiver<()>) {
    let mut retry: Option<Duration> = None;
    loop {
        let woken = match retry {
            None => rx.recv().map_err(|_| ()),
            Some(delay) => match rx.recv_timeout(delay) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => Ok(()),
                Err(mpsc::RecvTimeoutError::Disconnected) => Err(()),
            },
        };
        if woken.is_err() {
            return;
        }
        // Wake-ups that piled up during a compaction need no second one.
        while rx.try_recv().is_ok() {}
        if !shared.lock().compaction_due {
            retry = None;
            continue;
        }
        retry = match shared.compact_reported() {
            Ok(()) => None,
            Err(_) => Some(retry.map_or(shared.options.retry_initial, |d| {
                (d * 2).min(shared.options.retry_max)
            })),
        };
    }
}
