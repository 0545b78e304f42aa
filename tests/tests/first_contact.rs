//! First contact and operations (issue 15): `--version` names the commit,
//! and `LOG_FORMAT=json` / `--log-format json` make every log line of the
//! proxy and of ptp-sim one JSON object.

use std::time::Duration;

use anyhow::{Context, Result};
use ptp_tests::{proxy_bin, workspace_bin, Consumer, Dirs, Proxy, Reply};
use serde_json::Value;

const LOCK: &str = "/sync/ptp-status/lock-state";

/// `git rev-parse --short HEAD` of this checkout, `unknown` without git.
fn expected_commit() -> String {
    std::process::Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short",
            "HEAD",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[test]
fn version_names_the_package_version_and_the_commit() -> Result<()> {
    for flag in ["--version", "-V"] {
        let out = std::process::Command::new(proxy_bin()).arg(flag).output()?;
        assert!(out.status.success(), "{flag}: {:?}", out.status);
        let text = String::from_utf8(out.stdout)?;
        assert_eq!(
            text.trim(),
            format!(
                "cloud-event-proxy {} (commit {})",
                env!("CARGO_PKG_VERSION"),
                expected_commit()
            )
        );
    }
    Ok(())
}

/// Parses every line of a JSON log; each must be an object with the
/// members a log pipeline reads.
fn parse_json_log(text: &str) -> Result<Vec<Value>> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("line {} is not JSON: {line}", i + 1))?;
        let o = v
            .as_object()
            .with_context(|| format!("line {} is not an object", i + 1))?;
        for key in ["timestamp", "level", "target", "message"] {
            anyhow::ensure!(
                o.get(key).is_some_and(Value::is_string),
                "line {} has no {key}: {line}",
                i + 1
            );
        }
        lines.push(v);
    }
    Ok(lines)
}

#[tokio::test]
async fn the_proxy_logs_one_json_object_per_line() -> Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start_with_env(&dirs, &[], &[("LOG_FORMAT", "json")]).await?;
    let consumer = Consumer::start(Reply::default()).await?;
    let (status, _) = proxy.subscribe(LOCK, &consumer.endpoint()).await?;
    assert_eq!(status, 201);
    let _c = proxy
        .send(&[
            "ptp4l[1.0]: [ptp4l.0.config] port 1 (ens2f0): UNCALIBRATED to SLAVE on MASTER_CLOCK_SELECTED",
            "ptp4l[1.1]: [ptp4l.0.config] master offset          3 s2 freq   -1061 path delay      2318",
            "a line that is rejected",
        ])
        .await?;
    consumer.wait_count(2, Duration::from_secs(5)).await?;
    let stderr_log = proxy.stderr_log.clone();
    let status = proxy.stop().await?;
    assert!(status.success());
    let text = std::fs::read_to_string(stderr_log)?;
    let lines = parse_json_log(&text)?;
    assert!(lines.len() >= 5, "{text}");
    let messages: Vec<&str> = lines.iter().filter_map(|l| l["message"].as_str()).collect();
    assert!(
        messages.contains(&"cloud-event-proxy ready"),
        "{messages:?}"
    );
    assert!(messages.contains(&"shutting down"), "{messages:?}");
    // Event fields are members of the line, next to the message.
    let ready = lines
        .iter()
        .find(|l| l["message"] == "cloud-event-proxy ready")
        .context("ready line")?;
    assert_eq!(ready["node"], ptp_tests::NODE);
    assert_eq!(ready["level"], "INFO");
    assert!(ready["target"]
        .as_str()
        .is_some_and(|t| t.starts_with("ptp_event_proxy")));
    // A line logged inside a span carries it, with its fields.
    let in_span = lines
        .iter()
        .find(|l| l["span"]["name"] == "delivery")
        .with_context(|| format!("no line inside the delivery span:\n{text}"))?;
    assert!(in_span["span"]["subscriber"].is_string(), "{in_span}");
    assert!(in_span["spans"].is_array(), "{in_span}");
    Ok(())
}

#[tokio::test]
async fn the_flag_overrides_log_format_and_text_is_the_default() -> Result<()> {
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy =
        Proxy::start_with_env(&dirs, &["--log-format=text"], &[("LOG_FORMAT", "json")]).await?;
    let log = proxy.stderr_log.clone();
    proxy.stop().await?;
    let text = std::fs::read_to_string(&log)?;
    assert!(text.contains("cloud-event-proxy ready"), "{text}");
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_err()),
        "{text}"
    );
    // Plain text is not coloured when stderr is a file.
    assert!(!text.contains('\u{1b}'), "{text}");
    let dirs = Dirs::new()?;
    dirs.write_oc(&["ens2f0"], 5)?;
    let proxy = Proxy::start_with_env(&dirs, &["--log-format", "json"], &[]).await?;
    let log = proxy.stderr_log.clone();
    proxy.stop().await?;
    parse_json_log(&std::fs::read_to_string(&log)?)?;
    Ok(())
}

#[tokio::test]
async fn ptp_sim_logs_one_json_object_per_line() -> Result<()> {
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/oc-startup-lock.toml");
    let tmp = tempfile::tempdir()?;
    let out = tokio::process::Command::new(workspace_bin("ptp-sim", "ptp-simulator"))
        .args(["--log-format", "json", "run", "--speed", "4", "--proxy-bin"])
        .arg(proxy_bin())
        .arg(&scenario)
        .env("TMPDIR", tmp.path())
        .env("LOG_LEVEL", "info")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), out)
        .await
        .context("ptp-sim run did not finish")??;
    let stderr = String::from_utf8(out.stderr)?;
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = parse_json_log(&stderr)?;
    let started = lines
        .iter()
        .find(|l| l["message"] == "child process started")
        .with_context(|| format!("no start line:\n{stderr}"))?;
    assert!(started["pid"].is_u64(), "{started}");
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "child process stopped"),
        "{stderr}"
    );
    Ok(())
}
