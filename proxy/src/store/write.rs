//! Appending one record to the journal, and the bookkeeping of failed and
//! successful writes (log, observer, writable state). Runs with the state
//! lock held: writes are serialised.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};

use super::snapshot::{corrupt_name, fsync_dir};
use super::time::unix_seconds;
use super::{journal, Shared, State, StoreChange, StoreError};

impl Shared {
    /// Writes `changes` as one record and applies them to the image; on
    /// failure nothing changed and the failure is reported.
    pub(super) fn apply_locked(
        &self,
        st: &mut State,
        changes: &[StoreChange],
    ) -> Result<(), StoreError> {
        match self.append(st, changes) {
            Ok(()) => {
                for c in changes {
                    st.image.apply(c);
                }
                self.succeeded(st);
                let threshold = self.options.compact_min_bytes.max(st.snapshot_len);
                if st.journal_len >= threshold {
                    st.compaction_due = true;
                }
                Ok(())
            }
            Err(e) => {
                self.failed(st, &e, "the change was not applied");
                Err(e)
            }
        }
    }

    fn append(&self, st: &mut State, changes: &[StoreChange]) -> Result<(), StoreError> {
        if st.base.is_some() {
            self.write_base(st)?;
        }
        let path = &self.paths.journal;
        let seq = st.seq + 1;
        let line = journal::encode(seq, changes).map_err(|source| StoreError::Serialize {
            path: path.clone(),
            source,
        })?;
        self.open_journal(st)?;
        let valid = st.journal_len;
        let Some(file) = st.journal.as_mut() else {
            return Err(StoreError::io(
                "open",
                path,
                std::io::Error::other("journal not open"),
            ));
        };
        if let Err(e) = file.write_all(&line).and_then(|()| file.sync_data()) {
            // A partial record must not stay in front of the next one.
            let undone = file.set_len(valid).and_then(|()| file.sync_data());
            if undone.is_err() {
                st.journal = None;
                st.cut_needed = true;
            }
            return Err(StoreError::io("append to", path, e));
        }
        st.journal_len += line.len() as u64;
        st.seq = seq;
        Ok(())
    }

    /// Opens the active journal for appending if it is not open: cuts a
    /// discarded tail first, and makes the file's directory entry durable
    /// before a record in it is acknowledged.
    fn open_journal(&self, st: &mut State) -> Result<(), StoreError> {
        if st.journal.is_some() {
            return Ok(());
        }
        let path = &self.paths.journal;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| StoreError::io("open", path, e))?;
        if st.cut_needed {
            let len = file
                .metadata()
                .map_err(|e| StoreError::io("inspect", path, e))?
                .len();
            if len > st.journal_len {
                if st.keep_cut {
                    self.keep_discarded(&mut file, st.journal_len);
                }
                file.set_len(st.journal_len)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| StoreError::io("truncate", path, e))?;
                tracing::info!(file = %path.display(), from = len, to = st.journal_len,
                    "store: discarded journal tail cut off");
            }
            st.cut_needed = false;
            st.keep_cut = false;
        }
        fsync_dir(&self.paths.dir)?;
        st.journal = Some(file);
        Ok(())
    }

    /// Copies a corrupt journal tail to `proxy-store.journal.corrupt-<secs>`
    /// before it is cut off (best effort: logged when it fails).
    fn keep_discarded(&self, file: &mut File, from: u64) {
        let target = corrupt_name(&self.paths.journal, unix_seconds());
        let mut tail = Vec::new();
        let copied = file
            .seek(SeekFrom::Start(from))
            .and_then(|_| file.read_to_end(&mut tail))
            .and_then(|_| fs::write(&target, &tail));
        match copied {
            Ok(()) => tracing::warn!(file = %target.display(), bytes = tail.len(),
                "store: corrupt journal tail kept"),
            Err(e) => tracing::warn!(file = %target.display(), error = %e,
                "store: corrupt journal tail could not be kept"),
        }
    }

    /// One failed write: one ERROR line with the path and the OS error,
    /// the observer, and the writable state.
    pub(super) fn failed(&self, st: &mut State, e: &StoreError, consequence: &str) {
        tracing::error!(path = %e.path().display(), error = %e, "store write failed: {consequence}");
        self.observer.write_failed(e);
        if st.writable {
            st.writable = false;
            self.observer.writable_changed(false);
        }
    }

    /// A write succeeded: the store is writable (again).
    pub(super) fn succeeded(&self, st: &mut State) {
        if !st.writable {
            st.writable = true;
            self.observer.writable_changed(true);
            tracing::info!(dir = %self.paths.dir.display(), "store: writable again");
        }
    }
}
