//! The node's PTP configuration, pure: ptp4l/phc2sys/ts2phc configuration
//! files, the threshold profile file, the interface alias rule and the
//! node-configuration types the engine is given. Text in, values out; the
//! proxy reads the files.

mod alias;
mod error;
mod profiles;
mod ptp4l;
mod types;

pub use alias::alias;
pub use error::{ConfigError, Warning};
pub use profiles::parse_profiles;
pub use ptp4l::parse_ptp4l_config;
pub use types::*;
