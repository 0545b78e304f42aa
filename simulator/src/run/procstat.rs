//! Resident memory and CPU time of a process, from `/proc` (Linux).

/// RSS (KiB) and user + system CPU time (s) of `pid`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub rss_kib: u64,
    pub cpu_s: f64,
}

/// Clock ticks per second of `/proc/<pid>/stat` (`sysconf(_SC_CLK_TCK)`,
/// 100 on every Linux this runs on).
const TICKS: f64 = 100.0;

/// Reads the usage of `pid`; `None` when `/proc` has no such process.
pub fn usage(pid: u32) -> Option<Usage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Usage {
        rss_kib: rss(&status)?,
        cpu_s: cpu(&stat)?,
    })
}

fn rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu(stat: &str) -> Option<f64> {
    // Fields after the parenthesised command name: state is field 3,
    // utime 14 and stime 15 (1-based), so 11 and 12 after the ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_stat() {
        assert_eq!(rss("Name:\tx\nVmRSS:\t   5120 kB\n"), Some(5120));
        let stat = "42 (cloud event) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0";
        assert_eq!(cpu(stat), Some(3.0));
    }

    #[test]
    fn reads_this_process() {
        let u = usage(std::process::id()).expect("own /proc entry");
        assert!(u.rss_kib > 0);
    }
}
