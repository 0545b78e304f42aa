//! The binary's entry point: flags and environment → one of `run`,
//! `validate`, `explain`; errors erased into exit codes here only.

use std::ffi::OsString;
use std::io::{BufRead, Write};
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
                ExitCode::from(1)
            }
        },
        Command::Explain(args) => explain(args),
    }
}

fn explain(args: crate::config::ExplainArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("cloud-event-proxy explain: {msg}");
        ExitCode::from(1)
    };
    let mut opts = crate::explain::ExplainOptions {
        format: args.format,
        node: Some(args.node.clone()),
        ..Default::default()
    };
    for path in &args.ptp4l_configs {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return fail(format!("{}: {e}", path.display())),
        };
        match crate::config::parse_ptp4l_config(&path.display().to_string(), &text) {
            Ok(c) => opts.ptp4l_configs.push(c),
            Err(e) => return fail(e.to_string()),
        }
    }
    if let Some(path) = &args.thresholds {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return fail(format!("{}: {e}", path.display())),
        };
        match crate::config::parse_profiles(&path.display().to_string(), &text) {
            Ok((profiles, warnings)) => {
                for w in warnings {
                    eprintln!("cloud-event-proxy explain: warning: {w}");
                }
                opts.profiles = profiles;
            }
            Err(e) => return fail(e.to_string()),
        }
    }
    let input: Box<dyn BufRead> = match &args.input {
        crate::config::ExplainInput::Stdin => Box::new(std::io::stdin().lock()),
        crate::config::ExplainInput::File(p) => match std::fs::File::open(p) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => return fail(format!("{}: {e}", p.display())),
        },
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = crate::explain::explain(input, &opts, &mut out);
    let _ = out.flush();
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(e.to_string()),
    }
}

/// `LOG_LEVEL` logging to stderr, as text or JSON lines (`--log-format`).
fn init_logging(level: tracing::Level, format: crate::config::LogFormat) {
    crate::logging::init(level, format);
}
