//! Every timed sequence of socket-and-lines.md §6, asserting exactly the
//! listed outputs at the listed times.

use super::*;

/// §6.1 Start-up lock (OC, G.8275.1 at 16 Hz).
#[test]
fn s6_1_startup_lock() {
    let mut h = H::new(node(
        vec![file("ptp4l.0.config", "oc-profile", &["ens2f0"])],
        vec![],
    ));
    assert!(h.line(0.004, "CMD LIVE_START").is_empty());
    let fx = h.expect(
        0.004,
        "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
        &[],
    );
    assert_eq!(sets(&fx, Family::ProcessStatus), vec![1.0]);
    assert_eq!(incs(&fx), 0, "no restart counted");
    let fx = h.expect(
        0.021,
        "ptp4l[5365.830]: [ptp4l.0.config] port 1 (ens2f0): INITIALIZING to LISTENING on INIT_COMPLETE",
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![5.0]);
    h.ignored(
        0.021,
        "ptp4l[5365.830]: [ptp4l.0.config] port 0 (/var/run/ptp4l.0.socket): INITIALIZING to LISTENING on INIT_COMPLETE",
    );
    h.ignored(
        0.843,
        "ptp4l[5366.652]: [ptp4l.0.config] port 1 (ens2f0): new foreign master 001122.fffe.334455-1",
    );
    h.ignored(
        1.093,
        "ptp4l[5366.902]: [ptp4l.0.config] selected best master clock 001122.fffe.334455",
    );
    let fx = h.expect(
        1.093,
        "ptp4l[5366.902]: [ptp4l.0.config] port 1 (ens2f0): LISTENING to UNCALIBRATED on RS_SLAVE",
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    h.ignored(
        1.209,
        "ptp4l[5367.018]: [ptp4l.0.config] master offset     -50912 s0 freq   -1226 path delay      2315",
    );
    let mut t = 1.209;
    while t < 17.0 {
        t += 0.0625;
        h.ignored(t, &k1("ptp4l.0.config", -40000, "s0"));
    }
    h.ignored(
        17.147,
        "ptp4l[5382.956]: [ptp4l.0.config] master offset        -59 s2 freq   -1128 path delay      2321",
    );
    let fx = h.expect(
        17.147,
        "ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![1.0]);
    let _ = h.expect(
        17.210,
        "ptp4l[5383.019]: [ptp4l.0.config] master offset         12 s2 freq   -1061 path delay      2318",
        &["E1 ens2fx LOCKED (12)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        17.240,
        "phc2sys[5383.049]: [ptp4l.0.config] CLOCK_REALTIME phc offset     -1843 s0 freq   +2700 delay    547",
        &["E3 FREERUN (-1843)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        17.302,
        "phc2sys[5383.111]: [ptp4l.0.config] CLOCK_REALTIME phc offset     -1821 s1 freq   +2712 delay    548",
        &[],
    );
    let _ = h.expect(
        17.365,
        "phc2sys[5383.174]: [ptp4l.0.config] CLOCK_REALTIME phc offset        -7 s2 freq   +2726 delay    547",
        &["E3 LOCKED (-7)", "SYNC LOCKED"],
    );
    assert_eq!(h.deadline(), None);
}

/// ptp4l.1.config with port 1 `ens4f1`, LOCKED at ptp4l offset `ptp`,
/// phc2sys LOCKED at `phc` (set up before t = 0).
fn locked_ens4(ptp: i64, phc: i64) -> H {
    let mut h = H::new(node(
        vec![file("ptp4l.1.config", "bc-profile", &["ens4f1"])],
        vec![],
    ));
    h.base = 100.0;
    let _ = h.expect(
        -1.0,
        &k1("ptp4l.1.config", ptp, "s2"),
        &[&format!("E1 ens4fx LOCKED ({ptp})"), "SYNC LOCKED"],
    );
    let _ = h.expect(
        -0.9,
        &k6("ptp4l.1.config", phc, "s2"),
        &[&format!("E3 LOCKED ({phc})")],
    );
    h
}

/// §6.2 GM loss (announce timeout).
#[test]
fn s6_2_gm_loss() {
    let mut h = locked_ens4(3, -1);
    let _ = h.expect(0.000, "ptp4l[1306977.018]: [ptp4l.1.config] master offset          5 s2 freq      +2 path delay      1584", &[]);
    let _ = h.expect(0.062, "ptp4l[1306977.080]: [ptp4l.1.config] master offset          0 s2 freq      -1 path delay      1586", &[]);
    let _ = h.expect(0.100, "phc2sys[1306977.118]: [ptp4l.1.config] CLOCK_REALTIME phc offset        -5 s2 freq   +2726 delay    547", &[]);
    let fx = h.expect(
        0.494,
        "ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        &["E1 ens4fx HOLDOVER (0)", "E3 HOLDOVER (-5)", "SYNC HOLDOVER"],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![2.0]);
    assert!(fx
        .items
        .contains(&Effect::PersistSyncState(SyncState::Holdover)));
    assert_eq!(h.deadline(), Some(5.494));
    h.ignored(0.494, "ptp4l[1306977.512]: [ptp4l.1.config] selected local clock 507c6f.fffe.1fb1b9 as best master");
    h.ignored(
        0.494,
        "ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): assuming the grand master role",
    );
    let _ = h.expect(0.537, "phc2sys[1306977.555]: [ptp4l.1.config] CLOCK_REALTIME phc offset         3 s2 freq   +2724 delay    546", &[]);
    let _ = h.expect(
        0.610,
        "ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 248",
        &["CLASS 248 ens4fx"],
    );
    h.expire(
        5.494,
        &["E1 ens4fx FREERUN (0)", "E3 FREERUN (3)", "SYNC FREERUN"],
    );
}

/// §6.2 with `clientOnly 1`: `SLAVE to LISTENING`, identical output.
#[test]
fn s6_2_gm_loss_client_only() {
    let mut h = locked_ens4(3, -1);
    let _ = h.expect(0.062, &k1("ptp4l.1.config", 0, "s2"), &[]);
    let _ = h.expect(0.100, &k6("ptp4l.1.config", -5, "s2"), &[]);
    let _ = h.expect(
        0.494,
        "ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        &["E1 ens4fx HOLDOVER (0)", "E3 HOLDOVER (-5)", "SYNC HOLDOVER"],
    );
    let _ = h.expect(0.537, &k6("ptp4l.1.config", 3, "s2"), &[]);
    h.expire(
        5.494,
        &["E1 ens4fx FREERUN (0)", "E3 FREERUN (3)", "SYNC FREERUN"],
    );
}

/// §6.3 Link fault.
fn link_fault() -> H {
    let mut h = locked_ens4(1, -2);
    h.ignored(0.0, "ptp4l[1306977.262]: [ptp4l.1.config] recvmsg tx timestamp failed: Resource temporarily unavailable");
    h.ignored(
        0.0,
        "ptp4l[1306977.262]: [ptp4l.1.config] port 1 (ens4f1): send delay request failed",
    );
    let fx = h.expect(
        0.0,
        "ptp4l[1306977.262]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
        &["E1 ens4fx HOLDOVER (1)", "E3 HOLDOVER (-2)", "SYNC HOLDOVER"],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    assert_eq!(h.deadline(), Some(5.0));
    h.ignored(
        0.023,
        "ptp4l[1306977.285]: [ptp4l.1.config] port 1 (ens4f1): link down",
    );
    h.ignored(0.023, "ptp4l[1306977.285]: [ptp4l.1.config] selected local clock 507c6f.fffe.1fb1b9 as best master");
    h.ignored(
        0.023,
        "ptp4l[1306977.285]: [ptp4l.1.config] port 1 (ens4f1): assuming the grand master role",
    );
    let _ = h.expect(0.050, "phc2sys[1306977.312]: [ptp4l.1.config] CLOCK_REALTIME phc offset        -4 s2 freq   +2726 delay    547", &[]);
    h
}

#[test]
fn s6_3_link_fault() {
    let mut h = link_fault();
    h.expire(
        5.0,
        &["E1 ens4fx FREERUN (1)", "E3 FREERUN (-4)", "SYNC FREERUN"],
    );
}

/// §6.4 a) Recovery after the link fault of §6.3.
#[test]
fn s6_4a_recovery_after_link_fault() {
    let mut h = link_fault();
    h.ignored(
        3.095,
        "ptp4l[1306980.357]: [ptp4l.1.config] port 1 (ens4f1): assuming the grand master role",
    );
    h.ignored(
        3.096,
        "ptp4l[1306980.358]: [ptp4l.1.config] port 1 (ens4f1): link up",
    );
    let fx = h.expect(3.111, "ptp4l[1306980.373]: [ptp4l.1.config] port 1 (ens4f1): FAULTY to LISTENING on INIT_COMPLETE", &[]);
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![5.0]);
    h.ignored(3.197, "ptp4l[1306980.459]: [ptp4l.1.config] port 1 (ens4f1): new foreign master 507c6f.fffe.1fb16c-4");
    h.ignored(
        3.447,
        "ptp4l[1306980.709]: [ptp4l.1.config] selected best master clock 507c6f.fffe.1fb16c",
    );
    let fx = h.expect(3.447, "ptp4l[1306980.709]: [ptp4l.1.config] port 1 (ens4f1): LISTENING to UNCALIBRATED on RS_SLAVE", &[]);
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    h.ignored(
        3.447,
        "ptp4l[1306980.709]: [ptp4l.1.config] Switched to /dev/ptp9 as PTP clock",
    );
    h.ignored(3.571, "ptp4l[1306980.833]: [ptp4l.1.config] master offset        -14 s0 freq      -5 path delay      1582");
    h.expire(
        5.0,
        &["E1 ens4fx FREERUN (1)", "E3 FREERUN (-4)", "SYNC FREERUN"],
    );
    h.ignored(19.584, "ptp4l[1306996.846]: [ptp4l.1.config] master offset         44 s2 freq      -2 path delay      1586");
    let _ = h.expect(19.584, "ptp4l[1306996.846]: [ptp4l.1.config] port 1 (ens4f1): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED", &[]);
    let _ = h.expect(
        19.647,
        "ptp4l[1306996.909]: [ptp4l.1.config] master offset          7 s2 freq      -3 path delay      1585",
        &["E1 ens4fx LOCKED (7)", "E3 LOCKED (-4)", "SYNC LOCKED"],
    );
}

/// §6.4 b) Recovery within the holdover window after an announce timeout.
#[test]
fn s6_4b_recovery_within_holdover() {
    let mut h = H::oc();
    h.base = 100.0;
    let _ = h.expect(
        -3.0,
        &k1("ptp4l.0.config", 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    let _ = h.expect(-2.9, &k6("ptp4l.0.config", 2, "s2"), &["E3 LOCKED (2)"]);
    let _ = h.expect(
        -2.0,
        &k3(
            "ptp4l.0.config",
            1,
            "ens2f0",
            "SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
        ),
        &["E1 ens2fx HOLDOVER (5)", "E3 HOLDOVER (2)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.deadline(), Some(3.0));
    h.ignored(
        0.0,
        "ptp4l[8001.250]: [ptp4l.0.config] selected best master clock 001122.fffe.334455",
    );
    let fx = h.expect(
        0.0,
        "ptp4l[8001.250]: [ptp4l.0.config] port 1 (ens2f0): MASTER to UNCALIBRATED on RS_SLAVE",
        &[],
    );
    assert_eq!(sets(&fx, Family::InterfaceRole), vec![3.0]);
    h.ignored(0.040, "ptp4l[8001.290]: [ptp4l.0.config] master offset        350 s2 freq     -12 path delay      1586");
    let _ = h.expect(0.040, "ptp4l[8001.290]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED", &[]);
    let _ = h.expect(0.102, "ptp4l[8001.352]: [ptp4l.0.config] master offset        214 s2 freq     -10 path delay      1586", &[]);
    let _ = h.expect(
        0.165,
        "ptp4l[8001.415]: [ptp4l.0.config] master offset        -37 s2 freq      -9 path delay      1585",
        &["E1 ens2fx LOCKED (-37)", "E3 LOCKED (2)", "SYNC LOCKED"],
    );
    assert_eq!(h.deadline(), None, "timer cancelled");
    assert!(h.tick(3.0).is_empty());
}

fn locked_ens2() -> H {
    let mut h = H::oc();
    h.base = 100.0;
    let _ = h.expect(
        -1.0,
        &k1("ptp4l.0.config", 5, "s2"),
        &["E1 ens2fx LOCKED (5)", "SYNC LOCKED"],
    );
    let _ = h.expect(-0.9, &k6("ptp4l.0.config", 3, "s2"), &["E3 LOCKED (3)"]);
    h
}

/// §6.5 a) Servo reset while SLAVE.
#[test]
fn s6_5a_servo_reset() {
    let mut h = locked_ens2();
    let _ = h.expect(0.000, "ptp4l[9000.000]: [ptp4l.0.config] master offset          8 s2 freq   -1120 path delay      1585", &[]);
    let _ = h.expect(
        0.062,
        "ptp4l[9000.062]: [ptp4l.0.config] master offset      48211 s0 freq   -1123 path delay      1585",
        &["E1 ens2fx FREERUN (48211)", "E3 FREERUN (3)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        0.062,
        "ptp4l[9000.062]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT",
        &["E1 ens2fx HOLDOVER (48211)", "E3 HOLDOVER (3)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.deadline(), Some(5.062));
    h.ignored(0.125, "ptp4l[9000.125]: [ptp4l.0.config] master offset      47302 s0 freq   -1123 path delay      1585");
    h.ignored(1.000, "ptp4l[9001.000]: [ptp4l.0.config] master offset     -48190 s1 freq   -1090 path delay      1585");
    h.ignored(1.062, "ptp4l[9001.062]: [ptp4l.0.config] master offset         -3 s2 freq   -1101 path delay      1585");
    let _ = h.expect(1.062, "ptp4l[9001.062]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED", &[]);
    let _ = h.expect(
        1.125,
        "ptp4l[9001.125]: [ptp4l.0.config] master offset          2 s2 freq   -1100 path delay      1585",
        &["E1 ens2fx LOCKED (2)", "E3 LOCKED (3)", "SYNC LOCKED"],
    );
    assert_eq!(h.deadline(), None);
}

/// §6.5 b) Offset excursion without a servo change (strict thresholds).
#[test]
fn s6_5b_offset_excursion() {
    let mut h = locked_ens2();
    let _ = h.expect(0.000, "ptp4l[9100.000]: [ptp4l.0.config] master offset         97 s2 freq   -1100 path delay      1585", &[]);
    let _ = h.expect(
        0.062,
        "ptp4l[9100.062]: [ptp4l.0.config] master offset        100 s2 freq   -1101 path delay      1585",
        &["E1 ens2fx FREERUN (100)", "E3 FREERUN (3)", "SYNC FREERUN"],
    );
    let _ = h.expect(0.125, "ptp4l[9100.125]: [ptp4l.0.config] master offset        134 s2 freq   -1102 path delay      1585", &[]);
    let _ = h.expect(
        0.187,
        "ptp4l[9100.187]: [ptp4l.0.config] master offset         99 s2 freq   -1100 path delay      1585",
        &["E1 ens2fx LOCKED (99)", "E3 LOCKED (3)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        0.250,
        "ptp4l[9100.250]: [ptp4l.0.config] master offset       -100 s2 freq   -1099 path delay      1585",
        &["E1 ens2fx FREERUN (-100)", "E3 FREERUN (3)", "SYNC FREERUN"],
    );
}

/// §6.6 T-GM: GNSS loss → holdover → free-run → recovery.
#[test]
fn s6_6_tgm_gnss_loss() {
    let mut h = H::new(node(
        vec![file(
            "ptp4l.0.config",
            "tgm-profile",
            &["ens1f0:M", "ens1f1:M"],
        )],
        vec![],
    ));
    h.base = 100.0;
    let _ = h.expect(
        -5.0,
        "gnss[1700001995]:[ts2phc.0.config] ens1f0 gnss_status 5 offset 1 s2",
        &["GNSS SYNCHRONIZED (1) fix 5"],
    );
    let _ = h.expect(-4.9, "dpll[1700001995]:[ts2phc.0.config] ens1f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2", &[]);
    let _ = h.expect(
        -4.8,
        "GM[1700001995]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2",
        &["E1 ens1fx LOCKED (0)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        -4.8,
        "ptp4l[1700001995]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6",
        &["CLASS 6 ens1fx"],
    );
    let _ = h.expect(-4.7, &k6("ptp4l.0.config", 2, "s2"), &["E3 LOCKED (2)"]);

    let _ = h.expect(
        0.0,
        "gnss[1700002000]:[ts2phc.0.config] ens1f0 gnss_status 3 offset 1 s2",
        &[],
    );
    let _ = h.expect(0.1, "dpll[1700002000]:[ts2phc.0.config] ens1f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2", &[]);
    let _ = h.expect(
        0.3,
        "ts2phc[82674.465]: [ts2phc.0.config] ens1f0 offset          1 s2 freq      -1",
        &[],
    );
    let _ = h.expect(
        0.3,
        "ts2phc[1700002000]:[ts2phc.0.config] ens1f0 nmea_status 1 offset 0 s2",
        &[],
    );
    let _ = h.expect(
        0.4,
        "GM[1700002000]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2",
        &[],
    );
    let _ = h.expect(
        10.2,
        "gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 0 offset 0 s0",
        &["GNSS FAILURE-NOFIX (0) fix 0"],
    );
    h.ignored(
        10.3,
        "ts2phc[82684.465]: [ts2phc.0.config] source ts not valid",
    );
    let fx = h.expect(
        11.3,
        "ts2phc[82685.465]: [ts2phc.0.config] ens1f0 offset          2 s3 freq      -1 holdover",
        &[],
    );
    assert!(
        sets(&fx, Family::ClockState).contains(&2.0),
        "ts2phc metric HOLDOVER"
    );
    assert_eq!(h.deadline(), None, "no timer under a T-GM");
    let _ = h.expect(
        11.3,
        "ts2phc[1700002011]:[ts2phc.0.config] ens1f0 nmea_status 0 offset 0 s0",
        &[],
    );
    let _ = h.expect(11.5, "dpll[1700002011]:[ts2phc.0.config] ens1f0 frequency_status 4 offset 0 phase_status 4 pps_status 1 s1", &[]);
    let _ = h.expect(
        11.5,
        "GM[1700002011]:[ts2phc.0.config] ens1f0 T-GM-STATUS s1",
        &["E1 ens1fx HOLDOVER (0)", "E3 HOLDOVER (2)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.deadline(), None, "no proxy timer");
    let _ = h.expect(
        11.5,
        "ptp4l[1700002011]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 7",
        &["CLASS 7 ens1fx"],
    );
    assert!(h.tick(1000.0).is_empty());
    let _ = h.expect(3611.5, "dpll[1700005611]:[ts2phc.0.config] ens1f0 frequency_status 1 offset 0 phase_status 1 pps_status 1 s0", &[]);
    let _ = h.expect(
        3611.5,
        "GM[1700005611]:[ts2phc.0.config] ens1f0 T-GM-STATUS s0",
        &["E1 ens1fx FREERUN (0)", "E3 FREERUN (2)", "SYNC FREERUN"],
    );
    let _ = h.expect(
        3611.5,
        "ptp4l[1700005611]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 248",
        &["CLASS 248 ens1fx"],
    );
    let _ = h.expect(
        3700.2,
        "gnss[1700005700]:[ts2phc.0.config] ens1f0 gnss_status 1 offset 0 s0",
        &["GNSS ACQUIRING-SYNC (0) fix 1"],
    );
    let _ = h.expect(
        3730.2,
        "gnss[1700005730]:[ts2phc.0.config] ens1f0 gnss_status 3 offset 4 s2",
        &["GNSS SYNCHRONIZED (4) fix 3"],
    );
    let _ = h.expect(3731.1, "dpll[1700005731]:[ts2phc.0.config] ens1f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2", &[]);
    let _ = h.expect(
        3731.3,
        "ts2phc[1700005731]:[ts2phc.0.config] ens1f0 nmea_status 1 offset 0 s2",
        &[],
    );
    let _ = h.expect(
        3731.3,
        "ts2phc[86405.465]: [ts2phc.0.config] ens1f0 offset          3 s2 freq      +2",
        &[],
    );
    let _ = h.expect(
        3731.4,
        "GM[1700005731]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2",
        &["E1 ens1fx LOCKED (0)", "E3 LOCKED (2)", "SYNC LOCKED"],
    );
    let _ = h.expect(
        3731.4,
        "ptp4l[1700005731]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6",
        &["CLASS 6 ens1fx"],
    );
}

/// §6.7 Proxy restart and replay: the persisted sync-state suppresses a
/// repeated SYNC event.
#[test]
fn s6_7_restart_and_replay() {
    let mut h = H::with_last(
        node(
            vec![file("ptp4l.0.config", "oc-profile", &["ens2f0"])],
            vec![],
        ),
        Some(SyncState::Locked),
    );
    let fx = h.expect(
        0.015,
        "ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        &[],
    );
    assert_eq!(fx.result, LineResult::Parsed);
    for l in [
        "ptp4l[1700005000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
        "phc2sys[1700005000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
    ] {
        let fx = h.expect(0.016, l, &[]);
        assert_eq!(incs(&fx), 0);
    }
    let _ = h.expect(
        0.017,
        "ptp4l[1700005000]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6",
        &["CLASS 6 ens2fx"],
    );
    let _ = h.expect(0.031, "CMD LIVE_START", &[]);
    let fx = h.expect(
        0.031,
        "ptp4l[1700005000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
        &[],
    );
    assert_eq!(incs(&fx), 0);
    let _ = h.expect(
        0.090,
        "ptp4l[72445.090]: [ptp4l.0.config] master offset         -3 s2 freq   -1061 path delay      2318",
        &["E1 ens2fx LOCKED (-3)"],
    );
    let _ = h.expect(0.096, "CMD LIVE_START", &[]);
    let _ = h.expect(
        0.120,
        "phc2sys[72445.120]: [ptp4l.0.config] CLOCK_REALTIME phc offset         4 s2 freq   +2726 delay    547",
        &["E3 LOCKED (4)"],
    );
}
