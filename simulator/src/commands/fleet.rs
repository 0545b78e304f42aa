//! `ptp-sim fleet --nodes N [--speed X] [--proxy-bin PATH] SCENARIO`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::run::fleet::{run, FleetOptions};
use crate::run::real::default_proxy_bin;
use crate::scenario::Scenario;

/// Plays the scenario on `nodes` proxies at once; exit 1 unless every node
/// received exactly the expected events.
pub async fn main(
    file: &Path,
    nodes: usize,
    speed: f64,
    proxy_bin: Option<PathBuf>,
) -> Result<ExitCode> {
    let s = Scenario::load(file)?;
    let opts = FleetOptions {
        proxy_bin: proxy_bin.unwrap_or_else(default_proxy_bin),
        nodes,
        speed,
        grace: 3.0,
    };
    let report = run(&s, &opts).await?;
    print!("{}", report.render());
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
