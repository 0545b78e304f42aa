//! Errors of the store; each names the file or directory concerned and,
//! for IO, carries the OS error (`EROFS`, `ENOSPC`, `EACCES`, …).

use std::io;
use std::path::{Path, PathBuf};

use super::FORMAT;

/// A failed store operation.
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
    pub(super) fn io(op: &'static str, path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    /// The file or directory concerned.
    pub fn path(&self) -> &Path {
        match self {
            StoreError::Io { path, .. }
            | StoreError::Serialize { path, .. }
            | StoreError::Format { path, .. } => path,
        }
    }

    /// The OS error of an IO failure.
    pub fn os_error(&self) -> Option<&io::Error> {
        match self {
            StoreError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_name_the_path_and_the_os_error() {
        let e = StoreError::io(
            "append to",
            Path::new("/s/proxy-store.journal"),
            io::Error::from_raw_os_error(30),
        );
        let text = e.to_string();
        assert!(text.contains("/s/proxy-store.journal"), "{text}");
        assert!(text.contains("Read-only file system"), "{text}");
        assert_eq!(e.path(), Path::new("/s/proxy-store.journal"));
        assert_eq!(e.os_error().and_then(io::Error::raw_os_error), Some(30));
        let f = StoreError::Format {
            path: PathBuf::from("/s/x"),
            found: 3,
        };
        assert!(f.os_error().is_none());
        assert_eq!(f.path(), Path::new("/s/x"));
    }
}
