//! One test per rule of clock-states.md, with explicit times.

use super::*;

const C0: &str = "ptp4l.0.config";

/// Brings the OC main clock to `state` (None = unset) at t = 0.
fn oc_in(state: Option<SyncState>) -> H {
    let mut h = H::oc();
    h.base = 10.0;
    match state {
        None => {}
        Some(SyncState::Locked) => {
            h.line(0.0, &k1(C0, 5, "s2"));
        }
        Some(SyncState::Freerun) => {
            h.line(0.0, &k1(C0, 500, "s0"));
        }
        Some(SyncState::Holdover) => {
            h.line(0.0, &k1_nodelay(C0, 7, "s2"));
        }
    }
    h
}

/// §5.2: every cell of the transition table, through real K1 lines.
#[test]
fn s5_2_table_via_k1_lines() {
    use SyncState::*;
    let inputs = [
        ("L", k1(C0, 10, "s2")),
        ("O", k1(C0, 150, "s2")),
        ("F", k1(C0, 10, "s0")),
        ("H", k1_nodelay(C0, 10, "s2")),
    ];
    // (current, [L, O, F, H]) → expected event (None = no change), whether a
    // timer runs afterwards.
    let table: [(Option<SyncState>, [Option<&str>; 4]); 4] = [
        (
            None,
            [
                Some("LOCKED (10)"),
                Some("FREERUN (150)"),
                Some("FREERUN (10)"),
                Some("HOLDOVER (10)"),
            ],
        ),
        (
            Some(Locked),
            [
                None,
                Some("FREERUN (150)"),
                Some("FREERUN (10)"),
                Some("HOLDOVER (10)"),
            ],
        ),
        (
            Some(Freerun),
            [Some("LOCKED (10)"), None, None, Some("HOLDOVER (10)")],
        ),
        (Some(Holdover), [Some("LOCKED (10)"), None, None, None]),
    ];
    for (current, row) in table {
        for ((name, line), want) in inputs.iter().zip(row) {
            let mut h = oc_in(current);
            let before = h.deadline();
            let fx = h.fx(1.0, line);
            let e1: Vec<String> = shown(&fx)
                .into_iter()
                .filter(|s| s.starts_with("E1"))
                .collect();
            let want: Vec<String> = want.iter().map(|w| format!("E1 ens2fx {w}")).collect();
            assert_eq!(e1, want, "{current:?} x {name}");
            // Offsets metrics are updated on every valid line.
            assert_eq!(
                sets(&fx, Family::OffsetNs),
                vec![if *name == "O" { 150.0 } else { 10.0 }]
            );
            let timer = match (current, *name) {
                (Some(Holdover), "L") => None,
                (Some(Holdover), _) => before,
                (_, "H") => Some(6.0),
                _ => None,
            };
            assert_eq!(h.deadline(), timer, "{current:?} x {name}: timer");
        }
    }
}

/// §5.2: the same table for ts2phc-driven main clocks (K8), including the
/// `holdover` suffix refreshing the deadline.
#[test]
fn s5_2_table_via_k8_lines() {
    let mk = || {
        let mut h = H::oc();
        h.base = 10.0;
        h
    };
    let l = k8("ens2f0", 10, "s2", false);
    let o = k8("ens2f0", -100, "s2", false);
    let f = k8("ens2f0", 10, "s1", false);
    let hh = k8("ens2f0", 10, "s2", true);
    for (first, want) in [
        (&l, "LOCKED (10)"),
        (&o, "FREERUN (-100)"),
        (&f, "FREERUN (10)"),
        (&hh, "HOLDOVER (10)"),
    ] {
        let mut h = mk();
        assert_eq!(h.line(0.0, first)[0], format!("E1 ens2fx {want}"));
    }
    // LOCKED → O, F, H.
    for (line, want) in [
        (&o, "FREERUN (-100)"),
        (&f, "FREERUN (10)"),
        (&hh, "HOLDOVER (10)"),
    ] {
        let mut h = mk();
        h.line(0.0, &l);
        assert!(h.line(0.5, &l).is_empty());
        assert_eq!(h.line(1.0, line)[0], format!("E1 ens2fx {want}"));
    }
    // HOLDOVER: O and F stay; holdover refreshes; L locks.
    let mut h = mk();
    h.line(0.0, &hh);
    assert_eq!(h.deadline(), Some(5.0));
    assert!(h.line(1.0, &o).is_empty());
    assert!(h.line(2.0, &f).is_empty());
    assert_eq!(h.deadline(), Some(5.0));
    assert!(h.line(3.0, &hh).is_empty());
    assert_eq!(h.deadline(), Some(8.0), "ts2phc holdover refreshes");
    assert!(h.tick(7.999).is_empty());
    assert_eq!(
        h.line(7.5, &l),
        vec!["E1 ens2fx LOCKED (10)", "SYNC LOCKED"]
    );
    assert_eq!(h.deadline(), None);
    // `lost holdover lock` then s0 lines: FREERUN holdOverTimeout after the
    // last assertion.
    let mut h = mk();
    h.line(0.0, &hh);
    h.line(1.0, &hh);
    h.ignored(
        1.5,
        "ts2phc[1.0]: [ts2phc.0.config] /dev/ptp6 lost holdover lock (offset       -260)",
    );
    assert!(h.line(2.0, &k8("ens2f0", -260, "s0", false)).is_empty());
    h.expire(6.0, &["E1 ens2fx FREERUN (-260)", "SYNC FREERUN"]);
}

