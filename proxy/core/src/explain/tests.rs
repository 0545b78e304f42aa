//! explain: unit tests and insta snapshots of the canonical logs under
//! `testdata/logs/` (JSON lines, node `compute-1.example.com`).

use super::*;
use crate::node_config::{ProfileSettings, Thresholds};

fn run(input: &str, opts: &ExplainOptions) -> (String, ExplainSummary) {
    let mut out = Vec::new();
    let summary = explain(input.as_bytes(), opts, &mut out).expect("explain");
    (String::from_utf8(out).expect("utf-8"), summary)
}

fn jsonl() -> ExplainOptions {
    ExplainOptions {
        format: ExplainFormat::Jsonl,
        node: Some("compute-1.example.com".into()),
        ..ExplainOptions::default()
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/testdata/logs/{name}.log", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Compact view of a JSON-lines output: `time source value...`.
fn compact(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let vals: Vec<String> = v["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|x| x["value"].as_str().expect("string value").to_string())
                .collect();
            format!(
                "{} {} {}",
                v["time"],
                v["source"].as_str().unwrap_or(""),
                vals.join(" ")
            )
        })
        .collect()
}

macro_rules! snapshot_logs {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let (out, summary) = run(&fixture($file), &jsonl());
            assert_eq!(summary.rejected, 0, "{summary:?}");
            insta::assert_snapshot!($file, out);
        }
    )*};
}

snapshot_logs! {
    log_startup_lock => "01-startup-lock",
    log_gm_loss_holdover_recover => "02-gm-loss-holdover-recover",
    log_gm_loss_freerun => "03-gm-loss-freerun",
    log_link_fault => "04-link-fault",
    log_servo_unlock => "05-servo-unlock",
    log_phc2sys_loss => "06-phc2sys-loss",
    log_ptp4l_death_restart => "07-ptp4l-death-restart",
    log_tgm_gnss_loss => "08-tgm-gnss-loss",
    log_tbc_holdover => "09-tbc-holdover",
    log_dual_nic => "10-dual-nic",
    log_clock_class => "11-clock-class",
}

#[test]
fn startup_lock_events_match_spec() {
    let (out, _) = run(&fixture("01-startup-lock"), &jsonl());
    assert_eq!(
        compact(&out),
        vec![
            "17.21 /sync/ptp-status/lock-state LOCKED 12",
            "17.21 /sync/sync-status/sync-state LOCKED",
            "17.24 /sync/sync-status/os-clock-sync-state FREERUN -1843",
            "17.24 /sync/sync-status/sync-state FREERUN",
            "17.365 /sync/sync-status/os-clock-sync-state LOCKED -7",
            "17.365 /sync/sync-status/sync-state LOCKED",
        ]
    );
}

#[test]
fn deadline_fires_between_lines_at_its_instant() {
    let (out, summary) = run(&fixture("03-gm-loss-freerun"), &jsonl());
    let c = compact(&out);
    assert!(
        c.contains(&"6.494 /sync/ptp-status/lock-state FREERUN 0".to_string()),
        "{c:#?}"
    );
    assert!(
        c.contains(&"6.494 /sync/sync-status/os-clock-sync-state FREERUN 3".to_string()),
        "{c:#?}"
    );
    assert_eq!(summary.pending_deadline, None);
}

#[test]
fn pending_deadline_not_fired_after_last_line() {
    let log = "@0 ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n\
               @1 ptp4l[1.0]: [ptp4l.0.config] master offset 5 s2 freq -1 path delay 9\n\
               @2 ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to FAULTY on FAULT_DETECTED\n";
    let (out, summary) = run(log, &jsonl());
    assert_eq!(compact(&out).len(), 4);
    assert_eq!(summary.pending_deadline, Some(7.0));
    let (table, _) = run(log, &ExplainOptions::default());
    assert!(table.contains("not fired"), "{table}");
}

#[test]
fn time_from_own_stamp_then_previous_line() {
    let log = "ptp4l[100.5]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n\
               ptp4l[101.25]: [ptp4l.0.config] master offset 5 s2 freq -1 path delay 9\n\
               CMD LIVE_START\n\
               ptp4l[90.0]: [ptp4l.0.config] master offset 500 s2 freq -1 path delay 9\n";
    let (out, summary) = run(log, &jsonl());
    let c = compact(&out);
    assert_eq!(c[0], "101.25 /sync/ptp-status/lock-state LOCKED 5");
    // An earlier stamp never moves time backwards.
    assert_eq!(c[2], "101.25 /sync/ptp-status/lock-state FREERUN 500");
    assert_eq!(summary.lines, 4);
    assert_eq!(summary.parsed, 4);
}

#[test]
fn rejected_lines_counted_and_shown_in_table_only() {
    let log = "@0 ptp4l[5376.018]: master offset -5 s2 freq -1074 path delay 2321\n\
               @1 ptp4l[1.0]: [ptp4l.0.config] master offset 5 s9 freq -1 path delay 9\n\
               @2 ptp4l[1.0]: [ptp4l.0.config] selected /dev/ptp0 as PTP clock\n";
    let (out, summary) = run(log, &jsonl());
    assert_eq!(out, "");
    assert_eq!(summary.rejected, 2);
    assert_eq!(summary.ignored, 1, "{summary:?}");
    let (table, _) = run(log, &ExplainOptions::default());
    assert_eq!(table.matches("rejected (").count(), 2, "{table}");
    assert!(table.contains("2 rejected"), "{table}");
}

