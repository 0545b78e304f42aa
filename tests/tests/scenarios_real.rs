//! The scenarios through the binaries: `ptp-sim run` starts the real
//! `cloud-event-proxy`, plays each scenario over the UNIX socket in real
//! time (a fake daemon replays on `/emit-logs`) and checks the events a
//! real consumer received. Also: every scenario in virtual time, a wrong
//! expectation, an invalid file, `--plot`, and a fleet of five proxies.

use std::path::PathBuf;
use std::process::Command;

fn ptp_sim() -> PathBuf {
    // Make sure the proxy binary is built too (ptp-sim starts it).
    ptp_tests::proxy_bin();
    ptp_tests::workspace_bin("ptp-sim", "ptp-simulator")
}

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scenario(name: &str) -> PathBuf {
    scenarios_dir().join(name)
}

/// Real-time runs are timing-sensitive: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn sim(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out = Command::new(ptp_sim())
        .args(args)
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

fn run(paths: &[PathBuf]) -> (bool, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    sim(&args)
}

/// The real-mode CI subset: short scenarios (holdover timeouts of 1–2 s),
/// each a few seconds long, and `flapping-servo-500` (500 transitions in
/// 5 s, every one delivered: the queues hold 16 384 events).
const REAL_SUBSET: [&str; 15] = [
    "gm-loss-freerun.toml",
    "dual-nic-one-lost.toml",
    "replay-after-reconnect.toml",
    "bc-holdover-times-out.toml",
    "tbc-ptp4l-killed.toml",
    "replay-stale-faulty-after-live.toml",
    "ntp-failover-phc2sys-death-silent.toml",
    "tgm-freerun-forces-downstream-freerun.toml",
    "flood-with-dead-consumers.toml",
    "restart-restores-clock-class.toml",
    "alias-race-publishes-alias.toml",
    "synce-lock-loss-recovery.toml",
    "dual-follower-port-switch.toml",
    "tbc-holdover-to-locked-after-ptp4l.toml",
    "flapping-servo-500.toml",
];

#[test]
fn real_mode_subset_passes() {
    let paths: Vec<PathBuf> = REAL_SUBSET.iter().map(|n| scenario(n)).collect();
    let (ok, text) = run(&paths);
    assert!(ok, "{text}");
    assert!(
        text.contains("15 scenario(s), 15 passed, 0 failed"),
        "{text}"
    );
    // The fake daemon replayed on /emit-logs at least for the reconnects.
    assert!(text.contains("daemon replay(s) on /emit-logs"), "{text}");
}

/// The same scenarios as the newer daemon's JSON messages
/// (next-generation.md §1), on one JSON connection to the real binary,
/// with the same expectations as their log-line runs above.
#[test]
fn real_mode_json_messages_pass_the_same_expectations() {
    let names = ["gm-loss-freerun.toml", "synce-lock-loss-recovery.toml"];
    let mut args: Vec<std::ffi::OsString> = vec!["run".into(), "--json".into()];
    args.extend(names.iter().map(|n| scenario(n).into_os_string()));
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let (ok, text) = sim(&refs);
    assert!(ok, "{text}");
    assert!(text.contains("2 scenario(s), 2 passed, 0 failed"), "{text}");
    assert!(
        text.contains("== scenario gm-loss-freerun (real time, JSON messages)"),
        "{text}"
    );
    // The simulated daemon read the proxy's status_request and answered it.
    assert!(
        text.contains("(1 status_request(s) from the proxy answered)"),
        "{text}"
    );
    assert!(!text.contains("never wrote a status_request"), "{text}");
    // Every scenario of the virtual library passes as JSON messages except
    // the one whose point is a CMD RESTART (JSON states outlive it).
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| !p.ends_with("restart-restores-clock-class.toml"))
        .collect();
    paths.sort();
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["run".as_ref(), "--virtual".as_ref(), "--json".as_ref()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    let (ok, text) = sim(&args);
    assert!(ok, "{text}");
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!("{} scenario(s), ", paths.len()))
            && summary.contains(" 0 failed"),
        "{summary}"
    );
}

#[test]
fn every_scenario_passes_in_virtual_time_through_the_binary() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 30, "{} scenarios", paths.len());
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref(), "--virtual".as_ref()];
    args.extend(paths.iter().map(|p| p.as_os_str()));
    let (ok, text) = sim(&args);
    assert!(ok, "{text}");
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with(&format!("{} scenario(s), ", paths.len()))
            && summary.contains(" 0 failed"),
        "{summary}"
    );
    assert!(
        text.contains("PASS flapping-servo-500 (1002 events)"),
        "{text}"
    );
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
    assert!(text.contains("FAIL gm-loss-freerun"), "{text}");
    assert!(
        text.contains("expected: lock-state LOCKED within"),
        "the report names the expectation:\n{text}"
    );
    assert!(
        text.contains("HOLDOVER"),
        "the report names what arrived instead:\n{text}"
    );
}

#[test]
fn an_invalid_scenario_file_names_file_line_and_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("typo.toml");
    let text = "[[profile]]\nname = \"p\"\ntype = \"OC\"\n[[profile.interface]]\nname = \"ens2f0\"\nrole = \"slave\"\n[[step]]\nkind = \"gm_loss\"\nto = \"MASTR\"\n";
    std::fs::write(&path, text).expect("write");
    let (ok, out) = sim(&["run".as_ref(), "--virtual".as_ref(), path.as_os_str()]);
    assert!(!ok, "{out}");
    let want = format!("{}:", path.display());
    let line = out.lines().find(|l| l.contains(&want)).unwrap_or_default();
    assert!(
        line.contains(":7:") || line.contains(":8:") || line.contains(":9:"),
        "{out}"
    );
    assert!(line.contains("MASTR"), "{out}");
}

#[test]
fn plot_writes_an_svg_with_series_and_labels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("timeline.svg");
    let (ok, out) = sim(&[
        "run".as_ref(),
        "--virtual".as_ref(),
        "--plot".as_ref(),
        svg.as_os_str(),
        scenario("link-fault.toml").as_os_str(),
    ]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("timeline plot: {}", svg.display())),
        "{out}"
    );
    let text = std::fs::read_to_string(&svg).expect("the SVG was written");
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::trim))
        .collect();
    for want in [
        "time (s)",
        "offset (ns)",
        "lock-state ens4fx",
        "ptp4l ens4fx offset",
        "phc2sys CLOCK_REALTIME offset",
        "HOLDOVER",
        "FREERUN",
    ] {
        assert!(texts.contains(&want), "{want} missing from {texts:?}");
    }
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(lines >= 2, "offset series drawn: {lines}");
}

#[test]
fn a_fleet_of_five_proxies_receives_every_event() {
    let (ok, text) = sim(&[
        "fleet".as_ref(),
        "--nodes".as_ref(),
        "5".as_ref(),
        scenario("gm-loss-freerun.toml").as_os_str(),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("== fleet gm-loss-freerun on 5 node(s)"),
        "{text}"
    );
    for i in 0..5 {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("node-{i:03}.fleet.example")))
            .unwrap_or_else(|| panic!("no row for node {i}:\n{text}"));
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols.get(1), cols.get(2), "expected = received: {row}");
        assert_eq!(cols.get(3), Some(&"ok"), "{row}");
    }
    assert!(
        text.contains("latency line → central consumer (ms): p50 "),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "PASS gm-loss-freerun"), "{text}");
}
