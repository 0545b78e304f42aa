//! Property tests: every model renders to a line that parses back to the same
//! model, and the parser never panics on hostile input.
//!
//! Strings the model borrows are generated owned and leaked (a few bytes per
//! case, test-only), so strategies can yield `LogLine<'static>` directly.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Debug text distinguishes `-0.0` from `0.0`, which `==` does not.
fn same(a: &LogLine<'_>, b: &LogLine<'_>) -> bool {
    a == b && format!("{a:?}") == format!("{b:?}")
}

const IFACES: &[&str] = &[
    "ens2f0",
    "ens2f1",
    "ens1f0",
    "ens4f1",
    "ens7f0",
    "ens8f0",
    "enP2s2f0np0",
    "ens20f20.100",
    "ens5fx",
    "eth0",
    "eno1",
    "/dev/ptp6",
];

fn iface() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => select(IFACES),
        1 => "(ens|eno|enp|eth)[0-9]{1,2}(f[0-9]{1,2})?(np[0-9])?(\\.[0-9]{1,4})?".prop_map(leak),
    ]
}

fn config(program: &'static str) -> impl Strategy<Value = &'static str> {
    (0u32..=20).prop_map(move |n| leak(format!("{program}.{n}.config")))
}

fn any_config() -> impl Strategy<Value = &'static str> {
    select(&["ptp4l", "ts2phc", "phc2sys", "synce4l", "chronyd"][..]).prop_flat_map(config)
}

/// Offsets, delays, counts: mostly realistic, sometimes huge (the parser
/// reads up to 18 digits).
fn num() -> impl Strategy<Value = i64> {
    const MAX: i64 = 999_999_999_999_999_999;
    prop_oneof![
        4 => -100_000i64..100_000,
        1 => Just(99_999_999_999i64),
        1 => -MAX..=MAX,
    ]
}

/// Integer-valued frequencies (linuxptp prints `%+7.0f`), including -0.
fn freq() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => (-100_000_000i64..100_000_000).prop_map(|v| v as f64),
        1 => Just(-0.0),
        1 => Just(0.0),
    ]
}

fn servo() -> impl Strategy<Value = Servo> {
    select(&[Servo::S0, Servo::S1, Servo::S2, Servo::S3][..])
}

fn token() -> impl Strategy<Value = DaemonToken<'static>> {
    select(&["s0", "s1", "s2", "s3", "-1", "-2"][..]).prop_map(DaemonToken)
}

fn summary() -> impl Strategy<Value = Summary> {
    (
        num(),
        num(),
        freq(),
        num(),
        proptest::option::of((num(), num())),
    )
        .prop_map(|(rms, max, freq, freq_sd, delay)| Summary {
            rms,
            max,
            freq,
            freq_sd,
            delay,
        })
}

const STATES: &[&str] = &[
    "INITIALIZING",
    "FAULTY",
    "DISABLED",
    "LISTENING",
    "PRE_MASTER",
    "MASTER",
    "PASSIVE",
    "UNCALIBRATED",
    "SLAVE",
    "GRAND_MASTER",
    "TIME_RECEIVER",
    "TIME_TRANSMITTER",
    "PRE_TIME_TRANSMITTER",
];
const EVENTS: &[&str] = &[
    "INIT_COMPLETE",
    "RS_SLAVE",
    "RS_MASTER",
    "RS_PASSIVE",
    "RS_GRAND_MASTER",
    "MASTER_CLOCK_SELECTED",
    "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
    "FAULT_DETECTED",
    "SYNCHRONIZATION_FAULT",
    "QUALIFICATION_TIMEOUT_EXPIRES",
];

fn port_state() -> impl Strategy<Value = Body<'static>> {
    (
        "[1-9][0-9]{0,2}".prop_map(leak),
        proptest::option::of(iface()),
        select(STATES),
        select(STATES),
        select(EVENTS),
        proptest::option::of(select(
            &["FT_UNSPECIFIED", "FT_BAD_PEER_NETWORK", "FT_SWITCH_PHC"][..],
        )),
    )
        .prop_map(|(port, iface, from, to, event, fault)| {
            Body::PortState(PortState {
                port,
                iface,
                from,
                to,
                event,
                fault,
            })
        })
}

