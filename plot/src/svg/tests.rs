//! The rendered SVG holds the series, bands, events and labels of a
//! timeline built from the spec's GM-loss sequence (socket-and-lines.md §6.2).

use std::collections::BTreeMap;

use ptp_event_core::linuxptp::Role;
use ptp_event_core::node_config::{
    NodeConfig, PortConfig, ProfileSettings, Ptp4lConfig, Thresholds,
};

use crate::{drive, svg, Run};

fn config() -> NodeConfig {
    let mut files = BTreeMap::new();
    files.insert(
        "ptp4l.1.config".to_string(),
        Ptp4lConfig {
            name: "ptp4l.1.config".into(),
            profile: Some("oc".into()),
            ports: vec![PortConfig {
                iface: "ens4f1".into(),
                initial_role: Role::Slave,
            }],
        },
    );
    NodeConfig {
        files,
        profiles: vec![ProfileSettings {
            name: "oc".into(),
            thresholds: Thresholds::default(),
            ..ProfileSettings::default()
        }],
        aliases: BTreeMap::new(),
    }
}

const GM_LOSS: &[(f64, &str)] = &[
    (0.000, "ptp4l[1306977.018]: [ptp4l.1.config] master offset          5 s2 freq      +2 path delay      1584"),
    (0.062, "ptp4l[1306977.080]: [ptp4l.1.config] master offset          0 s2 freq      -1 path delay      1586"),
    (0.100, "phc2sys[1306977.118]: [ptp4l.1.config] CLOCK_REALTIME phc offset        -5 s2 freq   +2726 delay    547"),
    (0.494, "ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
    (0.537, "phc2sys[1306977.555]: [ptp4l.1.config] CLOCK_REALTIME phc offset         3 s2 freq   +2724 delay    546"),
    (0.610, "ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 248"),
];

fn run() -> Run {
    drive(
        "compute-1.example.com",
        &config(),
        GM_LOSS.iter().copied(),
        Some(7.0),
    )
}

#[test]
fn the_model_holds_offsets_states_timer_and_class() {
    let tl = run().timeline;
    let ptp = tl.series("ptp4l ens4fx").expect("ptp4l series");
    assert_eq!(ptp.samples, vec![(0.0, 5), (0.062, 0)]);
    assert_eq!(ptp.band, Some((-100, 100)));
    assert_eq!(
        tl.series("phc2sys CLOCK_REALTIME").map(|s| s.samples.len()),
        Some(2)
    );
    let lock = tl.track("lock-state ens4fx").expect("lock-state track");
    let values: Vec<(&str, f64)> = lock
        .intervals
        .iter()
        .map(|i| (i.value.as_str(), i.start))
        .collect();
    assert_eq!(
        values,
        vec![("LOCKED", 0.0), ("HOLDOVER", 0.494), ("FREERUN", 5.494)]
    );
    assert_eq!(lock.intervals.last().map(|i| i.end), Some(7.0));
    assert_eq!(tl.timers.len(), 1);
    let timer = &tl.timers[0];
    assert!(timer.expired, "{timer:?}");
    assert!((timer.deadline - 5.494).abs() < 1e-9 && (timer.end - 5.494).abs() < 1e-9);
    assert_eq!(tl.classes.len(), 1);
    assert_eq!(tl.classes[0].class, 248);
    assert_eq!(tl.classes[0].clock, "ens4fx");
    assert!(tl.track("sync-state").is_some() && tl.track("os-clock-sync-state").is_some());
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

#[test]
fn the_svg_has_legend_axes_series_bands_and_labels() {
    let svg = svg::render(&run().timeline).expect("render");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let texts = texts(&doc);
    let has = |s: &str| texts.iter().any(|t| t == s);
    for label in [
        "time (s)",
        "offset (ns)",
        "clock class",
        "ptp4l ens4fx offset",
        "phc2sys CLOCK_REALTIME offset",
        "threshold band (-100 … 100 ns)",
        "lock-state ens4fx",
        "os-clock-sync-state",
        "sync-state",
        "HOLDOVER",
        "FREERUN",
        "LOCKED",
        "248",
        "clock class ens4fx",
        "holdover timer (| deadline)",
    ] {
        assert!(has(label), "no text {label:?} in {texts:?}");
    }
    // Seconds on the x axis: tick labels 0.0 … 7.0.
    assert!(has("0.0") && has("7.0"), "{texts:?}");
    // One polyline per offset series, one for the class steps (legend
    // samples are polylines too: at least 3).
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(lines >= 3, "{lines} polylines");
    // State bands in the three colours.
    let fills: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    for colour in ["#2E7D32", "#F5A623", "#C62828", "#6A1B9A"] {
        assert!(
            fills.iter().any(|f| f.eq_ignore_ascii_case(colour)),
            "no {colour} rectangle in {fills:?}"
        );
    }
}

#[test]
fn many_samples_are_thinned_but_keep_their_extremes() {
    let mut s: Vec<(f64, i64)> = (0..10_000).map(|i| (f64::from(i) * 0.01, 0)).collect();
    s[7_777].1 = 900;
    let thin = super::thin(&s);
    assert!(thin.len() <= super::MAX_POINTS + 2, "{}", thin.len());
    assert!(thin.iter().any(|p| p.1 == 900));
}

#[test]
fn a_recorder_configured_late_records_the_same_timeline() {
    // The `explain` shape: the engine loop is the caller's, the recorder
    // is told the configuration once it is known.
    use ptp_event_core::clock::{Engine, Now};
    use ptp_event_core::linuxptp::parse;
    use std::time::Duration;
    let cfg = config();
    let mut engine = Engine::new("compute-1.example.com", None);
    let _ = engine.on_config(cfg.clone());
    let mut rec = crate::Recorder::new("compute-1.example.com", &NodeConfig::default());
    rec.on_config(&cfg);
    let at = |t: f64| Now::virtual_at(Duration::from_secs_f64(t));
    for (t, text) in GM_LOSS {
        let line = parse(text).expect("parses");
        rec.line(*t, &line);
        let fx = engine.on_line(&line, at(*t));
        rec.effects(*t, &fx);
    }
    while let Some(d) = engine.next_deadline() {
        let fx = engine.on_tick(Now::virtual_at(d));
        rec.effects(d.as_secs_f64(), &fx);
    }
    let tl = rec.finish(7.0);
    assert_eq!(tl, run().timeline.clone_with_title(&tl.title));
}
