#![forbid(unsafe_code)]
//! `ptp-sim`: the linuxptp-daemon and event-consumer simulator for
//! ptp-event-proxy.

mod commands;
mod daemon;
mod run;
mod scenario;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = commands::Cli::parse();
    match commands::dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ptp-sim: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests;