fn synce() -> impl Strategy<Value = Body<'static>> {
    let report = prop_oneof![
        select(
            &[
                "EEC_LOCKED",
                "EEC_HOLDOVER",
                "EEC_FREE_RUN",
                "EEC_LOCKED_HO_ACQ",
                "EEC_INVALID"
            ][..]
        )
        .prop_map(|eec_state| SynceReport::State { eec_state }),
        (
            select(&["PRC", "PRTC", "ePRTC", "SSU_A", "SSU_B", "EEC1", "eEEC"][..]),
            any::<u8>(),
            proptest::option::of(any::<u8>()),
        )
            .prop_map(|(clock_quality, ql, ext_ql)| SynceReport::Quality {
                clock_quality,
                ql,
                ext_ql
            }),
    ];
    (
        iface(),
        select(&["synce1", "synce2", "synce10"][..]),
        0i64..=3,
        report,
        token(),
    )
        .prop_map(|(iface, device, network_option, report, state)| {
            Body::Synce(Synce {
                iface,
                device,
                network_option,
                report,
                state,
            })
        })
}

fn dpll() -> impl Strategy<Value = Body<'static>> {
    let status = proptest::option::of(-1i64..=4);
    (
        iface(),
        status.clone(),
        proptest::option::of(num()),
        status,
        proptest::option::of(0i64..=1),
        token(),
    )
        .prop_filter("a DPLL line has at least one key", |(_, f, o, p, s, _)| {
            f.is_some() || o.is_some() || p.is_some() || s.is_some()
        })
        .prop_map(
            |(iface, frequency_status, offset, phase_status, pps_status, state)| {
                Body::Dpll(Dpll {
                    iface,
                    frequency_status,
                    offset,
                    phase_status,
                    pps_status,
                    state,
                })
            },
        )
}

/// Lines of §3.17 (and friends) as `(source, kind, body text)`.
const IGNORED: &[(&str, Kind, &str)] = &[
    ("ptp4l", Kind::Other, "selected /dev/ptp0 as PTP clock"),
    (
        "ptp4l",
        Kind::Other,
        "selected best master clock 507c6f.fffe.1fb16c",
    ),
    (
        "ptp4l",
        Kind::PortState,
        "port 2 (ens8f0): assuming the grand master role",
    ),
    ("ptp4l", Kind::PortState, "port 1 (ens4f1): link down"),
    (
        "ptp4l",
        Kind::PortState,
        "port 0 (/var/run/ptp4l.0.socket): INITIALIZING to LISTENING on INIT_COMPLETE",
    ),
    (
        "ptp4l",
        Kind::Other,
        "recvmsg tx timestamp failed: Resource temporarily unavailable",
    ),
    (
        "phc2sys",
        Kind::Other,
        "port 507c6f.fffe.1fb1b9-1 changed state",
    ),
    ("phc2sys", Kind::Other, "Waiting for ptp4l..."),
    (
        "phc2sys",
        Kind::Other,
        "ens5f0 phc offset -47 s2 freq -2047 delay 2438",
    ),
    ("ts2phc", Kind::Other, "source ts not valid"),
    (
        "ts2phc",
        Kind::Ts2phcOffset,
        "UTC-TAI offset not set in system! Trying to revert to the last known value",
    ),
    (
        "ts2phc",
        Kind::Other,
        "/dev/ptp6 lost holdover lock (offset       -260)",
    ),
    ("synce4l", Kind::Synce, "EEC_LOCKED on synce1"),
    (
        "chronyd",
        Kind::Chronyd,
        "System clock wrong by 1.5 seconds",
    ),
    ("pmc", Kind::Other, "GET PARENT_DATA_SET"),
];

