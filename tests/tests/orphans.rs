//! ptp-sim ends what it starts (issue 15): the proxy it spawned and the
//! scratch directory it created go with it on SIGINT, SIGTERM, a closed
//! stdout and a normal end; when ptp-sim is SIGKILLed, the proxy notices its
//! stdin pipe closing and exits by itself within about a second.
//!
//! Each test runs the real `ptp-sim` with `TMPDIR` pointing at a directory
//! of its own, so "nothing left behind" is "that directory is empty", and
//! finds the proxy as ptp-sim's child in `/proc`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ptp_tests::{proxy_bin, wait_for, workspace_bin};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// A process identified by pid and start time, so that a reused pid is not
/// mistaken for it.
#[derive(Debug, Clone, Copy)]
struct Proc {
    pid: u32,
    start: u64,
}

/// (parent pid, state, start time) from `/proc/<pid>/stat`.
fn stat(pid: u32) -> Option<(u32, char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name: state ppid … starttime
    // (field 22 overall, the 20th after the name).
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((ppid, state, start))
}

impl Proc {
    /// Gone: no such pid, a zombie, or another process under the same pid.
    fn gone(&self) -> bool {
        match stat(self.pid) {
            None => true,
            Some((_, state, start)) => matches!(state, 'Z' | 'X') || start != self.start,
        }
    }
}

/// The children of `parent` whose executable is `name`.
fn children_named(parent: u32, name: &str) -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let (ppid, state, start) = stat(pid)?;
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            (ppid == parent
                && !matches!(state, 'Z' | 'X')
                && exe.file_name().is_some_and(|f| f == name))
            .then_some(Proc { pid, start })
        })
        .collect()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn signal(pid: u32, sig: &str) -> Result<()> {
    let status = std::process::Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()?;
    anyhow::ensure!(status.success(), "kill -{sig} {pid} failed");
    Ok(())
}

/// A running ptp-sim with its own TMPDIR.
struct Sim {
    child: Child,
    pid: u32,
    out: Option<Lines<BufReader<ChildStdout>>>,
    tmp: tempfile::TempDir,
    /// ptp-sim's stderr, outside `tmp`.
    _logs: tempfile::TempDir,
    stderr: std::path::PathBuf,
}

impl Sim {
    /// `ptp-sim <args> --proxy-bin <the built proxy>`.
    async fn start(args: &[&str]) -> Result<Sim> {
        let proxy = proxy_bin();
        let sim = workspace_bin("ptp-sim", "ptp-simulator");
        let tmp = tempfile::tempdir()?;
        let logs = tempfile::tempdir()?;
        let stderr = logs.path().join("ptp-sim.err");
        let mut child = Command::new(sim)
            .args(args)
            .arg("--proxy-bin")
            .arg(proxy)
            .env("TMPDIR", tmp.path())
            .env("LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&stderr)?))
            .kill_on_drop(true)
            .spawn()
            .context("spawn ptp-sim")?;
        let pid = child.id().context("ptp-sim pid")?;
        let out = child.stdout.take().map(|o| BufReader::new(o).lines());
        Ok(Sim {
            child,
            pid,
            out,
            tmp,
            _logs: logs,
            stderr,
        })
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Reads stdout until a line containing `needle` (the lines so far).
    async fn read_until(&mut self, needle: &str, timeout: Duration) -> Result<Vec<String>> {
        let out = self.out.as_mut().context("stdout already closed")?;
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, out.next_line()).await {
                Ok(Ok(Some(line))) => {
                    let hit = line.contains(needle);
                    seen.push(line);
                    if hit {
                        return Ok(seen);
                    }
                }
                Ok(Ok(None)) => bail!("ptp-sim's stdout ended before {needle:?}: {seen:?}"),
                Ok(Err(e)) => bail!("reading ptp-sim's stdout: {e}"),
                Err(_) => bail!(
                    "no {needle:?} within {timeout:?}: {seen:?}\nstderr:\n{}",
                    self.stderr()
                ),
            }
        }
    }

    /// Reads stdout to its end (the lines).
    async fn read_to_end(&mut self, timeout: Duration) -> Result<Vec<String>> {
        let out = self.out.as_mut().context("stdout already closed")?;
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, out.next_line()).await {
                Ok(Ok(Some(line))) => seen.push(line),
                Ok(Ok(None)) => return Ok(seen),
                Ok(Err(e)) => bail!("reading ptp-sim's stdout: {e}"),
                Err(_) => bail!("stdout still open after {timeout:?}: {seen:?}"),
            }
        }
    }

    /// The proxy ptp-sim started.
    async fn proxy(&self) -> Result<Proc> {
        let pid = self.pid;
        let mut found = wait_for(
            "the proxy as ptp-sim's child",
            Duration::from_secs(30),
            || async {
                let c = children_named(pid, "cloud-event-proxy");
                (!c.is_empty()).then_some(c)
            },
        )
        .await?;
        anyhow::ensure!(found.len() == 1, "ptp-sim has {} proxies", found.len());
        found.pop().context("one proxy")
    }

    /// Waits for ptp-sim's exit status.
    async fn exit(&mut self, timeout: Duration) -> Result<std::process::ExitStatus> {
        tokio::time::timeout(timeout, self.child.wait())
            .await
            .with_context(|| format!("ptp-sim still running after {timeout:?}"))?
            .context("wait for ptp-sim")
    }
}

