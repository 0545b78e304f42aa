//! `ptp-sim replay LOGFILE --socket PATH [--speed X]`: replays a captured
//! log with its original timing: an `@<seconds>` first column when present,
//! else the deltas of the lines' own timestamps.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::daemon::Wire;
use crate::run::player::play;
use crate::scenario::generators::split_at_offset;
use crate::scenario::TimedLine;

/// The timestamp inside the first brackets (`ptp4l[5365.830]: …`).
fn stamp(line: &str) -> Option<f64> {
    let open = line.find('[')?;
    let close = open + line[open..].find(']')?;
    line[open + 1..close].parse().ok()
}

/// Turns a log into timed lines (one connection, `replay`).
pub fn timed(text: &str) -> Vec<TimedLine> {
    let mut out = Vec::new();
    let mut base: Option<f64> = None;
    let mut last = 0.0f64;
    for raw in text.lines() {
        let raw = raw.trim_end();
        if raw.is_empty() {
            continue;
        }
        let (t, line) = if raw.starts_with('@') {
            split_at_offset(raw)
        } else {
            let t = match stamp(raw) {
                Some(s) => {
                    let b = *base.get_or_insert(s);
                    // Synthetic lines carry Unix seconds, raw ones boot time:
                    // never jump backwards or across clock domains.
                    let d = s - b;
                    if (0.0..86_400.0).contains(&d) {
                        d.max(last)
                    } else {
                        last
                    }
                }
                None => last,
            };
            (t, raw)
        };
        last = t;
        out.push(TimedLine {
            t,
            conn: "replay".into(),
            text: line.to_string(),
            reconnect: false,
            hangup: false,
        });
    }
    out
}

/// Replays the file on the socket.
pub async fn main(file: &Path, socket: &Path, speed: f64) -> Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
    let lines = timed(&text);
    let wire = Wire::shared(socket, "5");
    play(&wire, &lines, Instant::now(), speed, |l| {
        println!("{:9.3} {}", l.t, l.text);
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_from_at_column_and_stamps() {
        let l = timed("@0.5 CMD LIVE_START\n@1.25 ptp4l[1.0]: [ptp4l.0.config] x\n");
        assert_eq!(l[0].t, 0.5);
        assert_eq!(l[1].t, 1.25);
        assert_eq!(l[1].text, "ptp4l[1.0]: [ptp4l.0.config] x");
        let l = timed("ptp4l[100.000]: [ptp4l.0.config] a\nptp4l[102.500]: [ptp4l.0.config] b\n");
        assert_eq!(l[1].t, 2.5);
    }
}