/// A body and the sources that may carry it (dispatch §2.3).
fn body() -> impl Strategy<Value = (Body<'static>, &'static [&'static str])> {
    const PTP4L: &[&str] = &["ptp4l"];
    const PHC2SYS: &[&str] = &["phc2sys"];
    const TS2PHC: &[&str] = &["ts2phc"];
    const ANY: &[&str] = &[
        "ptp4l", "phc2sys", "ts2phc", "synce4l", "chronyd", "pmc", "gpsd", "gpspipe", "GM", "T-BC",
        "dpll", "gnss",
    ];
    prop_oneof![
        (num(), servo(), freq(), proptest::option::of(num())).prop_map(
            |(offset, servo, freq, delay)| (
                Body::PtpOffset(PtpOffset {
                    offset,
                    servo,
                    freq,
                    delay
                }),
                PTP4L
            )
        ),
        summary().prop_map(|s| (Body::PtpSummary(s), PTP4L)),
        port_state().prop_map(|b| (b, PTP4L)),
        (any::<u8>(), any::<bool>()).prop_map(|(class, fractional)| (
            Body::ClockClass(ClockClass { class, fractional }),
            ANY
        )),
        (any::<bool>(), any::<bool>()).prop_map(|(running, colon)| (
            Body::ProcessStatus(ProcessStatus { running, colon }),
            ANY
        )),
        (
            select(&[ClockSource::Phc, ClockSource::Sys, ClockSource::Pps][..]),
            num(),
            servo(),
            freq(),
            proptest::option::of(num())
        )
            .prop_map(|(source, offset, servo, freq, delay)| (
                Body::Phc2sysOffset(Phc2sysOffset {
                    source,
                    offset,
                    servo,
                    freq,
                    delay
                }),
                PHC2SYS
            )),
        summary().prop_map(|s| (Body::Phc2sysSummary(s), PHC2SYS)),
        (
            iface(),
            num(),
            servo(),
            freq(),
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(iface, offset, servo, freq, holdover, legacy)| (
                Body::Ts2phcOffset(Ts2phcOffset {
                    iface,
                    offset,
                    servo,
                    freq,
                    holdover,
                    legacy
                }),
                TS2PHC
            )),
        (iface(), any::<bool>(), num(), token()).prop_map(|(iface, available, offset, state)| (
            Body::NmeaStatus(NmeaStatus {
                iface,
                available,
                offset,
                state
            }),
            TS2PHC
        )),
        (iface(), 0i64..=5, num(), token()).prop_map(|(iface, fix, offset, state)| (
            Body::Gnss(Gnss {
                iface,
                fix,
                offset,
                state
            }),
            &["gnss"][..]
        )),
        dpll().prop_map(|b| (b, &["dpll"][..])),
        (iface(), token())
            .prop_map(|(iface, state)| (Body::GmStatus(GmStatus { iface, state }), &["GM"][..])),
        (iface(), num(), token()).prop_map(|(iface, offset, state)| (
            Body::TbcStatus(TbcStatus {
                iface,
                offset,
                state
            }),
            &["T-BC"][..]
        )),
        synce().prop_map(|b| (b, &["synce4l"][..])),
        prop_oneof![
            select(
                &[
                    "Selected source 192.168.1.1",
                    "Selected source PHC0",
                    "Selected source 2001:db8::1 (ntp.example.com)",
                ][..]
            )
            .prop_map(|text| Body::Chronyd(Chronyd { locked: true, text })),
            select(
                &[
                    "Can't synchronise: no selectable sources",
                    "no selectable sources",
                ][..]
            )
            .prop_map(|text| Body::Chronyd(Chronyd {
                locked: false,
                text
            })),
        ]
        .prop_map(|b| (b, &["chronyd"][..])),
        (
            select(&["profile1", "profile2", "ha-east", "ha_west"][..]),
            any::<bool>()
        )
            .prop_map(|(profile, active)| (
                Body::HaProfile(HaProfile { profile, active }),
                PHC2SYS
            )),
        (0..IGNORED.len()).prop_map(|i| {
            let (source, kind, text) = IGNORED[i];
            let sources: &'static [&'static str] = match source {
                "ptp4l" => PTP4L,
                "phc2sys" => PHC2SYS,
                "ts2phc" => TS2PHC,
                "synce4l" => &["synce4l"],
                "chronyd" => &["chronyd"],
                _ => &["pmc"],
            };
            (Body::Other { kind, text }, sources)
        }),
    ]
}

