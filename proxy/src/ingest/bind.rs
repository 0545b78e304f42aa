//! Binding the event socket (socket-and-lines.md §1.1): a stale socket is
//! removed, a live one or a file that is not a socket is an error.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::net::{UnixListener, UnixStream};

/// Errors binding the socket.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another instance is serving {0}")]
    InUse(PathBuf),
    #[error("{0} exists and is not a socket; refusing to remove it")]
    NotASocket(PathBuf),
    #[error("cannot bind {path}: {source}")]
    Bind { path: PathBuf, source: io::Error },
}

/// Binds the socket per §1.1: a stale socket is removed, a live one or a
/// non-socket file is an error.
pub async fn bind(path: &Path) -> Result<UnixListener, SocketError> {
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
    let bind_err = |source| SocketError::Bind {
        path: path.to_path_buf(),
        source,
    };
    match UnixListener::bind(path) {
        Ok(l) => return Ok(l),
        Err(e) if e.kind() != io::ErrorKind::AddrInUse => return Err(bind_err(e)),
        Err(_) => {}
    }
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::symlink_metadata(path).map_err(bind_err)?;
    if !meta.file_type().is_socket() {
        return Err(SocketError::NotASocket(path.to_path_buf()));
    }
    let live = tokio::time::timeout(Duration::from_millis(100), UnixStream::connect(path)).await;
    if matches!(live, Ok(Ok(_))) {
        return Err(SocketError::InUse(path.to_path_buf()));
    }
    tracing::info!(path = %path.display(), "removing stale socket");
    std::fs::remove_file(path).map_err(bind_err)?;
    UnixListener::bind(path).map_err(bind_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stale_socket_is_replaced_live_one_refused_file_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/events.sock");
        let l = bind(&path).await.expect("bind");
        assert!(matches!(bind(&path).await, Err(SocketError::InUse(_))));
        drop(l);
        let _l2 = bind(&path).await.expect("stale socket replaced");
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").expect("write");
        assert!(matches!(bind(&file).await, Err(SocketError::NotASocket(_))));
        assert!(file.exists());
    }
}
