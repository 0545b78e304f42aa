//! Table tests of the JSON message reader and writer.

use std::time::{Duration, SystemTime};

use super::*;
use crate::events::parse_rfc3339;
use crate::linuxptp::SyncState::{Freerun, Holdover, Locked};

const TS: &str = "2026-07-24T11:47:39.123456Z";

fn ts() -> SystemTime {
    parse_rfc3339(TS).expect("time stamp")
}

fn msg(profile: &str, iface: &str, body: MessageBody) -> DaemonMessage {
    DaemonMessage {
        time: Some(ts()),
        profile: profile.into(),
        iface: iface.into(),
        body,
    }
}

/// `{"version":1,"type":<t>,"timestamp":TS,"profile":<p>,"iface":<i>,"values":<v>}`.
fn line(t: &str, profile: &str, iface: &str, values: &str) -> String {
    format!(
        r#"{{"version":1,"type":"{t}","timestamp":"{TS}","profile":"{profile}","iface":"{iface}","values":{values}}}"#
    )
}

#[test]
fn every_type_is_read() {
    use MessageBody::*;
    let rows: Vec<(String, DaemonMessage)> = vec![
        (
            line(
                "ptp_state",
                "ptp4l.0.config",
                "ens2fx",
                r#"{"state":"LOCKED","offset":-3}"#,
            ),
            msg(
                "ptp4l.0.config",
                "ens2fx",
                PtpState {
                    state: Locked,
                    offset: Some(-3),
                },
            ),
        ),
        (
            line(
                "ptp_state",
                "ptp4l.0.config",
                "ens2fx",
                r#"{"state":"HOLDOVER"}"#,
            ),
            msg(
                "ptp4l.0.config",
                "ens2fx",
                PtpState {
                    state: Holdover,
                    offset: None,
                },
            ),
        ),
        (
            line(
                "os_clock_state",
                "ptp4l.0.config",
                "",
                r#"{"state":"FREERUN","offset":-9999999999999999}"#,
            ),
            msg(
                "ptp4l.0.config",
                "",
                OsClockState {
                    state: Freerun,
                    offset: Some(-9_999_999_999_999_999),
                },
            ),
        ),
        (
            line(
                "clock_class",
                "ptp4l.0.config",
                "ens2fx",
                r#"{"clock_class":248}"#,
            ),
            msg("ptp4l.0.config", "ens2fx", ClockClass { class: 248 }),
        ),
        (
            line(
                "gnss_state",
                "ts2phc.0.config",
                "ens1fx",
                r#"{"state":"ACQUIRING_SYNC","offset":5,"gps_fix":1}"#,
            ),
            msg(
                "ts2phc.0.config",
                "ens1fx",
                GnssState {
                    state: super::GnssState::AcquiringSync,
                    offset: Some(5),
                    fix: Some(1),
                },
            ),
        ),
        (
            line(
                "gnss_state",
                "ts2phc.0.config",
                "ens1fx",
                r#"{"state":"SYNCHRONIZED"}"#,
            ),
            msg(
                "ts2phc.0.config",
                "ens1fx",
                GnssState {
                    state: super::GnssState::Synchronized,
                    offset: None,
                    fix: None,
                },
            ),
        ),
        (
            line(
                "synce_state",
                "synce4l.0.config",
                "synce1/ens7f0",
                r#"{"state":"HOLDOVER"}"#,
            ),
            msg(
                "synce4l.0.config",
                "synce1/ens7f0",
                SynceState { state: Holdover },
            ),
        ),
        (
            line(
                "synce_clock_quality",
                "synce4l.0.config",
                "synce1/ens7f0",
                r#"{"ql":1,"extended_ql":32}"#,
            ),
            msg(
                "synce4l.0.config",
                "synce1/ens7f0",
                SynceClockQuality {
                    ql: 1,
                    extended_ql: Some(32),
                },
            ),
        ),
        (
            line(
                "synce_clock_quality",
                "synce4l.0.config",
                "synce1/ens7f0",
                r#"{"ql":2}"#,
            ),
            msg(
                "synce4l.0.config",
                "synce1/ens7f0",
                SynceClockQuality {
                    ql: 2,
                    extended_ql: None,
                },
            ),
        ),
        (
            line("sync_state", "", "", r#"{"state":"LOCKED"}"#),
            msg("", "", SyncState { state: Locked }),
        ),
        (
            format!(r#"{{"version":1,"type":"cache_clear","timestamp":"{TS}"}}"#),
            msg("", "", CacheClear),
        ),
        (
            r#"{"version":1,"type":"status_request"}"#.to_string(),
            DaemonMessage {
                time: None,
                ..msg("", "", StatusRequest)
            },
        ),
        (
            r#"{"version":1,"type":"status_response","values":{"anything":[1,2]}}"#.to_string(),
            DaemonMessage {
                time: None,
                ..msg("", "", StatusResponse)
            },
        ),
    ];
    let mut seen = Vec::new();
    for (text, want) in rows {
        let got = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(got, want, "{text}");
        seen.push(got.body.message_type());
    }
    for t in MessageType::ALL {
        assert!(seen.contains(&t), "no row for {t:?}");
    }
}

#[test]
fn the_spec_example_is_read() {
    let got = parse(r#"{"version":1,"type":"ptp_state","timestamp":"2026-07-24T11:47:39.123456Z","profile":"ptp4l.0.config","iface":"ens2fx","values":{"state":"LOCKED","offset":-3}}"#)
        .expect("example");
    assert_eq!(
        got,
        msg(
            "ptp4l.0.config",
            "ens2fx",
            MessageBody::PtpState {
                state: Locked,
                offset: Some(-3)
            }
        )
    );
    assert_eq!(
        got.time
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()),
        Some(Duration::new(1_784_893_659, 123_456_000))
    );
}

#[test]
fn gnss_states_are_converted_to_the_oran_spelling() {
    let rows = [
        ("SYNCHRONIZED", "SYNCHRONIZED"),
        ("ACQUIRING_SYNC", "ACQUIRING-SYNC"),
        ("ANTENNA_DISCONNECTED", "ANTENNA-DISCONNECTED"),
        ("ANTENNA_SHORT_CIRCUIT", "ANTENNA-SHORT-CIRCUIT"),
        ("BOOTING", "BOOTING"),
        ("FAILURE_MULTIPATH", "FAILURE-MULTIPATH"),
        ("FAILURE_NOFIX", "FAILURE-NOFIX"),
        ("FAILURE_LOW_SNR", "FAILURE-LOW-SNR"),
        ("FAILURE_PLL", "FAILURE-PLL"),
        ("UNLOCKED", "UNLOCKED"),
        // The hyphenated spelling is accepted too.
        ("ACQUIRING-SYNC", "ACQUIRING-SYNC"),
    ];
    assert_eq!(rows.len(), GnssState::ALL.len() + 1);
    for (wire, oran) in rows {
        let text = line(
            "gnss_state",
            "ts2phc.0.config",
            "ens1fx",
            &format!(r#"{{"state":"{wire}"}}"#),
        );
        match parse(&text).map(|m| m.body) {
            Ok(MessageBody::GnssState { state, .. }) => assert_eq!(state.oran(), oran, "{wire}"),
            other => panic!("{wire}: {other:?}"),
        }
    }
}

#[test]
fn missing_members_are_rejected() {
    let rows: Vec<(String, &str)> = vec![
        (
            r#"{"type":"sync_state","values":{"state":"LOCKED"}}"#.into(),
            "version",
        ),
        (
            r#"{"version":null,"type":"sync_state","values":{"state":"LOCKED"}}"#.into(),
            "version",
        ),
        (
            r#"{"version":1,"values":{"state":"LOCKED"}}"#.into(),
            "type",
        ),
        (r#"{"version":1,"type":"sync_state"}"#.into(), "values"),
        (
            r#"{"version":1,"type":"sync_state","values":{}}"#.into(),
            "values.state",
        ),
        (
            r#"{"version":1,"type":"sync_state","values":{"state":null}}"#.into(),
            "values.state",
        ),
        (
            r#"{"version":1,"type":"ptp_state","values":{"state":"LOCKED"}}"#.into(),
            "iface",
        ),
        (line("ptp_state", "p", "", r#"{"state":"LOCKED"}"#), "iface"),
        (
            line("clock_class", "p", "", r#"{"clock_class":6}"#),
            "iface",
        ),
        (
            line("gnss_state", "p", "", r#"{"state":"SYNCHRONIZED"}"#),
            "iface",
        ),
        (
            line("synce_state", "p", "", r#"{"state":"LOCKED"}"#),
            "iface",
        ),
        (line("synce_clock_quality", "p", "", r#"{"ql":1}"#), "iface"),
        (
            line("ptp_state", "p", "ens2fx", r#"{"offset":1}"#),
            "values.state",
        ),
        (
            line("os_clock_state", "p", "", r#"{"offset":1}"#),
            "values.state",
        ),
        (
            line("gnss_state", "p", "ens1fx", r#"{"offset":1}"#),
            "values.state",
        ),
        (line("synce_state", "p", "x/y", "{}"), "values.state"),
        (
            line("clock_class", "p", "ens2fx", r#"{"class":6}"#),
            "values.clock_class",
        ),
        (
            line("synce_clock_quality", "p", "x/y", r#"{"extended_ql":32}"#),
            "values.ql",
        ),
    ];
    for (text, member) in rows {
        assert_eq!(parse(&text), Err(Rejected::Missing(member)), "{text}");
    }
}

#[test]
fn wrong_json_types_are_rejected() {
    let rows: Vec<(String, &str)> = vec![
        (
            r#"{"version":"1","type":"sync_state","values":{"state":"LOCKED"}}"#.into(),
            "version",
        ),
        (
            r#"{"version":true,"type":"sync_state","values":{"state":"LOCKED"}}"#.into(),
            "version",
        ),
        (
            r#"{"version":1,"type":7,"values":{"state":"LOCKED"}}"#.into(),
            "type",
        ),
        (
            r#"{"version":1,"type":"sync_state","profile":3,"values":{"state":"LOCKED"}}"#.into(),
            "profile",
        ),
        (
            r#"{"version":1,"type":"sync_state","iface":["a"],"values":{"state":"LOCKED"}}"#.into(),
            "iface",
        ),
        (
            r#"{"version":1,"type":"sync_state","values":["LOCKED"]}"#.into(),
            "values",
        ),
        (
            r#"{"version":1,"type":"sync_state","values":"LOCKED"}"#.into(),
            "values",
        ),
        (line("sync_state", "", "", r#"{"state":1}"#), "values.state"),
        (
            line(
                "ptp_state",
                "p",
                "ens2fx",
                r#"{"state":"LOCKED","offset":"-3"}"#,
            ),
            "values.offset",
        ),
        (
            line(
                "ptp_state",
                "p",
                "ens2fx",
                r#"{"state":"LOCKED","offset":-3.5}"#,
            ),
            "values.offset",
        ),
        (
            line(
                "os_clock_state",
                "p",
                "",
                r#"{"state":"LOCKED","offset":[1]}"#,
            ),
            "values.offset",
        ),
        (
            line("clock_class", "p", "ens2fx", r#"{"clock_class":"6"}"#),
            "values.clock_class",
        ),
        (
            line("clock_class", "p", "ens2fx", r#"{"clock_class":6.0}"#),
            "values.clock_class",
        ),
        (
            line(
                "gnss_state",
                "p",
                "ens1fx",
                r#"{"state":"SYNCHRONIZED","gps_fix":"3"}"#,
            ),
            "values.gps_fix",
        ),
        (
            line("synce_clock_quality", "p", "x/y", r#"{"ql":"0x1"}"#),
            "values.ql",
        ),
        (
            line(
                "synce_clock_quality",
                "p",
                "x/y",
                r#"{"ql":1,"extended_ql":{}}"#,
            ),
            "values.extended_ql",
        ),
    ];
    for (text, member) in rows {
        match parse(&text) {
            Err(Rejected::WrongType { member: m, .. }) => assert_eq!(m, member, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn unknown_values_versions_and_types_are_rejected() {
    let invalid: Vec<(String, &str)> = vec![
        (
            line("ptp_state", "p", "ens2fx", r#"{"state":"locked"}"#),
            "values.state",
        ),
        (
            line("sync_state", "", "", r#"{"state":"SYNCHRONIZED"}"#),
            "values.state",
        ),
        (
            line("gnss_state", "p", "ens1fx", r#"{"state":"LOCKED"}"#),
            "values.state",
        ),
        (
            line("clock_class", "p", "ens2fx", r#"{"clock_class":256}"#),
            "values.clock_class",
        ),
        (
            line("clock_class", "p", "ens2fx", r#"{"clock_class":-1}"#),
            "values.clock_class",
        ),
        (
            line(
                "synce_clock_quality",
                "p",
                "x/y",
                r#"{"ql":1,"extended_ql":300}"#,
            ),
            "values.extended_ql",
        ),
        (
            line(
                "ptp_state",
                "p",
                "ens2fx",
                r#"{"state":"LOCKED","offset":18446744073709551615}"#,
            ),
            "values.offset",
        ),
    ];
    for (text, member) in invalid {
        match parse(&text) {
            Err(Rejected::Invalid { member: m, .. }) => assert_eq!(m, member, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    for (v, shown) in [
        ("2", "2"),
        ("0", "0"),
        ("-1", "-1"),
        ("1.0", "1.0"),
        ("1e0", "1.0"),
    ] {
        let text =
            format!(r#"{{"version":{v},"type":"sync_state","values":{{"state":"LOCKED"}}}}"#);
        assert_eq!(parse(&text), Err(Rejected::Version(shown.into())), "{text}");
    }
    assert_eq!(
        parse(r#"{"version":1,"type":"ptp_status","values":{}}"#),
        Err(Rejected::UnknownType("ptp_status".into()))
    );
    assert_eq!(
        parse(r#"{"version":1,"type":"PTP_STATE","values":{}}"#),
        Err(Rejected::UnknownType("PTP_STATE".into()))
    );
}

#[test]
fn extra_members_are_ignored() {
    let text = r#"{"version":1,"type":"ptp_state","seq":17,"iface":"ens2fx","values":{"state":"LOCKED","offset":2,"servo":"s2","extra":{"a":[1]}},"future":null}"#;
    assert_eq!(
        parse(text),
        Ok(DaemonMessage {
            time: None,
            profile: String::new(),
            iface: "ens2fx".into(),
            body: MessageBody::PtpState {
                state: Locked,
                offset: Some(2)
            },
        })
    );
    // Node-wide types ignore a non-empty iface; cache_clear ignores values.
    let m =
        parse(r#"{"version":1,"type":"os_clock_state","iface":"x","values":{"state":"LOCKED"}}"#);
    assert_eq!(m.map(|m| m.iface), Ok("x".to_string()));
    let m = parse(r#"{"version":1,"type":"cache_clear","values":7}"#);
    assert_eq!(m.map(|m| m.body), Ok(MessageBody::CacheClear));
}

#[test]
fn timestamps_absent_or_invalid_mean_now() {
    let with = |ts: &str| {
        format!(r#"{{"version":1,"type":"sync_state",{ts}"values":{{"state":"LOCKED"}}}}"#)
    };
    let time = |text: String| parse(&text).map(|m| m.time);
    assert_eq!(time(with("")), Ok(None));
    assert_eq!(time(with(r#""timestamp":"yesterday","#)), Ok(None));
    assert_eq!(
        time(with(r#""timestamp":"2026-13-01T00:00:00Z","#)),
        Ok(None)
    );
    assert_eq!(time(with(r#""timestamp":1784893659,"#)), Ok(None));
    assert_eq!(time(with(r#""timestamp":null,"#)), Ok(None));
    assert_eq!(
        time(with(r#""timestamp":"2026-07-24T13:47:39.123456+02:00","#)),
        Ok(Some(ts()))
    );
}

#[test]
fn malformed_lines_are_rejected() {
    for text in [
        "{",
        "{}}",
        "{\"version\":1,",
        "[1]",
        "\"text\"",
        "42",
        "ptp4l[1.0]: [ptp4l.0.config] master offset 1 s2 freq 0",
        // A member given twice is ambiguous.
        r#"{"version":1,"type":"sync_state","type":"ptp_state","values":{"state":"LOCKED"}}"#,
        r#"{"version":1,"type":"sync_state","values":{"state":"LOCKED"}} trailing"#,
    ] {
        assert!(
            matches!(parse(text), Err(Rejected::Malformed(_))),
            "{text}: {:?}",
            parse(text)
        );
    }
    for blank in ["", " ", "\t \r"] {
        assert_eq!(parse(blank), Err(Rejected::Empty));
    }
    assert_eq!(
        parse_bytes(b"{\"version\":1,\"type\":\"\xff\"}"),
        Err(Rejected::NotUtf8)
    );
    assert_eq!(
        parse_bytes(br#"{"version":1,"type":"sync_state","values":{"state":"LOCKED"}}"#)
            .map(|m| m.body),
        Ok(MessageBody::SyncState { state: Locked })
    );
    // Nesting beyond serde_json's limit is an error, not a stack overflow.
    let deep = format!(
        "{{\"version\":1,\"values\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(parse(&deep), Err(Rejected::Malformed(_))));
}

#[test]
fn a_one_mebibyte_line_is_handled_and_its_rejection_stays_short() {
    let mib = 1 << 20;
    // Valid, with a large extra member: accepted (the 64 KiB limit is the
    // framer's).
    let pad = "x".repeat(mib);
    let text = format!(
        r#"{{"version":1,"type":"sync_state","pad":"{pad}","values":{{"state":"HOLDOVER"}}}}"#
    );
    assert!(text.len() > mib);
    assert_eq!(
        parse(&text).map(|m| m.body),
        Ok(MessageBody::SyncState { state: Holdover })
    );
    // A huge unknown type: rejected, and the rejection does not carry it.
    let text = format!(r#"{{"version":1,"type":"{pad}"}}"#);
    let e = parse(&text).expect_err("unknown type");
    assert!(matches!(e, Rejected::UnknownType(_)));
    assert!(e.to_string().len() < 200, "{}", e.to_string().len());
    // Garbage.
    let text = format!("{{{pad}");
    let e = parse(&text).expect_err("garbage");
    assert!(e.to_string().len() < 200);
    let text = format!(r#"{{"version":1,"type":"sync_state","values":{{"state":"{pad}"}}}}"#);
    let e = parse(&text).expect_err("state");
    assert!(matches!(
        e,
        Rejected::Invalid {
            member: "values.state",
            ..
        }
    ));
    assert!(e.to_string().len() < 200);
}

#[test]
fn rendered_lines_parse_back() {
    use MessageBody::*;
    let t = SystemTime::UNIX_EPOCH + Duration::new(1_784_893_659, 123_456_789);
    let bodies = [
        PtpState {
            state: Locked,
            offset: Some(-3),
        },
        PtpState {
            state: Freerun,
            offset: None,
        },
        OsClockState {
            state: Holdover,
            offset: Some(99_999_999_999),
        },
        ClockClass { class: 6 },
        GnssState {
            state: super::GnssState::FailureNofix,
            offset: Some(0),
            fix: Some(0),
        },
        GnssState {
            state: super::GnssState::AntennaShortCircuit,
            offset: None,
            fix: None,
        },
        SynceState { state: Holdover },
        SynceClockQuality {
            ql: 1,
            extended_ql: Some(32),
        },
        SynceClockQuality {
            ql: 2,
            extended_ql: None,
        },
        SyncState { state: Freerun },
        CacheClear,
        StatusRequest,
        StatusResponse,
    ];
    for body in bodies {
        for time in [Some(t), None] {
            let m = DaemonMessage {
                time,
                profile: "ptp4l.0.config".into(),
                iface: "ens2fx".into(),
                body,
            };
            let text = m.to_line();
            assert!(!text.contains('\n'), "{text}");
            assert_eq!(detect(text.as_bytes()), Some(Protocol::Json));
            assert_eq!(parse(&text).as_ref(), Ok(&m), "{text}");
        }
    }
    let gnss = DaemonMessage {
        time: Some(ts()),
        ..msg(
            "ts2phc.0.config",
            "ens1fx",
            GnssState {
                state: super::GnssState::AcquiringSync,
                offset: Some(5),
                fix: Some(1),
            },
        )
    };
    assert_eq!(
        gnss.to_line(),
        r#"{"version":1,"type":"gnss_state","timestamp":"2026-07-24T11:47:39.123456Z","profile":"ts2phc.0.config","iface":"ens1fx","values":{"state":"ACQUIRING_SYNC","offset":5,"gps_fix":1}}"#
    );
}

#[test]
fn the_status_request_is_rendered_exactly() {
    assert_eq!(DaemonMessage::status_request().to_line(), STATUS_REQUEST);
    assert_eq!(parse(STATUS_REQUEST), Ok(DaemonMessage::status_request()));
    let clear = DaemonMessage {
        time: None,
        ..msg("", "", MessageBody::CacheClear)
    };
    assert_eq!(clear.to_line(), r#"{"version":1,"type":"cache_clear"}"#);
    let sync = DaemonMessage {
        time: None,
        ..msg("", "", MessageBody::SyncState { state: Locked })
    };
    assert_eq!(
        sync.to_line(),
        r#"{"version":1,"type":"sync_state","profile":"","iface":"","values":{"state":"LOCKED"}}"#
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

    fn sync_state() -> impl Strategy<Value = crate::linuxptp::SyncState> {
        select(vec![Locked, Holdover, Freerun])
    }

    fn body() -> impl Strategy<Value = MessageBody> {
        use MessageBody::*;
        prop_oneof![
            (sync_state(), any::<Option<i64>>())
                .prop_map(|(state, offset)| PtpState { state, offset }),
            (sync_state(), any::<Option<i64>>())
                .prop_map(|(state, offset)| OsClockState { state, offset }),
            any::<u8>().prop_map(|class| ClockClass { class }),
            (
                select(super::super::GnssState::ALL.to_vec()),
                any::<Option<i64>>(),
                any::<Option<i64>>()
            )
                .prop_map(|(state, offset, fix)| MessageBody::GnssState {
                    state,
                    offset,
                    fix
                }),
            sync_state().prop_map(|state| SynceState { state }),
            (any::<u8>(), any::<Option<u8>>())
                .prop_map(|(ql, extended_ql)| SynceClockQuality { ql, extended_ql }),
            sync_state().prop_map(|state| SyncState { state }),
            Just(CacheClear),
            Just(StatusRequest),
            Just(StatusResponse),
        ]
    }

    fn message() -> impl Strategy<Value = DaemonMessage> {
        (
            body(),
            proptest::option::of((0u64..4_102_444_800, 0u32..1_000_000_000)),
            any::<String>(),
            "\\PC{1,12}",
        )
            .prop_map(|(body, time, profile, iface)| DaemonMessage {
                time: time.map(|(s, n)| SystemTime::UNIX_EPOCH + Duration::new(s, n)),
                // Messages without values carry no profile/iface.
                profile: if body.message_type().has_values() {
                    profile
                } else {
                    String::new()
                },
                iface: if body.message_type().has_values() {
                    iface
                } else {
                    String::new()
                },
                body,
            })
    }

    proptest! {
        #[test]
        fn every_rendered_message_parses_back(m in message()) {
            let text = m.to_line();
            prop_assert!(!text.contains('\n'));
            prop_assert_eq!(parse(&text), Ok(m));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_bytes(&b);
        }

        /// Mutations of a valid message: each is accepted or a typed
        /// rejection, never a panic.
        #[test]
        fn damaged_messages_are_rejected_not_panicking(
            m in message(),
            cut in 0usize..400,
            byte in any::<u8>(),
        ) {
            let text = m.to_line();
            let mut bytes = text.into_bytes();
            let at = cut % bytes.len().max(1);
            bytes.truncate(at.max(1));
            let _ = parse_bytes(&bytes);
            bytes.push(byte);
            let _ = parse_bytes(&bytes);
        }
    }
}
