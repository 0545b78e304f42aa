//! The binary's entry point: flags and environment → one of `run`,
//! `validate`, `explain`; errors erased into exit codes here only (0
//! success, 1 runtime failure, 2 invalid flags, environment or, for
//! `validate`, configuration). The security flags are checked here
//! (status 2) and the files they name are loaded before anything starts
//! (status 1, with the file and the `--auth-config` member named).

mod explain;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::config::{Command, Settings};
use crate::http::security::{validate_auth_config, ClientTls, SecuritySettings};

/// The security flags' values, checked; a bad one is a flag error
/// (status 2, printed as the CLI prints its errors).
fn security_settings(settings: &Settings) -> Result<SecuritySettings, ExitCode> {
    SecuritySettings::parse(&settings.security).map_err(|e| {
        eprint!("error: {e}\n\nFor more information, try '--help'.\n");
        ExitCode::from(2)
    })
}

/// Runs the binary; returns its exit status.
pub fn main(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    let command = match Settings::from_args(args, env) {
        Ok(c) => c,
        Err(e) => {
            if e.is_help() {
                print!("{}", e.render());
                return ExitCode::SUCCESS;
            }
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Run(settings) => {
            let security = match security_settings(&settings) {
                Ok(s) => s,
                Err(code) => return code,
            };
            init_logging(settings.log_level, settings.log_format);
            let security = match security.load() {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cloud-event-proxy cannot start");
                    eprintln!("cloud-event-proxy: {e}");
                    return ExitCode::from(1);
                }
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("cloud-event-proxy: cannot start the runtime: {e}");
                    return ExitCode::from(1);
                }
            };
            match rt.block_on(crate::daemon::run(settings, security)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "cloud-event-proxy failed");
                    eprintln!("cloud-event-proxy: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Validate(settings) => validate(&settings),
        Command::Explain(args) => explain::run(args),
    }
}

/// `validate`: the PTP configuration, and the security files when flags
/// name them (`--auth-config`, `--consumer-*`); every problem is printed.
fn validate(settings: &Settings) -> ExitCode {
    let security = match security_settings(settings) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut ok = true;
    if let Some(file) = &security.auth_config {
        match validate_auth_config(file) {
            Ok(report) => print!("{report}"),
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    if security.consumer_tls != Default::default() {
        match ClientTls::load(&security.consumer_tls) {
            Ok(tls) => {
                let r = tls.summary();
                println!(
                    "outgoing TLS: OK, {} CA certificate(s) from --consumer-ca{}",
                    r.extra,
                    if r.client_cert {
                        ", client certificate"
                    } else {
                        ""
                    }
                );
            }
            Err(e) => {
                eprintln!("{e}");
                ok = false;
            }
        }
    }
    match crate::config::validate(settings) {
        Ok(report) => println!("{report}"),
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// `LOG_LEVEL` logging to stderr, as text or JSON lines (`--log-format`).
fn init_logging(level: tracing::Level, format: crate::config::LogFormat) {
    crate::logging::init(level, format);
}
