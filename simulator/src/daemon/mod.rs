//! The fake linuxptp-daemon: what it remembers of the lines it sent
//! (`replay_log`, pure), the connections it writes on (`wire`), and its
//! HTTP server (`server`: `/emit-logs`, `/port-aliases`).

pub mod replay_log;
pub mod server;
pub mod wire;

pub use replay_log::ReplayLog;
pub use server::DaemonServer;
pub use wire::{SharedWire, Wire};
