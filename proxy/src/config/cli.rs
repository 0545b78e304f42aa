//! The command line of `cloud-event-proxy` (rest-api.md §6.1): clap
//! definitions, the single-dash rewrite and the error type.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use super::values::{parse_api_version, ApiVersion};
use ptp_event_core::node_config::ConfigError;

/// `--version`: the package version and the git commit of the build
/// (`build.rs`; `unknown` when built outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PTP_PROXY_GIT_COMMIT"),
    ")"
);

const ABOUT: &str = "PTP fast-event notification proxy (drop-in replacement for cloud-event-proxy)";

const LONG_ABOUT: &str = "\
PTP fast-event notification proxy: a drop-in replacement for the
cloud-event-proxy sidecar of the linuxptp-daemon.

It reads the daemon's log lines from a UNIX socket, derives clock states
(lock state, OS clock, clock class, GNSS, SyncE, node sync-state), publishes
them as CloudEvents to subscribers through the O-RAN v2 REST API (or the
legacy v1 API) and exports Prometheus metrics.

Without a subcommand the proxy runs. Its role follows from --api-version and
PTP_PLUGIN:
  v2 producer          --api-version 2.x (default)
  v1 producer          --api-version 1.x and PTP_PLUGIN=true
  v1 consumer sidecar  --api-version 1.x and PTP_PLUGIN not true

Flags may also be written with a single dash (-api-port=9043,
-api-port 9043), as the reference proxy accepts.";

const ENV_HELP: &str = "\
Environment:
  NODE_NAME               full node name (compute-1.example.com); prefix of
                          every resource address and file name of the
                          threshold profile file. Required for producers.
  NODE_IP                 substituted for NODE_IP in host strings
  NAME_SPACE              namespace of the default --transport-host
                          [default: openshift-ptp]
  PTP_PLUGIN              role selection, boolean (1/t/T/true/TRUE/True,
                          0/f/F/false/FALSE/False); in v2 an explicit false
                          disables reading the event socket
  PTP_PROFILE_PATH        directory of the threshold profile file
                          [default: /etc/linuxptp]
  CONFIG_UPDATE_INTERVAL  seconds between profile-file reloads [default: 60]
  LOG_LEVEL               trace, debug, info, warn or error [default: info]
  LOG_FORMAT              text or json, as --log-format [default: text]
  MOCK_PLUGIN, HW_PLUGIN  not supported; a warning is logged when true

Host strings (--transport-host, --http-event-publishers): every NODE_NAME is
replaced by the first DNS label of $NODE_NAME, every NODE_IP by $NODE_IP;
http:// is prefixed when there is no scheme; a host and an explicit port are
required.

Exit status: 0 on success or --help, 1 on a runtime failure (for example a
listener that cannot bind), 2 on an invalid flag, value or environment
variable (and, for `validate`, on invalid configuration).";

/// The command line as clap parses it (before environment resolution; see
/// [`super::Settings::from_args`]).
#[derive(Debug, Parser)]
#[command(
    name = "cloud-event-proxy",
    version = VERSION,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = ENV_HELP,
    args_override_self = true
)]
pub struct Cli {
    /// Flags of the proxy.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do; run the proxy when absent.
    #[command(subcommand)]
    pub command: Option<SubCommand>,
}

