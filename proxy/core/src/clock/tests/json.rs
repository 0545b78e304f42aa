//! `Engine::on_message`: daemon JSON states through the publication path
//! (next-generation.md §1), tables of (time, message) → effects.

use super::*;
use crate::clock::Snapshot;
use crate::events::daemon::{self, to_daemon_messages, DaemonMessage};
use crate::events::{v2_event, Value};
use std::time::SystemTime;

/// A JSON message line of `type` for `iface` with `values`, no time stamp.
fn j(kind: &str, iface: &str, values: &str) -> String {
    format!(
        r#"{{"version":1,"type":"{kind}","profile":"ptp4l.0.config","iface":"{iface}","values":{values}}}"#
    )
}

fn state(s: &str) -> String {
    format!(r#"{{"state":"{s}"}}"#)
}

fn state_offset(s: &str, offset: i64) -> String {
    format!(r#"{{"state":"{s}","offset":{offset}}}"#)
}

impl H {
    /// Feeds a JSON message line.
    fn json_fx(&mut self, t: f64, text: &str) -> Effects {
        let m = daemon::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        self.e.on_message(&m, at(self.base + t))
    }
    /// Asserts the exact events of a JSON message.
    #[track_caller]
    fn msg(&mut self, t: f64, text: &str, want: &[&str]) -> Effects {
        let fx = self.json_fx(t, text);
        assert_eq!(fx.kind, crate::linuxptp::Kind::Json);
        assert_eq!(fx.result, LineResult::Parsed);
        assert_eq!(shown(&fx), want, "at {t}: {text}");
        fx
    }
}

fn conflicts(fx: &Effects) -> Vec<Resource> {
    fx.items
        .iter()
        .filter_map(|e| match e {
            Effect::ProtocolConflict(r) => Some(*r),
            _ => None,
        })
        .collect()
}

fn values(s: &Snapshot, r: Resource) -> Vec<String> {
    s.values(r)
        .unwrap_or_default()
        .iter()
        .map(|v| {
            let tail = v
                .address
                .trim_start_matches(&format!("/cluster/node/{NODE}/"));
            format!("{tail}={}", v.value)
        })
        .collect()
}

#[test]
fn states_publish_on_change_only_and_no_threshold_logic_runs() {
    let mut h = H::new(NodeConfig::default());
    let fx = h.msg(
        0.0,
        &j("ptp_state", "ens2fx", &state_offset("LOCKED", -3)),
        &["E1 ens2fx LOCKED (-3)", "SYNC LOCKED"],
    );
    assert!(fx
        .items
        .contains(&Effect::PersistSyncState(SyncState::Locked)));
    // A repeat publishes nothing; the offset still reaches CurrentState.
    let fx = h.msg(
        1.0,
        &j("ptp_state", "ens2fx", &state_offset("LOCKED", -5)),
        &[],
    );
    assert!(!fx
        .items
        .iter()
        .any(|e| matches!(e, Effect::PersistSyncState(_))));
    assert_eq!(
        values(&h.e.snapshot(), Resource::LockState),
        ["ens2fx/master=LOCKED", "ens2fx/master=-5"]
    );
    // Far outside any threshold, yet the daemon says LOCKED: LOCKED.
    let _ = h.msg(
        2.0,
        &j("ptp_state", "ens2fx", &state_offset("LOCKED", 1_000_000)),
        &[],
    );
    // HOLDOVER starts no timer, and nothing expires.
    let _ = h.msg(
        3.0,
        &j("ptp_state", "ens2fx", &state_offset("HOLDOVER", 7)),
        &["E1 ens2fx HOLDOVER (7)", "SYNC HOLDOVER"],
    );
    assert_eq!(h.e.next_deadline(), None);
    assert!(h.tick(10_000.0).is_empty());
    let _ = h.msg(
        4.0,
        &j("os_clock_state", "", &state_offset("LOCKED", -2)),
        &["E3 LOCKED (-2)"],
    );
    let _ = h.msg(
        5.0,
        &j("os_clock_state", "", &state_offset("LOCKED", 4)),
        &[],
    );
    let _ = h.msg(
        6.0,
        &j("ptp_state", "ens2fx", &state("FREERUN")),
        &["E1 ens2fx FREERUN (0)", "SYNC FREERUN"],
    );
    let _ = h.msg(
        7.0,
        &j("clock_class", "ens2fx", r#"{"clock_class":248}"#),
        &["CLASS 248 ens2fx"],
    );
    let _ = h.msg(
        8.0,
        &j("clock_class", "ens2fx", r#"{"clock_class":248}"#),
        &[],
    );
    let _ = h.msg(
        9.0,
        &j("clock_class", "ens2fx", r#"{"clock_class":6}"#),
        &["CLASS 6 ens2fx"],
    );
    // Class 0 is "no class", as for log lines.
    let _ = h.msg(
        9.5,
        &j("clock_class", "ens3fx", r#"{"clock_class":0}"#),
        &[],
    );
    let _ = h.msg(
        10.0,
        &j(
            "gnss_state",
            "ens1fx",
            r#"{"state":"SYNCHRONIZED","offset":1,"gps_fix":5}"#,
        ),
        &["GNSS SYNCHRONIZED (1) fix 5"],
    );
    let _ = h.msg(
        11.0,
        &j(
            "gnss_state",
            "ens1fx",
            r#"{"state":"SYNCHRONIZED","offset":2,"gps_fix":3}"#,
        ),
        &[],
    );
    let _ = h.msg(
        12.0,
        &j("gnss_state", "ens1fx", r#"{"state":"FAILURE_NOFIX"}"#),
        &["GNSS FAILURE-NOFIX (0) fix 0"],
    );
    let _ = h.msg(
        13.0,
        &j("synce_state", "synce1/ens7f0", &state("LOCKED")),
        &["SYNCE synce1/ens7f0 LOCKED"],
    );
    let _ = h.msg(
        14.0,
        &j("synce_state", "synce1/ens7f0", &state("LOCKED")),
        &[],
    );
    let _ = h.msg(
        15.0,
        &j(
            "synce_clock_quality",
            "synce1/ens7f0",
            r#"{"ql":1,"extended_ql":32}"#,
        ),
        &["SYNCE-QL synce1/ens7f0/Ql 1 32"],
    );
    let _ = h.msg(
        16.0,
        &j(
            "synce_clock_quality",
            "synce1/ens7f0",
            r#"{"ql":1,"extended_ql":32}"#,
        ),
        &[],
    );
    let _ = h.msg(
        17.0,
        &j("synce_clock_quality", "synce1/ens7f0", r#"{"ql":1}"#),
        &["SYNCE-QL synce1/ens7f0/Ql 1 255"],
    );
    // GNSS, class and SyncE never move the sync-state; status messages do
    // nothing.
    assert_eq!(
        values(&h.e.snapshot(), Resource::SyncState),
        ["sync/sync-status/sync-state=FREERUN"]
    );
    for text in [
        daemon::STATUS_REQUEST,
        r#"{"version":1,"type":"status_response"}"#,
    ] {
        let fx = h.msg(18.0, text, &[]);
        assert!(fx.items.is_empty(), "{text}: {:?}", fx.items);
    }
    let s = h.e.snapshot();
    assert_eq!(
        values(&s, Resource::OsClockSyncState),
        ["CLOCK_REALTIME=LOCKED", "CLOCK_REALTIME=4"]
    );
    assert_eq!(
        values(&s, Resource::ClockClass),
        ["ens2fx/master/CLOCK_CLASS=6"]
    );
    assert_eq!(
        values(&s, Resource::GnssSyncStatus),
        [
            "ens1fx/master=FAILURE-NOFIX",
            "ens1fx/master=0",
            "ens1fx/master/gpsFix=0"
        ]
    );
    assert_eq!(
        values(&s, Resource::SynceLockState),
        ["synce1/ens7f0=LOCKED"]
    );
    assert_eq!(
        values(&s, Resource::SynceClockQuality),
        ["synce1/ens7f0/Ql=1", "synce1/ens7f0/extQl=255"]
    );
}

#[test]
fn metrics_of_json_states() {
    let mut h = H::new(NodeConfig::default());
    let fx = h.msg(
        0.0,
        &j("ptp_state", "ens2fx", &state_offset("HOLDOVER", -3)),
        &["E1 ens2fx HOLDOVER (-3)", "SYNC HOLDOVER"],
    );
    assert_eq!(sets(&fx, Family::OffsetNs), vec![-3.0]);
    assert_eq!(sets(&fx, Family::ClockState), vec![2.0]);
    // No offset in the message: the gauge keeps its value.
    let fx = h.msg(1.0, &j("ptp_state", "ens2fx", &state("HOLDOVER")), &[]);
    assert!(sets(&fx, Family::OffsetNs).is_empty());
    let fx = h.msg(
        2.0,
        &j("os_clock_state", "", &state_offset("LOCKED", 9)),
        &["E3 LOCKED (9)"],
    );
    let labels = |fx: &Effects, family: Family| -> Vec<(Option<String>, Option<String>)> {
        fx.metrics()
            .filter_map(|m| match m {
                MetricOp::Set(s, _) if s.family == family => Some((
                    s.labels.process.as_ref().map(|l| l.to_string()),
                    s.labels.iface.as_ref().map(|l| l.to_string()),
                )),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        labels(&fx, Family::OffsetNs),
        [(Some("phc2sys".into()), Some("CLOCK_REALTIME".into()))]
    );
    let fx = h.msg(
        3.0,
        &j(
            "gnss_state",
            "ens1fx",
            r#"{"state":"SYNCHRONIZED","offset":1,"gps_fix":5}"#,
        ),
        &["GNSS SYNCHRONIZED (1) fix 5"],
    );
    assert_eq!(sets(&fx, Family::GnssStatus), vec![5.0]);
    assert_eq!(sets(&fx, Family::ClockState), vec![1.0]);
    let fx = h.msg(
        4.0,
        &j("clock_class", "ens2fx", r#"{"clock_class":6}"#),
        &["CLASS 6 ens2fx"],
    );
    assert_eq!(sets(&fx, Family::ClockClass), vec![6.0]);
    let fx = h.msg(
        5.0,
        &j("synce_state", "synce1/ens7f0", &state("HOLDOVER")),
        &["SYNCE synce1/ens7f0 HOLDOVER"],
    );
    assert_eq!(
        labels(&fx, Family::ClockState),
        [(Some("synce4l".into()), Some("ens7f0".into()))]
    );
}

#[test]
fn sync_state_is_computed_until_the_daemon_sends_it() {
    let mut h = H::new(NodeConfig::default());
    let _ = h.msg(
        0.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)", "SYNC LOCKED"],
    );
    let _ = h.msg(
        0.1,
        &j("ptp_state", "ens7fx", &state("HOLDOVER")),
        &["E1 ens7fx HOLDOVER (0)", "SYNC HOLDOVER"],
    );
    let _ = h.msg(
        0.2,
        &j("os_clock_state", "", &state("FREERUN")),
        &["E3 FREERUN (0)", "SYNC FREERUN"],
    );
    let _ = h.msg(
        0.3,
        &j("os_clock_state", "", &state("LOCKED")),
        &["E3 LOCKED (0)", "SYNC HOLDOVER"],
    );
    let _ = h.msg(
        0.4,
        &j("ptp_state", "ens7fx", &state("LOCKED")),
        &["E1 ens7fx LOCKED (0)", "SYNC LOCKED"],
    );
    // From the first sync_state on, the daemon's value is the node value.
    let fx = h.msg(
        1.0,
        &j("sync_state", "", &state("HOLDOVER")),
        &["SYNC HOLDOVER"],
    );
    assert!(fx
        .items
        .contains(&Effect::PersistSyncState(SyncState::Holdover)));
    let _ = h.msg(1.1, &j("sync_state", "", &state("HOLDOVER")), &[]);
    let _ = h.msg(
        2.0,
        &j("ptp_state", "ens2fx", &state("FREERUN")),
        &["E1 ens2fx FREERUN (0)"],
    );
    let _ = h.msg(
        3.0,
        &j("sync_state", "", &state("FREERUN")),
        &["SYNC FREERUN"],
    );
    // The persisted value counts as published.
    let mut h = H::with_last(NodeConfig::default(), Some(SyncState::Locked));
    let _ = h.msg(
        0.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)"],
    );
    let _ = h.msg(1.0, &j("sync_state", "", &state("LOCKED")), &[]);
    assert_eq!(
        values(&h.e.snapshot(), Resource::SyncState),
        ["sync/sync-status/sync-state=LOCKED"]
    );
}

#[test]
fn cache_clear_forgets_every_json_state() {
    let mut h = H::new(NodeConfig::default());
    let _ = h.msg(
        0.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)", "SYNC LOCKED"],
    );
    let _ = h.msg(
        0.1,
        &j("os_clock_state", "", &state("LOCKED")),
        &["E3 LOCKED (0)"],
    );
    let _ = h.msg(
        0.2,
        &j("clock_class", "ens2fx", r#"{"clock_class":6}"#),
        &["CLASS 6 ens2fx"],
    );
    let _ = h.msg(
        0.3,
        &j("gnss_state", "ens1fx", &state("SYNCHRONIZED")),
        &["GNSS SYNCHRONIZED (0) fix 0"],
    );
    let _ = h.msg(
        0.4,
        &j("synce_state", "synce1/ens7f0", &state("LOCKED")),
        &["SYNCE synce1/ens7f0 LOCKED"],
    );
    let _ = h.msg(
        0.5,
        &j("synce_clock_quality", "synce1/ens7f0", r#"{"ql":1}"#),
        &["SYNCE-QL synce1/ens7f0/Ql 1 255"],
    );
    let _ = h.msg(0.6, &j("sync_state", "", &state("LOCKED")), &[]);
    for r in Resource::V2 {
        assert!(h.e.snapshot().values(r).is_some(), "{r:?} before");
    }
    let fx = h.msg(1.0, r#"{"version":1,"type":"cache_clear"}"#, &[]);
    assert!(fx.items.is_empty(), "{:?}", fx.items);
    let s = h.e.snapshot();
    for r in Resource::V2 {
        assert_eq!(s.values(r), None, "{r:?} after cache_clear");
    }
    // Replayed states are published again; the sync-state was persisted
    // as LOCKED and is not repeated.
    let _ = h.msg(
        2.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)"],
    );
    assert_eq!(
        values(&h.e.snapshot(), Resource::SyncState),
        ["sync/sync-status/sync-state=LOCKED"]
    );
    // The sync-state is computed again until a new sync_state arrives.
    let _ = h.msg(
        3.0,
        &j("ptp_state", "ens2fx", &state("FREERUN")),
        &["E1 ens2fx FREERUN (0)", "SYNC FREERUN"],
    );
}

#[test]
fn event_time_is_the_message_time_stamp_or_now() {
    let mut h = H::new(NodeConfig::default());
    let text = r#"{"version":1,"type":"ptp_state","timestamp":"2026-07-24T11:47:39.123456Z","iface":"ens2fx","values":{"state":"LOCKED"}}"#;
    let fx = h.json_fx(5.0, text);
    let stamp = crate::events::parse_rfc3339("2026-07-24T11:47:39.123456Z").expect("time");
    let times: Vec<SystemTime> = fx
        .items
        .iter()
        .filter_map(|e| match e {
            Effect::Publish(_, t) => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(times, [stamp, stamp], "lock-state and sync-state");
    let fx = h.json_fx(6.0, &j("ptp_state", "ens2fx", &state("FREERUN")));
    let t = fx.items.iter().find_map(|e| match e {
        Effect::Publish(_, t) => Some(*t),
        _ => None,
    });
    assert_eq!(t, Some(at(6.0).wall));
}

#[test]
fn both_protocols_for_one_resource_warn_once_and_json_wins() {
    let mut h = H::oc();
    let _ = h.expect(
        0.0,
        &k1("ptp4l.0.config", 3, "s2"),
        &["E1 ens2fx LOCKED (3)", "SYNC LOCKED"],
    );
    // JSON for the same resource: reported once, JSON serves it.
    let fx = h.msg(
        1.0,
        &j("ptp_state", "ens2fx", &state_offset("HOLDOVER", 8)),
        &["E1 ens2fx HOLDOVER (8)", "SYNC HOLDOVER"],
    );
    assert_eq!(conflicts(&fx), [Resource::LockState]);
    assert_eq!(
        values(&h.e.snapshot(), Resource::LockState),
        ["ens2fx/master=HOLDOVER", "ens2fx/master=8"]
    );
    // Log-derived changes of that resource are no longer published, and
    // the conflict is not reported again.
    let fx = h.fx(2.0, &k1("ptp4l.0.config", 3, "s0"));
    assert_eq!(shown(&fx), Vec::<String>::new());
    assert!(conflicts(&fx).is_empty());
    let fx = h.msg(
        3.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)", "SYNC LOCKED"],
    );
    assert!(conflicts(&fx).is_empty());
    // The other order: JSON first, then log lines for the OS clock.
    let fx = h.msg(
        4.0,
        &j("os_clock_state", "", &state_offset("LOCKED", 1)),
        &["E3 LOCKED (1)"],
    );
    assert!(conflicts(&fx).is_empty());
    let fx = h.fx(5.0, &k6("ptp4l.0.config", -1843, "s0"));
    assert_eq!(
        shown(&fx),
        Vec::<String>::new(),
        "log-derived E3 FREERUN is not published"
    );
    assert_eq!(conflicts(&fx), [Resource::OsClockSyncState]);
    assert_eq!(
        values(&h.e.snapshot(), Resource::OsClockSyncState),
        ["CLOCK_REALTIME=LOCKED", "CLOCK_REALTIME=1"]
    );
    assert_eq!(
        values(&h.e.snapshot(), Resource::SyncState),
        ["sync/sync-status/sync-state=LOCKED"]
    );
    let fx = h.fx(6.0, &k6("ptp4l.0.config", -1843, "s0"));
    assert!(conflicts(&fx).is_empty());
    // After cache_clear the log-derived states are visible again (the node
    // sync-state follows them at once), and a second conflict on the same
    // resource is not reported again.
    let _ = h.msg(
        7.0,
        r#"{"version":1,"type":"cache_clear"}"#,
        &["SYNC FREERUN"],
    );
    assert_eq!(
        values(&h.e.snapshot(), Resource::OsClockSyncState),
        ["CLOCK_REALTIME=FREERUN", "CLOCK_REALTIME=-1843"]
    );
    let fx = h.msg(
        8.0,
        &j("ptp_state", "ens2fx", &state("LOCKED")),
        &["E1 ens2fx LOCKED (0)"],
    );
    assert!(conflicts(&fx).is_empty());
}

/// The guard covers every log-derived publisher: GNSS, clock class and
/// SyncE too.
#[test]
fn json_wins_for_gnss_class_and_synce() {
    let mut h = H::oc();
    let rows: [(String, &str, Resource); 4] = [
        (
            j("gnss_state", "ens2fx", r#"{"state":"SYNCHRONIZED","offset":1,"gps_fix":3}"#),
            "gnss[1689014431]:[ts2phc.0.config] ens2f0 gnss_status 0 offset 0 s0",
            Resource::GnssSyncStatus,
        ),
        (
            j("clock_class", "ens2fx", r#"{"clock_class":6}"#),
            "ptp4l[1700000000]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 248",
            Resource::ClockClass,
        ),
        (
            j("synce_state", "synce1/ens7f0", &state("LOCKED")),
            "synce4l[1]:[synce4l.0.config] ens7f0 device synce1 eec_state EEC_HOLDOVER network_option 2 s1",
            Resource::SynceLockState,
        ),
        (
            j("synce_clock_quality", "synce1/ens7f0", r#"{"ql":1,"extended_ql":32}"#),
            "synce4l[1]:[synce4l.0.config] ens7f0 clock_quality PRC device synce1 network_option 1 ql 0x2 s2",
            Resource::SynceClockQuality,
        ),
    ];
    // Clock class events need a main clock alias on the log side.
    let _ = h.fx(0.0, &k1("ptp4l.0.config", 3, "s2"));
    for (t, (json, log, r)) in rows.iter().enumerate() {
        let t = t as f64 + 1.0;
        let fx = h.json_fx(t, json);
        assert_eq!(
            fx.events().filter(|d| d.resource == *r).count(),
            1,
            "{json}"
        );
        let before = h.e.snapshot().values(*r).map(<[_]>::to_vec);
        let fx = h.fx(t + 0.5, log);
        assert_eq!(fx.events().filter(|d| d.resource == *r).count(), 0, "{log}");
        assert_eq!(conflicts(&fx), [*r], "{log}");
        assert_eq!(
            h.e.snapshot().values(*r).map(<[_]>::to_vec),
            before,
            "{r:?} still JSON"
        );
    }
}

#[test]
fn json_states_survive_a_cmd_restart_of_a_log_connection() {
    let mut h = H::oc();
    let _ = h.msg(
        0.0,
        &j("ptp_state", "ens9fx", &state("LOCKED")),
        &["E1 ens9fx LOCKED (0)", "SYNC LOCKED"],
    );
    h.line(1.0, "CMD RESTART");
    assert_eq!(
        values(&h.e.snapshot(), Resource::LockState),
        ["ens9fx/master=LOCKED", "ens9fx/master=0"]
    );
    let _ = h.msg(2.0, &j("ptp_state", "ens9fx", &state("LOCKED")), &[]);
}

/// The event of one message equals, value for value and byte for byte,
/// the event log lines produce for the same state.
#[test]
fn json_events_equal_log_derived_events() {
    let cfg = || node(vec![file("ptp4l.0.config", "oc", &["ens2f0"])], vec![]);
    let first = |fx: &Effects, r: Resource| fx.events().find(|d| d.resource == r).cloned();
    let rows: Vec<(&str, String, Resource)> = vec![
        (
            "ptp4l[100.000]: [ptp4l.0.config] master offset -3 s2 freq -1 path delay 1585",
            j("ptp_state", "ens2fx", &state_offset("LOCKED", -3)),
            Resource::LockState,
        ),
        (
            "ptp4l[100.000]: [ptp4l.0.config] master offset -3 s2 freq -1 path delay 1585",
            j("sync_state", "", &state("LOCKED")),
            Resource::SyncState,
        ),
        (
            "phc2sys[100.000]: [ptp4l.0.config] CLOCK_REALTIME phc offset -7 s2 freq +1 delay 547",
            j("os_clock_state", "", &state_offset("LOCKED", -7)),
            Resource::OsClockSyncState,
        ),
        (
            "gnss[1689014431]:[ts2phc.0.config] ens2f0 gnss_status 3 offset 5 s2",
            j("gnss_state", "ens2fx", r#"{"state":"SYNCHRONIZED","offset":5,"gps_fix":3}"#),
            Resource::GnssSyncStatus,
        ),
        (
            "synce4l[1]:[synce4l.0.config] ens7f0 device synce1 eec_state EEC_HOLDOVER network_option 2 s1",
            j("synce_state", "synce1/ens7f0", &state("HOLDOVER")),
            Resource::SynceLockState,
        ),
        (
            "synce4l[1]:[synce4l.0.config] ens7f0 clock_quality PRTC device synce1 ext_ql 0x20 network_option 2 ql 0x1 s2",
            j("synce_clock_quality", "synce1/ens7f0", r#"{"ql":1,"extended_ql":32}"#),
            Resource::SynceClockQuality,
        ),
    ];
    let id = uuid::Uuid::nil();
    for (log, json, r) in rows {
        let mut a = H::new(cfg());
        let from_log = first(&a.fx(0.0, log), r).unwrap_or_else(|| panic!("{log}: no {r:?}"));
        let mut b = H::new(cfg());
        let from_json =
            first(&b.json_fx(0.0, &json), r).unwrap_or_else(|| panic!("{json}: no {r:?}"));
        assert_eq!(from_json, from_log, "{json}");
        let t = at(0.0).wall;
        assert_eq!(v2_event(&from_json, &id, t), v2_event(&from_log, &id, t));
        assert_eq!(
            b.e.snapshot().values(r),
            a.e.snapshot().values(r),
            "CurrentState of {r:?}"
        );
    }
    // Clock class: after the clock has a state (the push names its alias).
    let mut a = H::new(cfg());
    let _ = a.fx(0.0, &k1("ptp4l.0.config", -3, "s2"));
    let from_log = first(&a.fx(1.0, &k4("ptp4l.0.config", 6)), Resource::ClockClass);
    let mut b = H::new(cfg());
    let from_json = first(
        &b.json_fx(1.0, &j("clock_class", "ens2fx", r#"{"clock_class":6}"#)),
        Resource::ClockClass,
    );
    assert!(from_log.is_some());
    assert_eq!(from_json, from_log);
    assert_eq!(
        b.e.snapshot().values(Resource::ClockClass),
        a.e.snapshot().values(Resource::ClockClass)
    );
}

/// One input of a log timeline.
enum In<'a> {
    Line(f64, &'a str),
    Tick(f64),
}

/// Runs a timeline through a log-fed engine, converts every published
/// event to daemon messages (serialised and parsed back), feeds them to a
/// fresh engine, and asserts the same events (values and times) and the
/// same CurrentState.
fn round_trip(cfg: NodeConfig, inputs: &[In<'_>]) -> usize {
    let mut log = H::new(cfg);
    let mut published: Vec<(EventData, SystemTime)> = Vec::new();
    for input in inputs {
        let fx = match *input {
            In::Line(t, line) => log.fx(t, line),
            In::Tick(t) => log.e.on_tick(at(t)),
        };
        for e in fx.items {
            if let Effect::Publish(d, t) = e {
                published.push((d, t));
            }
        }
    }
    let mut json = Engine::new(NODE, None);
    let mut replayed = Vec::new();
    for (d, t) in &published {
        for m in to_daemon_messages(d, *t) {
            let text = m.to_line();
            let back: DaemonMessage =
                daemon::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, m);
            // "now" is far from the event time: the time stamp must win.
            let fx = json.on_message(&back, at(1e6));
            for e in fx.items {
                if let Effect::Publish(d, t) = e {
                    replayed.push((d, t));
                }
            }
        }
    }
    let show_all = |v: &[(EventData, SystemTime)]| -> Vec<String> {
        v.iter()
            .map(|(d, t)| format!("{} @{}", show(d), crate::events::rfc3339(*t)))
            .collect()
    };
    assert_eq!(show_all(&replayed), show_all(&published));
    assert_eq!(replayed, published);
    // CurrentState: the same clocks and states (offsets that changed
    // without an event are not in the events the messages come from).
    let states = |s: &Snapshot, r: Resource| -> Vec<String> {
        s.values(r)
            .unwrap_or_default()
            .iter()
            .map(|v| match v.data_type {
                crate::events::DataType::Notification => format!("{} {}", v.address, v.value),
                crate::events::DataType::Metric => v.address.clone(),
            })
            .collect()
    };
    let (a, b) = (log.e.snapshot(), json.snapshot());
    for r in Resource::V2 {
        assert_eq!(states(&b, r), states(&a, r), "CurrentState of {r:?}");
    }
    published.len()
}

#[test]
fn round_trip_oc_lock_gm_loss_holdover_expiry() {
    let cfg = node(
        vec![file("ptp4l.1.config", "bc-profile", &["ens4f1"])],
        vec![settings("bc-profile", 5)],
    );
    let n = round_trip(
        cfg,
        &[
            In::Line(0.0, "ptp4l[1.0]: [ptp4l.1.config] master offset 3 s2 freq -1 path delay 1585"),
            In::Line(0.1, "phc2sys[1.1]: [ptp4l.1.config] CLOCK_REALTIME phc offset -1843 s0 freq +2700 delay 547"),
            In::Line(0.2, "phc2sys[1.2]: [ptp4l.1.config] CLOCK_REALTIME phc offset -5 s2 freq +2700 delay 547"),
            In::Line(0.3, "ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 6"),
            In::Line(0.494, "ptp4l[2.0]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"),
            In::Line(0.537, "phc2sys[2.1]: [ptp4l.1.config] CLOCK_REALTIME phc offset 3 s2 freq +2724 delay 546"),
            In::Line(0.610, "ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 248"),
            In::Tick(5.494),
            In::Line(7.0, "ptp4l[3.0]: [ptp4l.1.config] port 1 (ens4f1): MASTER to SLAVE on MASTER_CLOCK_SELECTED"),
            In::Line(7.1, "ptp4l[3.1]: [ptp4l.1.config] master offset 2 s2 freq -1 path delay 1585"),
            In::Line(7.2, "phc2sys[3.2]: [ptp4l.1.config] CLOCK_REALTIME phc offset 1 s2 freq +2724 delay 546"),
        ],
    );
    assert!(n >= 12, "{n} events");
}

#[test]
fn round_trip_tgm_gnss_and_synce() {
    let cfg = node(
        vec![file(
            "ptp4l.0.config",
            "tgm-profile",
            &["ens1f0:M", "ens1f1:M"],
        )],
        vec![],
    );
    let st = |s: &str, t: &str| -> String {
        format!(
            "synce4l[1]:[synce4l.0.config] ens7f0 device synce1 eec_state {s} network_option 2 {t}"
        )
    };
    let (locked, holdover) = (st("EEC_LOCKED", "s2"), st("EEC_HOLDOVER", "s1"));
    let n = round_trip(
        cfg,
        &[
            In::Line(0.0, "gnss[1700001995]:[ts2phc.0.config] ens1f0 gnss_status 5 offset 1 s2"),
            In::Line(0.1, "dpll[1700001995]:[ts2phc.0.config] ens1f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2"),
            In::Line(0.2, "GM[1700001995]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2"),
            In::Line(0.2, "ptp4l[1700001995]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6"),
            In::Line(0.3, "phc2sys[1.0]: [ptp4l.0.config] CLOCK_REALTIME phc offset 2 s2 freq +1 delay 547"),
            In::Line(10.2, "gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 0 offset 0 s0"),
            In::Line(11.5, "dpll[1700002011]:[ts2phc.0.config] ens1f0 frequency_status 4 offset 7 phase_status 4 pps_status 1 s1"),
            In::Line(11.5, "GM[1700002011]:[ts2phc.0.config] ens1f0 T-GM-STATUS s1"),
            In::Line(11.6, "ptp4l[1700002011]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 7"),
            In::Line(12.0, &locked),
            In::Line(13.0, &holdover),
            In::Line(14.0, "synce4l[1]:[synce4l.0.config] ens7f0 clock_quality PRTC device synce1 ext_ql 0x20 network_option 2 ql 0x1 s2"),
            In::Line(15.0, "synce4l[1]:[synce4l.0.config] ens7f0 clock_quality PRC device synce1 network_option 1 ql 0x2 s2"),
            In::Line(20.0, "gnss[1700005700]:[ts2phc.0.config] ens1f0 gnss_status 1 offset 0 s0"),
            In::Line(21.0, "gnss[1700005730]:[ts2phc.0.config] ens1f0 gnss_status 3 offset 4 s2"),
            In::Line(21.5, "GM[1700005730]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2"),
        ],
    );
    assert!(n >= 12, "{n} events");
}

/// CurrentState-shaped events convert too (every clock of a dual-NIC
/// node), and placeholders give no message.
#[test]
fn current_state_events_and_placeholders_convert() {
    let s = Snapshot::default();
    assert_eq!(s.values(Resource::LockState), None);
    let data = EventData {
        resource: Resource::LockState,
        values: [("ens2fx", "LOCKED", "4"), ("ens7fx", "HOLDOVER", "-12")]
            .iter()
            .flat_map(|(a, st, o)| {
                let addr = format!("/cluster/node/{NODE}/{a}/master");
                [Value::state(addr.clone(), *st), Value::metric(addr, o)]
            })
            .collect(),
    };
    let msgs = to_daemon_messages(&data, at(1.0).wall);
    let mut e = Engine::new(NODE, None);
    for m in &msgs {
        let _ = e.on_message(m, at(2.0));
    }
    assert_eq!(
        e.snapshot().values(Resource::LockState),
        Some(data.values.as_slice())
    );
    for r in [
        Resource::LockState,
        Resource::ClockClass,
        Resource::GnssSyncStatus,
        Resource::OsClockSyncState,
    ] {
        let p = crate::events::placeholder(r, NODE);
        assert!(to_daemon_messages(&p, at(0.0).wall).is_empty(), "{r:?}");
    }
}
