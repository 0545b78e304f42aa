//! What the daemon replays when the proxy calls `/emit-logs`
//! (socket-and-lines.md §1.5): the latest T-GM / T-BC status line of each
//! configuration, the latest raw ptp4l port-state line of each port **with
//! its level suffix**, `PTP_PROCESS_STATUS` of every process, the current
//! clock class of each configuration, then `CMD LIVE_START`.

use std::collections::BTreeMap;

use ptp_event_core::linuxptp::{parse, Body, LogLine};

/// The recent lines, by what they are about.
#[derive(Debug, Clone, Default)]
pub struct ReplayLog {
    level: String,
    status: BTreeMap<String, String>,
    ports: BTreeMap<(String, String), String>,
    processes: BTreeMap<(String, String), String>,
    classes: BTreeMap<String, String>,
}

impl ReplayLog {
    /// An empty log; replayed port lines get `[cfg:<level>]`.
    pub fn new(level: &str) -> ReplayLog {
        ReplayLog {
            level: level.to_string(),
            ..ReplayLog::default()
        }
    }

    /// Remembers a line the daemon sent (replays are not recorded).
    pub fn record(&mut self, text: &str) {
        let Ok(LogLine::Entry(e)) = parse(text) else {
            return;
        };
        let config = e.config.to_string();
        match &e.body {
            Body::GmStatus(_) | Body::TbcStatus(_) => {
                self.status.insert(config, text.to_string());
            }
            Body::PortState(p) if e.source == "ptp4l" && e.level.is_none() => {
                let mut replayed = e;
                replayed.level = Some(&self.level);
                let line = LogLine::Entry(replayed).to_string();
                self.ports.insert((config, p.port.to_string()), line);
            }
            Body::ProcessStatus(_) => {
                self.processes
                    .insert((e.source.to_string(), config), text.to_string());
            }
            Body::ClockClass(_) => {
                self.classes
                    .insert(e.profile_key().to_string(), text.to_string());
            }
            _ => {}
        }
    }

    /// Nothing to replay yet (the daemon answers 204).
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
            && self.ports.is_empty()
            && self.processes.is_empty()
            && self.classes.is_empty()
    }

    /// The replay, in the daemon's order, ending with `CMD LIVE_START`.
    pub fn replay(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        out.extend(self.status.values().cloned());
        out.extend(self.ports.values().cloned());
        out.extend(self.processes.values().cloned());
        out.extend(self.classes.values().cloned());
        out.push("CMD LIVE_START".to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_the_latest_of_each_kind_with_the_level_suffix() {
        let mut log = ReplayLog::new("5");
        assert!(log.is_empty());
        for l in [
            "ptp4l[10.000]: [ptp4l.0.config] port 1 (ens2f0): SLAVE to FAULTY on FAULT_DETECTED (FT_UNSPECIFIED)",
            "ptp4l[13.000]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
            "ptp4l[13.500]: [ptp4l.0.config] master offset          3 s2 freq   -1100 path delay      1585",
            "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
            "phc2sys[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:0",
            "ptp4l[1700000001]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 248",
            "ptp4l[1700000002]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6",
            "T-BC[1700000002]:[ts2phc.1.config] ens4f0 offset 3 T-BC-STATUS s2",
        ] {
            log.record(l);
        }
        assert_eq!(
            log.replay(),
            [
                "T-BC[1700000002]:[ts2phc.1.config] ens4f0 offset 3 T-BC-STATUS s2",
                "ptp4l[13.000]: [ptp4l.0.config:5] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
                "phc2sys[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:0",
                "ptp4l[1700000000]:[ptp4l.0.config] PTP_PROCESS_STATUS:1",
                "ptp4l[1700000002]:[ptp4l.0.config] CLOCK_CLASS_CHANGE 6",
                "CMD LIVE_START",
            ]
        );
    }
}
