//! What ptp-sim starts, it ends: the processes it spawns (the proxy) and the
//! scratch directories it creates, on every way out.
//!
//! - Normal return and errors: [`Owned`] and [`ScratchDir`] are guards;
//!   dropping one kills and reaps the process, or removes the directory.
//! - SIGINT, SIGTERM, SIGHUP: `main` races the command against
//!   [`terminated`]; the command's future is dropped, and with it its guards.
//! - A closed stdout (`ptp-sim demo | head -3`): printing panics with a
//!   broken pipe; the hook of [`install_panic_hook`] ends every registered
//!   process, removes every registered directory and exits quietly with
//!   status 141 (as if killed by SIGPIPE). Other panics clean up the same way
//!   (also with `panic = "abort"`), then report as usual.
//! - SIGKILL of ptp-sim: nothing here runs. Each process is spawned with its
//!   stdin on a pipe that only ptp-sim holds; the proxy runs with
//!   `--exit-with-stdin` and exits by itself when the pipe closes.
//!
//! Every guard is also listed in a process-wide registry (pids and paths),
//! which is what the panic hook walks.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};
use tokio::process::{Child, ChildStdin, Command};

/// How long a guard waits for a killed process to be gone.
const REAP_DEADLINE: Duration = Duration::from_secs(2);

/// Exit status after stdout closed (128 + SIGPIPE).
pub const STDOUT_CLOSED_STATUS: i32 = 141;

#[derive(Default)]
struct Registry {
    pids: Vec<u32>,
    dirs: Vec<PathBuf>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    pids: Vec::new(),
    dirs: Vec::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A child process owned by ptp-sim: its stdin is a pipe held here, and it is
/// killed (SIGKILL) and reaped when the guard is dropped.
pub struct Owned {
    child: Child,
    pid: Option<u32>,
    /// The write end of the child's stdin; closing it (our exit, whatever
    /// kind) is the child's signal to stop.
    _stdin: Option<ChildStdin>,
}

/// Spawns `cmd` with its stdin on a pipe held by the returned guard.
pub fn spawn(cmd: &mut Command) -> std::io::Result<Owned> {
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id();
    let stdin = child.stdin.take();
    if let Some(pid) = pid {
        registry().pids.push(pid);
        tracing::info!(pid, "child process started");
    }
    Ok(Owned {
        child,
        pid,
        _stdin: stdin,
    })
}

impl Owned {
    /// The child's process id (until it was reaped).
    #[cfg(test)]
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

impl Deref for Owned {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for Owned {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        // Reap, so that nothing of it is left and its files are closed
        // before the scratch directory goes. Bounded; SIGKILL is quick.
        let deadline = Instant::now() + REAP_DEADLINE;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(pid) = self.pid {
            registry().pids.retain(|p| *p != pid);
            tracing::info!(pid, "child process stopped");
        }
    }
}

/// A scratch directory, removed when the guard is dropped (or by the panic
/// hook).
pub struct ScratchDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

/// Creates a scratch directory under the temporary directory (`TMPDIR`).
pub fn scratch_dir() -> std::io::Result<ScratchDir> {
    let dir = tempfile::Builder::new().prefix("ptp-sim-").tempdir()?;
    let path = dir.path().to_path_buf();
    registry().dirs.push(path.clone());
    Ok(ScratchDir {
        dir: Some(dir),
        path,
    })
}

impl ScratchDir {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            if let Err(e) = dir.close() {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot remove scratch directory");
            }
        }
        registry().dirs.retain(|p| *p != self.path);
    }
}

/// Whether `pid` has exited (gone, or a zombie waiting to be reaped).
fn exited(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // The state follows the parenthesised command name.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    matches!(state, Some('Z' | 'X') | None)
}

