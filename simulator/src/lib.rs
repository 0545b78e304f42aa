#![forbid(unsafe_code)]
//! The library half of `ptp-sim`: the scenario files (schema, node,
//! sampler, line generators, expectations). Pure of IO and runtimes, so
//! the fuzz targets (`fuzz/`) reach the scenario parser; the binary
//! (`main.rs`) uses it as `crate::scenario`.

pub mod scenario;
