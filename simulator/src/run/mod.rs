//! Runners: virtual time (engine in-process) and real time (the proxy
//! binary), the fleet of real proxies, the recording consumer and the
//! report.

pub mod children;
pub mod consumer;
pub mod fleet;
pub mod json;
pub mod player;
pub mod procstat;
pub mod real;
pub mod report;
#[path = "virtual.rs"]
pub mod virtual_time;
