//! The `ptp-sim` commands, one file each.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod consume;
pub mod demo;
pub mod play;
pub mod replay;
pub mod run;

/// Simulator of the linuxptp-daemon and of event consumers for ptp-event-proxy.
#[derive(Debug, Parser)]
#[command(name = "ptp-sim", version)]
pub struct Cli {
    /// Log output on stderr: text lines, or one JSON object per line
    /// [default: $LOG_FORMAT, else text]; the level is $LOG_LEVEL (info)
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<ptp_event_proxy::logging::LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and check their expectations.
    Run {
        /// Drive the engine in-process in virtual time (instant).
        #[arg(long = "virtual")]
        virtual_time: bool,
        /// Time compression of the real-time playback.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// The proxy binary (default: cloud-event-proxy next to ptp-sim).
        #[arg(long)]
        proxy_bin: Option<PathBuf>,
        /// Show every line sent, periodic offsets included.
        #[arg(long)]
        verbose: bool,
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Only emit a scenario's lines to an existing proxy socket.
    Play {
        scenario: PathBuf,
        #[arg(long)]
        socket: PathBuf,
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Replay a captured log with its original timing.
    Replay {
        logfile: PathBuf,
        #[arg(long)]
        socket: PathBuf,
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Subscribe to resources and print every event as it arrives.
    Consume {
        /// API base, e.g. http://127.0.0.1:9043/api/ocloudNotifications/v2
        #[arg(long)]
        api: String,
        /// Resource addresses (repeatable).
        #[arg(long = "resource", required = true)]
        resources: Vec<String>,
        #[arg(long, default_value = "2.0")]
        api_version: String,
        /// Listen address of the consumer endpoint.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
    },
    /// Quick start: proxy + consumer + GM-loss scenario, live.
    Demo {
        #[arg(long)]
        proxy_bin: Option<PathBuf>,
    },
}

/// Runs a command; the exit code says whether expectations held.
pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            virtual_time,
            speed,
            proxy_bin,
            verbose,
            scenarios,
        } => run::main(virtual_time, speed, proxy_bin, verbose, &scenarios).await,
        Command::Play {
            scenario,
            socket,
            speed,
        } => play::main(&scenario, &socket, speed).await,
        Command::Replay {
            logfile,
            socket,
            speed,
        } => replay::main(&logfile, &socket, speed).await,
        Command::Consume {
            api,
            resources,
            api_version,
            listen,
        } => consume::main(&api, &resources, &api_version, &listen).await,
        Command::Demo { proxy_bin } => demo::main(proxy_bin).await,
    }
}
