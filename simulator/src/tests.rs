//! Scenario tests: every scenario in virtual time (insta snapshots of the
//! event sequences), generator properties, and the failure report.

use std::path::PathBuf;

use proptest::prelude::*;
use ptp_event_core::linuxptp::{parse, Body, LogLine};

use crate::run::report::Verdict;
use crate::run::virtual_time;
use crate::scenario::{build, Scenario};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn all_scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn at_least_thirty_scenarios() {
    assert!(all_scenarios().len() >= 30);
}

#[test]
fn every_scenario_passes_in_virtual_time() {
    for path in all_scenarios() {
        let s = Scenario::load(&path).expect("valid scenario");
        let out = virtual_time::run(&s);
        let verdict = out.verdict();
        if s.known_failure.is_some() {
            // A known failure must still fail: it is fixed when it passes.
            assert_eq!(verdict, Verdict::XFail, "{}", out.render(false));
        } else {
            assert_eq!(verdict, Verdict::Pass, "{}", out.render(false));
        }
        assert!(out.problems.is_empty(), "{}", out.render(false));
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        insta::assert_snapshot!(name, out.event_lines().join("\n"));
    }
}

#[test]
fn every_generated_line_parses_and_renders_back() {
    for path in all_scenarios() {
        let s = Scenario::load(&path).expect("valid scenario");
        for l in build(&s).lines.into_iter().filter(|l| !l.text.is_empty()) {
            let parsed = parse(&l.text).unwrap_or_else(|e| panic!("{}: {e:?}: {}", s.name, l.text));
            assert_eq!(parsed.to_string(), l.text);
        }
    }
}

#[test]
fn wrong_expectation_fails_with_a_clear_report() {
    let text = include_str!("../../scenarios/gm-loss-freerun.toml")
        .replace("within = [5.4, 5.5]", "within = [9.0, 9.5]");
    let s = Scenario::from_str_named(&text, "wrong.toml", "wrong").expect("valid");
    let out = virtual_time::run(&s);
    assert!(!out.passed());
    let report = out.render(false);
    assert!(report.contains("FAIL gm-loss-freerun"), "{report}");
    assert!(
        report.contains("expected: lock-state FREERUN within [9, 9.5]"),
        "{report}"
    );
    assert!(report.contains("got: arrived at 5.400"), "{report}");
}

#[test]
fn a_known_failure_is_reported_as_xfail_with_its_reason() {
    // A passing scenario with a wrong final expectation, marked as a known
    // failure, then the same mark on the passing scenario.
    let path = scenarios_dir().join("replay-stale-faulty-dual-follower.toml");
    let text = std::fs::read_to_string(&path).expect("scenario");
    let marked = text.replacen(
        "seed = 24",
        "seed = 24\nknown_failure = \"the clock is expected in HOLDOVER\"",
        1,
    );
    let wrong = marked.replace("lock-state = \"LOCKED\"", "lock-state = \"HOLDOVER\"");
    let s = Scenario::from_str_named(&wrong, "wrong.toml", "wrong").expect("valid");
    let out = virtual_time::run(&s);
    let report = out.render(false);
    assert_eq!(out.verdict(), Verdict::XFail, "{report}");
    assert!(
        report.contains("(known failure: the clock is expected in HOLDOVER"),
        "{report}"
    );
    // Without the mark, the same run is a plain failure.
    let mut plain = s.clone();
    plain.known_failure = None;
    assert_eq!(virtual_time::run(&plain).verdict(), Verdict::Fail);
    // A marked scenario that passes is reported so the mark goes.
    let s = Scenario::from_str_named(&marked, "marked.toml", "marked").expect("valid");
    assert_eq!(virtual_time::run(&s).verdict(), Verdict::XPass);
}

