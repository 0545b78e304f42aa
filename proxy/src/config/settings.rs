//! The resolved configuration: flags plus environment (rest-api.md §1, §6).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use super::cli::{
    rewrite_single_dash, Cli, CliError, ExplainFormatArg, LogFormat, SubCommand, V1Format,
};
use super::load::profiles_file_path;
use super::values::{normalize_host, parse_bool, parse_listen_addr, ApiVersion};
use ptp_event_core::explain::ExplainFormat;
use ptp_event_core::node_config::ConfigError;

/// The role the binary plays (rest-api.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyRole {
    /// `--api-version` major ≥ 2: REST v2, event socket, metrics.
    V2Producer,
    /// v1 and `PTP_PLUGIN` true: REST v1, transport server, event socket.
    V1Producer,
    /// v1 and `PTP_PLUGIN` not true: REST v1 for the application, transport
    /// listener, no event socket.
    V1Consumer,
}

impl ProxyRole {
    /// Whether the role reads the event socket and the PTP configuration.
    pub fn is_producer(self) -> bool {
        !matches!(self, ProxyRole::V1Consumer)
    }

    /// Human name, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ProxyRole::V2Producer => "v2 producer",
            ProxyRole::V1Producer => "v1 producer",
            ProxyRole::V1Consumer => "v1 consumer sidecar",
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Run the proxy.
    Run(Settings),
    /// `validate`: check the configuration and exit.
    Validate(Settings),
    /// `explain`: explain log lines.
    Explain(ExplainArgs),
}

/// Where `explain` reads lines from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainInput {
    /// `-` (the default).
    Stdin,
    /// A file.
    File(PathBuf),
}

/// Arguments of `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainArgs {
    /// The log lines.
    pub input: ExplainInput,
    /// `--ptp4l-config` files, in order.
    pub ptp4l_configs: Vec<PathBuf>,
    /// `--thresholds` profile file.
    pub thresholds: Option<PathBuf>,
    /// `--node` (default `node`).
    pub node: String,
    /// `--format`.
    pub format: ExplainFormat,
    /// `--plot`.
    pub plot: Option<PathBuf>,
}

/// The security flags as given (`None`: not given); their values are
/// checked by `http::security::SecuritySettings::parse` (security.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityFlags {
    pub auth_config: Option<String>,
    pub consumer_ca: Option<String>,
    pub consumer_cert: Option<String>,
    pub consumer_key: Option<String>,
    pub endpoint_allow: Option<String>,
    pub max_subscriptions: Option<String>,
    pub api_addr: Option<String>,
}

