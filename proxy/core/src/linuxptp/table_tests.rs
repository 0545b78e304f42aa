//! Table tests of the parser: real-shaped lines (spec socket-and-lines.md §3,
//! §3.17, §6) with the full expected value, plus the role-rule table of K3.
//!
//! Every row compares the whole parsed value with `==` *and* its `Debug`
//! text, so a negative zero frequency (`-0`) that came back as `+0` fails too.

use super::*;

/// What a row expects.
enum Want {
    Ok(LogLine<'static>),
    Err(Kind, Reason),
}

fn entry(
    prefix: Prefix,
    source: &'static str,
    stamp: &'static str,
    config: &'static str,
    level: Option<&'static str>,
    body: Body<'static>,
) -> Want {
    Want::Ok(LogLine::Entry(Entry {
        prefix,
        source,
        stamp,
        config,
        level,
        body,
    }))
}

/// `<src>[<stamp>]: [<cfg>] `
fn raw(src: &'static str, stamp: &'static str, cfg: &'static str, body: Body<'static>) -> Want {
    entry(Prefix::Raw, src, stamp, cfg, None, body)
}

/// `<src>[<stamp>]: [<cfg>:<level>] `
fn raw_l(
    src: &'static str,
    stamp: &'static str,
    cfg: &'static str,
    level: &'static str,
    body: Body<'static>,
) -> Want {
    entry(Prefix::Raw, src, stamp, cfg, Some(level), body)
}

/// `<src>[<stamp>]:[<cfg>] `
fn syn(src: &'static str, stamp: &'static str, cfg: &'static str, body: Body<'static>) -> Want {
    entry(Prefix::Synthetic, src, stamp, cfg, None, body)
}

fn rej(kind: Kind, reason: Reason) -> Want {
    Want::Err(kind, reason)
}

fn other(kind: Kind, text: &'static str) -> Body<'static> {
    Body::Other { kind, text }
}

fn k1(offset: i64, servo: Servo, freq: f64, delay: Option<i64>) -> Body<'static> {
    Body::PtpOffset(PtpOffset {
        offset,
        servo,
        freq,
        delay,
    })
}

fn summ(rms: i64, max: i64, freq: f64, freq_sd: i64, delay: Option<(i64, i64)>) -> Summary {
    Summary {
        rms,
        max,
        freq,
        freq_sd,
        delay,
    }
}

fn k3(
    port: &'static str,
    iface: Option<&'static str>,
    from: &'static str,
    to: &'static str,
    event: &'static str,
    fault: Option<&'static str>,
) -> Body<'static> {
    Body::PortState(PortState {
        port,
        iface,
        from,
        to,
        event,
        fault,
    })
}

fn k4(class: u8, fractional: bool) -> Body<'static> {
    Body::ClockClass(ClockClass { class, fractional })
}

fn k5(running: bool, colon: bool) -> Body<'static> {
    Body::ProcessStatus(ProcessStatus { running, colon })
}

fn k6(
    source: ClockSource,
    offset: i64,
    servo: Servo,
    freq: f64,
    delay: Option<i64>,
) -> Body<'static> {
    Body::Phc2sysOffset(Phc2sysOffset {
        source,
        offset,
        servo,
        freq,
        delay,
    })
}

fn k8(
    iface: &'static str,
    offset: i64,
    servo: Servo,
    freq: f64,
    holdover: bool,
    legacy: bool,
) -> Body<'static> {
    Body::Ts2phcOffset(Ts2phcOffset {
        iface,
        offset,
        servo,
        freq,
        holdover,
        legacy,
    })
}

fn k9(iface: &'static str, available: bool, offset: i64, state: &'static str) -> Body<'static> {
    Body::NmeaStatus(NmeaStatus {
        iface,
        available,
        offset,
        state: DaemonToken(state),
    })
}

fn k10(iface: &'static str, fix: i64, offset: i64, state: &'static str) -> Body<'static> {
    Body::Gnss(Gnss {
        iface,
        fix,
        offset,
        state: DaemonToken(state),
    })
}

fn k11(iface: &'static str, keys: [Option<i64>; 4], state: &'static str) -> Body<'static> {
    let [frequency_status, offset, phase_status, pps_status] = keys;
    Body::Dpll(Dpll {
        iface,
        frequency_status,
        offset,
        phase_status,
        pps_status,
        state: DaemonToken(state),
    })
}

fn k12(iface: &'static str, state: &'static str) -> Body<'static> {
    Body::GmStatus(GmStatus {
        iface,
        state: DaemonToken(state),
    })
}

fn k13(iface: &'static str, offset: i64, state: &'static str) -> Body<'static> {
    Body::TbcStatus(TbcStatus {
        iface,
        offset,
        state: DaemonToken(state),
    })
}

fn k14(
    iface: &'static str,
    device: &'static str,
    network_option: i64,
    report: SynceReport<'static>,
    state: &'static str,
) -> Body<'static> {
    Body::Synce(Synce {
        iface,
        device,
        network_option,
        report,
        state: DaemonToken(state),
    })
}

