//! Runners: virtual time (engine in-process) and real time (the proxy
//! binary), plus the fake daemon, the recording consumer and the report.

pub mod children;
pub mod consumer;
pub mod daemon_stub;
pub mod player;
pub mod real;
pub mod report;
#[path = "virtual.rs"]
pub mod virtual_time;
