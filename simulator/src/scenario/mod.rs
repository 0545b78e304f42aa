//! Scenario files: the schema (`format`), the node they describe (`node`),
//! the offset sampler, the line generators and the expectations.
//!
//! Layering: `format` ← `sampler`; `node` and `generators` use `format`;
//! `expect` uses `format`. Nothing here imports a runner.

pub mod expect;
pub mod format;
pub mod generators;
pub mod node;
pub mod sampler;

pub use expect::{check, Failure, Observed};
pub use format::Scenario;
pub use generators::{build, TimedLine, Timeline};
