//! Property tests over random line sequences of two profiles: an OC
//! (`ptp4l.0.config`, port `ens2f0`, timeout 5 s) and a ts2phc-driven
//! profile (`ptp4l.1.config`, interfaces `ens7f0`/`ens8f0`, timeout 3 s).

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::clock::invariants::Invariants;

fn line_strategy() -> impl Strategy<Value = String> {
    let offset = prop_oneof![-150i64..150, Just(100), Just(-100), Just(99), Just(-99)];
    let servo = prop_oneof![Just("s0"), Just("s1"), Just("s2"), Just("s3")];
    let port_body = prop_oneof![
        Just("SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)"),
        Just("SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
        Just("SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
        Just("SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT"),
        Just("UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"),
        Just("LISTENING to SLAVE on RS_SLAVE"),
        Just("FAULTY to LISTENING on INIT_COMPLETE"),
        Just("LISTENING to UNCALIBRATED on RS_SLAVE"),
        Just("MASTER to UNCALIBRATED on RS_SLAVE"),
        Just("UNCALIBRATED to PASSIVE on RS_PASSIVE"),
        Just("LISTENING to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
    ];
    let iface = prop_oneof![Just("ens7f0"), Just("ens8f0")];
    prop_oneof![
        8 => (offset.clone(), servo.clone()).prop_map(|(o, s)| k1("ptp4l.0.config", o, s)),
        1 => (offset.clone(), servo.clone()).prop_map(|(o, s)| k1_nodelay("ptp4l.0.config", o, s)),
        3 => port_body.prop_map(|b| k3("ptp4l.0.config", 1, "ens2f0", b)),
        4 => (offset.clone(), servo.clone()).prop_map(|(o, s)| k6("ptp4l.0.config", o, s)),
        1 => (offset.clone(), servo.clone()).prop_map(|(o, s)| k6("ptp4l.1.config", o, s)),
        5 => (iface, offset, servo, any::<bool>()).prop_map(|(i, o, s, h)| {
            format!("ts2phc[1.0]: [ts2phc.1.config] {i} offset {o} {s} freq -1{}", if h { " holdover" } else { "" })
        }),
        1 => (prop_oneof![Just("ptp4l"), Just("phc2sys"), Just("ts2phc"), Just("pmc")], 0u8..2)
            .prop_map(|(p, n)| {
                let cfg = if p == "ts2phc" { "ts2phc.1.config" } else { "ptp4l.0.config" };
                k5(p, cfg, n)
            }),
        1 => prop_oneof![Just(0u32), Just(6), Just(7), Just(248)].prop_map(|c| k4("ptp4l.0.config", c)),
    ]
}

fn prop_node() -> NodeConfig {
    node(
        vec![
            file("ptp4l.0.config", "oc", &["ens2f0"]),
            file("ptp4l.1.config", "ts", &["ens7f0:M", "ens8f0:M"]),
        ],
        vec![settings("oc", 5), settings("ts", 3)],
    )
}

fn timeout_of(alias: &str) -> u64 {
    if alias == "ens2fx" {
        5000
    } else {
        3000
    }
}

/// Checks the invariants of one input's events at time `t_ms`: the
/// engine's own ([`Invariants`], shared with the fuzz target) and the
/// holdover deadlines of this node's two timeouts.
struct Checker {
    inv: Invariants,
    /// Per E1 alias: the instant (ms) the current HOLDOVER deadline counts from.
    hold_since: HashMap<String, u64>,
}

impl Checker {
    fn events(&mut self, e: &Engine, t_ms: u64, fx: &Effects, from_tick: bool, line: &str) {
        if let Err(e) = self.inv.events(fx, e) {
            panic!("{e} at {t_ms} ({line})");
        }
        for d in fx.events() {
            let value = d.values[0].value.clone();
            if d.resource == Resource::LockState {
                let alias = show(d).split(' ').nth(1).unwrap_or_default().to_string();
                if from_tick {
                    assert_eq!(value, "FREERUN");
                    let since = self.hold_since.get(&alias).copied();
                    assert_eq!(
                        since.map(|s| s + timeout_of(&alias)),
                        Some(t_ms),
                        "{alias} expiry time"
                    );
                }
                if value == "HOLDOVER" {
                    self.hold_since.insert(alias, t_ms);
                } else {
                    self.hold_since.remove(&alias);
                }
            } else {
                assert!(!from_tick || d.resource != Resource::ClockClass);
            }
        }
    }

    /// A ts2phc `holdover` line while HOLDOVER refreshes the deadline.
    fn refresh(&mut self, t_ms: u64, line: &str) {
        if line.starts_with("ts2phc") && line.ends_with("holdover") {
            let iface = if line.contains("ens7f0") {
                "ens7fx"
            } else {
                "ens8fx"
            };
            if let Some(s) = self.hold_since.get_mut(iface) {
                *s = t_ms;
            }
        }
    }

    /// Nothing stays HOLDOVER past its deadline; the node sync-state is the
    /// worst of its inputs; published values match the current state.
    fn state(&mut self, e: &Engine, t_ms: u64) {
        for (alias, since) in &self.hold_since {
            assert!(
                since + timeout_of(alias) > t_ms,
                "{alias} still HOLDOVER at {t_ms}"
            );
        }
        if let Err(err) = self.inv.state(e) {
            panic!("{err} at {t_ms}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences(steps in proptest::collection::vec((0u64..2500, line_strategy()), 1..120)) {
        let mut e = Engine::new(NODE, None);
        let _ = e.on_config(prop_node());
        let mut c = Checker { inv: Invariants::new(), hold_since: HashMap::new() };
        let mut t_ms = 0u64;
        for (gap, line) in &steps {
            t_ms += gap;
            while let Some(d) = e.next_deadline() {
                let d_ms = d.as_millis() as u64;
                if d_ms > t_ms {
                    break;
                }
                let fx = e.on_tick(at(d_ms as f64 / 1000.0));
                c.events(&e, d_ms, &fx, true, "tick");
                c.state(&e, d_ms);
            }
            let parsed = parse(line).expect("alphabet parses");
            let fx = e.on_line(&parsed, at(t_ms as f64 / 1000.0));
            c.events(&e, t_ms, &fx, false, line);
            c.refresh(t_ms, line);
            c.state(&e, t_ms);
        }
    }
}
