//! Scenario files of the simulator: `Scenario::from_str_named`
//! (`ptp_simulator::scenario`), and the node files a scenario becomes.
//!
//! Must hold: no panic on any text; a scenario that loads names every
//! profile its steps use; and the two ways `ptp-sim` hands the node to the
//! proxy agree: the files the real runner writes (`ptp4l.N.config`, the
//! threshold profile JSON), read by the proxy's own parsers, give the
//! configuration the virtual runner hands to the engine (`node_config`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ptp_event_core::node_config::{parse_profiles, parse_ptp4l_config};
use ptp_simulator::scenario::node::{node_config, threshold_file};
use ptp_simulator::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = Scenario::from_str_named(text, "fuzz.toml", "fuzz") else {
        return;
    };
    assert!(!s.name.is_empty());
    for step in &s.steps {
        assert!(
            s.profile(step.config).is_some(),
            "step of config {}",
            step.config
        );
    }
    let cfg = node_config(&s);
    for p in &s.profiles {
        let name = p.ptp4l_config();
        let text = p.ptp4l_file();
        let read = parse_ptp4l_config(&name, &text).unwrap_or_else(|e| {
            panic!("the proxy cannot read {name} of {:?}: {e}\n{text}", p.name)
        });
        assert_eq!(Some(&read), cfg.files.get(&name), "{name}:\n{text}");
        assert!(read.is_valid(), "{name}:\n{text}");
    }
    let file = threshold_file(&s.profiles);
    let (read, warnings) = parse_profiles("thresholds", &file)
        .unwrap_or_else(|e| panic!("the proxy cannot read the threshold file: {e}\n{file}"));
    assert_eq!(
        read, cfg.profiles,
        "threshold file {file} (warnings {warnings:?})"
    );
});
