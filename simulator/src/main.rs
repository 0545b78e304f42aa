#![forbid(unsafe_code)]
//! `ptp-sim`: the linuxptp-daemon and event-consumer simulator for
//! ptp-event-proxy.

mod commands;
mod daemon;
mod run;

// The scenario files live in the library target (`lib.rs`), where the
// fuzz targets reach them too.
use ptp_simulator::scenario;

use clap::Parser;
use ptp_event_proxy::logging::{self, LogFormat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = commands::Cli::parse();
    let (format, warning) =
        LogFormat::resolve(cli.log_format, std::env::var("LOG_FORMAT").ok().as_deref());
    let level = std::env::var("LOG_LEVEL")
        .ok()
        .and_then(|l| logging::parse_level(&l))
        .unwrap_or(tracing::Level::INFO);
    logging::init(level, format);
    if let Some(w) = warning {
        tracing::warn!("{w}");
    }
    // Whatever way ptp-sim leaves, the processes it started go with it
    // (run/children.rs).
    run::children::install_panic_hook();
    tokio::select! {
        r = commands::dispatch(cli) => match r {
            Ok(code) => code,
            Err(e) => {
                eprintln!("ptp-sim: {e:#}");
                std::process::ExitCode::from(2)
            }
        },
        // The command's future is dropped here, and the guards in it end
        // its processes and directories.
        signal = run::children::terminated() => {
            eprintln!("ptp-sim: {signal}: stopping what was started");
            std::process::ExitCode::from(signal.exit_status())
        }
    }
}

#[cfg(test)]
mod tests;
