//! `ptp-sim run [--virtual] [--json] [--speed X] [--proxy-bin PATH] [--plot FILE.svg] SCENARIO...`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::run::real::{default_proxy_bin, RealOptions};
use crate::run::report::{Outcome, Verdict};
use crate::run::{real, virtual_time};
use crate::scenario::format::Protocol;
use crate::scenario::Scenario;

/// Options of `ptp-sim run`.
#[derive(Debug, Clone, Default)]
pub struct RunArgs {
    pub virtual_mode: bool,
    pub speed: f64,
    pub proxy_bin: Option<PathBuf>,
    pub verbose: bool,
    /// SVG timeline: the file itself for one scenario, else
    /// `<stem>-<scenario>.svg` beside it.
    pub plot: Option<PathBuf>,
    /// Every scenario as JSON messages (`protocol = "json"`).
    pub json: bool,
}

/// Where the plot of `scenario` goes.
pub fn plot_path(plot: &Path, scenario: &str, several: bool) -> PathBuf {
    if !several {
        return plot.to_path_buf();
    }
    let stem = plot
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "timeline".into());
    plot.with_file_name(format!("{stem}-{scenario}.svg"))
}

/// Writes the plot of an outcome.
pub fn write_plot(out: &Outcome, path: &Path) -> Result<()> {
    let tl = out.plot.as_ref().context("this run recorded no timeline")?;
    ptp_timeline::svg::write(tl, path)?;
    println!("timeline plot: {}", path.display());
    Ok(())
}

/// Runs every scenario; exit 1 when any failed (a known failure that fails
/// as expected does not count; one that passes does).
pub async fn main(args: RunArgs, files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = Vec::new();
    let mut xfail = Vec::new();
    for f in files {
        let mut s = Scenario::load(f)?;
        if args.json {
            s.protocol = Protocol::Json;
        }
        let outcome = if args.virtual_mode {
            virtual_time::run(&s)
        } else {
            let opts = RealOptions {
                proxy_bin: args.proxy_bin.clone().unwrap_or_else(default_proxy_bin),
                speed: args.speed,
                grace: 1.5,
                slack: 0.5,
                live: false,
            };
            match real::run(&s, &opts).await {
                Ok(o) => o,
                Err(e) => {
                    println!("FAIL {}: {e:#}", s.name);
                    failed.push(s.name.clone());
                    continue;
                }
            }
        };
        print!("{}", outcome.render(args.verbose));
        if let Some(p) = &args.plot {
            write_plot(&outcome, &plot_path(p, &s.name, files.len() > 1))?;
        }
        match outcome.verdict() {
            Verdict::Pass => {}
            Verdict::XFail => xfail.push(s.name.clone()),
            Verdict::Fail | Verdict::XPass => failed.push(s.name.clone()),
        }
    }
    let passed = files.len() - failed.len() - xfail.len();
    println!(
        "{} scenario(s), {passed} passed, {} failed{}{}",
        files.len(),
        failed.len(),
        if xfail.is_empty() {
            String::new()
        } else {
            format!(", {} known failure(s): {}", xfail.len(), xfail.join(", "))
        },
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", failed.join(", "))
        }
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