#[test]
fn the_virtual_plot_of_a_scenario_holds_its_series_and_labels() {
    let path = scenarios_dir().join("gm-loss-freerun.toml");
    let s = Scenario::load(&path).expect("valid");
    let out = virtual_time::run(&s);
    let tl = out.plot.as_ref().expect("a timeline");
    assert!(tl.timers.iter().any(|t| t.expired), "{:?}", tl.timers);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("gm.svg");
    crate::commands::run::write_plot(&out, &file).expect("plot written");
    let svg = std::fs::read_to_string(&file).expect("svg");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    for want in [
        "time (s)",
        "offset (ns)",
        "ptp4l ens2fx offset",
        "phc2sys CLOCK_REALTIME offset",
        "lock-state ens2fx",
        "sync-state",
        "HOLDOVER",
        "FREERUN",
    ] {
        assert!(
            texts.iter().any(|t| t.trim() == want),
            "{want} not in {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("gm-loss-freerun")), "title");
}

#[test]
fn plots_of_several_scenarios_get_one_file_each() {
    let p = std::path::Path::new("/tmp/x/t.svg");
    assert_eq!(crate::commands::run::plot_path(p, "a", false), p);
    assert_eq!(
        crate::commands::run::plot_path(p, "a", true),
        std::path::Path::new("/tmp/x/t-a.svg")
    );
}

#[test]
fn demo_scenario_is_embedded_and_valid() {
    let s = Scenario::from_str_named(crate::commands::demo::DEMO, "demo", "demo").expect("valid");
    assert!(virtual_time::run(&s).passed());
}

fn steady(seed: u64, mean: f64, sd: f64, lo: i64, hi: i64) -> String {
    format!(
        r#"
seed = {seed}
[[profile]]
name = "p"
type = "OC"
[[profile.interface]]
name = "ens2f0"
role = "slave"
[[step]]
kind = "startup"
[[step]]
kind = "steady_lock"
duration = 60.0
offset = {{ mean = {mean:?}, sd = {sd:?}, min = {lo}, max = {hi} }}
"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn lines_parse_and_offsets_follow_the_distribution(
        seed in 0u64..(i64::MAX as u64),
        mean in -20.0f64..20.0,
        sd in 1.0f64..15.0,
    ) {
        let lo = (mean - 6.0 * sd).floor() as i64;
        let hi = (mean + 6.0 * sd).ceil() as i64;
        let s = Scenario::from_str_named(&steady(seed, mean, sd, lo, hi), "p.toml", "p").expect("valid");
        let tl = build(&s);
        let mut offsets = Vec::new();
        let steady_start = tl.steps[1].start;
        let mut skip_first = true;
        for l in &tl.lines {
            let line = parse(&l.text);
            prop_assert!(line.is_ok(), "{}", l.text);
            if let Ok(LogLine::Entry(e)) = line {
                if let Body::PtpOffset(o) = e.body {
                    if l.t >= steady_start && !std::mem::replace(&mut skip_first, false) {
                        offsets.push(o.offset as f64);
                    }
                }
            }
        }
        prop_assert_eq!(offsets.len(), 960);
        prop_assert!(offsets.iter().all(|&o| o >= lo as f64 && o <= hi as f64));
        let n = offsets.len() as f64;
        let m = offsets.iter().sum::<f64>() / n;
        let var = offsets.iter().map(|o| (o - m).powi(2)).sum::<f64>() / n;
        prop_assert!((m - mean).abs() < 4.0 * sd / n.sqrt() + 0.5, "mean {} vs {}", m, mean);
        prop_assert!((var.sqrt() - sd).abs() < 0.15 * sd + 0.5, "sd {} vs {}", var.sqrt(), sd);
    }

    #[test]
    fn clipping_is_respected(seed in 0u64..(i64::MAX as u64), lo in -30i64..0, width in 1i64..20) {
        let hi = lo + width;
        let s = Scenario::from_str_named(&steady(seed, 0.0, 40.0, lo, hi), "p.toml", "p").expect("valid");
        for l in build(&s).lines.iter().filter(|l| l.t >= 3.1) {
            if let Ok(LogLine::Entry(e)) = parse(&l.text) {
                if let Body::PtpOffset(o) = e.body {
                    prop_assert!(o.offset >= lo && o.offset <= hi, "{} not in [{}, {}]", o.offset, lo, hi);
                }
            }
        }
    }
}
