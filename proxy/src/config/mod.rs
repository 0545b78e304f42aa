//! Configuration: command line and environment, ptp4l configuration files,
//! threshold profiles and the interface alias rule. Pure parsing, with file
//! loading at the edge (`load`, `validate`).

mod cli;
mod load;
mod settings;
mod validate;
mod values;

pub use cli::{rewrite_single_dash, Cli, CliError, ExplainFormatArg, LogFormat, V1Format};
pub use load::{
    is_config_file_name, load_config_dir, load_config_file, load_profiles, profiles_file_path,
    ProfilesFile,
};
pub use ptp_event_core::node_config::*;
pub use settings::{Command, ExplainArgs, ExplainInput, ProxyRole, SecurityFlags, Settings};
pub use validate::{validate, validate_paths, Report};
pub use values::{normalize_host, parse_api_version, parse_bool, parse_listen_addr, ApiVersion};
