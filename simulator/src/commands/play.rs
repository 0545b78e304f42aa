//! `ptp-sim play SCENARIO --socket PATH [--json]`: emit the lines only
//! (`--json`: as the newer daemon's JSON messages, whatever the scenario's
//! `protocol`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::daemon::Wire;
use crate::run::player::play;
use crate::run::real::timeline;
use crate::scenario::format::Protocol;
use crate::scenario::Scenario;

/// Plays the scenario's timeline on the socket of a running proxy.
pub async fn main(file: &Path, socket: &Path, speed: f64, json: bool) -> Result<ExitCode> {
    let mut s = Scenario::load(file)?;
    if json {
        s.protocol = Protocol::Json;
    }
    let tl = timeline(&s);
    let wire = Wire::shared(socket, &s.daemon.replay_level);
    play(&wire, &tl.lines, Instant::now(), speed, |l| {
        println!("{:9.3} [{}] {}", l.t, l.conn, l.text);
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