fn prefix() -> impl Strategy<Value = Prefix> {
    select(
        &[
            Prefix::Raw,
            Prefix::Synthetic,
            Prefix::Chronyd,
            Prefix::Bare,
        ][..],
    )
}

/// The number in the first brackets: monotonic `s.ms`, Unix seconds or a pid.
fn stamp(integer_only: bool) -> BoxedStrategy<&'static str> {
    let int = (1u64..4_000_000_000).prop_map(|v| leak(v.to_string()));
    if integer_only {
        int.boxed()
    } else {
        prop_oneof![
            int,
            (0u64..10_000_000, 0u32..1000).prop_map(|(s, ms)| leak(format!("{s}.{ms:03}"))),
        ]
        .boxed()
    }
}

fn entry() -> impl Strategy<Value = LogLine<'static>> {
    (body(), prefix(), any::<u32>()).prop_flat_map(|((body, sources), prefix, pick)| {
        let source = sources[pick as usize % sources.len()];
        // SyncE lines need an integer stamp (§3 K14).
        let integer = matches!(body, Body::Synce(_));
        let level = proptest::option::of(prop_oneof!["[0-9]", "[A-Za-z0-9]{1,6}"].prop_map(leak));
        (stamp(integer), any_config(), level).prop_map(move |(stamp, config, level)| {
            LogLine::Entry(Entry {
                prefix,
                source,
                stamp,
                config,
                level,
                body,
            })
        })
    })
}

fn log_line() -> impl Strategy<Value = LogLine<'static>> {
    prop_oneof![
        1 => Just(LogLine::Control(Control::Restart)),
        1 => Just(LogLine::Control(Control::LiveStart)),
        30 => entry(),
    ]
}

/// Words that steer the parser deep into every kind's pattern.
const VOCAB: &[&str] = &[
    "ptp4l",
    "phc2sys",
    "ts2phc",
    "synce4l",
    "chronyd",
    "gnss",
    "dpll",
    "GM",
    "T-BC",
    "pmc",
    "ptp4l.0.config",
    "ts2phc.1.config",
    "phc2sys.2.config",
    "synce4l.0.config",
    "chronyd.0.config",
    "a.b.config",
    "ptp4l.0.config:5",
    "ptp4l.0.config:{level}",
    "1700000000",
    "365195.391",
    "master",
    "offset",
    "freq",
    "path",
    "delay",
    "rms",
    "max",
    "+/-",
    "port",
    "(ens2f0)",
    "(FT_UNSPECIFIED)",
    "to",
    "on",
    "SLAVE",
    "UNCALIBRATED",
    "LISTENING",
    "FAULT_DETECTED",
    "CLOCK_CLASS_CHANGE",
    "PTP_PROCESS_STATUS",
    "PTP_PROCESS_STATUS:1",
    "CLOCK_REALTIME",
    "phc",
    "pps",
    "sys",
    "holdover",
    "nmea_status",
    "gnss_status",
    "frequency_status",
    "phase_status",
    "pps_status",
    "T-GM-STATUS",
    "T-BC-STATUS",
    "device",
    "eec_state",
    "clock_quality",
    "network_option",
    "ql",
    "ext_ql",
    "0x20",
    "0x",
    "ptp_ha_profile",
    "state",
    "Selected source",
    "no selectable sources",
    "ens2f0",
    "s0",
    "s2",
    "s9",
    "-0",
    "+0",
    "0",
    "1",
    "-98",
    "248.000000",
    "99999999999",
    "9999999999999999999999",
    "1.5",
    "é",
    "",
];