fn k15(locked: bool, text: &'static str) -> Body<'static> {
    Body::Chronyd(Chronyd { locked, text })
}

fn k16(profile: &'static str, active: bool) -> Body<'static> {
    Body::HaProfile(HaProfile { profile, active })
}

use ClockSource::{Phc, Pps, Sys};
use Servo::{S0, S1, S2, S3};

const P0: &str = "ptp4l.0.config";
const P1: &str = "ptp4l.1.config";
const T0: &str = "ts2phc.0.config";
const T1: &str = "ts2phc.1.config";
const S0C: &str = "synce4l.0.config";
const C0: &str = "chronyd.0.config";

#[rustfmt::skip]
fn table() -> Vec<(&'static str, Want)> {
    vec![
        // ---- control lines (§1.4) ----
        ("CMD RESTART", Want::Ok(LogLine::Control(Control::Restart))),
        ("CMD LIVE_START", Want::Ok(LogLine::Control(Control::LiveStart))),
        ("CMD restart", rej(Kind::Other, Reason::NoConfig)),
        ("CMD  RESTART", rej(Kind::Other, Reason::NoConfig)),

        // ---- K1 ptp4l offset ----
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq -3972 path delay 89",
            raw("ptp4l", "365195.391", P0, k1(-1, S2, -3972.0, Some(89)))),
        ("ptp4l[1031602.617]: [ptp4l.1.config] master offset        -98 s0 freq      +3 path delay      1587",
            raw("ptp4l", "1031602.617", P1, k1(-98, S0, 3.0, Some(1587)))),
        ("ptp4l[2464681.628]: [ptp4l.0.config:6] master offset         -4 s2 freq  -26835 path delay       525",
            raw_l("ptp4l", "2464681.628", P0, "6", k1(-4, S2, -26835.0, Some(525)))),
        ("ptp4l[5375.018]: [ptp4l.0.config] master offset      -4933 s1 freq   -1069",
            raw("ptp4l", "5375.018", P0, k1(-4933, S1, -1069.0, None))),
        ("ptp4l[5382.956]:\t[ptp4l.0.config]\tmaster  offset\t\t-59 s3 freq   -0 path delay \t 2321",
            raw("ptp4l", "5382.956", P0, k1(-59, S3, -0.0, Some(2321)))),
        ("ptp4l[9100.062]: [ptp4l.0.config:5] master offset +100 s2 freq +0 path delay 1585",
            raw_l("ptp4l", "9100.062", P0, "5", k1(100, S2, 0.0, Some(1585)))),
        ("ptp4l[9000.062]: [ptp4l.0.config] master offset      48211 s0 freq   -1123 path delay      1585",
            raw("ptp4l", "9000.062", P0, k1(48211, S0, -1123.0, Some(1585)))),
        ("ptp4l[1.0]: [ptp4l.3.config] master offset -0 s2 freq -0",
            raw("ptp4l", "1.0", "ptp4l.3.config", k1(0, S2, -0.0, None))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s4 freq -3972 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadServo)),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 locked freq -3972 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadServo)),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset abc s2 freq -3972 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadField("offset"))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset 1.5 s2 freq -3972 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadField("offset"))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq -39x2 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadField("freq"))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq 1e3 path delay 89",
            rej(Kind::Ptp4lOffset, Reason::BadField("freq"))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq -3972 path delay 89ns",
            rej(Kind::Ptp4lOffset, Reason::BadField("delay"))),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 freq -3972 path delay",
            rej(Kind::Ptp4lOffset, Reason::Truncated)),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2",
            rej(Kind::Ptp4lOffset, Reason::Truncated)),
        ("ptp4l[365195.391]: [ptp4l.0.config] master offset -1 s2 frq -3972",
            raw("ptp4l", "365195.391", P0, other(Kind::Ptp4lOffset, "master offset -1 s2 frq -3972"))),
        ("ptp4l[5376.018]: master offset -5 s2 freq -1074 path delay 2321",
            rej(Kind::Other, Reason::NoConfig)),

        // ---- K2 ptp4l summary ----
        ("ptp4l[74737.942]: [ptp4l.0.config] rms   53 max   74 freq -16642 +/-  40 delay  1089 +/-  20",
            raw("ptp4l", "74737.942", P0, Body::PtpSummary(summ(53, 74, -16642.0, 40, Some((1089, 20)))))),
        ("ptp4l[1754.307]: [ptp4l.0.config] rms  828 max 1696 freq  -7992 +/- 1107 delay   229 +/-   0",
            raw("ptp4l", "1754.307", P0, Body::PtpSummary(summ(828, 1696, -7992.0, 1107, Some((229, 0)))))),
        ("ptp4l[1753.306]: [ptp4l.0.config] rms 7742463 max 15502682 freq +25830 +/- 95588",
            raw("ptp4l", "1753.306", P0, Body::PtpSummary(summ(7742463, 15502682, 25830.0, 95588, None)))),
        ("ptp4l[1753.306]: [ptp4l.0.config] rms 53 max 74",
            rej(Kind::Ptp4lSummary, Reason::Truncated)),
        ("ptp4l[1753.306]: [ptp4l.0.config] rms x53 max 74 freq -1 +/- 40",
            rej(Kind::Ptp4lSummary, Reason::BadField("rms"))),

        // ---- K3 port state ----
        ("ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens1f0): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
            raw_l("ptp4l", "72444.514", P0, "5", k3("1", Some("ens1f0"), "SLAVE", "FAULTY", "FAULT_DETECTED", Some("FT_UNSPECIFIED")))),
        ("ptp4l[1031618.627]: [ptp4l.1.config] port 1 (ens4f1): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
            raw("ptp4l", "1031618.627", P1, k3("1", Some("ens4f1"), "UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED", None))),
        ("ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
            raw("ptp4l", "1306977.512", P1, k3("1", Some("ens4f1"), "SLAVE", "MASTER", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None))),
        ("ptp4l[8542280.698]: [ptp4l.0.config] port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
            raw("ptp4l", "8542280.698", P0, k3("1", None, "UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED", None))),
        ("ptp4l[200.000]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT",
            raw("ptp4l", "200.000", P0, k3("1", Some("ens2f0"), "SLAVE", "UNCALIBRATED", "SYNCHRONIZATION_FAULT", None))),
        ("ptp4l[72444.514]: [ptp4l.1.config:{level}]  port 12 (ens2f1):\tLISTENING to PASSIVE on RS_PASSIVE",
            raw_l("ptp4l", "72444.514", P1, "level", k3("12", Some("ens2f1"), "LISTENING", "PASSIVE", "RS_PASSIVE", None))),
        ("ptp4l[9.5]: [ptp4l.0.config] port 2 (ens2f0): UNCALIBRATED to TIME_RECEIVER on MASTER_CLOCK_SELECTED",
            raw("ptp4l", "9.5", P0, k3("2", Some("ens2f0"), "UNCALIBRATED", "TIME_RECEIVER", "MASTER_CLOCK_SELECTED", None))),
        ("ptp4l[5365.830]: [ptp4l.0.config] port 0 (/var/run/ptp4l.0.socket): INITIALIZING to LISTENING on INIT_COMPLETE",
            raw("ptp4l", "5365.830", P0, other(Kind::PortState, "port 0 (/var/run/ptp4l.0.socket): INITIALIZING to LISTENING on INIT_COMPLETE"))),
        ("ptp4l[1.0]: [ptp4l.0.config] port b49691.fffe.a3f27c-1: SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
            raw("ptp4l", "1.0", P0, other(Kind::PortState, "port b49691.fffe.a3f27c-1: SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES"))),

        // ---- K4 clock class ----
        ("ptp4l[1757326382]:[ts2phc.1.config] CLOCK_CLASS_CHANGE 6",
            syn("ptp4l", "1757326382", T1, k4(6, false))),
        ("ptp4l[1000000600]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 248.000000",
            syn("ptp4l", "1000000600", P0, k4(248, true))),
        ("ptp4l[1757326390]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 165.000000",
            syn("ptp4l", "1757326390", P1, k4(165, true))),
        ("ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 248",
            syn("ptp4l", "1700000100", P1, k4(248, false))),
        ("ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE 256",
            rej(Kind::ClockClass, Reason::BadField("class"))),
        ("ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE -7",
            rej(Kind::ClockClass, Reason::BadField("class"))),
        ("ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE six",
            rej(Kind::ClockClass, Reason::BadField("class"))),
        ("ptp4l[1700000100]:[ptp4l.1.config] CLOCK_CLASS_CHANGE",
            rej(Kind::ClockClass, Reason::Truncated)),

        // ---- K5 process status ----
        ("ptp4l[1780430740]:[ptp4l.1.config] PTP_PROCESS_STATUS:0",
            syn("ptp4l", "1780430740", P1, k5(false, true))),
        ("ts2phc[1757326326]:[ts2phc.0.config] PTP_PROCESS_STATUS:1",
            syn("ts2phc", "1757326326", T0, k5(true, true))),
        ("phc2sys[1234.567]: [ptp4l.0.config] PTP_PROCESS_STATUS 0",
            raw("phc2sys", "1234.567", P0, k5(false, false))),
        ("gpsd[1757326326]:[ts2phc.0.config] PTP_PROCESS_STATUS:1",
            syn("gpsd", "1757326326", T0, k5(true, true))),
        ("chronyd[1757326326]:[chronyd.0.config] PTP_PROCESS_STATUS  1",
            syn("chronyd", "1757326326", C0, k5(true, false))),
        ("ptp4l[1780430740]:[ptp4l.1.config] PTP_PROCESS_STATUS:2",
            rej(Kind::ProcessStatus, Reason::BadField("status"))),
        ("ptp4l[1780430740]:[ptp4l.1.config] PTP_PROCESS_STATUS",
            rej(Kind::ProcessStatus, Reason::Truncated)),

        // ---- K6 phc2sys offset ----
        ("phc2sys[4268818.286]: [ptp4l.0.config] CLOCK_REALTIME phc offset -62 s0 freq -78368 delay 1100",
            raw("phc2sys", "4268818.286", P0, k6(Phc, -62, S0, -78368.0, Some(1100)))),
        ("phc2sys[1306976.118]: [ptp4l.1.config] CLOCK_REALTIME phc offset        -5 s2 freq   +2726 delay    547",
            raw("phc2sys", "1306976.118", P1, k6(Phc, -5, S2, 2726.0, Some(547)))),
        ("phc2sys[2345.678]: [phc2sys.2.config] CLOCK_REALTIME phc offset         3 s2 freq    -120 delay    512",
            raw("phc2sys", "2345.678", "phc2sys.2.config", k6(Phc, 3, S2, -120.0, Some(512)))),
        ("phc2sys[2345.740]: [ptp4l.0.config] CLOCK_REALTIME pps offset        12 s2 freq      -3",
            raw("phc2sys", "2345.740", P0, k6(Pps, 12, S2, -3.0, None))),
        ("phc2sys[2345.740]: [ptp4l.0.config:6] CLOCK_REALTIME sys offset       +12 s3 freq      -0 delay 0",
            raw_l("phc2sys", "2345.740", P0, "6", k6(Sys, 12, S3, -0.0, Some(0)))),
        ("phc2sys[2345.740]: [ptp4l.0.config] CLOCK_REALTIME phc offset 12 s9 freq -3 delay 5",
            rej(Kind::Phc2sysOffset, Reason::BadServo)),
        ("phc2sys[2345.740]: [ptp4l.0.config] CLOCK_REALTIME phc offset 12 s2",
            rej(Kind::Phc2sysOffset, Reason::Truncated)),
        ("phc2sys[2345.740]: [ptp4l.0.config] CLOCK_REALTIME phc offset 12 s2 freq -3 delay",
            rej(Kind::Phc2sysOffset, Reason::Truncated)),
        ("phc2sys[2345.740]: [ptp4l.0.config] CLOCK_REALTIME phc offset 12 s2 freq -3 delay many",
            rej(Kind::Phc2sysOffset, Reason::BadField("delay"))),
        ("phc2sys[4268818.286]: [ptp4l.0.config] ens5f0 phc offset -47 s2 freq -2047 delay 2438",
            raw("phc2sys", "4268818.286", P0, other(Kind::Other, "ens5f0 phc offset -47 s2 freq -2047 delay 2438"))),

        // ---- K7 phc2sys summary ----
        ("phc2sys[5196804.326]: [ptp4l.0.config] CLOCK_REALTIME rms 9452637 max 9452637 freq +1196097 +/- 0 delay 1000 +/- 0",
            raw("phc2sys", "5196804.326", P0, Body::Phc2sysSummary(summ(9452637, 9452637, 1196097.0, 0, Some((1000, 0)))))),
        ("phc2sys[3560354.300]: [ptp4l.0.config] CLOCK_REALTIME rms    4 max    4 freq -76829 +/-   0 delay  1085 +/-   0",
            raw("phc2sys", "3560354.300", P0, Body::Phc2sysSummary(summ(4, 4, -76829.0, 0, Some((1085, 0)))))),
        ("phc2sys[3560354.300]: [ptp4l.0.config] CLOCK_REALTIME rms 4 max 4 freq -0 +/- 7",
            raw("phc2sys", "3560354.300", P0, Body::Phc2sysSummary(summ(4, 4, -0.0, 7, None)))),
        ("phc2sys[3560354.300]: [ptp4l.0.config] CLOCK_REALTIME rms 4 max 4 freq -76829 +/- zero",
            rej(Kind::Phc2sysSummary, Reason::BadField("freq_sd"))),

        // ---- K8 ts2phc offset ----
        ("ts2phc[1306976.642]: [ts2phc.1.config] ens4f0 offset          0 s2 freq      +0",
            raw("ts2phc", "1306976.642", T1, k8("ens4f0", 0, S2, 0.0, false, false))),
        ("ts2phc[521734.693]: [ts2phc.0.config] ens2f2 offset         -1 s3 freq      -3 holdover",
            raw("ts2phc", "521734.693", T0, k8("ens2f2", -1, S3, -3.0, true, false))),
        ("ts2phc[82674.465]: [ts2phc.0.config] ens2f1 master offset          0 s2 freq      -0",
            raw("ts2phc", "82674.465", T0, k8("ens2f1", 0, S2, -0.0, false, true))),
        ("ts2phc[1000000310]: [ts2phc.0.config] ens7f0 master offset 999 s0 freq -0",
            raw("ts2phc", "1000000310", T0, k8("ens7f0", 999, S0, -0.0, false, true))),
        ("ts2phc[82685.465]: [ts2phc.0.config:6] /dev/ptp6 offset  +2 s1 freq  -1 holdover",
            raw_l("ts2phc", "82685.465", T0, "6", k8("/dev/ptp6", 2, S1, -1.0, true, false))),
        ("ts2phc[82685.465]: [ts2phc.0.config] ens1f0 offset 2 s7 freq -1",
            rej(Kind::Ts2phcOffset, Reason::BadServo)),
        ("ts2phc[82685.465]: [ts2phc.0.config] ens1f0 offset two s2 freq -1",
            rej(Kind::Ts2phcOffset, Reason::BadField("offset"))),
        ("ts2phc[82685.465]: [ts2phc.0.config] ens1f0 offset 2 s2 freq",
            rej(Kind::Ts2phcOffset, Reason::Truncated)),
        ("ts2phc[82685.465]: [ts2phc.0.config] ens1f0 offset 2",
            raw("ts2phc", "82685.465", T0, other(Kind::Ts2phcOffset, "ens1f0 offset 2"))),
        ("ts2phc[4331812.338] [ptp4l.0.config]: UTC-TAI offset not set in system! Trying to revert to the last known value",
            raw("ts2phc", "4331812.338", P0, other(Kind::Ts2phcOffset, "UTC-TAI offset not set in system! Trying to revert to the last known value"))),

        // ---- K9 NMEA status ----
        ("ts2phc[1699929121]:[ts2phc.0.config] ens2f0 nmea_status 0 offset 999999 s0",
            syn("ts2phc", "1699929121", T0, k9("ens2f0", false, 999999, "s0"))),
        ("ts2phc[1726600506]:[ts2phc.0.config] ens7f0 nmea_status 1 offset 0 s2",
            syn("ts2phc", "1726600506", T0, k9("ens7f0", true, 0, "s2"))),
        ("ts2phc[1726600506]:[ts2phc.0.config] ens7f0 nmea_status 2 offset 0 s2",
            rej(Kind::NmeaStatus, Reason::BadField("nmea_status"))),
        ("ts2phc[1726600506]:[ts2phc.0.config] ens7f0 nmea_status 1 offset",
            rej(Kind::NmeaStatus, Reason::Truncated)),

        // ---- K10 GNSS ----
        ("gnss[1689014431]:[ts2phc.0.config] ens2f1 gnss_status 5 offset 0 s2",
            syn("gnss", "1689014431", T0, k10("ens2f1", 5, 0, "s2"))),
        ("gnss[1000000500]:[ts2phc.0.config] ens2f1 gnss_status 3 offset 5 s2",
            syn("gnss", "1000000500", T0, k10("ens2f1", 3, 5, "s2"))),
        ("gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 0 offset 0 s0",
            syn("gnss", "1700002010", T0, k10("ens1f0", 0, 0, "s0"))),
        ("gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 3 offset -12 -1",
            syn("gnss", "1700002010", T0, k10("ens1f0", 3, -12, "-1"))),
        ("gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 3D offset 0 s2",
            rej(Kind::Gnss, Reason::BadField("gnss_status"))),
        ("gnss[1700002010]:[ts2phc.0.config] ens1f0 gnss_status 3 offset 0",
            rej(Kind::Gnss, Reason::Truncated)),

        // ---- K11 DPLL ----
        ("dpll[1757601713]:[ts2phc.1.config] ens8f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2",
            syn("dpll", "1757601713", T1, k11("ens8f0", [Some(3), Some(0), Some(3), Some(1)], "s2"))),
        ("dpll[1757601714]:[ts2phc.1.config] ens4f0 frequency_status 1 offset 0 phase_status 4 pps_status 1 s1",
            syn("dpll", "1757601714", T1, k11("ens4f0", [Some(1), Some(0), Some(4), Some(1)], "s1"))),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 frequency_status 1 offset 99999999999 phase_status 4 pps_status 0 s0",
            syn("dpll", "1757326334", T1, k11("ens4f0", [Some(1), Some(99999999999), Some(4), Some(0)], "s0"))),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 frequency_status -1 phase_status 2 s2",
            syn("dpll", "1757326334", T1, k11("ens4f0", [Some(-1), None, Some(2), None], "s2"))),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 temperature 41 offset -7 s1",
            syn("dpll", "1757326334", T1, k11("ens4f0", [None, Some(-7), None, None], "s1"))),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 s2",
            rej(Kind::Dpll, Reason::Truncated)),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 temperature 41 s2",
            rej(Kind::Dpll, Reason::BadField("no dpll key"))),
        ("dpll[1757326334]:[ts2phc.1.config] ens4f0 phase_status locked s2",
            rej(Kind::Dpll, Reason::BadField("dpll value"))),

        // ---- K12 T-GM status ----
        ("GM[1689282762]:[ts2phc.0.config] ens2f1 T-GM-STATUS s0",
            syn("GM", "1689282762", T0, k12("ens2f1", "s0"))),
        ("GM[1700002011]:[ts2phc.0.config] ens1f0 T-GM-STATUS s1",
            syn("GM", "1700002011", T0, k12("ens1f0", "s1"))),
        ("GM[1700003731]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2",
            syn("GM", "1700003731", T0, k12("ens1f0", "s2"))),
        ("GM[1700003731]:[ts2phc.0.config] ens1f0 T-GM-STATUS",
            rej(Kind::GmStatus, Reason::Truncated)),

        // ---- K13 T-BC status ----
        ("T-BC[1757601713]:[ts2phc.1.config] ens4f0 offset -1 T-BC-STATUS s2",
            syn("T-BC", "1757601713", T1, k13("ens4f0", -1, "s2"))),
        ("T-BC[1757601714]:[ts2phc.1.config] ens4f0 offset 0 T-BC-STATUS s1",
            syn("T-BC", "1757601714", T1, k13("ens4f0", 0, "s1"))),
        ("T-BC[1757326334]:[ts2phc.1.config] ens4f0 offset 99999999999 T-BC-STATUS s0",
            syn("T-BC", "1757326334", T1, k13("ens4f0", 99999999999, "s0"))),
        ("T-BC[1743005894]:[ptp4l.0.config] ens2f0  offset  55 T-BC-STATUS s2",
            syn("T-BC", "1743005894", P0, k13("ens2f0", 55, "s2"))),
        ("T-BC[1743005894]:[ptp4l.0.config] ens2f0 offset 5.5 T-BC-STATUS s2",
            rej(Kind::TbcStatus, Reason::BadField("offset"))),

        // ---- K14 SyncE ----
        ("synce4l[1722456110]:[synce4l.0.config] ens7f0 device synce1 eec_state EEC_HOLDOVER network_option 2 s1",
            syn("synce4l", "1722456110", S0C, k14("ens7f0", "synce1", 2, SynceReport::State { eec_state: "EEC_HOLDOVER" }, "s1"))),
        ("synce4l[1757601713]:[synce4l.0.config] ens7f0 device synce1 eec_state EEC_LOCKED network_option 1 s2",
            syn("synce4l", "1757601713", S0C, k14("ens7f0", "synce1", 1, SynceReport::State { eec_state: "EEC_LOCKED" }, "s2"))),
        ("synce4l[1722458091]:[synce4l.0.config] ens7f0 clock_quality PRTC device synce1 ext_ql 0x20 network_option 2 ql 0x1 s2",
            syn("synce4l", "1722458091", S0C, k14("ens7f0", "synce1", 2, SynceReport::Quality { clock_quality: "PRTC", ql: 0x1, ext_ql: Some(0x20) }, "s2"))),
        ("synce4l[1722458200]:[synce4l.0.config] ens7f0 clock_quality PRC device synce1 network_option 1 ql 0x2 s2",
            syn("synce4l", "1722458200", S0C, k14("ens7f0", "synce1", 1, SynceReport::Quality { clock_quality: "PRC", ql: 0x2, ext_ql: None }, "s2"))),
        ("synce4l 1722456110 synce4l.0.config ens7f0 device synce1 eec_state EEC_LOCKED network_option 1 s2",
            entry(Prefix::Bare, "synce4l", "1722456110", S0C, None, k14("ens7f0", "synce1", 1, SynceReport::State { eec_state: "EEC_LOCKED" }, "s2"))),
        ("synce4l[1234.567]: [synce4l.0.config] EEC_LOCKED on synce1",
            raw("synce4l", "1234.567", S0C, other(Kind::Synce, "EEC_LOCKED on synce1"))),
        ("synce4l[1722458200]:[synce4l.0.config] ens7f0 clock_quality PRC device synce1 network_option 1 ql 0xZZ s2",
            rej(Kind::Synce, Reason::BadField("ql"))),
        ("synce4l[1722458200]:[synce4l.0.config] ens7f0 clock_quality PRC device synce1 network_option 1 ql 0x+2 s2",
            rej(Kind::Synce, Reason::BadField("ql"))),

        // ---- K15 chronyd ----
        ("chronyd[1234][chronyd.0.config]: Selected source 192.168.1.1",
            entry(Prefix::Chronyd, "chronyd", "1234", C0, None, k15(true, "Selected source 192.168.1.1"))),
        ("chronyd[1000000800]: [chronyd.0.config] Selected source 192.168.1.1",
            raw("chronyd", "1000000800", C0, k15(true, "Selected source 192.168.1.1"))),
        ("chronyd[1234][chronyd.0.config]: Can't synchronise: no selectable sources",
            entry(Prefix::Chronyd, "chronyd", "1234", C0, None, k15(false, "Can't synchronise: no selectable sources"))),
        ("chronyd[1234][chronyd.0.config]: System clock wrong by 1.5 seconds",
            entry(Prefix::Chronyd, "chronyd", "1234", C0, None, other(Kind::Chronyd, "System clock wrong by 1.5 seconds"))),

        // ---- K16 PTP-HA ----
        ("phc2sys[1710435400]:[phc2sys.2.config] ptp_ha_profile profile1 state 1",
            syn("phc2sys", "1710435400", "phc2sys.2.config", k16("profile1", true))),
        ("phc2sys[1710435460]:[phc2sys.2.config] ptp_ha_profile profile2 state 0",
            syn("phc2sys", "1710435460", "phc2sys.2.config", k16("profile2", false))),
        ("phc2sys[1710435460]:[phc2sys.2.config] ptp_ha_profile profile2 state 2",
            rej(Kind::HaProfile, Reason::BadField("state"))),
        ("phc2sys[1710435460]:[phc2sys.2.config] ptp_ha_profile profile2",
            rej(Kind::HaProfile, Reason::Truncated)),

        // ---- §3.17 accepted and ignored ----
        ("ptp4l[5365.801]: [ptp4l.0.config] selected /dev/ptp0 as PTP clock",
            raw("ptp4l", "5365.801", P0, other(Kind::Other, "selected /dev/ptp0 as PTP clock"))),
        ("ptp4l[1031590.641]: [ptp4l.0.config] selected local clock 507c6f.fffe.1fb1b8 as best master",
            raw("ptp4l", "1031590.641", P0, other(Kind::Other, "selected local clock 507c6f.fffe.1fb1b8 as best master"))),
        ("ptp4l[1031602.492]: [ptp4l.1.config] selected best master clock 507c6f.fffe.1fb16c",
            raw("ptp4l", "1031602.492", P1, other(Kind::Other, "selected best master clock 507c6f.fffe.1fb16c"))),
        ("ptp4l[1031590.641]: [ptp4l.0.config] port 2 (ens8f0): assuming the grand master role",
            raw("ptp4l", "1031590.641", P0, other(Kind::PortState, "port 2 (ens8f0): assuming the grand master role"))),
        ("ptp4l[1306980.459]: [ptp4l.1.config] port 1 (ens4f1): new foreign master 507c6f.fffe.1fb16c-4",
            raw("ptp4l", "1306980.459", P1, other(Kind::PortState, "port 1 (ens4f1): new foreign master 507c6f.fffe.1fb16c-4"))),
        ("ptp4l[1306977.285]: [ptp4l.1.config] port 1 (ens4f1): link down",
            raw("ptp4l", "1306977.285", P1, other(Kind::PortState, "port 1 (ens4f1): link down"))),
        ("ptp4l[1306980.709]: [ptp4l.1.config] Switched to /dev/ptp9 as PTP clock",
            raw("ptp4l", "1306980.709", P1, other(Kind::Other, "Switched to /dev/ptp9 as PTP clock"))),
        ("ptp4l[1306977.262]: [ptp4l.1.config] recvmsg tx timestamp failed: Resource temporarily unavailable",
            raw("ptp4l", "1306977.262", P1, other(Kind::Other, "recvmsg tx timestamp failed: Resource temporarily unavailable"))),
        ("ptp4l[1306977.262]: [ptp4l.1.config] port 1 (ens4f1): send delay request failed",
            raw("ptp4l", "1306977.262", P1, other(Kind::PortState, "port 1 (ens4f1): send delay request failed"))),
        ("ptp4l[1306977.300]: [ptp4l.0.config] timed out while polling for tx timestamp",
            raw("ptp4l", "1306977.300", P0, other(Kind::Other, "timed out while polling for tx timestamp"))),
        ("ptp4l[1306977.300]: [ptp4l.0.config] port 1 (ens4f1): Master clock quality received is greater than configured, ignoring master!",
            raw("ptp4l", "1306977.300", P0, other(Kind::PortState, "port 1 (ens4f1): Master clock quality received is greater than configured, ignoring master!"))),
        ("phc2sys[1306977.559]: [ptp4l.1.config] port 507c6f.fffe.1fb1b9-1 changed state",
            raw("phc2sys", "1306977.559", P1, other(Kind::Other, "port 507c6f.fffe.1fb1b9-1 changed state"))),
        ("phc2sys[1306977.559]: [ptp4l.1.config] reconfiguring after port state change",
            raw("phc2sys", "1306977.559", P1, other(Kind::Other, "reconfiguring after port state change"))),
        ("phc2sys[1306977.559]: [ptp4l.1.config] selecting ens4f1 for synchronization",
            raw("phc2sys", "1306977.559", P1, other(Kind::Other, "selecting ens4f1 for synchronization"))),
        ("phc2sys[1306977.600]: [ptp4l.0.config] Waiting for ptp4l...",
            raw("phc2sys", "1306977.600", P0, other(Kind::Other, "Waiting for ptp4l..."))),
        ("phc2sys[1306977.600]: [ptp4l.0.config] Lost connection to ptp4l #1",
            raw("phc2sys", "1306977.600", P0, other(Kind::Other, "Lost connection to ptp4l #1"))),
        ("ts2phc[82684.465]: [ts2phc.0.config] source ts not valid",
            raw("ts2phc", "82684.465", T0, other(Kind::Other, "source ts not valid"))),
        ("ts2phc[82684.465]: [ts2phc.0.config] nmea source timed out",
            raw("ts2phc", "82684.465", T0, other(Kind::Other, "nmea source timed out"))),
        ("ts2phc[82684.465]: [ts2phc.0.config] /dev/ptp6 lost holdover lock (offset       -260)",
            raw("ts2phc", "82684.465", T0, other(Kind::Other, "/dev/ptp6 lost holdover lock (offset       -260)"))),
        ("synce4l[1722456110.5]: [synce4l.0.config] EEC_LOCKED on synce1",
            raw("synce4l", "1722456110.5", S0C, other(Kind::Synce, "EEC_LOCKED on synce1"))),
        ("pmc[1700000000]:[ptp4l.0.config] GET PARENT_DATA_SET",
            syn("pmc", "1700000000", P0, other(Kind::Other, "GET PARENT_DATA_SET"))),

        // ---- normalisation rejects (§2.2) ----
        ("ptp4l[1306977.262]: port 1 (ens4f1): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
            rej(Kind::Other, Reason::NoConfig)),
        ("ptp4l[1.0]: [foo.0.config] master offset -1 s2 freq -3 path delay 9",
            rej(Kind::Other, Reason::NoConfig)),
        ("ptp4l[1.0]: [ptp4l.config] master offset -1 s2 freq -3 path delay 9",
            rej(Kind::Other, Reason::NoConfig)),
        ("[ptp4l.0.config]", rej(Kind::Other, Reason::TooFewTokens)),
        ("ptp4l [ptp4l.0.config]", rej(Kind::Other, Reason::TooFewTokens)),
        ("ptp4l[1.0]: [ptp4l.0.config]",
            raw("ptp4l", "1.0", P0, other(Kind::Other, ""))),
    ]
}

