//! `cloud-event-proxy explain`: reads the files the command names and runs
//! the core's offline replay on the log.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use ptp_event_core::explain::Observation;

/// Runs `explain`; exit status 1 on an unreadable file.
pub(super) fn run(args: crate::config::ExplainArgs) -> ExitCode {
    let fail = |msg: String| {
        eprintln!("cloud-event-proxy explain: {msg}");
        ExitCode::from(1)
    };
    let mut opts = ptp_event_core::explain::ExplainOptions {
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
    let Some(plot) = &args.plot else {
        let result = ptp_event_core::explain::explain(input, &opts, &mut out);
        let _ = out.flush();
        return match result {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => fail(e.to_string()),
        };
    };
    let mut recorder = ptp_timeline::Recorder::new(&args.node, &Default::default());
    let mut end = 0.0;
    let result =
        ptp_event_core::explain::explain_observed(input, &opts, &mut out, &mut |o| match o {
            Observation::Config(cfg) => recorder.on_config(cfg),
            Observation::Line(t, line) => recorder.line(t, line),
            Observation::Effects(t, fx) => recorder.effects(t, fx),
            Observation::End(t) => end = t,
        });
    let _ = out.flush();
    if let Err(e) = result {
        return fail(e.to_string());
    }
    match ptp_timeline::svg::write(&recorder.finish(end), plot) {
        Ok(()) => {
            eprintln!(
                "cloud-event-proxy explain: timeline written to {}",
                plot.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", plot.display())),
    }
}
