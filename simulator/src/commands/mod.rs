//! The `ptp-sim` commands, one file each.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod certs;
pub mod client_auth;
pub mod consume;
pub mod demo;
pub mod fleet;
pub mod jose;
pub mod jwks;
pub mod play;
pub mod replay;
pub mod run;
#[cfg(test)]
mod security_tests;
pub mod token;

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
        /// Write the timeline as SVG (one file per scenario when several).
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
        /// Run every scenario as the newer daemon's JSON messages
        /// (`protocol = "json"`), whatever its file says.
        #[arg(long)]
        json: bool,
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
        /// Speak the newer daemon's JSON messages instead of log lines.
        #[arg(long)]
        json: bool,
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
        /// Trust this CA (PEM) for an https API, besides the system roots.
        #[arg(long)]
        cacert: Option<PathBuf>,
        /// Client certificate (PEM) for an API that requires one.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// Key of --cert.
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// Bearer token for the API, or @FILE to read it from FILE.
        #[arg(long)]
        token: Option<String>,
    },
    /// Write a test CA, a server and a client certificate (PEM) into DIR.
    Certs {
        dir: PathBuf,
        /// Names of the server certificate (DNS names or IP addresses);
        /// default localhost, 127.0.0.1 and ::1.
        #[arg(long = "name")]
        names: Vec<String>,
        /// Name of the client certificate.
        #[arg(long, default_value = "ptp-sim-consumer")]
        client_name: String,
        /// Validity in days.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
    /// Print a JWT signed with the EC key in --key (generated if missing).
    Token {
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        iss: String,
        #[arg(long)]
        aud: String,
        /// Scopes (repeatable), in the token's space-separated `scope`.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Lifetime in seconds (negative: already expired).
        #[arg(long, default_value_t = 3600, allow_hyphen_values = true)]
        exp: i64,
        #[arg(long, default_value = "ptp-sim")]
        sub: String,
    },
    /// Serve the public keys of --key files as a JWKS and print its URL.
    Jwks {
        /// Key files (repeatable); read on every request.
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
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
            json,
            scenarios,
        } => {
            let args = run::RunArgs {
                virtual_mode: virtual_time,
                speed,
                proxy_bin,
                verbose,
                plot,
                json,
            };
            run::main(args, &scenarios).await
        }
        Command::Play {
            scenario,
            socket,
            speed,
            json,
        } => play::main(&scenario, &socket, speed, json).await,
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
            cacert,
            cert,
            key,
            token,
        } => {
            let auth = client_auth::ClientAuth {
                cacert,
                cert,
                key,
                token,
            };
            consume::main(&api, &resources, &api_version, &listen, &auth).await
        }
        Command::Certs {
            dir,
            names,
            client_name,
            days,
        } => certs::main(&dir, &names, &client_name, days),
        Command::Token {
            key,
            iss,
            aud,
            scopes,
            exp,
            sub,
        } => {
            let spec = token::TokenSpec {
                issuer: iss,
                audience: aud,
                scopes,
                expires_in: exp,
                subject: sub,
            };
            token::main(&key, &spec)
        }
        Command::Jwks { keys, listen } => jwks::main(keys, &listen).await,
        Command::Demo { proxy_bin, plot } => demo::main(proxy_bin, plot).await,
        Command::Fleet {
            nodes,
            speed,
            proxy_bin,
            scenario,
        } => fleet::main(&scenario, nodes, speed, proxy_bin).await,
    }
}