#[test]
fn jsonl_shape() {
    let (out, _) = run(&fixture("01-startup-lock"), &jsonl());
    let first = out.lines().next().expect("an event");
    assert_eq!(
        first,
        r#"{"time":17.21,"type":"event.sync.ptp-status.ptp-state-change","source":"/sync/ptp-status/lock-state","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"metric","value_type":"decimal64.3","value":"12"}]}"#
    );
}

#[test]
fn table_output_explains() {
    let (table, summary) = run(
        &fixture("02-gm-loss-holdover-recover"),
        &ExplainOptions::default(),
    );
    assert!(table.contains("lock-state ens4fx/master"), "{table}");
    assert!(table.contains("HOLDOVER (offset 0)"), "{table}");
    assert!(
        table.contains("← port 1 (ens4f1) SLAVE to MASTER"),
        "{table}"
    );
    assert!(table.contains("← ptp4l offset -37 in range"), "{table}");
    assert_eq!(summary.events, 9);
    insta::assert_snapshot!("02-gm-loss-holdover-recover.table", table);
}

#[test]
fn thresholds_and_configs_refine() {
    let log = "@0 ptp4l[1.0]: [ptp4l.0.config] master offset 60 s2 freq -1 path delay 9\n";
    // Without the file there is no port: placeholder port, alias unknown.
    let (out, _) = run(log, &jsonl());
    assert!(out.contains("/unknown/master"), "{out}");
    let opts = ExplainOptions {
        ptp4l_configs: vec![Ptp4lConfig {
            name: "ptp4l.0.config".into(),
            profile: Some("oc".into()),
            ports: vec![PortConfig {
                iface: "ens5f0".into(),
                initial_role: crate::linuxptp::Role::Slave,
            }],
        }],
        profiles: vec![ProfileSettings {
            name: "oc".into(),
            thresholds: Thresholds {
                max_offset: 50,
                ..Thresholds::default()
            },
            ..ProfileSettings::default()
        }],
        ..jsonl()
    };
    let (out, _) = run(log, &opts);
    assert_eq!(
        compact(&out)[0],
        "0.0 /sync/ptp-status/lock-state FREERUN 60"
    );
    assert!(out.contains("/ens5fx/master"), "{out}");
}

#[test]
fn cmd_restart_reloads_config() {
    let log = "@0 ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n\
               @1 ptp4l[1.0]: [ptp4l.0.config] master offset 5 s2 freq -1 path delay 9\n\
               @2 CMD RESTART\n\
               @3 ptp4l[1.0]: [ptp4l.0.config] master offset 5 s2 freq -1 path delay 9\n";
    let (out, summary) = run(log, &jsonl());
    assert_eq!(summary.rejected, 0);
    assert_eq!(compact(&out).len(), 3, "{out}");
}

/// Found by the engine fuzz target (its input, minimised): a time column
/// beyond what a `Duration` holds made explain panic.
#[test]
fn a_huge_time_column_is_read() {
    let input = "@88888888888888888888888888888888880.050 phc2sys[5000.050]: [ptp4l.0.config] CLOCK_REALTIME phc offset         3 s2 freq   +2726 delay    547\n";
    let (out, summary) = run(input, &jsonl());
    assert_eq!(summary.lines, 1);
    assert_eq!(out.lines().count(), summary.events as usize, "{out}");
}

/// Found by the engine fuzz target (a 4-minute run; input reduced to
/// its one port line): a port number of 913363631 made `auto_config`
/// synthesise that many placeholder interfaces, and explain ran out of
/// memory. Ports above `MAX_AUTO_PORT` are left out; the line still counts.
#[test]
fn a_huge_port_number_is_not_a_configuration() {
    let input = "@0.000 ptp4l[8999.000]: [ptp4l.0.config:5] port 913363631 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n\
                 @1.000 ptp4l[9000.000]: [ptp4l.0.config:5] port 2 (ens2f1): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED\n";
    let files = auto_config(
        input
            .lines()
            .map(|l| l.split_once(' ').map_or(l, |(_, t)| t)),
        "p",
    );
    assert_eq!(files.len(), 1);
    let ifaces: Vec<&str> = files[0].ports.iter().map(|p| p.iface.as_str()).collect();
    assert_eq!(ifaces, ["port1", "ens2f1"]);
    let (_, summary) = run(input, &jsonl());
    assert_eq!(summary.lines, 2);
    assert_eq!(
        summary.lines,
        summary.parsed + summary.ignored + summary.rejected
    );
    let at_bound = format!(
        "ptp4l[1.0]: [ptp4l.0.config] port {MAX_AUTO_PORT} (ens9): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"
    );
    let files = auto_config([at_bound.as_str()], "p");
    assert_eq!(files[0].ports.len(), MAX_AUTO_PORT as usize);
    assert_eq!(files[0].ports[MAX_AUTO_PORT as usize - 1].iface, "ens9");
}
