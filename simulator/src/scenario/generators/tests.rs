//! Generator families: every line parses back to the kind it was made as.

use ptp_event_core::linuxptp::{parse, Body, Control, LogLine, SynceReport};

use crate::scenario::{build, Scenario};

fn scenario(steps: &str) -> Scenario {
    let text = format!(
        r#"
[[profile]]
name = "p"
type = "OC"
synce = true
chronyd = true
[[profile.interface]]
name = "ens7f0"
role = "slave"
{steps}
"#
    );
    Scenario::from_str_named(&text, "g.toml", "g").expect("valid")
}

#[test]
fn synce_lines_carry_eec_state_and_quality() {
    let s = scenario(
        r#"
[[step]]
kind = "synce_state"
iface = "ens7f0"
eec_state = "EEC_HOLDOVER"
[[step]]
kind = "synce_quality"
iface = "ens7f0"
clock_quality = "PRTC"
ql = 0x1
ext_ql = 0x20
"#,
    );
    let tl = build(&s);
    let bodies: Vec<String> = tl
        .lines
        .iter()
        .filter(|l| l.text.starts_with("synce4l[") && !l.text.contains("PTP_PROCESS_STATUS"))
        .map(|l| l.text.clone())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    match parse(&bodies[0]) {
        Ok(LogLine::Entry(e)) => match e.body {
            Body::Synce(x) => {
                assert_eq!(
                    x.report,
                    SynceReport::State {
                        eec_state: "EEC_HOLDOVER"
                    }
                );
                assert_eq!(x.state.0, "s1");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(
        bodies[1].ends_with(
            "ens7f0 clock_quality PRTC device synce1 ext_ql 0x20 network_option 1 ql 0x1 s2"
        ),
        "{}",
        bodies[1]
    );
}

#[test]
fn chronyd_lines_use_the_daemon_prefix() {
    let s = scenario(
        "[[step]]\nkind = \"chronyd_selected\"\n[[step]]\nkind = \"chronyd_no_sources\"\n",
    );
    let tl = build(&s);
    let texts: Vec<&str> = tl
        .lines
        .iter()
        .filter(|l| l.text.starts_with("chronyd[1234]"))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "chronyd[1234][chronyd.0.config]: Selected source 192.168.1.1",
            "chronyd[1234][chronyd.0.config]: Can't synchronise: no selectable sources",
        ]
    );
    assert!(tl.lines.iter().any(|l| l.conn == "chronyd.0"));
}

#[test]
fn restart_hangs_up_and_the_writers_reconnect() {
    let s = scenario("[[step]]\nkind = \"restart\"\nreconnect_after = 1.5\n");
    let tl = build(&s);
    let restart = tl
        .lines
        .iter()
        .find(|l| l.text == "CMD RESTART")
        .expect("CMD RESTART");
    assert!(restart.hangup && restart.conn == "restart");
    let again: Vec<_> = tl
        .lines
        .iter()
        .filter(|l| l.t >= 1.5 && l.text == "CMD LIVE_START")
        .collect();
    assert_eq!(again.len(), 4, "ptp4l, phc2sys, synce4l, chronyd");
    assert!(again.iter().all(|l| l.reconnect));
    assert_eq!(parse("CMD RESTART"), Ok(LogLine::Control(Control::Restart)));
}

#[test]
fn a_blip_stops_and_restarts_within_its_downtime() {
    let s = scenario("[[step]]\nkind = \"process_blip\"\nprocess = \"phc2sys\"\ndown = 0.7\n");
    let tl = build(&s);
    let blip: Vec<(f64, &str)> = tl
        .lines
        .iter()
        .filter(|l| l.conn == "handler")
        .map(|l| (l.t, l.text.as_str()))
        .collect();
    assert_eq!(blip.len(), 2);
    assert!(blip[0].1.ends_with("PTP_PROCESS_STATUS:0") && blip[0].0 == 0.0);
    assert!(blip[1].1.ends_with("PTP_PROCESS_STATUS:1") && (blip[1].0 - 0.7).abs() < 1e-9);
}

#[test]
fn flapping_alternates_out_of_range_and_in_range_samples() {
    let s = scenario("[[step]]\nkind = \"flapping\"\ntransitions = 6\n");
    let tl = build(&s);
    let offs: Vec<i64> = tl
        .lines
        .iter()
        .filter_map(|l| match parse(&l.text) {
            Ok(LogLine::Entry(e)) => match e.body {
                Body::PtpOffset(o) => Some(o.offset),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(offs, [500, 5, 500, 5, 500, 5]);
}
