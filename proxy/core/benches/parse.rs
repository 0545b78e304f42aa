//! Parser throughput over a realistic mixed log: mostly ptp4l offset lines at
//! 16 Hz, phc2sys lines, and the daemon's per-second status lines, with some
//! port transitions, process status, clock class and ignored chatter.
//!
//! Run: `cargo bench -p ptp-event-proxy --bench parse`. Throughput is in
//! elements (lines) per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ptp_event_core::linuxptp::{parse, LogLine};

/// A small deterministic PRNG (xorshift), so the log is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

/// `seconds` of traffic from one T-GM/OC node, in arrival order.
fn mixed_log(seconds: u64) -> Vec<String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    for s in 0..seconds {
        let mono = 365_000 + s;
        let unix = 1_700_000_000 + s;
        for tick in 0..16u64 {
            let ms = tick * 62 + 5;
            let (off, freq, delay) = (
                rng.range(-60, 60),
                rng.range(-3000, -1000),
                rng.range(1580, 1600),
            );
            let servo = if rng.next() % 500 == 0 { "s0" } else { "s2" };
            out.push(format!(
                "ptp4l[{mono}.{ms:03}]: [ptp4l.0.config] master offset {off:10} {servo} freq {freq:+7} path delay {delay:9}"
            ));
            if tick % 2 == 0 {
                let (off, freq, delay) = (
                    rng.range(-20, 20),
                    rng.range(2600, 2800),
                    rng.range(540, 560),
                );
                out.push(format!(
                    "phc2sys[{mono}.{:03}]: [ptp4l.0.config] CLOCK_REALTIME phc offset {off:9} s2 freq {freq:+7} delay {delay:6}",
                    ms + 30
                ));
            }
        }
        out.push(format!(
            "ts2phc[{mono}.465]: [ts2phc.0.config] ens1f0 offset {:10} s2 freq {:+7}",
            rng.range(-3, 3),
            rng.range(-5, 5)
        ));
        out.push(format!(
            "ts2phc[{unix}]:[ts2phc.0.config] ens1f0 nmea_status 1 offset 0 s2"
        ));
        out.push(format!(
            "gnss[{unix}]:[ts2phc.0.config] ens1f0 gnss_status 3 offset {} s2",
            rng.range(0, 5)
        ));
        out.push(format!(
            "dpll[{unix}]:[ts2phc.0.config] ens1f0 frequency_status 3 offset {} phase_status 3 pps_status 1 s2",
            rng.range(-2, 2)
        ));
        out.push(format!(
            "GM[{unix}]:[ts2phc.0.config] ens1f0 T-GM-STATUS s2"
        ));
        if s % 10 == 0 {
            out.push(format!(
                "ptp4l[{mono}.700]: [ptp4l.1.config:5] port 1 (ens4f1): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED"
            ));
            out.push(format!(
                "ptp4l[{mono}.700]: [ptp4l.1.config] selected best master clock 507c6f.fffe.1fb16c"
            ));
            out.push(format!(
                "T-BC[{unix}]:[ts2phc.1.config] ens4f0 offset {} T-BC-STATUS s2",
                rng.range(-5, 5)
            ));
            out.push(format!(
                "synce4l[{unix}]:[synce4l.0.config] ens7f0 device synce1 eec_state EEC_LOCKED network_option 1 s2"
            ));
        }
        if s % 30 == 0 {
            out.push(format!(
                "ptp4l[{unix}]:[ptp4l.0.config] PTP_PROCESS_STATUS:1"
            ));
            out.push(format!(
                "ptp4l[{mono}.900]: [ptp4l.0.config] rms   53 max   74 freq -16642 +/-  40 delay  1089 +/-  20"
            ));
        }
        if s % 60 == 0 {
            out.push(format!(
                "ptp4l[{unix}]:[ts2phc.0.config] CLOCK_CLASS_CHANGE 6"
            ));
            out.push(format!(
                "ts2phc[{mono}.300] [ptp4l.0.config]: UTC-TAI offset not set in system! Trying to revert to the last known value"
            ));
        }
    }
    out
}

fn bench_parse(c: &mut Criterion) {
    let log = mixed_log(120);
    // Sanity: the log is what it claims to be (nothing rejected).
    let parsed = log.iter().filter(|l| parse(l).is_ok()).count();
    assert_eq!(parsed, log.len(), "the benchmark log has rejected lines");
    let offsets = log
        .iter()
        .filter(|l| matches!(parse(l), Ok(LogLine::Entry(e)) if e.source == "ptp4l"))
        .count();
    eprintln!(
        "mixed log: {} lines, {} from ptp4l ({:.0}%)",
        log.len(),
        offsets,
        100.0 * offsets as f64 / log.len() as f64
    );

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(log.len() as u64));
    g.bench_function("mixed_log", |b| {
        b.iter(|| {
            let mut kinds = 0usize;
            for line in &log {
                if let Ok(l) = parse(black_box(line)) {
                    kinds += l.kind() as usize;
                }
            }
            black_box(kinds)
        })
    });
    let offset_line = "ptp4l[1031602.617]: [ptp4l.1.config] master offset        -98 s0 freq      +3 path delay      1587";
    g.throughput(Throughput::Elements(1));
    g.bench_function("ptp4l_offset_line", |b| {
        b.iter(|| parse(black_box(offset_line)).is_ok())
    });
    g.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
