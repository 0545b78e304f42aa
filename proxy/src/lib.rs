#![forbid(unsafe_code)]
//! PTP fast-event notification proxy: a drop-in replacement for the Go
//! `cloud-event-proxy` sidecar. The pure core (lines, engine, envelopes) is
//! the `ptp-event-core` crate; this crate is the IO around it. Layers, from
//! the bottom: `config`, `metrics`, `store`, `delivery`, `http` →
//! `registry`, `engine_link`, `ingest` → `rest`, `transport` → `daemon` →
//! `cli`. Nothing imports a module above it.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod delivery;
pub mod engine_link;
pub mod http;
pub mod ingest;
pub mod logging;
pub mod metrics;
pub mod registry;
pub mod rest;
pub mod store;
pub mod transport;
