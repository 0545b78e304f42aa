//! `protocol = "json"`: the timeline a newer linuxptp-daemon would send
//! (next-generation.md §1). The daemon decides the states itself, so the
//! scenario's log-line timeline is driven through the engine in virtual
//! time (replays, deadlines and `CMD RESTART` included) and every event it
//! publishes becomes the daemon's JSON messages at the event's instant, on
//! one connection. The messages carry no `timestamp`: virtual runs give
//! them the virtual time, and the real-time player stamps each when it
//! writes it.

use std::time::SystemTime;

use ptp_event_core::events::daemon::{parse, to_daemon_messages};

use super::virtual_time::drive_lines;
use crate::scenario::{build, Scenario, TimedLine, Timeline};

/// The daemon's connection in JSON mode.
pub const JSON_CONN: &str = "json";

/// The JSON-message timeline of a scenario: same steps, same end.
pub fn timeline(s: &Scenario) -> Timeline {
    let tl = build(s);
    let run = drive_lines(s, &tl).driver.finish(tl.end);
    let lines = run
        .events
        .iter()
        .flat_map(|(t, data)| {
            to_daemon_messages(data, SystemTime::UNIX_EPOCH)
                .into_iter()
                .map(move |mut m| {
                    m.time = None;
                    TimedLine {
                        t: *t,
                        conn: JSON_CONN.to_string(),
                        text: m.to_line(),
                        reconnect: false,
                        hangup: false,
                    }
                })
        })
        .collect();
    Timeline {
        lines,
        steps: tl.steps,
        end: tl.end,
    }
}

/// A JSON message line with `timestamp` set to `now` (the player's
/// stamp); other lines unchanged.
pub fn stamped(text: &str, now: SystemTime) -> String {
    if !text.starts_with('{') {
        return text.to_string();
    }
    match parse(text) {
        Ok(mut m) => {
            m.time = Some(now);
            m.to_line()
        }
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::format::Protocol;

    #[test]
    fn the_json_timeline_has_one_message_per_state_change_on_one_connection() {
        let text = include_str!("../../../scenarios/gm-loss-freerun.toml");
        let mut s = Scenario::from_str_named(text, "gm.toml", "gm").expect("valid");
        s.protocol = Protocol::Json;
        let tl = timeline(&s);
        assert!(tl.lines.iter().all(|l| l.conn == JSON_CONN));
        let texts: Vec<&str> = tl.lines.iter().map(|l| l.text.as_str()).collect();
        // Every line is an accepted message without a timestamp.
        for t in &texts {
            let m = parse(t).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(m.time, None, "{t}");
        }
        let ptp: Vec<&&str> = texts
            .iter()
            .filter(|t| t.contains(r#""type":"ptp_state""#))
            .collect();
        assert_eq!(ptp.len(), 3, "{texts:#?}");
        assert!(ptp[0].contains(r#""state":"LOCKED""#));
        assert!(ptp[1].contains(r#""state":"HOLDOVER""#));
        assert!(ptp[2].contains(r#""state":"FREERUN""#));
        assert!(texts.iter().any(|t| t.contains(r#""clock_class":248"#)));
        assert_eq!(tl.end, build(&s).end);
        let stamp = stamped(texts[0], SystemTime::UNIX_EPOCH);
        assert!(
            stamp.contains(r#""timestamp":"1970-01-01T00:00:00"#),
            "{stamp}"
        );
        assert_eq!(
            stamped("CMD LIVE_START", SystemTime::now()),
            "CMD LIVE_START"
        );
    }
}
