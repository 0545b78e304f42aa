//! ptp4l configuration files and threshold profile files:
//! `ptp_event_core::node_config::{parse_ptp4l_config, parse_profiles}`, and
//! what they produce handed to the engine.
//!
//! Input: `<ptp4l.0.config text> NUL <threshold profile JSON>`; without a
//! NUL byte both parsers read the whole input.
//!
//! Must hold:
//! - no panic; an error names a line of the file (or none);
//! - a parsed file: its name is `ptp4l.0.config`, its profile name uses
//!   only letters, digits, `_` and `-`, its ports are distinct, non-empty,
//!   without blanks or brackets, each written `[name]` in the text;
//! - parsed profiles have a name, a holdover timeout > 0, a maximum offset
//!   > 0 and a minimum below it;
//! - the engine accepts what was parsed: a locked servo, a port fault
//!   (HOLDOVER) and the holdover deadline's expiry run without a panic and
//!   keep the engine's invariants.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use ptp_event_core::clock::invariants::Invariants;
use ptp_event_core::clock::{Effects, Engine, Now};
use ptp_event_core::linuxptp::parse;
use ptp_event_core::node_config::{parse_profiles, parse_ptp4l_config, NodeConfig};

const FILE: &str = "/var/run/ptp4l.0.config";

fn run(e: &mut Engine, inv: &mut Invariants, fx: Effects) {
    if let Err(err) = inv.events(&fx, e).and_then(|()| inv.state(e)) {
        panic!("{err}");
    }
}

fuzz_target!(|data: &[u8]| {
    let (conf, prof) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let conf = String::from_utf8_lossy(conf);
    let prof = String::from_utf8_lossy(prof);

    let file = match parse_ptp4l_config(FILE, &conf) {
        Ok(f) => Some(f),
        Err(e) => {
            assert!(!e.message().is_empty());
            if let Some(l) = e.line() {
                assert!(l >= 1 && l <= conf.lines().count(), "line {l} of {conf:?}");
            }
            None
        }
    };
    if let Some(f) = &file {
        assert_eq!(f.name, "ptp4l.0.config");
        if let Some(p) = &f.profile {
            assert!(!p.is_empty());
            assert!(
                p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{p:?}"
            );
        }
        for (i, port) in f.ports.iter().enumerate() {
            let n = &port.iface;
            assert!(
                !n.is_empty() && !n.contains(char::is_whitespace) && !n.contains(['[', ']']),
                "{n:?}"
            );
            assert!(f.ports[..i].iter().all(|q| q.iface != *n), "{n:?} twice");
            assert!(conf.contains(n.as_str()), "{n:?} not in the text");
        }
    }

    let profiles = match parse_profiles("thresholds", &prof) {
        Ok((profiles, _warnings)) => profiles,
        Err(e) => {
            assert!(!e.message().is_empty());
            Vec::new()
        }
    };
    for p in &profiles {
        let t = p.thresholds;
        assert!(!p.name.is_empty());
        assert!(t.holdover_timeout_s > 0, "{p:?}");
        assert!(t.max_offset > 0 && t.min_offset < t.max_offset, "{p:?}");
    }

    // The engine with this configuration.
    let Some(file) = file else {
        return;
    };
    let iface = file
        .ports
        .first()
        .map(|p| p.iface.clone())
        .unwrap_or_default();
    let mut cfg = NodeConfig {
        profiles,
        ..NodeConfig::default()
    };
    cfg.files.insert(file.name.clone(), file);
    let mut e = Engine::new("node", None);
    let mut inv = Invariants::new();
    let fx = e.on_config(cfg);
    run(&mut e, &mut inv, fx);
    let script = [
        "ptp4l[10.000]: [ptp4l.0.config] master offset 5 s2 freq -1 path delay 500".to_string(),
        format!("ptp4l[11.000]: [ptp4l.0.config] port 1 ({iface}): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)"),
    ];
    for (i, text) in script.iter().enumerate() {
        let Ok(line) = parse(text) else {
            continue;
        };
        let fx = e.on_line(&line, Now::virtual_at(Duration::from_secs(10 + i as u64)));
        run(&mut e, &mut inv, fx);
    }
    if let Some(d) = e.next_deadline() {
        let fx = e.on_tick(Now::virtual_at(d));
        run(&mut e, &mut inv, fx);
    }
});
