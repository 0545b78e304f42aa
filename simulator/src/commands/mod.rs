//! The `ptp-sim` commands, one file each.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod consume;
pub mod demo;
pub mod fleet;
pub mod play;
pub mod replay;
pub mod run;

/// Simulator of the linuxptp-daemon and of event consumers for ptp-event-proxy.
#[derive(Debug, Parser)]
#[command(name = "ptp-sim", version)]
pub struct Cli {
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
        /// Write the timeline as SVG (one file per scenario when several).
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
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
        /// Where to write the timeline plot (default: a temporary file).
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
    },
    /// Play one scenario on N proxies at once and report delivery,
    /// latency, fan-in and each proxy's RSS and CPU.
    Fleet {
        /// Number of nodes (proxy + fake daemon each).
        #[arg(long, default_value_t = 5)]
        nodes: usize,
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        #[arg(long)]
        proxy_bin: Option<PathBuf>,
        scenario: PathBuf,
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
            plot,
            scenarios,
        } => {
            let args = run::RunArgs {
                virtual_mode: virtual_time,
                speed,
                proxy_bin,
                verbose,
                plot,
            };
            run::main(args, &scenarios).await
        }
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
        Command::Demo { proxy_bin, plot } => demo::main(proxy_bin, plot).await,
        Command::Fleet {
            nodes,
            speed,
            proxy_bin,
            scenario,
        } => fleet::main(&scenario, nodes, speed, proxy_bin).await,
    }
}
