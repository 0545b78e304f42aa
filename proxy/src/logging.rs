//! Log output of the binaries (`cloud-event-proxy`, `ptp-sim`): human text
//! (the default) or one JSON object per line for log pipelines
//! (`--log-format json`, `LOG_FORMAT=json`), on stderr.

use std::str::FromStr;

/// `--log-format` / `LOG_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Aligned text lines for people.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`,
    /// the event's fields, and the current `span` and `spans` with theirs.
    Json,
}

/// A `LOG_FORMAT` value that is neither `text` nor `json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a log format (text or json)")]
pub struct UnknownLogFormat(pub String);

impl FromStr for LogFormat {
    type Err = UnknownLogFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(UnknownLogFormat(s.to_string())),
        }
    }
}

impl LogFormat {
    /// The flag when given, else `LOG_FORMAT` (an empty value counts as
    /// unset); a bad `LOG_FORMAT` falls back to text with a warning to log.
    pub fn resolve(flag: Option<LogFormat>, env: Option<&str>) -> (LogFormat, Option<String>) {
        if let Some(f) = flag {
            return (f, None);
        }
        match env.filter(|v| !v.trim().is_empty()).map(str::parse) {
            None => (LogFormat::Text, None),
            Some(Ok(f)) => (f, None),
            Some(Err(e)) => (LogFormat::Text, Some(format!("LOG_FORMAT: {e}: text used"))),
        }
    }
}

/// A `LOG_LEVEL` value as the proxy reads it: trace, debug, info, warn
/// (warning), error (fatal, panic), any case.
pub fn parse_level(s: &str) -> Option<tracing::Level> {
    match s.trim().to_ascii_lowercase().as_str() {
        "trace" => Some(tracing::Level::TRACE),
        "debug" => Some(tracing::Level::DEBUG),
        "info" => Some(tracing::Level::INFO),
        "warn" | "warning" => Some(tracing::Level::WARN),
        "error" | "fatal" | "panic" => Some(tracing::Level::ERROR),
        _ => None,
    }
}

/// Installs the global subscriber: events up to `level`, to stderr, in
/// `format`. Text is coloured only on a terminal. A second call does
/// nothing.
pub fn init(level: tracing::Level, format: LogFormat) {
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_then_environment_then_text() {
        assert_eq!(
            LogFormat::resolve(Some(LogFormat::Text), Some("json")),
            (LogFormat::Text, None)
        );
        assert_eq!(
            LogFormat::resolve(None, Some(" JSON ")),
            (LogFormat::Json, None)
        );
        assert_eq!(LogFormat::resolve(None, Some("")), (LogFormat::Text, None));
        assert_eq!(LogFormat::resolve(None, None), (LogFormat::Text, None));
        assert_eq!(parse_level(" Warning"), Some(tracing::Level::WARN));
        assert_eq!(parse_level("verbose"), None);
        let (f, warning) = LogFormat::resolve(None, Some("yaml"));
        assert_eq!(f, LogFormat::Text);
        assert!(warning.is_some_and(|w| w.contains("yaml")));
    }
}