/// Flags shared by running the proxy and `validate`.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// REST API listen port, all interfaces unless --api-addr [default: 9043 for v2, 8089 for v1]
    #[arg(long, global = true, value_name = "PORT")]
    pub api_port: Option<u16>,

    /// API generation: 2.x selects the O-RAN v2 API, 1.x the legacy v1 API
    ///
    /// A leading v/V is ignored and the major version is the integer before
    /// the first '.'. An empty value selects v1.
    #[arg(long, global = true, value_name = "VERSION", default_value = "2.0",
          value_parser = parse_api_version)]
    pub api_version: ApiVersion,

    /// HOST:PORT of the Prometheus endpoint GET /metrics
    ///
    /// An empty host means all interfaces; deployments use 127.0.0.1:9091.
    #[arg(long, global = true, value_name = "HOST:PORT", default_value = ":9091")]
    pub metrics_addr: String,

    /// Directory of the subscription store (created if missing)
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub store_path: PathBuf,

    /// URL of this proxy's transport
    ///
    /// v2: supplies the host of every subscription's UriLocation. v1: the URL
    /// this proxy's transport listener is reached at; its port is the
    /// transport listen port.
    /// [default: http://ptp-event-publisher-service-NODE_NAME.<ns>.svc.cluster.local:9043,
    /// <ns> = $NAME_SPACE or openshift-ptp]
    #[arg(long, global = true, value_name = "URL")]
    pub transport_host: Option<String>,

    /// v1 consumer sidecar: comma-separated producer addresses, each one used
    #[arg(long, global = true, value_name = "URL,...")]
    pub http_event_publishers: Option<String>,

    /// Shape of v1 application events: v1 (product documentation) or 1.0
    /// (the reference's last v1 releases)
    #[arg(
        long,
        global = true,
        value_name = "FORMAT",
        value_parser = ["v1", "1.0"],
        default_value = "v1"
    )]
    pub v1_format: String,

    /// v1 consumer sidecar: seconds between the periodic re-sends of the
    /// full subscription set to every producer (hidden; tests shorten it)
    #[arg(
        long,
        global = true,
        hide = true,
        value_name = "SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub v1_resync_interval: u64,

    /// Path of the event socket the linuxptp-daemon writes to
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "/cloud-native/events.sock"
    )]
    pub socket: PathBuf,

    /// Base URL of the linuxptp-daemon (/emit-logs, /port-aliases)
    #[arg(
        long,
        global = true,
        value_name = "URL",
        default_value = "http://localhost:8081"
    )]
    pub daemon_url: String,

    /// Directory of the daemon's ptp4l.N.config / phc2sys.N.config files
    #[arg(long, global = true, value_name = "DIR", default_value = "/var/run")]
    pub ptp_config_dir: PathBuf,

    /// Once every listener is bound, write {"api":…,"metrics":…,"transport":…,"pid":…}
    /// (the bound ports, useful with port 0) to this file
    #[arg(long, global = true, value_name = "FILE")]
    pub ready_file: Option<PathBuf>,

    /// Log output on stderr: text lines, or one JSON object per line
    /// [default: $LOG_FORMAT, else text]
    #[arg(long, global = true, value_name = "FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,

    /// JSON file of TLS, client-certificate and bearer-token settings, in the
    /// member names of the upstream secured proxy (security.md §1)
    ///
    /// enableMTLS, caCertPath, serverCertPath, serverKeyPath, enableOAuth,
    /// oauthIssuer, oauthJWKSURL, requiredAudience, requiredScopes; check it
    /// with `validate --auth-config FILE`. Without it the API is plain HTTP
    /// with no authentication, as the reference proxy serves it.
    #[arg(long, global = true, value_name = "FILE")]
    pub auth_config: Option<String>,

    /// PEM bundle of CAs trusted, besides the system roots, for https://
    /// consumers, the v1 sidecar's producers and the JWKS
    #[arg(long, global = true, value_name = "FILE")]
    pub consumer_ca: Option<String>,

    /// PEM client certificate chain shown to https:// consumers that ask
    /// for one (with --consumer-key)
    #[arg(long, global = true, value_name = "FILE")]
    pub consumer_cert: Option<String>,

    /// PEM private key of --consumer-cert (PKCS#8 RSA or EC)
    #[arg(long, global = true, value_name = "FILE")]
    pub consumer_key: Option<String>,

    /// Comma-separated endpoints subscriptions may name: CIDRs
    /// (10.128.0.0/14), host names, *.suffix patterns, each optionally
    /// with :port; others are refused with 403 [default: any]
    #[arg(long, global = true, value_name = "LIST")]
    pub endpoint_allow: Option<String>,

    /// Most subscriptions held at once; one more is refused with 429
    /// [default: 10000]
    #[arg(long, global = true, value_name = "N")]
    pub max_subscriptions: Option<String>,

    /// Address the REST API listens on [default: all interfaces]
    #[arg(long, global = true, value_name = "HOST")]
    pub api_addr: Option<String>,

    /// Stop when standard input reaches end of file (hidden: the simulator
    /// holds the other end of a pipe, so the proxy never outlives it)
    #[arg(long, global = true, hide = true)]
    pub exit_with_stdin: bool,
}

/// Subcommands besides running the proxy.
#[derive(Debug, Clone, Subcommand)]
pub enum SubCommand {
    /// Check the configuration the proxy would load, then exit
    ///
    /// Reads every ptp4l.N.config / phc2sys.N.config of --ptp-config-dir and
    /// the threshold profile file $PTP_PROFILE_PATH/$NODE_NAME, and reports
    /// every problem with file, line and cause; with --auth-config, that
    /// file and the certificates and keys it names too (the JWKS is not
    /// fetched). Exit status 0 when the configuration is usable, 2
    /// otherwise.
    Validate,
    /// Explain daemon log lines: how each one is parsed and what it does
    ///
    /// Reads log lines (as the daemon writes them to the event socket) from
    /// FILE, or from standard input with '-', and prints for each line its
    /// kind, the extracted values and the resulting state changes and events.
    Explain(ExplainCli),
}

/// Arguments of `explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainCli {
    /// File of log lines, or '-' for standard input
    #[arg(value_name = "FILE|-", default_value = "-")]
    pub input: String,

    /// A ptp4l.N.config / phc2sys.N.config file to interpret lines with
    /// (repeatable; the file name is the configuration name)
    #[arg(long = "ptp4l-config", value_name = "FILE")]
    pub ptp4l_config: Vec<PathBuf>,

    /// Threshold profile file (JSON list of PTP profiles)
    #[arg(long, value_name = "FILE")]
    pub thresholds: Option<PathBuf>,

    /// Node name used in resource addresses
    #[arg(long, value_name = "NAME", default_value = "node")]
    pub node: String,

    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value = "table")]
    pub format: ExplainFormatArg,

    /// Also draw the run as an SVG timeline (offsets with the threshold
    /// band, state bands per resource, holdover timers, events, clock class)
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

