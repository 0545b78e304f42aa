//! Configuration: command line and environment, ptp4l configuration files,
//! threshold profiles and the interface alias rule. Pure parsing, with file
//! loading at the edge (`load`, `validate`).

mod alias;
mod cli;
mod error;
mod load;
mod profiles;
mod ptp4l;
mod settings;
mod types;
mod validate;
mod values;

pub use alias::alias;
pub use cli::{rewrite_single_dash, Cli, CliError, ExplainFormat, LogFormat, V1Format};
pub use error::{ConfigError, Warning};
pub use load::{
    is_config_file_name, load_config_dir, load_config_file, load_profiles, profiles_file_path,
    ProfilesFile,
};
pub use profiles::parse_profiles;
pub use ptp4l::parse_ptp4l_config;
pub use settings::{Command, ExplainArgs, ExplainInput, ProxyRole, Settings};
pub use types::*;
pub use validate::{validate, validate_paths, Report};
pub use values::{normalize_host, parse_api_version, parse_bool, parse_listen_addr, ApiVersion};