fn check_row(line: &str, want: &Want) {
    let got = parse(line);
    match want {
        Want::Ok(w) => {
            let g = got.unwrap_or_else(|e| panic!("{line:?}: expected Ok, got {e:?}"));
            assert_eq!(&g, w, "{line:?}");
            // Debug text distinguishes -0.0 from 0.0.
            assert_eq!(format!("{g:?}"), format!("{w:?}"), "{line:?}");
            // Rendering the model and parsing it again gives the same model.
            let text = g.to_string();
            let again = parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            assert_eq!(
                format!("{again:?}"),
                format!("{g:?}"),
                "re-render of {line:?}"
            );
        }
        Want::Err(kind, reason) => {
            let e = got.expect_err(line);
            assert_eq!(
                e,
                ParseError {
                    kind: *kind,
                    reason: *reason
                },
                "{line:?}"
            );
        }
    }
}

#[test]
fn table_of_lines() {
    let rows = table();
    assert!(rows.len() >= 60, "only {} rows", rows.len());
    for (line, want) in &rows {
        check_row(line, want);
    }
}

#[test]
fn table_covers_every_kind() {
    let rows = table();
    let parsed: Vec<Kind> = rows
        .iter()
        .filter_map(|(_, w)| match w {
            Want::Ok(LogLine::Entry(e)) if !matches!(e.body, Body::Other { .. }) => {
                Some(e.body.kind())
            }
            Want::Ok(l) => Some(l.kind()),
            Want::Err(..) => None,
        })
        .collect();
    for k in Kind::ALL {
        // JSON messages are not log lines (events::daemon parses them).
        if !matches!(k, Kind::Other | Kind::Json) {
            assert!(parsed.contains(&k), "no parsed row for {k:?}");
        }
    }
    let rejected: Vec<Kind> = rows
        .iter()
        .filter_map(|(_, w)| match w {
            Want::Err(k, _) => Some(*k),
            Want::Ok(_) => None,
        })
        .collect();
    for k in [
        Kind::Ptp4lOffset,
        Kind::ClockClass,
        Kind::ProcessStatus,
        Kind::Phc2sysOffset,
        Kind::Ts2phcOffset,
        Kind::Gnss,
        Kind::Dpll,
        Kind::Synce,
    ] {
        assert!(rejected.contains(&k), "no rejected row for {k:?}");
    }
}

