//! `cloud-event-proxy explain LOG --plot FILE.svg` on a captured log: the
//! SVG holds the offset series, the threshold band, the state bands and the
//! events of the run, and the explanation itself is unchanged.

use ptp_tests::proxy_bin;

#[test]
fn explain_plots_a_captured_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svg = dir.path().join("gm-loss.svg");
    let log = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../proxy/core/testdata/logs/02-gm-loss-holdover-recover.log"
    );
    let out = std::process::Command::new(proxy_bin())
        .args(["explain", log, "--node", "compute-1.example.com", "--plot"])
        .arg(&svg)
        .output()
        .expect("run explain");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("HOLDOVER"), "{stdout}");
    assert!(stderr.contains(&svg.display().to_string()), "{stderr}");
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
        "ptp4l ens4fx offset",
        "lock-state ens4fx",
        "LOCKED",
        "HOLDOVER",
    ] {
        assert!(texts.contains(&want), "{want} missing from {texts:?}");
    }
    let polylines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(polylines >= 2, "offset series drawn: {polylines}");
    // Without --plot the table is the same.
    let plain = std::process::Command::new(proxy_bin())
        .args(["explain", log, "--node", "compute-1.example.com"])
        .output()
        .expect("run explain");
    assert_eq!(String::from_utf8_lossy(&plain.stdout), stdout);
}