fn soup() -> impl Strategy<Value = String> {
    let sep = select(
        &[
            " ", "  ", "\t", "[", "]", ":", "]: [", "]:[", "{", "}", "\r",
        ][..],
    );
    proptest::collection::vec((select(VOCAB), sep), 0..24).prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(w, s)| [w, s])
            .collect::<String>()
    })
}

/// The fuzz target's property: whatever parses renders to a line that parses
/// back to the same model. Lines whose only configuration name sits in a
/// token the model does not keep (an unknown DPLL or SyncE key) are exempt.
fn reparse_is_stable(line: &str) -> Result<(), TestCaseError> {
    if let Ok(first) = parse(line) {
        if let LogLine::Entry(e) = &first {
            if !has_config_name(e.config) {
                return Ok(());
            }
        }
        let text = first.to_string();
        let again = parse(&text);
        prop_assert!(
            again.as_ref().is_ok_and(|a| same(a, &first)),
            "{line:?} -> {first:?} -> {text:?} -> {again:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn render_then_parse_is_identity(line in log_line()) {
        let text = line.to_string();
        let back = parse(&text);
        prop_assert!(
            back.as_ref().is_ok_and(|b| same(b, &line)),
            "{line:?}\n rendered {text:?}\n parsed {back:?}"
        );
    }

    #[test]
    fn token_soup_never_panics_and_reparses(line in soup()) {
        reparse_is_stable(&line)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(line in any::<String>()) {
        reparse_is_stable(&line)?;
    }

    #[test]
    fn never_panics_on_control_characters(
        head in select(&["", "ptp4l[1.0]: [ptp4l.0.config] ", "gnss[1]:[ts2phc.0.config] "][..]),
        tail in "[\\x00-\\x1f\\x7f\\u{85}\\u{2028} a-z0-9.:\\[\\]{}+-]{0,120}",
    ) {
        reparse_is_stable(&format!("{head}{tail}"))?;
    }

    #[test]
    fn never_panics_on_lossy_bytes(
        head in select(&["", "ptp4l[1.0]: [ptp4l.0.config:5] ", "synce4l[1]:[synce4l.0.config] "][..]),
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let line = format!("{head}{}", String::from_utf8_lossy(&bytes));
        reparse_is_stable(&line)?;
    }
}

#[test]
fn never_panics_on_one_mebibyte_lines() {
    const MIB: usize = 1 << 20;
    let fill = |unit: &str| unit.repeat(MIB / unit.len() + 1);
    let lines = [
        "x".repeat(MIB),
        " ".repeat(MIB),
        format!("ptp4l[1.0]: [ptp4l.0.config] {}", fill("master offset ")),
        format!(
            "ptp4l[1.0]: [ptp4l.0.config] master offset {}",
            "9".repeat(MIB)
        ),
        format!("chronyd[1][chronyd.0.config]: {}", fill("Selected source ")),
        format!("synce4l[1]:[synce4l.0.config] {}", fill("eec_state ")),
        fill("ptp4l.0.config:5 "),
        fill("1.config"),
        fill("0"),
        fill("é:"),
        format!("{}.config", "9".repeat(MIB)),
    ];
    for line in &lines {
        // Only that it returns; the value is whatever the rules say.
        if let Ok(l) = parse(line) {
            let _ = l.kind();
        }
    }
    // A huge line is still classified: too many tokens make it `Other`.
    let big = format!("ptp4l[1.0]: [ptp4l.0.config] {}", fill("master offset "));
    assert!(matches!(
        parse(&big),
        Ok(LogLine::Entry(Entry {
            body: Body::Other {
                kind: Kind::Other,
                ..
            },
            ..
        }))
    ));
}

#[test]
fn regression_multibyte_before_first_token() {
    // Used to slice the line at the source token's length from byte 0.
    let line = " é ptp4l.0.config x";
    assert!(parse(line).is_ok());
    let line = "\u{85}\u{85} ptp4l.0.config";
    let _ = parse(line);
}