/// §5.2 "other inputs": port hint HOLDOVER from LOCKED and FREERUN; nothing
/// from unset or HOLDOVER.
#[test]
fn s5_2_port_hint() {
    use SyncState::*;
    let fault = k3(
        C0,
        1,
        "ens2f0",
        "SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
    );
    for (state, want) in [
        (None, vec![]),
        (
            Some(Locked),
            vec!["E1 ens2fx HOLDOVER (5)", "SYNC HOLDOVER"],
        ),
        (
            Some(Freerun),
            vec!["E1 ens2fx HOLDOVER (500)", "SYNC HOLDOVER"],
        ),
    ] {
        let mut h = oc_in(state);
        assert_eq!(h.line(1.0, &fault), want, "{state:?}");
        let dl = if state.is_some() { Some(6.0) } else { None };
        assert_eq!(h.deadline(), dl);
    }
    let mut h = oc_in(Some(Holdover));
    assert_eq!(h.deadline(), Some(5.0));
    assert!(h.line(1.0, &fault).is_empty());
    assert_eq!(
        h.deadline(),
        Some(5.0),
        "re-entry does not move the deadline"
    );
}

/// §5.2 / §7: deadline gives FREERUN with the last offset, exactly at
/// entry + holdOverTimeout.
#[test]
fn s7_deadline_exact() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(0.3, &k1(C0, -42, "s2"));
    h.line(
        1.25,
        &k3(
            C0,
            1,
            "ens2f0",
            "SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
    );
    h.expire(6.25, &["E1 ens2fx FREERUN (-42)", "SYNC FREERUN"]);
    assert!(h.tick(100.0).is_empty());
}

/// §7: every entry into HOLDOVER starts the timer, including an offset line
/// without a path delay (§19 b); re-entering inputs do not move it.
#[test]
fn s7_every_entry_starts_timer() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(1.0, &k1_nodelay(C0, 3, "s2"));
    assert_eq!(h.deadline(), Some(6.0));
    h.line(2.0, &k1_nodelay(C0, 3, "s2"));
    h.line(3.0, &k1(C0, 300, "s2"));
    h.line(4.0, &k1(C0, 3, "s0"));
    h.line(
        4.5,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
    );
    assert_eq!(h.deadline(), Some(6.0));
    h.expire(6.0, &["E1 ens2fx FREERUN (3)", "SYNC FREERUN"]);
}