pub use crate::logging::LogFormat;
pub use ptp_event_core::events::V1Format;

/// `explain --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ExplainFormatArg {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON object per line for tools.
    Jsonl,
}

/// Why the command line was not accepted (or help was asked for).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// From clap: an unknown flag, an invalid value, or `--help`/`--version`
    /// (see [`CliError::exit_code`]).
    #[error("{0}")]
    Usage(#[from] clap::Error),
    /// A value that parsed but is not usable (host strings, NODE_NAME, ...).
    #[error("{0}")]
    Config(#[from] ConfigError),
}

impl CliError {
    /// 0 for `--help`/`--version`, 2 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(e) => e.exit_code(),
            CliError::Config(_) => 2,
        }
    }

    /// Whether this is a `--help` or `--version` request, not an error.
    pub fn is_help(&self) -> bool {
        self.exit_code() == 0
    }

    /// The text to print: help to stdout, errors (with usage) to stderr.
    pub fn render(&self) -> String {
        match self {
            CliError::Usage(e) => e.render().to_string(),
            CliError::Config(e) => format!(
                "error: {e}\n\n{}\n\nFor more information, try '--help'.\n",
                Cli::command().render_usage()
            ),
        }
    }

    /// Print [`CliError::render`] to stdout (help) or stderr (errors).
    pub fn print(&self) {
        match self {
            CliError::Usage(e) => {
                // Printing can only fail on a closed stdout/stderr.
                let _ = e.print();
            }
            CliError::Config(_) => eprint!("{}", self.render()),
        }
    }
}

/// Rewrite the single-dash long forms the reference accepts
/// (`-api-port=9043`, `-api-port 9043`) to `--api-port...`, for known long
/// flag names only and not after `--`. The first item (program name) is kept.
pub fn rewrite_single_dash(args: Vec<OsString>) -> Vec<OsString> {
    let cmd = Cli::command();
    let mut longs: Vec<String> = vec!["help".into(), "version".into()];
    let mut collect = |c: &clap::Command| {
        longs.extend(
            c.get_arguments()
                .filter_map(|a| a.get_long())
                .map(String::from),
        );
    };
    collect(&cmd);
    for sub in cmd.get_subcommands() {
        collect(sub);
    }
    let mut out = Vec::with_capacity(args.len());
    let mut done = false;
    for (i, arg) in args.into_iter().enumerate() {
        if i == 0 || done {
            out.push(arg);
            continue;
        }
        let rewritten = arg.to_str().and_then(|s| {
            if s == "--" {
                done = true;
                return None;
            }
            let body = s.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
            let name = body.split('=').next().unwrap_or(body);
            (name.len() > 1 && longs.iter().any(|l| l == name))
                .then(|| OsString::from(format!("-{s}")))
        });
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn single_dash_rewrite() {
        let got = rewrite_single_dash(os(&[
            "-api-port=9043",
            "-api-port",
            "-api-port",
            "9043",
            "-metrics-addr=:1",
            "-h",
            "-help",
            "-x",
            "-unknown-flag",
            "explain",
            "-ptp4l-config",
            "f",
            "-",
            "--store-path",
            "--",
            "-socket",
        ]));
        assert_eq!(
            got,
            os(&[
                "-api-port=9043",
                "--api-port",
                "--api-port",
                "9043",
                "--metrics-addr=:1",
                "-h",
                "--help",
                "-x",
                "-unknown-flag",
                "explain",
                "--ptp4l-config",
                "f",
                "-",
                "--store-path",
                "--",
                "-socket",
            ])
        );
    }

    #[test]
    fn help_mentions_every_flag_and_subcommand() {
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "--api-port",
            "--api-version",
            "--metrics-addr",
            "--store-path",
            "--transport-host",
            "--http-event-publishers",
            "--v1-format",
            "--socket",
            "--daemon-url",
            "--ptp-config-dir",
            "--log-format",
            "LOG_FORMAT",
            "--auth-config",
            "--consumer-ca",
            "--consumer-cert",
            "--consumer-key",
            "--endpoint-allow",
            "--max-subscriptions",
            "--api-addr",
            "validate",
            "explain",
            "NODE_NAME",
            "PTP_PROFILE_PATH",
            "[default: :9091]",
            "9043 for v2, 8089 for v1",
        ] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
        let mut cmd = Cli::command();
        let explain = cmd
            .find_subcommand_mut("explain")
            .expect("explain exists")
            .render_long_help()
            .to_string();
        for needle in [
            "--ptp4l-config",
            "--thresholds",
            "--node",
            "--format",
            "jsonl",
        ] {
            assert!(
                explain.contains(needle),
                "{needle} missing from:\n{explain}"
            );
        }
    }
}
