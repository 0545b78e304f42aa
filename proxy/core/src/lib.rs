#![forbid(unsafe_code)]
//! The pure core of the PTP fast-event proxy: text in, values out, time
//! passed in. No sockets, no runtime, no clock reads.
//!
//! - [`linuxptp`]: the daemon's log-line model, its parser and renderer;
//! - [`node_config`]: ptp4l configuration files, threshold profiles, the
//!   interface alias rule, the node-configuration types;
//! - [`clock`]: the sans-IO clock-state engine (`on_line`, `on_tick`,
//!   `next_deadline`, `snapshot`) and its virtual-time driver;
//! - [`events`]: resource addresses and the v2 / v1 / transport envelopes;
//! - [`explain`]: a captured log replayed through the engine, explained.

pub mod clock;
pub mod events;
pub mod explain;
pub mod linuxptp;
pub mod node_config;
