//! The daemon's JSON messages (next-generation.md §1): newer
//! linuxptp-daemon builds decide clock states themselves and send them as
//! newline-delimited JSON on the same socket as the log lines of older
//! builds.
//!
//! Per connection the IO side keeps a [`ProtocolDetector`], feeds it every
//! framed line, and for a JSON connection writes [`STATUS_REQUEST_LINE`]
//! once and hands each line to [`parse`]; accepted messages go to
//! `Engine::on_message`. [`to_daemon_messages`] and
//! [`DaemonMessage::to_line`] go the other way, for the simulator.

mod detect;
mod from_events;
mod message;
mod parse;
mod render;

#[cfg(test)]
mod tests;

pub use detect::{detect, Protocol, ProtocolDetector, STATUS_REQUEST, STATUS_REQUEST_LINE};
pub use from_events::to_daemon_messages;
pub use message::{DaemonMessage, GnssState, MessageBody, MessageType};
pub use parse::{parse, parse_bytes, Rejected};
