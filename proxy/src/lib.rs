#![forbid(unsafe_code)]
//! PTP fast-event notification proxy: a drop-in replacement for the Go
//! `cloud-event-proxy` sidecar. See `DESIGN.md` of the project for the shape:
//! socket lines → parse (`linuxptp`) → engine (`clock`) → effects → events
//! (`events`) → delivery, metrics and the REST API.

pub mod clock;
pub mod config;
pub mod events;
pub mod explain;
pub mod linuxptp;
