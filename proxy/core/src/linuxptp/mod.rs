//! linuxptp and daemon log lines: the model, the parser and the renderer.
//!
//! Pure: no IO, no allocation per parsed line.

mod model;
mod parse;
mod render;
mod roles;
mod tokens;

pub use model::*;
pub use parse::{int, parse, ParseError, Reason};
pub use tokens::{has_config_name, tokenize, Tokens, MAX_TOKENS};

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod table_tests;