/// Runs until the demo plays lines to the proxy (`>` lines): the proxy is
/// up, subscribed to and being fed.
async fn playing(sim: &mut Sim) -> Result<Proc> {
    sim.read_until("    > [", Duration::from_secs(60)).await?;
    let proxy = sim.proxy().await?;
    assert_eq!(
        entries(sim.tmp.path()).len(),
        1,
        "one scratch directory while running: {:?}",
        entries(sim.tmp.path())
    );
    Ok(proxy)
}

async fn stopped_by(sig: &str, args: &[&str], expected_status: i32) -> Result<()> {
    let mut sim = Sim::start(args).await?;
    let proxy = playing(&mut sim).await?;
    signal(sim.pid, sig)?;
    let status = sim.exit(Duration::from_secs(10)).await?;
    assert_eq!(status.code(), Some(expected_status), "{}", sim.stderr());
    // Gone before ptp-sim returned: it kills and reaps before exiting.
    assert!(proxy.gone(), "proxy {} outlived ptp-sim ({sig})", proxy.pid);
    assert_eq!(entries(sim.tmp.path()), Vec::<String>::new(), "left behind");
    Ok(())
}

#[tokio::test]
async fn sigint_stops_the_demos_proxy_and_removes_its_files() -> Result<()> {
    stopped_by("INT", &["demo"], 130).await
}

#[tokio::test]
async fn sigterm_stops_a_real_run_and_removes_its_files() -> Result<()> {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gm-loss-freerun.toml");
    let scenario = scenario.to_string_lossy().into_owned();
    // `run` prints only at the end; its proxy is found in /proc.
    let mut sim = Sim::start(&["run", &scenario]).await?;
    let proxy = sim.proxy().await?;
    // Wait until the proxy has created its socket in the scratch directory.
    let tmp = sim.tmp.path().to_path_buf();
    wait_for("the proxy's socket", Duration::from_secs(30), || async {
        let dirs = entries(&tmp);
        dirs.iter()
            .any(|d| tmp.join(d).join("events.sock").exists())
            .then_some(())
    })
    .await?;
    signal(sim.pid, "TERM")?;
    let status = sim.exit(Duration::from_secs(10)).await?;
    assert_eq!(status.code(), Some(143), "{}", sim.stderr());
    assert!(proxy.gone(), "proxy {} outlived ptp-sim", proxy.pid);
    assert_eq!(entries(sim.tmp.path()), Vec::<String>::new(), "left behind");
    Ok(())
}

#[tokio::test]
async fn closing_stdout_stops_the_demo_like_head_does() -> Result<()> {
    let mut sim = Sim::start(&["demo"]).await?;
    let proxy = playing(&mut sim).await?;
    // `ptp-sim demo | head -3`: the reader goes away.
    sim.out = None;
    let status = sim.exit(Duration::from_secs(10)).await?;
    assert_eq!(status.code(), Some(141), "{}", sim.stderr());
    assert!(
        !sim.stderr().contains("panicked"),
        "a closed pipe is not a crash:\n{}",
        sim.stderr()
    );
    assert!(proxy.gone(), "proxy {} outlived ptp-sim", proxy.pid);
    assert_eq!(entries(sim.tmp.path()), Vec::<String>::new(), "left behind");
    Ok(())
}

#[tokio::test]
async fn the_proxy_exits_by_itself_within_a_second_when_ptp_sim_is_killed() -> Result<()> {
    let mut sim = Sim::start(&["demo"]).await?;
    let proxy = playing(&mut sim).await?;
    signal(sim.pid, "KILL")?;
    sim.exit(Duration::from_secs(5)).await?;
    let killed = Instant::now();
    // About a second, with slack for a machine loaded by parallel tests.
    wait_for(
        "the orphaned proxy to exit",
        Duration::from_secs(3),
        || async { proxy.gone().then_some(()) },
    )
    .await?;
    let took = killed.elapsed();
    eprintln!("proxy {} gone {took:?} after ptp-sim was killed", proxy.pid);
    assert!(took < Duration::from_secs(3), "{took:?}");
    // Nothing could remove the scratch directory; the test's TMPDIR does.
    Ok(())
}

#[tokio::test]
async fn a_finished_demo_leaves_nothing_behind() -> Result<()> {
    let mut sim = Sim::start(&["demo"]).await?;
    let proxy = playing(&mut sim).await?;
    let lines = sim.read_to_end(Duration::from_secs(60)).await?;
    let status = sim.exit(Duration::from_secs(10)).await?;
    assert!(status.success(), "{lines:?}\n{}", sim.stderr());
    assert!(
        lines.last().is_some_and(|l| l.starts_with("demo OK")),
        "{lines:?}"
    );
    assert!(proxy.gone());
    // The one file the demo keeps is the plot it announced.
    let plot = "ptp-sim-demo-timeline.svg";
    assert!(lines.iter().any(|l| l.contains(plot)), "{lines:?}");
    let left: Vec<String> = entries(sim.tmp.path())
        .into_iter()
        .filter(|e| e != plot)
        .collect();
    assert_eq!(left, Vec::<String>::new(), "left behind");
    Ok(())
}
