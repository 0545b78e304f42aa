//! Typed errors and warnings of the configuration layer.

use std::fmt;

/// Something wrong with a configuration file, a flag or an environment
/// variable. Every variant names where the problem is, so that the message
/// alone tells an operator what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Malformed content, at a line (and column) when known.
    Syntax {
        /// File path as given to the parser.
        path: String,
        /// 1-based line number.
        line: Option<usize>,
        /// 1-based column number.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The file (or directory) could not be read.
    Io {
        /// File or directory path.
        path: String,
        /// The I/O error kind (`NotFound`, `PermissionDenied`, ...).
        kind: std::io::ErrorKind,
        /// The I/O error text.
        message: String,
    },
    /// The file is well formed but cannot be used (for example a ptp4l
    /// configuration without `#profile:` header or without interfaces).
    Invalid {
        /// File path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A flag or environment value is invalid.
    Value {
        /// Flag (`--transport-host`) or variable (`NODE_NAME`).
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Syntax {
                path,
                line,
                column,
                message,
            } => {
                write!(f, "{path}")?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                }
                write!(f, ": {message}")
            }
            ConfigError::Io { path, message, .. } => write!(f, "{path}: {message}"),
            ConfigError::Invalid { path, message } => write!(f, "{path}: {message}"),
            ConfigError::Value { name, message } => write!(f, "{name}: {message}"),
        }
    }
}

impl ConfigError {
    /// A syntax error at a line.
    pub fn at_line(path: &str, line: usize, message: impl Into<String>) -> Self {
        ConfigError::Syntax {
            path: path.to_string(),
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }

    /// An I/O error on a path.
    pub fn io(path: &std::path::Path, err: &std::io::Error) -> Self {
        ConfigError::Io {
            path: path.display().to_string(),
            kind: err.kind(),
            message: err.to_string(),
        }
    }

    /// The file or directory the error is about (None for flag/env values).
    pub fn path(&self) -> Option<&str> {
        match self {
            ConfigError::Syntax { path, .. }
            | ConfigError::Io { path, .. }
            | ConfigError::Invalid { path, .. } => Some(path),
            ConfigError::Value { .. } => None,
        }
    }

    /// The 1-based line number, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Syntax { line, .. } => *line,
            _ => None,
        }
    }

    /// The problem, without the location.
    pub fn message(&self) -> &str {
        match self {
            ConfigError::Syntax { message, .. }
            | ConfigError::Io { message, .. }
            | ConfigError::Invalid { message, .. }
            | ConfigError::Value { message, .. } => message,
        }
    }

    /// Whether this is a "file not found" error.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ConfigError::Io { kind, .. } if *kind == std::io::ErrorKind::NotFound)
    }
}

/// A problem that does not stop loading: the value concerned falls back to
/// its default. Meant to be logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// File path.
    pub path: String,
    /// The profile concerned (its `name`, or `#<index>` if it has none).
    pub profile: Option<String>,
    /// What was wrong and what is used instead.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.profile {
            Some(p) => write!(f, "{}: profile {p}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = ConfigError::at_line("/var/run/ptp4l.0.config", 7, "section header is not closed");
        assert_eq!(
            e.to_string(),
            "/var/run/ptp4l.0.config:7: section header is not closed"
        );
        assert_eq!(e.line(), Some(7));
        assert_eq!(e.path(), Some("/var/run/ptp4l.0.config"));
        let e = ConfigError::Syntax {
            path: "p".into(),
            line: Some(2),
            column: Some(5),
            message: "m".into(),
        };
        assert_eq!(e.to_string(), "p:2:5: m");
        let e = ConfigError::Value {
            name: "NODE_NAME".into(),
            message: "required".into(),
        };
        assert_eq!(e.to_string(), "NODE_NAME: required");
        assert_eq!(e.path(), None);
        let w = Warning {
            path: "f".into(),
            profile: Some("\"oc\"".into()),
            message: "x".into(),
        };
        assert_eq!(w.to_string(), "f: profile \"oc\": x");
    }
}
