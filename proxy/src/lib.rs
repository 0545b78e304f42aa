#![forbid(unsafe_code)]
//! PTP fast-event notification proxy: a drop-in replacement for the Go
//! `cloud-event-proxy` sidecar. See `DESIGN.md` of the project for the shape:
//! socket lines → parse (`linuxptp`) → engine (`clock`) → effects → events
//! (`events`) → hub and delivery, metrics and the REST API.

// Pure.
pub mod clock;
pub mod config;
pub mod events;
pub mod explain;
pub mod linuxptp;

// IO.
pub mod api;
pub mod cli;
pub mod daemon;
pub mod delivery;
pub mod hub;
pub mod logging;
pub mod metrics;
pub mod socket;
pub mod store;
pub mod transport;
pub mod v1hub;
