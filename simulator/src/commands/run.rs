//! `ptp-sim run [--virtual] [--speed X] [--proxy-bin PATH] SCENARIO...`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::run::real::{default_proxy_bin, RealOptions};
use crate::run::{real, virtual_time};
use crate::scenario::Scenario;

/// Runs every scenario; exit 1 when any failed.
pub async fn main(
    virtual_mode: bool,
    speed: f64,
    proxy_bin: Option<PathBuf>,
    verbose: bool,
    files: &[PathBuf],
) -> Result<ExitCode> {
    let mut failed = Vec::new();
    for f in files {
        let s = Scenario::load(f)?;
        let outcome = if virtual_mode {
            virtual_time::run(&s)
        } else {
            let opts = RealOptions {
                proxy_bin: proxy_bin.clone().unwrap_or_else(default_proxy_bin),
                speed,
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
        print!("{}", outcome.render(verbose));
        if !outcome.passed() {
            failed.push(s.name.clone());
        }
    }
    println!(
        "{} scenario(s), {} passed, {} failed{}",
        files.len(),
        files.len() - failed.len(),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(": {}", failed.join(", "))
        }
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