#[test]
fn negative_zero_frequency_keeps_its_sign() {
    let sign = |line: &str| match parse(line) {
        Ok(LogLine::Entry(Entry {
            body: Body::Ts2phcOffset(o),
            ..
        })) => o.freq.is_sign_negative(),
        Ok(LogLine::Entry(Entry {
            body: Body::PtpOffset(o),
            ..
        })) => o.freq.is_sign_negative(),
        other => panic!("{line:?}: {other:?}"),
    };
    assert!(sign(
        "ts2phc[1]: [ts2phc.0.config] ens2f1 master offset 0 s2 freq      -0"
    ));
    assert!(!sign(
        "ts2phc[1]: [ts2phc.0.config] ens4f0 offset 0 s2 freq      +0"
    ));
    assert!(sign(
        "ptp4l[1]: [ptp4l.0.config] master offset 0 s2 freq -0"
    ));
    let line =
        "ts2phc[82674.465]: [ts2phc.0.config] ens2f1 master offset          0 s2 freq      -0";
    let rendered = parse(line).map(|l| l.to_string());
    assert_eq!(rendered.as_deref(), Ok(line));
}

#[test]
fn renders_spec_examples_byte_exactly() {
    // Lines whose spacing is linuxptp's printf padding render back unchanged.
    for line in [
        "ptp4l[1031602.617]: [ptp4l.1.config] master offset        -98 s0 freq      +3 path delay      1587",
        "ptp4l[2464681.628]: [ptp4l.0.config:6] master offset         -4 s2 freq  -26835 path delay       525",
        "ptp4l[5375.018]: [ptp4l.0.config] master offset      -4933 s1 freq   -1069",
        "phc2sys[1306976.118]: [ptp4l.1.config] CLOCK_REALTIME phc offset        -5 s2 freq   +2726 delay    547",
        "ts2phc[1306976.642]: [ts2phc.1.config] ens4f0 offset          0 s2 freq      +0",
        "ts2phc[521734.693]: [ts2phc.0.config] ens2f2 offset         -1 s3 freq      -3 holdover",
        "ptp4l[74737.942]: [ptp4l.0.config] rms   53 max   74 freq -16642 +/-  40 delay  1089 +/-  20",
        "ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens1f0): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
        "ptp4l[8542280.698]: [ptp4l.0.config] port 1: UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
        "ptp4l[1000000600]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 248.000000",
        "ptp4l[1780430740]:[ptp4l.1.config] PTP_PROCESS_STATUS:0",
        "phc2sys[1234.567]: [ptp4l.0.config] PTP_PROCESS_STATUS 0",
        "dpll[1757601713]:[ts2phc.1.config] ens8f0 frequency_status 3 offset 0 phase_status 3 pps_status 1 s2",
        "synce4l[1722458091]:[synce4l.0.config] ens7f0 clock_quality PRTC device synce1 ext_ql 0x20 network_option 2 ql 0x1 s2",
        "chronyd[1234][chronyd.0.config]: Can't synchronise: no selectable sources",
        "synce4l 1722456110 synce4l.0.config ens7f0 device synce1 eec_state EEC_LOCKED network_option 1 s2",
        "CMD LIVE_START",
    ] {
        let got = parse(line).map(|l| l.to_string());
        assert_eq!(got.as_deref(), Ok(line));
    }
}