/// §7: per-profile timeouts and per-clock deadlines in a dual-NIC BC.
#[test]
fn s7_dual_nic_deadlines() {
    let mut h = H::new(node(
        vec![
            file("ptp4l.0.config", "nic1", &["ens2f0", "ens2f1:M"]),
            file("ptp4l.1.config", "nic2", &["ens7f0", "ens7f1:M"]),
        ],
        vec![settings("nic1", 5), settings("nic2", 8)],
    ));
    let _ = h.expect(
        0.0,
        &k1("ptp4l.0.config", 1, "s2"),
        &["E1 ens2fx LOCKED (1)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        0.1,
        &k1("ptp4l.1.config", 2, "s2"),
        &["E1 ens7fx LOCKED (2)"],
    );
    let _ = h.expect(0.2, &k6("ptp4l.0.config", 3, "s2"), &["E3 LOCKED (3)"]);
    let _ = h.expect(
        1.0,
        &k3(
            "ptp4l.1.config",
            1,
            "ens7f0",
            "SLAVE to FAULTY on FAULT_DETECTED",
        ),
        &["E1 ens7fx HOLDOVER (2)", "SYNC HOLDOVER"],
    );
    let _ = h.expect(
        2.0,
        &k3(
            "ptp4l.0.config",
            1,
            "ens2f0",
            "SLAVE to FAULTY on FAULT_DETECTED",
        ),
        &["E1 ens2fx HOLDOVER (1)", "E3 HOLDOVER (3)"],
    );
    assert_eq!(h.deadline(), Some(7.0));
    assert_eq!(
        h.tick(7.0),
        vec!["E1 ens2fx FREERUN (1)", "E3 FREERUN (3)", "SYNC FREERUN"]
    );
    assert_eq!(h.deadline(), Some(9.0));
    assert_eq!(h.tick(9.0), vec!["E1 ens7fx FREERUN (2)"]);
    assert_eq!(h.deadline(), None);
}

/// §5.2: death of the driving process → FREERUN with the dead offset,
/// timer cancelled; only once the entity has an alias.
#[test]
fn s5_2_death() {
    let mut h = oc_in(None);
    assert!(h.line(1.0, &k5("ptp4l", C0, 0)).is_empty(), "no alias yet");
    let mut h = oc_in(Some(SyncState::Holdover));
    let _ = h.expect(
        1.0,
        &k5("ptp4l", C0, 0),
        &["E1 ens2fx FREERUN (-9999999999999999)", "SYNC FREERUN"],
    );
    assert_eq!(h.deadline(), None);
    // ts2phc-driven: ts2phc death.
    let mut h = H::oc();
    h.line(0.0, &k8("ens2f0", 1, "s2", true));
    let _ = h.expect(
        1.0,
        &k5("ts2phc", "ts2phc.0.config", 0),
        &["E1 ens2fx FREERUN (-9999999999999999)", "SYNC FREERUN"],
    );
    assert_eq!(h.deadline(), None);
}

/// §5.2: K1 lines are applied only while a port is SLAVE; without one they
/// change nothing, not even metrics.
#[test]
fn s5_2_k1_needs_slave_port() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(
        1.0,
        &k3(
            C0,
            1,
            "ens2f0",
            "SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
    );
    h.ignored(1.1, &k1(C0, 1, "s2"));
    h.ignored(
        1.2,
        "ptp4l[1.0]: [ptp4l.0.config] rms 53 max 74 freq -16642 +/- 40 delay 1089 +/- 20",
    );
}

/// §5.1, §4: the OC/BC main clock takes the alias of the SLAVE port when an
/// offset line arrives; when that moves to an interface of another alias,
/// the state is published at the new address (it was never published
/// there). Found by the engine fuzz target (its input, minimised, with the
/// configuration `explain` synthesises from it: both ports start SLAVE).
#[test]
fn s5_1_main_clock_moving_to_another_alias_publishes_there() {
    let mut h = H::new(node(
        vec![file(
            "ptp4l.0.config",
            "explain-auto",
            &["ens2f0", "ens1f0"],
        )],
        vec![],
    ));
    let _ = h.expect(
        0.010,
        "ptp4l[5000.010]: [ptp4l.0.config] master offset          5 s2 freq   -1120 path delay      1585",
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        4.093,
        "ptp4l[5004.093]: [ptp4l.0.config] port 1 (ens2f0): LISTENING to UNCALIBRATED on RS_SLAVE",
        &["E1 ens2fx HOLDOVER (5)", "SYNC HOLDOVER"],
    );
    // Port 2 (ens1f0) is the SLAVE port now: HOLDOVER at ens1fx, unpublished
    // there until now.
    let _ = h.expect(
        4.209,
        "ptp4l[5004.209]: [ptp4l.0.config] master offset       -950 s0 freq   -1226 path delay      2315",
        &["E1 ens1fx HOLDOVER (-950)"],
    );
    // Same address, same state: nothing more.
    let _ = h.expect(4.3, &k1(C0, -900, "s0"), &[]);
    h.expire(9.093, &["E1 ens1fx FREERUN (-900)", "SYNC FREERUN"]);
}

/// §2.3, §4: a change of type at run time recomputes the sync-state (the
/// previous main clocks are no longer inputs), while the last published
/// lock-state carries over. Found by the engine fuzz target (its input,
/// minimised, with the configuration `explain` synthesises from it).
#[test]
fn s2_3_change_of_type_recomputes_the_sync_state() {
    let mut h = H::new(node(
        vec![file(
            "ptp4l.0.config",
            "explain-auto",
            &["ens4f0", "ens1f0"],
        )],
        vec![],
    ));
    let _ = h.expect(
        1.062,
        "ptp4l[9000.062]: [ptp4l.0.config] master offset      48211 s0 freq   -1123 path delay      1585",
        &["E1 ens4fx FREERUN (48211)", "SYNC FREERUN"],
    );
    // The first ts2phc line: ts2phc-driven, one main clock per interface.
    let _ = h.expect(
        3741.3,
        "ts2phc[86405.465]: [ts2phc.0.config] ens1f0 offset          3 s2 freq      +2",
        &["E1 ens1fx LOCKED (3)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        3741.3,
        "ptp4l[5012.000]: [ptp4l.0.config] port 1 (ens4f0): FAULTY to LISTENING on INIT_COMPLETE",
        &[],
    );
    // T-BC now: its main clock ens4fx is FREERUN (already published there),
    // the ts2phc main clock ens1fx is gone.
    let _ = h.expect(
        3741.3,
        "T-BC[1757601790]:[ts2phc.0.config] ens4f0 offset 99999999999 T-BC-STATUS s0",
        &["SYNC FREERUN"],
    );
}

/// §2.3: a PTP-HA key (`phc2sys.N.config`) has no main clock; lines that
/// would drive one are ignored under it. Found by the engine fuzz target
/// (its input, minimised: the T-GM status line's tag names a `phc2sys…`
/// configuration).
#[test]
fn s2_3_ha_key_has_no_main_clock() {
    let tag = "phc2sys\0\u{1}\0\0\0ts2phc.0.config";
    let mut h = H::new(node(
        vec![
            file("ptp4l.0.config", "explain-auto", &["ens2f0"]),
            file(tag, "explain-auto", &["ens2f0"]),
        ],
        vec![],
    ));
    let _ = h.expect(
        9.1,
        "ptp4l[5009.100]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        &[],
    );
    let _ = h.expect(
        9.2,
        "ptp4l[5009.200]: [ptp4l.0.config] master offset          6 s2 freq   -1120 path delay      1585",
        &["E1 ens2fx LOCKED (6)", "SYNC LOCKED"],
    );
    let gm = format!("GM[17\u{fffd}p0001005]:[{tag}] ens2f0 T-GM-STATUS }}1");
    h.ignored(21.501, &gm);
    h.ignored(21.6, &k1(tag, 5, "s2"));
    h.ignored(
        21.7,
        &format!("ts2phc[1.0]: [{tag}] ens2f0 offset 3 s2 freq +2"),
    );
    h.ignored(
        21.8,
        &format!("T-BC[1]:[{tag}] ens2f0 offset 0 T-BC-STATUS s0"),
    );
}

/// §6 step 1: `R == P` is a no-op (replays harmless), not even the metric.
#[test]
fn s6_replay_is_noop() {
    let mut h = oc_in(Some(SyncState::Locked));
    let fx = h.fx(1.0, "ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED");
    assert!(fx.items.is_empty());
    h.line(
        2.0,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
    );
    let fx = h.fx(
        2.5,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
    );
    assert!(fx.items.is_empty());
    assert_eq!(h.deadline(), Some(7.0));
}

/// §6: non-SLAVE ports never cause a state change (standby / master port
/// faults), and the dual-follower case.
#[test]
fn s6_non_slave_port_fault_harmless() {
    let mut h = H::new(node(vec![file(C0, "oc", &["ens2f0", "ens2f1"])], vec![]));
    // Port 2 goes to LISTENING (standby) first.
    h.line(
        0.0,
        &k3(
            C0,
            2,
            "ens2f1",
            "SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
    );
    let _ = h.expect(
        0.1,
        &k1(C0, 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    let fx = h.expect(
        1.0,
        &k3(C0, 2, "ens2f1", "LISTENING to UNCALIBRATED on RS_SLAVE"),
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    let _ = h.expect(
        1.5,
        &k3(C0, 2, "ens2f1", "FAULTY to LISTENING on INIT_COMPLETE"),
        &[],
    );
    // Master port fault.
    let mut h = H::new(node(vec![file(C0, "bc", &["ens2f0", "ens2f1:M"])], vec![]));
    h.line(0.1, &k1(C0, 5, "s2"));
    let _ = h.expect(
        1.0,
        &k3(C0, 2, "ens2f1", "MASTER to FAULTY on FAULT_DETECTED"),
        &[],
    );
    assert_eq!(h.deadline(), None);
    // Dual follower: fault of the SLAVE port enters HOLDOVER; the other port
    // becoming SLAVE does not end it; an in-range line does.
    let mut h = H::new(node(vec![file(C0, "oc", &["ens2f0", "ens2f1"])], vec![]));
    h.line(
        0.0,
        &k3(
            C0,
            2,
            "ens2f1",
            "SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
    );
    h.line(0.1, &k1(C0, 5, "s2"));
    let _ = h.expect(
        1.0,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
        &["E1 ens2fx HOLDOVER (5)", "SYNC HOLDOVER"],
    );
    let _ = h.expect(
        1.1,
        &k3(C0, 2, "ens2f1", "LISTENING to SLAVE on RS_SLAVE"),
        &[],
    );
    let _ = h.expect(1.2, &k1(C0, 500, "s2"), &[]);
    let _ = h.expect(
        1.3,
        &k1(C0, 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    // A fault of a port that had already left SLAVE.
    h.line(
        2.0,
        &k3(
            C0,
            2,
            "ens2f1",
            "SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
    );
    let _ = h.expect(
        2.5,
        &k3(C0, 2, "ens2f1", "MASTER to FAULTY on FAULT_DETECTED"),
        &[],
    );
}

/// §6: UNCALIBRATED → SLAVE does not end HOLDOVER or FREERUN.
#[test]
fn s6_uncalibrated_to_slave_does_not_end_holdover() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(
        1.0,
        &k3(
            C0,
            1,
            "ens2f0",
            "SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT",
        ),
    );
    let _ = h.expect(
        2.0,
        &k3(
            C0,
            1,
            "ens2f0",
            "UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        ),
        &[],
    );
    assert_eq!(h.deadline(), Some(6.0));
    h.expire(6.0, &["E1 ens2fx FREERUN (5)", "SYNC FREERUN"]);
    // From FREERUN the hint enters HOLDOVER again; LISTENING to SLAVE
    // does not end it.
    let _ = h.expect(
        7.0,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
        &["E1 ens2fx HOLDOVER (5)", "SYNC HOLDOVER"],
    );
    let _ = h.expect(
        7.5,
        &k3(C0, 1, "ens2f0", "FAULTY to LISTENING on INIT_COMPLETE"),
        &[],
    );
    let _ = h.expect(
        7.6,
        &k3(C0, 1, "ens2f0", "LISTENING to SLAVE on RS_SLAVE"),
        &[],
    );
    h.expire(12.0, &["E1 ens2fx FREERUN (5)", "SYNC FREERUN"]);
}

/// §6 step 4: T-BC port fault: ptp4l internal clock FREERUN, no event, no
/// timer; step 5: T-GM roles only.
#[test]
fn s6_tbc_and_tgm_ports() {
    let mut cfg = node(
        vec![file(C0, "tbc", &["ens4f0", "ens4f1:M"])],
        vec![settings("tbc", 5)],
    );
    cfg.profiles[0].tbc = true;
    let mut h = H::new(cfg);
    let fx = h.expect(0.0, &k1(C0, 5, "s2"), &[]);
    assert_eq!(sets(&fx, Family::ClockState), vec![1.0]);
    let _ = h.expect(
        0.5,
        "T-BC[1757601713]:[ts2phc.0.config] ens4f0 offset -1 T-BC-STATUS s2",
        &["E1 ens4fx LOCKED (-1)", "SYNC LOCKED"],
    );
    let fx = h.expect(
        1.0,
        &k3(C0, 1, "ens4f0", "SLAVE to FAULTY on FAULT_DETECTED"),
        &[],
    );
    assert_eq!(sets(&fx, Family::ClockState), vec![0.0]);
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    assert_eq!(h.deadline(), None);
    // Class-H ptp4l lines in a T-BC profile: no timer either.
    h.line(
        1.5,
        &k3(C0, 1, "ens4f0", "FAULTY to LISTENING on INIT_COMPLETE"),
    );
    h.line(1.6, &k3(C0, 1, "ens4f0", "LISTENING to SLAVE on RS_SLAVE"));
    let _ = h.expect(2.0, &k1_nodelay(C0, 5, "s2"), &[]);
    assert_eq!(h.deadline(), None);
    // T-GM: roles only.
    let mut h = H::new(node(vec![file(C0, "tgm", &["ens1f0"])], vec![]));
    h.line(0.0, "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2");
    let fx = h.expect(
        1.0,
        &k3(C0, 1, "ens1f0", "SLAVE to FAULTY on FAULT_DETECTED"),
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    assert_eq!(h.deadline(), None);
}

/// §8: E3 table rows, and recompute on E1 change.
#[test]
fn s8_e3_table() {
    use SyncState::*;
    // (E1 setup line, P line, E3 state)
    let rows: [(Option<SyncState>, &str, &str); 7] = [
        (Some(Locked), "s2", "LOCKED"),
        (Some(Locked), "out", "FREERUN"),
        (Some(Locked), "s0", "FREERUN"),
        (Some(Holdover), "s1", "FREERUN"),
        (Some(Holdover), "s2", "HOLDOVER"),
        (Some(Freerun), "s2", "FREERUN"),
        (None, "s2", "LOCKED"),
    ];
    for (e1, p, want) in rows {
        let mut h = oc_in(e1);
        let line = if p == "out" {
            k6(C0, 100, "s2")
        } else {
            k6(C0, 7, p)
        };
        let off = if p == "out" { 100 } else { 7 };
        let ev = h.line(1.0, &line);
        assert_eq!(ev[0], format!("E3 {want} ({off})"), "{e1:?} {p}");
    }
    // Recompute on E1 change without a new K6 line (phc2sys -a silent).
    let mut h = oc_in(Some(Locked));
    h.line(0.5, &k6(C0, 7, "s2"));
    let _ = h.expect(
        1.0,
        &k1(C0, 5, "s0"),
        &["E1 ens2fx FREERUN (5)", "E3 FREERUN (7)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        2.0,
        &k1(C0, 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "E3 LOCKED (7)", "SYNC LOCKED"],
    );
    // Deaths: phc2sys → P FREERUN dead offset until the next K6 line.
    let _ = h.expect(
        3.0,
        &k5("phc2sys", C0, 0),
        &["E3 FREERUN (-9999999999999999)", "SYNC FREERUN"],
    );
    let _ = h.expect(4.0, &k6(C0, 7, "s2"), &["E3 LOCKED (7)", "SYNC LOCKED"]);
    // ptp4l death: both.
    let _ = h.expect(
        5.0,
        &k5("ptp4l", C0, 0),
        &[
            "E1 ens2fx FREERUN (-9999999999999999)",
            "E3 FREERUN (-9999999999999999)",
            "SYNC FREERUN",
        ],
    );
}

/// §8: PTP-HA phc2sys.N.config candidate has no main clock: E3 = P.
#[test]
fn s8_ptp_ha_candidate() {
    let mut h = H::new(node(
        vec![
            file(C0, "p1", &["ens2f0"]),
            file("phc2sys.2.config", "ha", &[]),
        ],
        vec![],
    ));
    h.line(0.0, &k1(C0, 500, "s0"));
    let _ = h.expect(1.0, &k6("phc2sys.2.config", 3, "s2"), &["E3 LOCKED (3)"]);
    let fx = h.fx(
        2.0,
        "phc2sys[1710435400]:[phc2sys.2.config] ptp_ha_profile profile1 state 1",
    );
    assert_eq!(sets(&fx, Family::HaProfileStatus), vec![1.0]);
}

/// §9: chronyd ownership.
#[test]
fn s9_chronyd_owns_e3() {
    let mut cfg = node(vec![file(C0, "ntp", &["ens2f0"])], vec![settings("ntp", 5)]);
    cfg.profiles[0].ntp_failover = true;
    let mut h = H::new(cfg);
    h.line(0.0, &k1(C0, 5, "s2"));
    let fx = h.expect(0.5, &k6(C0, 7, "s0"), &[]);
    assert_eq!(
        sets(&fx, Family::ClockState),
        vec![0.0],
        "phc2sys metric only"
    );
    let _ = h.expect(
        1.0,
        "chronyd[1234][chronyd.0.config]: Selected source 192.168.1.1",
        &["E3 LOCKED (0)"],
    );
    let _ = h.expect(2.0, &k5("phc2sys", C0, 0), &[]);
    let _ = h.expect(
        2.5,
        &k5("ptp4l", C0, 0),
        &["E1 ens2fx FREERUN (-9999999999999999)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        3.0,
        "chronyd[1234][chronyd.0.config]: Can't synchronise: no selectable sources",
        &["E3 FREERUN (0)"],
    );
    let _ = h.expect(
        3.5,
        "chronyd[1000000800]: [chronyd.0.config] Selected source 192.168.1.1",
        &["E3 LOCKED (0)"],
    );
    let _ = h.expect(
        4.0,
        &k5("chronyd", "chronyd.0.config", 0),
        &["E3 FREERUN (0)"],
    );
    // chronyd seen without a failover profile makes it the owner too.
    let mut h = H::oc();
    h.line(0.0, &k6(C0, 7, "s2"));
    let _ = h.expect(
        1.0,
        "chronyd[1234][chronyd.0.config]: Can't synchronise: no selectable sources",
        &["E3 FREERUN (0)", "SYNC FREERUN"],
    );
    let _ = h.expect(2.0, &k6(C0, 7, "s2"), &[]);
}

/// §10 clock class.
#[test]
fn s10_clock_class() {
    let mut h = H::new(node(vec![file(C0, "bc", &["ens2f1:M", "ens7f0"])], vec![]));
    let fx = h.expect(0.0, &k4(C0, 0), &[]);
    assert_eq!(sets(&fx, Family::ClockClass), vec![0.0]);
    // No alias yet: first SLAVE port.
    let _ = h.expect(1.0, &k4(C0, 248), &["CLASS 248 ens7fx"]);
    let _ = h.expect(
        1.5,
        "ptp4l[1000000600]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 248.000000",
        &[],
    );
    let _ = h.expect(2.0, &k4(C0, 0), &[]);
    let _ = h.expect(2.5, &k4(C0, 248), &[]);
    let _ = h.expect(
        3.0,
        &k1(C0, 5, "s2"),
        &["E1 ens7fx LOCKED (5)", "SYNC LOCKED"],
    );
    // 248 does not imply FREERUN, and class lines never change state.
    let _ = h.expect(4.0, &k4(C0, 6), &["CLASS 6 ens7fx"]);
    let _ = h.expect(5.0, &k4(C0, 248), &["CLASS 248 ens7fx"]);
    assert!(h.line(6.0, &k1(C0, 6, "s2")).is_empty());
    // No SLAVE port: first interface.
    let mut h = H::new(node(
        vec![file(C0, "gm", &["ens1f0:M", "ens2f0:M"])],
        vec![],
    ));
    let _ = h.expect(
        0.0,
        "ptp4l[1757326382]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6",
        &["CLASS 6 ens1fx"],
    );
    // ts2phc-driven: first interface alias seen.
    let mut h = H::new(node(vec![file(C0, "gm", &["ens1f0:M"])], vec![]));
    h.line(0.0, &k8("ens7f0", 1, "s2", false));
    h.line(0.1, &k8("ens2f0", 1, "s2", false));
    let _ = h.expect(1.0, &k4(C0, 7), &["CLASS 7 ens7fx"]);
}

/// §11 GNSS values and de-duplication on the value (§19).
#[test]
fn s11_gnss() {
    let mut h = H::new(node(vec![file(C0, "gm", &["ens1f0:M"])], vec![]));
    let g = |fix: u8, off: i64, s: &str| {
        format!("gnss[1]:[ts2phc.0.config] ens1f0 gnss_status {fix} offset {off} {s}")
    };
    let fx = h.expect(0.0, &g(5, 3, "s2"), &["GNSS SYNCHRONIZED (3) fix 5"]);
    assert_eq!(sets(&fx, Family::GnssStatus), vec![5.0]);
    assert_eq!(sets(&fx, Family::ClockState), vec![1.0]);
    let _ = h.expect(1.0, &g(4, 9, "s2"), &[]);
    let _ = h.expect(2.0, &g(3, 9, "s0"), &["GNSS ACQUIRING-SYNC (9) fix 3"]);
    let _ = h.expect(3.0, &g(1, 9, "s1"), &[]);
    let _ = h.expect(4.0, &g(0, 0, "s0"), &["GNSS FAILURE-NOFIX (0) fix 0"]);
    let _ = h.expect(5.0, &g(2, 0, "s0"), &["GNSS ACQUIRING-SYNC (0) fix 2"]);
    // GNSS never enters the sync-state.
    assert!(h.e.snapshot().values(Resource::SyncState).is_none());
}

/// §12 T-GM.
#[test]
fn s12_tgm() {
    let mut h = H::new(node(
        vec![file(C0, "gm", &["ens1f0:M", "ens7f0:M"])],
        vec![],
    ));
    // Before K12: ts2phc-driven with thresholds and timer.
    let _ = h.expect(
        0.0,
        &k8("ens1f0", 1, "s2", false),
        &["E1 ens1fx LOCKED (1)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        0.5,
        &k8("ens1f0", 1, "s2", true),
        &["E1 ens1fx HOLDOVER (1)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.deadline(), Some(5.5));
    // First K12: authority; timer cancelled; last published value carries over
    // (HOLDOVER → HOLDOVER publishes nothing). No DPLL yet: 99999999999.
    let _ = h.expect(1.0, "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s1", &[]);
    assert_eq!(h.deadline(), None);
    let _ = h.expect(
        2.0,
        "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s0",
        &["E1 ens1fx FREERUN (99999999999)", "SYNC FREERUN"],
    );
    let _ = h.expect(2.5, "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s0", &[]);
    // DPLL offset of the same interface is used; follower NIC lines metrics only.
    let _ = h.expect(3.0, "dpll[1]:[ts2phc.0.config] ens1f0 frequency_status 3 offset 17 phase_status 3 pps_status 1 s2", &[]);
    let _ = h.expect(3.0, "dpll[1]:[ts2phc.0.config] ens7f0 frequency_status 3 offset 99 phase_status 3 pps_status 1 s2", &[]);
    let _ = h.expect(3.5, &k8("ens7f0", 1000, "s0", false), &[]);
    let _ = h.expect(3.6, &k8("ens1f0", 1000, "s0", false), &[]);
    assert_eq!(h.deadline(), None);
    let _ = h.expect(
        4.0,
        "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2",
        &["E1 ens1fx LOCKED (17)", "SYNC LOCKED"],
    );
    // ts2phc death under T-GM: metrics only, waits for the daemon.
    let fx = h.expect(5.0, &k5("ts2phc", "ts2phc.0.config", 0), &[]);
    assert!(sets(&fx, Family::ClockState).iter().all(|v| *v == 0.0));
    let _ = h.expect(
        6.0,
        "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s0",
        &["E1 ens1fx FREERUN (17)", "SYNC FREERUN"],
    );
}

/// §13 T-BC.
#[test]
fn s13_tbc() {
    let mut cfg = node(
        vec![file(C0, "tbc", &["ens4f0", "ens4f1:M"])],
        vec![settings("tbc", 5)],
    );
    cfg.profiles[0].tbc = true;
    let mut h = H::new(cfg);
    let _ = h.expect(
        0.0,
        "T-BC[1]:[ts2phc.0.config] ens4f0 offset 99999999999 T-BC-STATUS s0",
        &["E1 ens4fx FREERUN (99999999999)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        1.0,
        "T-BC[1]:[ptp4l.0.config] ens4f0  offset  55 T-BC-STATUS s2",
        &["E1 ens4fx LOCKED (55)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        1.5,
        "T-BC[1]:[ptp4l.0.config] ens4f0  offset  3 T-BC-STATUS s2",
        &[],
    );
    let _ = h.expect(2.0, &k1(C0, 5000, "s0"), &[]);
    let _ = h.expect(2.5, &k6(C0, 3, "s2"), &["E3 LOCKED (3)"]);
    let _ = h.expect(
        3.0,
        "T-BC[1]:[ts2phc.0.config] ens4f0 offset 0 T-BC-STATUS s1",
        &["E1 ens4fx HOLDOVER (0)", "E3 HOLDOVER (3)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.deadline(), None, "never a proxy timer for T-BC");
    let _ = h.expect(
        4.0,
        &k5("ptp4l", C0, 0),
        &[
            "E1 ens4fx FREERUN (-9999999999999999)",
            "E3 FREERUN (-9999999999999999)",
            "SYNC FREERUN",
        ],
    );
    let _ = h.expect(
        5.0,
        "T-BC[1]:[ts2phc.0.config] ens4f0 offset -1 T-BC-STATUS s2",
        &["E1 ens4fx LOCKED (-1)"],
    );
    // A T-BC status line turns an OC profile into T-BC (§2.3).
    let mut h = oc_in(Some(SyncState::Holdover));
    h.base = 10.0;
    let _ = h.expect(
        1.0,
        "T-BC[1]:[ptp4l.0.config] ens2f0 offset 5 T-BC-STATUS s1",
        &[],
    );
    assert_eq!(h.deadline(), None, "timer of previous main clock cancelled");
    let _ = h.expect(2.0, &k1(C0, 5, "s2"), &[]);
}

/// §14 SyncE: events only on a change.
#[test]
fn s14_synce() {
    let mut h = H::new(NodeConfig::default());
    let st = |s: &str, t: &str| {
        format!(
            "synce4l[1]:[synce4l.0.config] ens7f0 device synce1 eec_state {s} network_option 2 {t}"
        )
    };
    let ql = |ext: &str, q: &str| {
        format!("synce4l[1]:[synce4l.0.config] ens7f0 clock_quality PRTC device synce1 {ext}network_option 2 ql {q} s2")
    };
    let _ = h.expect(
        0.0,
        &st("EEC_LOCKED", "s2"),
        &["SYNCE synce1/ens7f0 LOCKED"],
    );
    let _ = h.expect(1.0, &st("EEC_LOCKED", "s2"), &[]);
    let _ = h.expect(
        2.0,
        &st("EEC_HOLDOVER", "s1"),
        &["SYNCE synce1/ens7f0 HOLDOVER"],
    );
    let fx = h.expect(
        3.0,
        &ql("ext_ql 0x20 ", "0x1"),
        &["SYNCE-QL synce1/ens7f0/Ql 1 32"],
    );
    assert_eq!(sets(&fx, Family::SynceClockQuality), vec![33.0]);
    let _ = h.expect(4.0, &ql("ext_ql 0x20 ", "0x1"), &[]);
    let _ = h.expect(5.0, &ql("", "0x1"), &["SYNCE-QL synce1/ens7f0/Ql 1 255"]);
    let _ = h.expect(6.0, &ql("", "0x2"), &["SYNCE-QL synce1/ens7f0/Ql 2 255"]);
    assert!(h.e.snapshot().values(Resource::SyncState).is_none());
}

/// §15 processes: restart counted only after a 0; unknown configs accepted.
#[test]
fn s15_processes() {
    let mut h = H::oc();
    for (t, n, inc) in [
        (0.0, 1, 0),
        (1.0, 1, 0),
        (2.0, 0, 0),
        (3.0, 1, 1),
        (4.0, 1, 0),
    ] {
        let fx = h.fx(t, &k5("ptp4l", C0, n));
        assert_eq!(incs(&fx), inc, "at {t}");
        assert_eq!(fx.result, LineResult::Parsed);
    }
    let fx = h.fx(5.0, &k5("gpsd", "ts2phc.9.config", 0));
    assert_eq!(fx.result, LineResult::Parsed);
    assert_eq!(sets(&fx, Family::ProcessStatus), vec![0.0]);
    assert!(shown(&fx).is_empty());
    // pmc death does not touch E3.
    h.line(6.0, &k6(C0, 1, "s2"));
    assert!(h.line(7.0, &k5("pmc", C0, 0)).is_empty());
}

/// §16 sync-state: worst-of, examples, persisted value.
#[test]
fn s16_sync_state() {
    // Only phc2sys running.
    let mut h = H::oc();
    let fx = h.expect(0.0, &k6(C0, 1, "s2"), &["E3 LOCKED (1)", "SYNC LOCKED"]);
    assert!(fx
        .items
        .contains(&Effect::PersistSyncState(SyncState::Locked)));
    // Persisted value suppresses the repeat at start.
    let mut h = H::with_last(
        node(vec![file(C0, "oc", &["ens2f0"])], vec![]),
        Some(SyncState::Freerun),
    );
    let _ = h.expect(0.0, &k1(C0, 500, "s0"), &["E1 ens2fx FREERUN (500)"]);
    let _ = h.expect(
        1.0,
        &k1(C0, 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    // No inputs with a state → no value.
    let h = H::oc();
    assert!(h.e.snapshot().values(Resource::SyncState).is_none());
}

/// §4 ordering and §17 snapshot.
#[test]
fn s4_ordering_and_snapshot() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(0.5, &k6(C0, 4, "s2"));
    h.line(0.6, &k4(C0, 6));
    let fx = h.fx(
        1.0,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
    );
    let kinds: Vec<Resource> = fx.events().map(|e| e.resource).collect();
    assert_eq!(
        kinds,
        vec![
            Resource::LockState,
            Resource::OsClockSyncState,
            Resource::SyncState
        ]
    );
    let persist = fx
        .items
        .iter()
        .position(|e| matches!(e, Effect::PersistSyncState(_)));
    let last_pub = fx
        .items
        .iter()
        .rposition(|e| matches!(e, Effect::Publish(..)));
    assert!(persist > last_pub);
    let s = h.e.snapshot();
    let v = |r| {
        s.values(r)
            .map(|v| v.iter().map(|x| x.value.clone()).collect::<Vec<_>>())
    };
    assert_eq!(
        v(Resource::LockState),
        Some(vec!["HOLDOVER".into(), "5".into()])
    );
    assert_eq!(
        v(Resource::OsClockSyncState),
        Some(vec!["HOLDOVER".into(), "4".into()])
    );
    assert_eq!(v(Resource::SyncState), Some(vec!["HOLDOVER".into()]));
    assert_eq!(v(Resource::ClockClass), Some(vec!["6".into()]));
    assert!(s.values(Resource::GnssSyncStatus).is_none());
}

/// §2.3 type change carries the last published value over.
#[test]
fn s2_3_type_change_carries_published_value() {
    let mut h = H::new(node(vec![file(C0, "gm", &["ens1f0:M"])], vec![]));
    let _ = h.expect(
        0.0,
        &k8("ens1f0", 1, "s2", false),
        &["E1 ens1fx LOCKED (1)", "SYNC LOCKED"],
    );
    let _ = h.expect(1.0, "GM[1]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2", &[]);
}

/// CMD RESTART keeps the last sync-state, resets everything else.
#[test]
fn cmd_restart_keeps_sync_state() {
    let mut h = oc_in(Some(SyncState::Locked));
    h.line(0.5, &k4(C0, 6));
    h.line(
        1.0,
        &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
    );
    let fx = h.fx(2.0, "CMD RESTART");
    assert!(fx.items.contains(&Effect::Metric(MetricOp::ClearPtp)));
    assert_eq!(h.deadline(), None);
    let _ =
        h.e.on_config(node(vec![file(C0, "oc", &["ens2f0"])], vec![]));
    // Last published lock value is unset again; sync-state HOLDOVER kept.
    let _ = h.expect(3.0, &k1_nodelay(C0, 5, "s2"), &["E1 ens2fx HOLDOVER (5)"]);
    let _ = h.expect(3.5, &k4(C0, 6), &["CLASS 6 ens2fx"]);
}

/// Lines of unknown or invalid configurations are rejected (and want the
/// file); process status lines are not.
#[test]
fn unknown_config_rejected() {
    let mut h = H::new(node(
        vec![Ptp4lConfig {
            name: "ptp4l.1.config".into(),
            profile: None,
            ports: vec![],
        }],
        vec![],
    ));
    for c in ["ptp4l.0.config", "ptp4l.1.config"] {
        let fx = h.fx(0.0, &k1(c, 1, "s2"));
        assert_eq!(fx.result, LineResult::Rejected);
        assert!(fx.items.contains(&Effect::WantConfig(c.to_string())));
    }
    assert_eq!(
        h.fx(0.0, &k5("ptp4l", "ptp4l.0.config", 1)).result,
        LineResult::Parsed
    );
}

/// socket-and-lines.md §1.5: a replayed port line (level suffix kept) is
/// handled as a role change only; a stale `SLAVE to FAULTY` replayed after
/// live data moves no state, and the live line of the same transition does.
#[test]
fn s6_replayed_port_lines_change_roles_only() {
    for state in [SyncState::Locked, SyncState::Freerun] {
        let mut h = oc_in(Some(state));
        let replayed = "ptp4l[100.000]: [ptp4l.0.config:5] port 1 (ens2f0): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)";
        let fx = h.fx(1.0, replayed);
        assert!(fx.events().next().is_none(), "{state:?}: {:?}", shown(&fx));
        assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0], "role stored");
        assert_eq!(h.deadline(), None);
        // Back to SLAVE (replayed too), then the live fault: HOLDOVER.
        let _ = h.fx(
            2.0,
            "ptp4l[100.000]: [ptp4l.0.config:5] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        );
        let fx = h.fx(
            3.0,
            &k3(C0, 1, "ens2f0", "SLAVE to FAULTY on FAULT_DETECTED"),
        );
        assert!(
            shown(&fx).iter().any(|e| e.contains("HOLDOVER")),
            "{state:?}: {:?}",
            shown(&fx)
        );
    }
}

/// §6: a port line whose number the configuration lacks adds a port, but
/// not beyond `MAX_PORTS` per profile key: a stream of corrupt lines with
/// distinct port numbers does not grow the engine's memory for ever.
#[test]
fn s6_unknown_port_numbers_are_bounded() {
    let mut h = H::oc();
    for n in 0..(crate::clock::MAX_PORTS + 50) {
        let line = format!(
            "ptp4l[1.0]: [{C0}] port {} (x{n}): INITIALIZING to LISTENING on INIT_COMPLETE",
            1000 + n
        );
        let _ = h.fx(1.0, &line);
    }
    let ports = h.e.profiles.iter().map(|p| p.ports.len()).max();
    assert_eq!(ports, Some(crate::clock::MAX_PORTS));
    h.ignored(
        2.0,
        &format!("ptp4l[2.0]: [{C0}] port 99999 (y0): INITIALIZING to LISTENING on INIT_COMPLETE"),
    );
    // The configured port (number 1, `ens2f0`) still takes its roles.
    let fx = h.fx(
        3.0,
        &format!("ptp4l[3.0]: [{C0}] port 1 (ens2f0): LISTENING to UNCALIBRATED on RS_SLAVE"),
    );
    assert_eq!(fx.result, LineResult::Parsed);
}