/// The fully resolved, validated configuration of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The role (rest-api.md §1).
    pub role: ProxyRole,
    /// `--api-version` as given and its major number.
    pub api_version: ApiVersion,
    /// REST listen port (all interfaces).
    pub api_port: u16,
    /// Bind address of the metrics listener, `host:port` (`0.0.0.0` for an
    /// empty host).
    pub metrics_addr: String,
    /// Directory of the subscription store.
    pub store_path: PathBuf,
    /// Normalised `--transport-host`.
    pub transport_url: url::Url,
    /// Normalised `--http-event-publishers` entries.
    pub publishers: Vec<url::Url>,
    /// `--v1-format`.
    pub v1_format: V1Format,
    /// v1 consumer sidecar: period of the full NEW re-send to the producers
    /// (hidden flag `--v1-resync-interval`, seconds; default 60).
    pub v1_resync_interval: Duration,
    /// Event socket path.
    pub socket: PathBuf,
    /// Base URL of the linuxptp-daemon.
    pub daemon_url: url::Url,
    /// Directory of `ptp4l.N.config` / `phc2sys.N.config`.
    pub config_dir: PathBuf,
    /// `--ready-file`.
    pub ready_file: Option<PathBuf>,
    /// `$NODE_NAME` (always set in the producer roles).
    pub node_name: Option<String>,
    /// `$NODE_IP`.
    pub node_ip: Option<String>,
    /// `$PTP_PLUGIN` parsed (None when unset or not a boolean).
    pub ptp_plugin: Option<bool>,
    /// Whether the event socket is read: producers, except a v2 producer with
    /// `PTP_PLUGIN` explicitly false.
    pub read_socket: bool,
    /// `$PTP_PROFILE_PATH`: directory of the threshold profile file.
    pub profile_path: PathBuf,
    /// `$CONFIG_UPDATE_INTERVAL`.
    pub config_update_interval: Duration,
    /// `$LOG_LEVEL`.
    pub log_level: tracing::Level,
    /// `--log-format`, else `$LOG_FORMAT`, else text.
    pub log_format: LogFormat,
    /// Hidden `--exit-with-stdin`: stop when standard input closes (the
    /// simulator's pipe), so the proxy never outlives its parent.
    pub exit_with_stdin: bool,
    /// `--auth-config`, `--consumer-*`, `--endpoint-allow`,
    /// `--max-subscriptions`, `--api-addr` as given.
    pub security: SecurityFlags,
    /// Problems that fell back to defaults, to be logged once logging is set up.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Parse the command line (`args` includes the program name) and resolve
    /// it with the environment `env` (an empty value counts as unset).
    pub fn from_args(
        args: impl IntoIterator<Item = impl Into<OsString>>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Command, CliError> {
        let args = rewrite_single_dash(args.into_iter().map(Into::into).collect());
        let cli = Cli::try_parse_from(args)?;
        match cli.command {
            Some(SubCommand::Explain(e)) => Ok(Command::Explain(ExplainArgs {
                input: if e.input == "-" {
                    ExplainInput::Stdin
                } else {
                    ExplainInput::File(PathBuf::from(e.input))
                },
                ptp4l_configs: e.ptp4l_config,
                thresholds: e.thresholds,
                node: e.node,
                format: match e.format {
                    ExplainFormatArg::Table => ExplainFormat::Table,
                    ExplainFormatArg::Jsonl => ExplainFormat::Jsonl,
                },
                plot: e.plot,
            })),
            Some(SubCommand::Validate) => Ok(Command::Validate(resolve(cli.global, env)?)),
            None => Ok(Command::Run(resolve(cli.global, env)?)),
        }
    }
}

fn value_error(name: &str, message: impl Into<String>) -> CliError {
    CliError::Config(ConfigError::Value {
        name: name.to_string(),
        message: message.into(),
    })
}

