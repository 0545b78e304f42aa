//! Records the git commit the binary is built from, for `--version`:
//! `PTP_PROXY_GIT_COMMIT` = `git rev-parse --short HEAD`, the value of the
//! environment variable `PTP_PROXY_GIT_COMMIT` when set (image builds
//! without `.git`), or `unknown` (a source tarball).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PTP_PROXY_GIT_COMMIT");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var("PTP_PROXY_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&dir, &["rev-parse", "--short", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    // Rebuild when HEAD moves: HEAD itself (a checkout), the branch it
    // points to (a commit), and packed-refs (a ref packed by gc). `--git-path`
    // resolves them in worktrees too.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(r) = git(&dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(r);
    }
    for name in watched {
        if let Some(p) = git(&dir, &["rev-parse", "--git-path", &name]) {
            let p = if Path::new(&p).is_absolute() {
                PathBuf::from(p)
            } else {
                dir.join(p)
            };
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
    println!("cargo:rustc-env=PTP_PROXY_GIT_COMMIT={commit}");
}
