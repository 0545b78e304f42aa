//! `ptp-sim demo`: the quick start. Starts the proxy next to ptp-sim, a
//! consumer subscribed to every resource, plays the embedded GM-loss
//! scenario (short holdover) and shows the events as they arrive; then
//! prints one event exactly as the consumer received it and writes the
//! timeline plot.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::run::write_plot;
use crate::run::real::{default_proxy_bin, run, RealOptions};
use crate::scenario::Scenario;

/// The embedded scenario.
pub const DEMO: &str = include_str!("../../../scenarios/gm-loss-freerun.toml");

/// Runs the demo; non-zero when HOLDOVER and FREERUN did not both arrive.
pub async fn main(proxy_bin: Option<PathBuf>, plot: Option<PathBuf>) -> Result<ExitCode> {
    let s = Scenario::from_str_named(DEMO, "gm-loss-freerun.toml (embedded)", "gm-loss-freerun")?;
    let bin = proxy_bin.unwrap_or_else(default_proxy_bin);
    println!("ptp-sim demo: {}", s.description);
    println!("starting {} …", bin.display());
    println!("     time    > line sent to the proxy socket / < event received by the consumer");
    let opts = RealOptions {
        proxy_bin: bin,
        speed: 1.0,
        grace: 1.5,
        slack: 0.5,
        live: true,
    };
    let outcome = run(&s, &opts).await?;
    let states: Vec<&str> = outcome
        .received
        .iter()
        .filter(|r| r.obs.resource == "lock-state")
        .map(|r| r.obs.value.as_str())
        .collect();
    let ok = states.contains(&"HOLDOVER") && states.contains(&"FREERUN") && outcome.passed();
    print!("{}", outcome.render(false));
    if let Some(ev) = outcome
        .received
        .iter()
        .find(|r| r.obs.resource == "lock-state" && r.obs.value == "HOLDOVER")
    {
        println!("one event exactly as the consumer received it (lock-state HOLDOVER):");
        println!("{}", ev.body);
    }
    let path = plot.unwrap_or_else(|| std::env::temp_dir().join("ptp-sim-demo-timeline.svg"));
    write_plot(&outcome, &path)?;
    if ok {
        println!("demo OK: lock-state went HOLDOVER then FREERUN as expected");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("demo FAILED: lock-state events were {states:?}");
        Ok(ExitCode::FAILURE)
    }
}
