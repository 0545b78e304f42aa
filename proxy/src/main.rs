#![forbid(unsafe_code)]
//! `cloud-event-proxy`: parse the command line, set up logging, run.

use std::process::ExitCode;

use ptp_event_proxy::cli;

fn main() -> ExitCode {
    cli::main(std::env::args_os(), &|k| std::env::var(k).ok())
}
