//! The real-mode subset of the scenarios: `ptp-sim run` starts the real
//! `cloud-event-proxy`, plays each scenario over the UNIX socket in real
//! time and checks the events a real consumer received.

use std::path::PathBuf;
use std::process::Command;

fn ptp_sim() -> PathBuf {
    // Make sure the proxy binary is built too (ptp-sim starts it).
    ptp_tests::proxy_bin();
    ptp_tests::workspace_bin("ptp-sim", "ptp-simulator")
}

fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
}

/// Real-time scenarios are timing-sensitive: run them one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(paths: &[PathBuf]) -> (bool, String) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out = Command::new(ptp_sim())
        .arg("run")
        .args(paths)
        .env("LOG_LEVEL", "info")
        .output()
        .expect("ptp-sim runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn real_mode_subset_passes() {
    let names = [
        "gm-loss-freerun.toml",
        "link-fault.toml",
        "tgm-gnss-loss.toml",
        "dual-nic-one-lost.toml",
        "replay-after-reconnect.toml",
    ];
    let paths: Vec<PathBuf> = names.iter().map(|n| scenario(n)).collect();
    let (ok, text) = run(&paths);
    assert!(ok, "{text}");
    assert!(text.contains("5 scenario(s), 5 passed, 0 failed"), "{text}");
}

#[test]
fn a_wrong_expectation_fails_with_a_clear_report() {
    let good = std::fs::read_to_string(scenario("gm-loss-freerun.toml")).expect("scenario");
    // Expect LOCKED where the proxy must report HOLDOVER.
    let bad = good.replacen("value = \"HOLDOVER\"", "value = \"LOCKED\"", 1);
    assert_ne!(good, bad);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wrong.toml");
    std::fs::write(&path, bad).expect("write");
    let (ok, text) = run(&[path]);
    assert!(!ok, "{text}");
    assert!(text.contains("FAIL"), "{text}");
    assert!(
        text.contains("HOLDOVER"),
        "the report names what arrived instead:\n{text}"
    );
}