#[test]
fn profile_key_folds_ts2phc() {
    let Ok(LogLine::Entry(e)) = parse("ptp4l[1757326382]:[ts2phc.1.config] CLOCK_CLASS_CHANGE 6")
    else {
        panic!("not an entry");
    };
    assert_eq!(e.config, "ts2phc.1.config");
    assert!(e.profile_key().is("ptp4l.1.config"));
    assert!(!e.profile_key().is("ts2phc.1.config"));
    assert_eq!(e.profile_key().to_owned_string(), "ptp4l.1.config");
    assert_eq!(e.profile_key().to_string(), "ptp4l.1.config");
    assert!(ProfileKey::of("phc2sys.2.config").is("phc2sys.2.config"));
}

// ---- K3 role rules ----

type Hint = Option<SyncState>;

/// `(from, to, event, fault, expected (role, hint))`.
type RoleRow = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<(Role, Hint)>,
);

fn transition(from: &str, to: &str, event: &str, fault: Option<&str>) -> Option<(Role, Hint)> {
    PortState {
        port: "1",
        iface: Some("ens2f0"),
        from,
        to,
        event,
        fault,
    }
    .transition()
}

#[rustfmt::skip]
#[test]
fn role_rule_table() {
    use Role::*;
    use SyncState::{Freerun as F, Holdover as H};
    let rows: &[RoleRow] = &[
        // rule 1
        ("UNCALIBRATED", "SLAVE", "MASTER_CLOCK_SELECTED", None, Some((Slave, None))),
        ("LISTENING", "SLAVE", "MASTER_CLOCK_SELECTED", None, Some((Slave, None))),
        // rule 2
        ("UNCALIBRATED", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        ("MASTER", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        ("SLAVE", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        ("LISTENING", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        // rule 3
        ("UNCALIBRATED", "MASTER", "RS_MASTER", None, Some((Master, Some(F)))),
        ("LISTENING", "MASTER", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Master, Some(F)))),
        // rule 4
        ("SLAVE", "FAULTY", "FAULT_DETECTED", Some("FT_UNSPECIFIED"), Some((Faulty, Some(H)))),
        ("MASTER", "FAULTY", "FAULT_DETECTED", None, Some((Faulty, Some(H)))),
        ("LISTENING", "FAULTY", "FAULT_DETECTED", Some("FT_BAD_PEER_NETWORK"), Some((Faulty, Some(H)))),
        ("SLAVE", "UNCALIBRATED", "SYNCHRONIZATION_FAULT", None, Some((Faulty, Some(H)))),
        ("SLAVE", "UNCALIBRATED", "RS_SLAVE", None, Some((Faulty, Some(H)))),
        ("MASTER", "UNCALIBRATED", "RS_SLAVE", None, Some((Faulty, Some(H)))),
        ("LISTENING", "UNCALIBRATED", "RS_SLAVE", None, Some((Faulty, Some(H)))),
        // rule 5
        ("SLAVE", "MASTER", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Master, Some(H)))),
        ("SLAVE", "GRAND_MASTER", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Master, Some(H)))),
        // rule 6
        ("SLAVE", "LISTENING", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Listening, Some(H)))),
        // rule 7
        ("FAULTY", "LISTENING", "INIT_COMPLETE", None, Some((Listening, Some(F)))),
        ("UNCALIBRATED", "LISTENING", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Listening, Some(F)))),
        ("INITIALIZING", "LISTENING", "INIT_COMPLETE", None, Some((Listening, Some(F)))),
        // first match wins
        ("SLAVE", "PASSIVE", "FAULT_DETECTED", None, Some((Passive, Some(F)))),
        ("SLAVE", "MASTER", "FAULT_DETECTED", None, Some((Faulty, Some(H)))),
        ("SLAVE", "LISTENING", "SYNCHRONIZATION_FAULT", None, Some((Faulty, Some(H)))),
        ("INITIALIZING", "FAULTY", "FAULT_DETECTED", None, Some((Faulty, Some(H)))),
        // unknown → ignored
        ("FAULTY", "SLAVE", "MASTER_CLOCK_SELECTED", None, None),
        ("LISTENING", "PRE_MASTER", "RS_MASTER", None, None),
        ("PRE_MASTER", "MASTER", "QUALIFICATION_TIMEOUT_EXPIRES", None, None),
        ("MASTER", "UNCALIBRATED", "RS_GRAND_MASTER", None, None),
        ("LISTENING", "UNCALIBRATED", "RS_PASSIVE", None, None),
        ("PASSIVE", "MASTER", "RS_MASTER", None, None),
        ("FAULTY", "DISABLED", "DESIGNATED_DISABLED", None, None),
        ("INITIALIZING", "FAULTY", "INIT_COMPLETE", None, None),
        // forward-compatible names
        ("UNCALIBRATED", "TIME_RECEIVER", "MASTER_CLOCK_SELECTED", None, Some((Slave, None))),
        ("TIME_RECEIVER", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        ("LISTENING", "TIME_TRANSMITTER", "RS_MASTER", None, Some((Master, Some(F)))),
        ("TIME_TRANSMITTER", "UNCALIBRATED", "RS_SLAVE", None, Some((Faulty, Some(H)))),
        ("TIME_RECEIVER", "UNCALIBRATED", "SYNCHRONIZATION_FAULT", None, Some((Faulty, Some(H)))),
        ("TIME_RECEIVER", "TIME_TRANSMITTER", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Master, Some(H)))),
        ("TIME_RECEIVER", "LISTENING", "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", None, Some((Listening, Some(H)))),
        ("TIME_TRANSMITTER", "PASSIVE", "RS_PASSIVE", None, Some((Passive, Some(F)))),
        ("LISTENING", "PRE_TIME_TRANSMITTER", "RS_MASTER", None, None),
        ("PRE_TIME_TRANSMITTER", "TIME_TRANSMITTER", "QUALIFICATION_TIMEOUT_EXPIRES", None, None),
    ];
    for (from, to, event, fault, want) in rows {
        assert_eq!(
            transition(from, to, event, *fault),
            *want,
            "{from} to {to} on {event} {fault:?}"
        );
    }
}

