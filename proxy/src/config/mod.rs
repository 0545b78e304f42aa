//! Configuration: command line and environment, ptp4l configuration files,
//! threshold profiles and the interface alias rule. Pure parsing, with file
//! loading at the edge.

mod alias;
mod types;

pub use alias::alias;
pub use types::*;
