//! Parse + engine throughput over a realistic LOCKED OC log: 16 Hz ptp4l
//! offset lines and 1 Hz... (here 8 Hz) phc2sys lines, with a clock-class
//! line every 60 s. Target: >= 2 million lines/s.
//!
//! Run: `cargo bench -p ptp-event-proxy --bench engine`

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ptp_event_core::clock::{Engine, Now};
use ptp_event_core::linuxptp::{parse, Role};
use ptp_event_core::node_config::{NodeConfig, PortConfig, Ptp4lConfig};

fn log(n: usize) -> Vec<(Duration, String)> {
    let mut out = Vec::with_capacity(n);
    let mut t = 0u64; // ms
    let mut i = 0usize;
    while out.len() < n {
        i += 1;
        t += 62;
        let off = (i as i64 * 37) % 41 - 20;
        out.push((
            Duration::from_millis(t),
            format!(
                "ptp4l[{}.{:03}]: [ptp4l.0.config] master offset {off:>10} s2 freq {:>7} path delay {:>9}",
                5000 + t / 1000,
                t % 1000,
                -1100 + off,
                1585 + off % 3
            ),
        ));
        if i % 2 == 0 {
            out.push((
                Duration::from_millis(t + 1),
                format!(
                    "phc2sys[{}.{:03}]: [ptp4l.0.config] CLOCK_REALTIME phc offset {:>9} s2 freq {:>7} delay {:>6}",
                    5000 + t / 1000,
                    t % 1000,
                    off / 2,
                    2700 + off,
                    547
                ),
            ));
        }
        if i % 960 == 0 {
            out.push((
                Duration::from_millis(t + 2),
                "ptp4l[1700005000]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6".to_string(),
            ));
        }
    }
    out.truncate(n);
    out
}

fn node() -> NodeConfig {
    let f = Ptp4lConfig {
        name: "ptp4l.0.config".into(),
        profile: Some("oc".into()),
        ports: vec![PortConfig {
            iface: "ens2f0".into(),
            initial_role: Role::Slave,
        }],
    };
    NodeConfig {
        files: BTreeMap::from([(f.name.clone(), f)]),
        ..NodeConfig::default()
    }
}

fn bench(c: &mut Criterion) {
    let lines = log(100_000);
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.sample_size(20);
    g.bench_function("parse+engine locked OC", |b| {
        b.iter(|| {
            let mut e = Engine::new("compute-1.example.com", None);
            let _ = e.on_config(node());
            let mut n = 0usize;
            for (t, l) in &lines {
                let Ok(parsed) = parse(l) else { continue };
                let fx = e.on_line(&parsed, Now::virtual_at(*t));
                n += fx.items.len();
            }
            black_box(n)
        })
    });
    g.bench_function("parse only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (_, l) in &lines {
                n += usize::from(parse(l).is_ok());
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
