//! Scenario files: the format, the line generators and the expectations.

pub mod expect;
pub mod format;
pub mod generators;

pub use expect::{check, Failure, Observed};
pub use format::Scenario;
pub use generators::{build, TimedLine, Timeline};