/// Kills every registered process, waits (bounded) until they have exited,
/// and removes every registered directory. For the ways out where no guard
/// is dropped.
pub fn cleanup_all() {
    let (pids, dirs) = {
        let r = registry();
        (r.pids.clone(), r.dirs.clone())
    };
    for pid in &pids {
        // Not reaped here, so the pid cannot be reused by another process
        // before a guard's own kill.
        if let Some(p) = i32::try_from(*pid).ok().and_then(Pid::from_raw) {
            let _ = kill_process(p, Signal::KILL);
        }
    }
    let deadline = Instant::now() + REAP_DEADLINE;
    while !pids.iter().all(|p| exited(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    for d in &dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// Whether a panic payload is the standard library's report of a failed
/// print to a closed stdout.
fn is_stdout_closed(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let payload = info.payload();
    let msg = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    msg.starts_with("failed printing to stdout")
}

/// Installs the panic hook described in the module documentation.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_stdout_closed(info) {
            cleanup_all();
            std::process::exit(STDOUT_CLOSED_STATUS);
        }
        previous(info);
        cleanup_all();
    }));
}

/// A termination request ptp-sim received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    Interrupt,
    Terminate,
    Hangup,
}

impl Termination {
    /// The conventional exit status, 128 + the signal number.
    pub fn exit_status(self) -> u8 {
        match self {
            Termination::Hangup => 129,
            Termination::Interrupt => 130,
            Termination::Terminate => 143,
        }
    }
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::Interrupt => "SIGINT",
            Termination::Terminate => "SIGTERM",
            Termination::Hangup => "SIGHUP",
        })
    }
}

/// Resolves on the first SIGINT, SIGTERM or SIGHUP. Waits on the three
/// signals only.
pub async fn terminated() -> Termination {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => Termination::Interrupt,
        _ = term.recv() => Termination::Terminate,
        _ = hup.recv() => Termination::Hangup,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry is process-wide and `cleanup_all` kills everything in
    /// it: one test at a time.
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

    #[tokio::test]
    async fn dropping_the_guards_ends_the_process_and_removes_the_directory() {
        let _serial = SERIAL.lock().await;
        let dir = scratch_dir().expect("scratch dir");
        let path = dir.path().to_path_buf();
        std::fs::write(path.join("f"), b"x").expect("write");
        let owned = spawn(Command::new("sleep").arg("30")).expect("spawn sleep");
        let pid = owned.pid().expect("pid");
        assert!(registry().pids.contains(&pid));
        assert!(registry().dirs.contains(&path));
        drop(owned);
        drop(dir);
        assert!(exited(pid), "pid {pid} still running");
        assert!(!path.exists());
        assert!(!registry().pids.contains(&pid));
        assert!(!registry().dirs.contains(&path));
    }

    #[tokio::test]
    async fn the_child_sees_end_of_file_when_the_guard_goes() {
        let _serial = SERIAL.lock().await;
        // `cat` copies stdin until end of file, then exits 0: the guard's
        // pipe is the child's only stdin.
        let mut cmd = Command::new("cat");
        cmd.stdout(std::process::Stdio::null());
        let mut owned = spawn(&mut cmd).expect("spawn cat");
        assert!(matches!(owned.try_wait(), Ok(None)), "cat exited early");
        // Closing our end without killing: cat ends by itself.
        owned._stdin = None;
        let status = tokio::time::timeout(Duration::from_secs(5), owned.wait())
            .await
            .expect("cat exits after stdin closed")
            .expect("status");
        assert!(status.success());
    }

    #[tokio::test]
    async fn cleanup_all_kills_registered_processes_and_removes_dirs() {
        let _serial = SERIAL.lock().await;
        let dir = scratch_dir().expect("scratch dir");
        let path = dir.path().to_path_buf();
        let owned = spawn(Command::new("sleep").arg("30")).expect("spawn sleep");
        let pid = owned.pid().expect("pid");
        cleanup_all();
        assert!(exited(pid));
        assert!(!path.exists());
        // The guards still drop cleanly afterwards.
        drop(owned);
        drop(dir);
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(Termination::Interrupt.exit_status(), 130);
        assert_eq!(Termination::Terminate.exit_status(), 143);
        assert_eq!(Termination::Interrupt.to_string(), "SIGINT");
    }
}