/// Port lines of the timed sequences of spec §6, parsed and mapped to roles.
#[rustfmt::skip]
#[test]
fn role_rules_on_sequence_lines() {
    use Role::*;
    use SyncState::{Freerun as F, Holdover as H};
    let rows: &[(&str, Option<(Role, Hint)>)] = &[
        ("ptp4l[5365.830]: [ptp4l.0.config] port 1 (ens2f0): INITIALIZING to LISTENING on INIT_COMPLETE", Some((Listening, Some(F)))),
        ("ptp4l[5366.902]: [ptp4l.0.config] port 1 (ens2f0): LISTENING to UNCALIBRATED on RS_SLAVE", Some((Faulty, Some(H)))),
        ("ptp4l[5382.956]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED", Some((Slave, None))),
        ("ptp4l[1306977.512]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to MASTER on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", Some((Master, Some(H)))),
        ("ptp4l[1306977.262]: [ptp4l.1.config] port 1 (ens4f1): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)", Some((Faulty, Some(H)))),
        ("ptp4l[1306980.373]: [ptp4l.1.config] port 1 (ens4f1): FAULTY to LISTENING on INIT_COMPLETE", Some((Listening, Some(F)))),
        ("ptp4l[8001.250]: [ptp4l.0.config] port 1 (ens2f0): MASTER to UNCALIBRATED on RS_SLAVE", Some((Faulty, Some(H)))),
        ("ptp4l[9000.062]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to UNCALIBRATED on SYNCHRONIZATION_FAULT", Some((Faulty, Some(H)))),
        ("ptp4l[72444.514]: [ptp4l.0.config:5] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED", Some((Slave, None))),
        ("ptp4l[1.000]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to LISTENING on ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES", Some((Listening, Some(H)))),
        ("ptp4l[1.000]: [ptp4l.0.config] port 2 (ens2f1): LISTENING to PRE_MASTER on RS_MASTER", None),
    ];
    for (line, want) in rows {
        match parse(line) {
            Ok(LogLine::Entry(Entry { body: Body::PortState(p), .. })) => {
                assert_eq!(p.transition(), *want, "{line}");
            }
            other => panic!("{line}: {other:?}"),
        }
    }
}

#[test]
fn daemon_tokens_and_servo() {
    assert_eq!(DaemonToken("s0").state(), SyncState::Freerun);
    assert_eq!(DaemonToken("s1").state(), SyncState::Holdover);
    assert_eq!(DaemonToken("s2").state(), SyncState::Locked);
    assert_eq!(DaemonToken("s3").state(), SyncState::Freerun);
    assert_eq!(DaemonToken("-1").state(), SyncState::Freerun);
    assert_eq!(DaemonToken("-2").state(), SyncState::Freerun);
    assert!(!Servo::S0.is_locked() && !Servo::S1.is_locked());
    assert!(Servo::S2.is_locked() && Servo::S3.is_locked());
}

#[test]
fn int_accepts_signs_and_rejects_junk() {
    assert_eq!(int("-98"), Some(-98));
    assert_eq!(int("+3"), Some(3));
    assert_eq!(int("-0"), Some(0));
    assert_eq!(int("99999999999"), Some(99_999_999_999));
    for bad in ["", "-", "+", "1.5", "1e3", "0x10", " 1", "--1", "+-1", "١"] {
        assert_eq!(int(bad), None, "{bad:?}");
    }
}