fn resolve(
    g: super::cli::GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, CliError> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut warnings = Vec::new();

    let node_name = var("NODE_NAME").map(|n| n.trim().to_string());
    let node_ip = var("NODE_IP").map(|n| n.trim().to_string());
    let ptp_plugin = match var("PTP_PLUGIN") {
        None => None,
        Some(v) => {
            let b = parse_bool(&v);
            if b.is_none() {
                warnings.push(format!(
                    "PTP_PLUGIN={v:?} is not a boolean: treated as unset"
                ));
            }
            b
        }
    };
    for k in ["MOCK_PLUGIN", "HW_PLUGIN"] {
        if var(k).as_deref().and_then(parse_bool) == Some(true) {
            warnings.push(format!("{k} is not supported and is ignored"));
        }
    }

    let role = if !g.api_version.is_v1() {
        ProxyRole::V2Producer
    } else if ptp_plugin == Some(true) {
        ProxyRole::V1Producer
    } else {
        ProxyRole::V1Consumer
    };
    if role.is_producer() {
        match &node_name {
            None => {
                return Err(value_error(
                    "NODE_NAME",
                    format!(
                        "must be set to the node name in the {} role",
                        role.describe()
                    ),
                ))
            }
            Some(n) if profiles_file_path(std::path::Path::new("."), n).is_err() => {
                return Err(value_error(
                    "NODE_NAME",
                    format!("{n:?} is not a node name"),
                ))
            }
            Some(_) => {}
        }
    }
    let read_socket = match role {
        ProxyRole::V2Producer => ptp_plugin != Some(false),
        ProxyRole::V1Producer => true,
        ProxyRole::V1Consumer => false,
    };

    let api_port = g.api_port.unwrap_or(if role == ProxyRole::V2Producer {
        9043
    } else {
        8089
    });
    let metrics_addr =
        parse_listen_addr(&g.metrics_addr).map_err(|m| value_error("--metrics-addr", m))?;

    let node = node_name.as_deref();
    let ip = node_ip.as_deref();
    let transport = g.transport_host.unwrap_or_else(|| {
        let ns = var("NAME_SPACE").unwrap_or_else(|| "openshift-ptp".into());
        format!("http://ptp-event-publisher-service-NODE_NAME.{ns}.svc.cluster.local:9043")
    });
    let transport_url = normalize_host(&transport, node, ip)
        .map_err(|e| value_error("--transport-host", e.message()))?;
    let publishers = g
        .http_event_publishers
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            normalize_host(p, node, ip)
                .map_err(|e| value_error("--http-event-publishers", e.message()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if role == ProxyRole::V1Consumer && publishers.is_empty() {
        warnings.push(
            "v1 consumer sidecar without --http-event-publishers: no producer to subscribe to"
                .into(),
        );
    }

    let daemon_url = url::Url::parse(&g.daemon_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            value_error(
                "--daemon-url",
                format!("{:?} is not an http:// or https:// URL", g.daemon_url),
            )
        })?;
    if g.socket.as_os_str().is_empty() {
        return Err(value_error("--socket", "the socket path is empty"));
    }
    if g.ptp_config_dir.as_os_str().is_empty() {
        return Err(value_error("--ptp-config-dir", "the directory is empty"));
    }
    if g.store_path.as_os_str().is_empty() {
        return Err(value_error("--store-path", "the directory is empty"));
    }

    let profile_path =
        PathBuf::from(var("PTP_PROFILE_PATH").unwrap_or_else(|| "/etc/linuxptp".into()));
    let config_update_interval = match var("CONFIG_UPDATE_INTERVAL") {
        None => Duration::from_secs(60),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(s) if s > 0 => Duration::from_secs(s),
            _ => {
                warnings.push(format!(
                    "CONFIG_UPDATE_INTERVAL={v:?} is not a positive number of seconds: 60 used"
                ));
                Duration::from_secs(60)
            }
        },
    };
    let log_level = match var("LOG_LEVEL") {
        None => tracing::Level::INFO,
        Some(v) => crate::logging::parse_level(&v).unwrap_or_else(|| {
            warnings.push(format!("LOG_LEVEL={v:?} is not a log level: info used"));
            tracing::Level::INFO
        }),
    };
    let (log_format, format_warning) =
        LogFormat::resolve(g.log_format, var("LOG_FORMAT").as_deref());
    warnings.extend(format_warning);

    Ok(Settings {
        role,
        api_version: g.api_version,
        api_port,
        metrics_addr,
        store_path: g.store_path,
        transport_url,
        publishers,
        v1_format: g.v1_format.parse().unwrap_or_default(),
        v1_resync_interval: Duration::from_secs(g.v1_resync_interval),
        socket: g.socket,
        daemon_url,
        config_dir: g.ptp_config_dir,
        ready_file: g.ready_file,
        node_name,
        node_ip,
        ptp_plugin,
        read_socket,
        profile_path,
        config_update_interval,
        log_level,
        log_format,
        exit_with_stdin: g.exit_with_stdin,
        security: SecurityFlags {
            auth_config: g.auth_config,
            consumer_ca: g.consumer_ca,
            consumer_cert: g.consumer_cert,
            consumer_key: g.consumer_key,
            endpoint_allow: g.endpoint_allow,
            max_subscriptions: g.max_subscriptions,
            api_addr: g.api_addr,
        },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const NODE: &[(&str, &str)] = &[("NODE_NAME", "compute-1.example.com")];

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Settings, CliError> {
        let argv = std::iter::once("cloud-event-proxy").chain(args.iter().copied());
        match Settings::from_args(argv, &env_of(env))? {
            Command::Run(s) => Ok(s),
            other => panic!("expected Run, got {other:?}"),
        }
    }

    fn err(args: &[&str], env: &[(&str, &str)]) -> CliError {
        run(args, env).expect_err("should fail")
    }

    #[test]
    fn security_flags_are_handed_over_as_given() {
        let s = run(&[], NODE).expect("valid");
        assert_eq!(s.security, SecurityFlags::default());
        let s = run(
            &[
                "--auth-config=/etc/auth.json",
                "-consumer-ca=/ca.pem",
                "--consumer-cert",
                "/c.pem",
                "--consumer-key=/k.pem",
                "--endpoint-allow=10.0.0.0/8",
                "--max-subscriptions=5",
                "--api-addr=127.0.0.1",
            ],
            NODE,
        )
        .expect("valid");
        assert_eq!(
            s.security,
            SecurityFlags {
                auth_config: Some("/etc/auth.json".into()),
                consumer_ca: Some("/ca.pem".into()),
                consumer_cert: Some("/c.pem".into()),
                consumer_key: Some("/k.pem".into()),
                endpoint_allow: Some("10.0.0.0/8".into()),
                max_subscriptions: Some("5".into()),
                api_addr: Some("127.0.0.1".into()),
            }
        );
    }

    #[test]
    fn defaults_v2() {
        let s = run(&[], NODE).expect("valid");
        assert_eq!(s.role, ProxyRole::V2Producer);
        assert_eq!(s.api_port, 9043);
        assert_eq!(s.api_version.major, 2);
        assert_eq!(s.metrics_addr, "0.0.0.0:9091");
        assert_eq!(s.store_path, PathBuf::from("."));
        assert_eq!(
            s.transport_url.as_str(),
            "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/"
        );
        assert!(s.publishers.is_empty());
        assert_eq!(s.v1_format, V1Format::V1);
        assert_eq!(s.socket, PathBuf::from("/cloud-native/events.sock"));
        assert_eq!(s.daemon_url.as_str(), "http://localhost:8081/");
        assert_eq!(s.config_dir, PathBuf::from("/var/run"));
        assert_eq!(s.profile_path, PathBuf::from("/etc/linuxptp"));
        assert_eq!(
            profiles_file_path(&s.profile_path, "compute-1.example.com").ok(),
            Some(PathBuf::from("/etc/linuxptp/compute-1.example.com"))
        );
        assert_eq!(s.config_update_interval, Duration::from_secs(60));
        assert_eq!(s.log_level, tracing::Level::INFO);
        assert!(s.read_socket);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn deployment_args_in_every_form() {
        for args in [
            &[
                "--metrics-addr=127.0.0.1:9091",
                "--store-path=/store",
                "--api-port=9085",
                "--api-version=2.0",
            ][..],
            &[
                "--metrics-addr",
                "127.0.0.1:9091",
                "--store-path",
                "/store",
                "--api-port",
                "9085",
                "--api-version",
                "2.0",
            ],
            &[
                "-metrics-addr=127.0.0.1:9091",
                "-store-path=/store",
                "-api-port=9085",
                "-api-version=2.0",
            ],
            &[
                "-metrics-addr",
                "127.0.0.1:9091",
                "-store-path",
                "/store",
                "-api-port",
                "9085",
                "-api-version",
                "v2",
            ],
        ] {
            let s = run(args, NODE).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(s.metrics_addr, "127.0.0.1:9091");
            assert_eq!(s.store_path, PathBuf::from("/store"));
            assert_eq!(s.api_port, 9085);
        }
    }

    #[test]
    fn repeated_flag_last_wins() {
        let s = run(&["--api-port=1", "-api-port=2"], NODE).expect("valid");
        assert_eq!(s.api_port, 2);
    }

    #[test]
    fn roles() {
        let s = run(&["--api-version=1.0"], &[("PTP_PLUGIN", "true"), NODE[0]]).expect("valid");
        assert_eq!(
            (s.role, s.api_port, s.read_socket),
            (ProxyRole::V1Producer, 8089, true)
        );
        let s = run(&["--api-version=1.0"], &[("PTP_PLUGIN", "T")]).expect_err("no NODE_NAME");
        assert_eq!(s.exit_code(), 2);
        assert!(s.to_string().contains("NODE_NAME"), "{s}");
        let s = run(
            &["--api-version=", "--http-event-publishers=ptp-event-publisher-service-NODE_NAME.openshift-ptp.svc.cluster.local:9043"],
            &[("NODE_NAME", "compute-1.example.com")],
        )
        .expect("valid");
        assert_eq!(
            (s.role, s.api_port, s.read_socket),
            (ProxyRole::V1Consumer, 8089, false)
        );
        assert_eq!(
            s.publishers[0].as_str(),
            "http://ptp-event-publisher-service-compute-1.openshift-ptp.svc.cluster.local:9043/"
        );
        // A v1 consumer needs no NODE_NAME.
        let s = run(
            &["--api-version=v1", "--http-event-publishers=a:1, ,b:2,"],
            &[],
        )
        .expect("valid");
        assert_eq!(s.role, ProxyRole::V1Consumer);
        assert_eq!(s.publishers.len(), 2);
        let s = run(&["--api-version=1"], &[]).expect("valid");
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        // v2 with PTP_PLUGIN false: no socket.
        let s = run(&[], &[("PTP_PLUGIN", "false"), NODE[0]]).expect("valid");
        assert_eq!(s.role, ProxyRole::V2Producer);
        assert!(!s.read_socket);
        let e = err(&[], &[]);
        assert_eq!(e.exit_code(), 2);
        assert!(e.render().contains("Usage:"), "{}", e.render());
    }

    #[test]
    fn environment() {
        let s = run(
            &[],
            &[
                ("NODE_NAME", "n1.lab"),
                ("NODE_IP", "10.0.0.7"),
                ("NAME_SPACE", "ptp-ns"),
                ("PTP_PLUGIN", "maybe"),
                ("PTP_PROFILE_PATH", "/tmp/profiles"),
                ("CONFIG_UPDATE_INTERVAL", "15"),
                ("LOG_LEVEL", "DEBUG"),
                ("MOCK_PLUGIN", "true"),
                ("HW_PLUGIN", "0"),
            ],
        )
        .expect("valid");
        assert_eq!(
            s.transport_url.as_str(),
            "http://ptp-event-publisher-service-n1.ptp-ns.svc.cluster.local:9043/"
        );
        assert_eq!(s.node_ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(s.ptp_plugin, None);
        assert_eq!(
            profiles_file_path(&s.profile_path, "n1.lab").ok(),
            Some(PathBuf::from("/tmp/profiles/n1.lab"))
        );
        assert_eq!(s.config_update_interval, Duration::from_secs(15));
        assert_eq!(s.log_level, tracing::Level::DEBUG);
        assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
        let s = run(
            &[],
            &[
                NODE[0],
                ("LOG_LEVEL", "verbose"),
                ("CONFIG_UPDATE_INTERVAL", "0"),
                ("NAME_SPACE", ""),
            ],
        )
        .expect("valid");
        assert_eq!(s.log_level, tracing::Level::INFO);
        assert_eq!(s.config_update_interval, Duration::from_secs(60));
        assert_eq!(s.warnings.len(), 2);
        assert!(s.transport_url.as_str().contains(".openshift-ptp."));
    }

    #[test]
    fn log_format_flag_environment_and_exit_with_stdin() {
        let s = run(&[], NODE).expect("valid");
        assert_eq!(s.log_format, LogFormat::Text);
        assert!(!s.exit_with_stdin);
        let s = run(&[], &[NODE[0], ("LOG_FORMAT", "json")]).expect("valid");
        assert_eq!(s.log_format, LogFormat::Json);
        let s = run(&["--log-format=text"], &[NODE[0], ("LOG_FORMAT", "json")]).expect("valid");
        assert_eq!(s.log_format, LogFormat::Text);
        let s = run(&["-log-format", "json", "--exit-with-stdin"], NODE).expect("valid");
        assert_eq!(s.log_format, LogFormat::Json);
        assert!(s.exit_with_stdin);
        let s = run(&[], &[NODE[0], ("LOG_FORMAT", "xml")]).expect("valid");
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(matches!(
            err(&["--log-format=xml"], NODE),
            CliError::Usage(_)
        ));
    }

    #[test]
    fn invalid_values_exit_2() {
        for args in [
            &["--api-version=x"][..],
            &["--api-version=0.1"],
            &["--api-port=70000"],
            &["--api-port=abc"],
            &["--unknown"],
            &["-unknown=1"],
            &["--metrics-addr=9091"],
            &["--transport-host=noport.example.com"],
            &["--transport-host=http://"],
            &["--http-event-publishers=a:1,b"],
            &["--v1-format=2.0"],
            &["--daemon-url=localhost:8081"],
            &["--socket="],
            &["extra-positional"],
        ] {
            let e = err(args, NODE);
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
            assert!(!e.is_help());
        }
        let e = err(&["--transport-host=h"], NODE);
        assert!(e.to_string().starts_with("--transport-host: "), "{e}");
    }

    #[test]
    fn help_and_version_exit_0() {
        for args in [
            &["--help"][..],
            &["-h"],
            &["-help"],
            &["validate", "--help"],
            &["explain", "-h"],
            &["--version"],
        ] {
            let e = err(args, NODE);
            assert_eq!(e.exit_code(), 0, "{args:?}");
            assert!(e.is_help());
        }
    }

    #[test]
    fn subcommands() {
        let argv = ["cloud-event-proxy", "validate", "--ptp-config-dir", "/cfg"];
        match Settings::from_args(argv, &env_of(NODE)).expect("valid") {
            Command::Validate(s) => assert_eq!(s.config_dir, PathBuf::from("/cfg")),
            other => panic!("{other:?}"),
        }
        let argv = ["cloud-event-proxy", "-ptp-config-dir=/cfg", "validate"];
        assert!(matches!(
            Settings::from_args(argv, &env_of(NODE)),
            Ok(Command::Validate(_))
        ));
        // validate needs NODE_NAME like a run.
        let argv = ["cloud-event-proxy", "validate"];
        assert!(Settings::from_args(argv, &env_of(&[])).is_err());

        let argv = ["cloud-event-proxy", "explain"];
        match Settings::from_args(argv, &env_of(&[])).expect("valid") {
            Command::Explain(a) => {
                assert_eq!(a.input, ExplainInput::Stdin);
                assert_eq!(a.node, "node");
                assert_eq!(a.format, ExplainFormat::Table);
                assert!(a.ptp4l_configs.is_empty() && a.thresholds.is_none());
            }
            other => panic!("{other:?}"),
        }
        let argv = [
            "cloud-event-proxy",
            "explain",
            "lines.log",
            "--ptp4l-config",
            "a/ptp4l.0.config",
            "-ptp4l-config=b/ptp4l.1.config",
            "--thresholds",
            "t.json",
            "--node",
            "n1",
            "--format",
            "jsonl",
        ];
        match Settings::from_args(argv, &env_of(&[])).expect("valid") {
            Command::Explain(a) => assert_eq!(
                a,
                ExplainArgs {
                    input: ExplainInput::File("lines.log".into()),
                    ptp4l_configs: vec!["a/ptp4l.0.config".into(), "b/ptp4l.1.config".into()],
                    thresholds: Some("t.json".into()),
                    node: "n1".into(),
                    format: ExplainFormat::Jsonl,
                    plot: None,
                }
            ),
            other => panic!("{other:?}"),
        }
        let argv = ["cloud-event-proxy", "explain", "-", "--format", "yaml"];
        let e = Settings::from_args(argv, &env_of(&[])).expect_err("bad format");
        assert_eq!(e.exit_code(), 2);
    }
}
