//! Opening a store (spec events-and-metrics.md §8.3, §8.4): load the
//! snapshot and replay the journals over it, or import the reference's
//! files, or quarantine an unreadable store file. Writes only when there is
//! something to write; a directory that cannot be written still opens.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::image::Image;
use super::snapshot::{self, corrupt_name, Paths};
use super::time::{now_rfc3339, unix_seconds};
use super::{
    compact, import, journal, Base, Inner, OpenOutcome, OpenReport, Shared, State, Store,
    StoreData, StoreError, StoreOptions, StoreRole,
};

impl Store {
    /// Opens the store in `dir` with the default options (see
    /// [`Store::open_with`]).
    pub fn open(dir: &Path, role: StoreRole) -> Result<(Store, StoreData, OpenReport), StoreError> {
        Store::open_with(dir, role, StoreOptions::default())
    }

    /// Opens (creating the directory if missing) the store in `dir`: loads
    /// `proxy-store.json` and replays the journal over it, or, if there is
    /// no store file, imports the reference proxy's files for `role` and
    /// writes the new store file (§8.3, §8.4). An unreadable store file is
    /// moved aside. When the directory cannot be written, the store still
    /// opens with what could be read; what had to be written is retried.
    ///
    /// Fails only when an existing file cannot be read.
    pub fn open_with(
        dir: &Path,
        role: StoreRole,
        options: StoreOptions,
    ) -> Result<(Store, StoreData, OpenReport), StoreError> {
        let paths = Paths::new(dir);
        if let Err(e) = fs::create_dir_all(dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "store: directory cannot be created");
        }
        remove_stale_tmp(&paths);
        let bytes = match fs::read(&paths.file) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(StoreError::io("read", &paths.file, e)),
        };
        let mut st = State::empty();
        let report = match bytes {
            Some(bytes) => match snapshot::parse(&bytes) {
                Ok((data, seq)) => {
                    st.image = Image::from_data(data);
                    st.seq = seq;
                    st.snapshot_len = bytes.len() as u64;
                    let mut report = OpenReport::new(OpenOutcome::Loaded);
                    replay(&paths, &mut st, &mut report)?;
                    report
                }
                Err(reason) => {
                    let moved_to = corrupt_name(&paths.file, unix_seconds());
                    tracing::error!(file = %paths.file.display(), %reason,
                        "store: unreadable store file; it is moved aside and the store starts empty");
                    st.base = Some(Base {
                        quarantine: Some(moved_to.clone()),
                        orphan_journals: true,
                        renames: Vec::new(),
                    });
                    OpenReport::new(OpenOutcome::Corrupt { moved_to, reason })
                }
            },
            None => {
                let imported = import::import(dir, role, &now_rfc3339());
                st.image = Image::from_data(imported.data);
                st.base = Some(Base {
                    quarantine: None,
                    orphan_journals: true,
                    renames: imported.consumer_files,
                });
                let mut report = OpenReport::new(OpenOutcome::Initialised);
                report.imported = imported.counts;
                report.skipped = imported.skipped;
                report
            }
        };
        let observer = options.observer.clone();
        let shared = Shared {
            paths,
            state: Mutex::new(st),
            compacting: Mutex::new(()),
            observer,
            options,
        };
        let mut report = report;
        {
            let mut st = shared.lock();
            st.writable = probe_writable(dir);
            shared.observer.writable_changed(st.writable);
            if st.base.is_some() {
                match shared.write_base(&mut st) {
                    Ok((renamed, not_renamed)) => {
                        report.renamed = renamed;
                        report.not_renamed = not_renamed;
                        shared.succeeded(&mut st);
                    }
                    Err(e) => {
                        shared.failed(&mut st, &e, "kept in memory; retried in the background");
                        report.unsaved = true;
                        st.compaction_due = true;
                    }
                }
            }
            let threshold = shared.options.compact_min_bytes.max(st.snapshot_len);
            if st.prev_exists || st.journal_len >= threshold {
                st.compaction_due = true;
            }
            report.writable = st.writable;
        }
        let data = shared.lock().image.to_data();
        let shared = Arc::new(shared);
        let (wake, compactor) = match shared.options.background {
            true => compact::start(shared.clone())
                .map_or((None, None), |(tx, t)| (Some(Mutex::new(tx)), Some(t))),
            false => (None, None),
        };
        let store = Store {
            inner: Arc::new(Inner {
                shared,
                wake,
                compactor,
            }),
        };
        store.wake_compactor();
        Ok((store, data, report))
    }
}

impl State {
    fn empty() -> State {
        State {
            image: Image::default(),
            seq: 0,
            journal: None,
            journal_len: 0,
            cut_needed: false,
            keep_cut: false,
            prev_exists: false,
            snapshot_len: 0,
            base: None,
            writable: true,
            compaction_due: false,
        }
    }
}

/// Replays `.prev` then the active journal: the records after the
/// snapshot's `journalSeq`, up to the first bad one in each file.
fn replay(paths: &Paths, st: &mut State, report: &mut OpenReport) -> Result<(), StoreError> {
    for (path, active) in [(&paths.prev, false), (&paths.journal, true)] {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io("read", path, e)),
        };
        if !active {
            st.prev_exists = true;
        }
        let r = journal::parse(path, &bytes);
        for rec in r.records {
            if rec.seq <= st.seq {
                continue;
            }
            if rec.seq != st.seq + 1 {
                tracing::error!(file = %path.display(), expected = st.seq + 1, found = rec.seq,
                    "store: journal records are missing; replaying what follows");
            }
            for c in &rec.changes {
                st.image.apply(c);
            }
            st.seq = rec.seq;
            report.replayed += 1;
        }
        if let Some(d) = r.discarded {
            if d.torn_last {
                tracing::warn!(file = %path.display(), offset = d.offset, bytes = d.bytes,
                    reason = %d.reason, "store: torn last journal record discarded");
            } else {
                tracing::error!(file = %path.display(), offset = d.offset, bytes = d.bytes,
                    reason = %d.reason,
                    "store: corrupt journal record; it and every record after it are discarded");
            }
            if active {
                st.cut_needed = true;
                st.keep_cut = !d.torn_last;
            }
            report.discarded.push(d);
        }
        if active {
            st.journal_len = r.valid_len;
        }
    }
    Ok(())
}

/// Whether the directory can be written (a read-only file system shows
/// here, for root too); a full disk shows only when a write fails.
fn probe_writable(dir: &Path) -> bool {
    match rustix::fs::access(dir, rustix::fs::Access::WRITE_OK) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %io::Error::from(e),
                "store: directory is not writable; changes are refused until it is");
            false
        }
    }
}

/// A `.tmp` left by a crash between write and rename is useless.
fn remove_stale_tmp(paths: &Paths) {
    match fs::remove_file(&paths.tmp) {
        Ok(()) => {
            tracing::debug!(file = %paths.tmp.display(), "store: removed stale temporary file")
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::debug!(file = %paths.tmp.display(), error = %e,
            "store: stale temporary file not removed"),
    }
}
