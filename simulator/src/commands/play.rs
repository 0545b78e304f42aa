//! `ptp-sim play SCENARIO --socket PATH`: emit the lines only.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::daemon::Wire;
use crate::run::player::play;
use crate::scenario::{build, Scenario};

/// Plays the scenario's timeline on the socket of a running proxy.
pub async fn main(file: &Path, socket: &Path, speed: f64) -> Result<ExitCode> {
    let s = Scenario::load(file)?;
    let tl = build(&s);
    let wire = Wire::shared(socket, &s.daemon.replay_level);
    play(&wire, &tl.lines, Instant::now(), speed, |l| {
        println!("{:9.3} [{}] {}", l.t, l.conn, l.text);
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
