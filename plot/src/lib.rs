#![forbid(unsafe_code)]
//! The timeline of a PTP run on one time axis, and its SVG rendering.
//!
//! - [`model`]: the pure [`Timeline`]: offset samples per clock with their
//!   threshold band, state intervals per resource, holdover timer
//!   intervals, events with their value, and clock class steps.
//! - [`Recorder`]: builds a [`Timeline`] from what a virtual-time run sees:
//!   the parsed lines (offsets, profile types) and the engine's effects
//!   (events). [`drive()`] runs the engine over timed lines itself and records
//!   both, the same loop `ptp-sim run --virtual` uses.
//! - [`svg`]: renders a [`Timeline`] with plotters' SVG backend.
//!
//! ```no_run
//! # use ptp_event_core::node_config::NodeConfig;
//! let cfg = NodeConfig::default();
//! let lines = vec![(0.0, "ptp4l[1.0]: [ptp4l.0.config] master offset 3 s2 freq -1 path delay 9".to_string())];
//! let run = ptp_timeline::drive("node", &cfg, lines.iter().map(|(t, l)| (*t, l.as_str())), None);
//! let svg = ptp_timeline::svg::render(&run.timeline).expect("render");
//! std::fs::write("timeline.svg", svg).expect("write");
//! ```

pub mod drive;
pub mod model;
pub mod record;
pub mod svg;

pub use drive::{drive, Run};
pub use model::{
    ClassStep, EventMark, OffsetSeries, StateInterval, StateTrack, Timeline, TimerInterval, Tone,
};
pub use record::Recorder;
