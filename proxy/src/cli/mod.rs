//! The binary's entry point: flags and environment → one of `run`,
//! `validate`, `explain`; errors erased into exit codes here only (0
//! success, 1 runtime failure, 2 invalid flags, environment or, for
//! `validate`, configuration).

mod explain;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::config::{Command, Settings};

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
            init_logging(settings.log_level, settings.log_format);
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
            match rt.block_on(crate::daemon::run(settings)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!(error = %e, "cloud-event-proxy failed");
                    eprintln!("cloud-event-proxy: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Validate(settings) => match crate::config::validate(&settings) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                ExitCode::from(2)
            }
        },
        Command::Explain(args) => explain::run(args),
    }
}

/// `LOG_LEVEL` logging to stderr, as text or JSON lines (`--log-format`).
fn init_logging(level: tracing::Level, format: crate::config::LogFormat) {
    crate::logging::init(level, format);
}
