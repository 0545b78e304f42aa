//! Reading one daemon JSON message (next-generation.md §1): `version` 1, a
//! known `type`, the members of its `values`. Anything else is a typed
//! [`Rejected`], which the caller counts as
//! `cne_socket_lines_total{kind="json",result="rejected"}` before reading
//! the next line.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::message::{DaemonMessage, GnssState, MessageBody, MessageType};
use crate::events::parse_rfc3339;
use crate::linuxptp::SyncState;

/// How much of an offending value a rejection keeps (a 1 MiB `type` must
/// not become a 1 MiB log line).
const SHOWN: usize = 64;

/// Why a line was not accepted as a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("the line is not valid UTF-8")]
    NotUtf8,
    #[error("the line is empty")]
    Empty,
    #[error("not a JSON message object: {0}")]
    Malformed(String),
    #[error("member `{0}` is missing")]
    Missing(&'static str),
    #[error("member `{member}` must be {expected}")]
    WrongType {
        member: &'static str,
        expected: &'static str,
    },
    #[error("unsupported version {0} (this proxy reads version 1)")]
    Version(String),
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    #[error("member `{member}` has an unknown or out-of-range value {value}")]
    Invalid { member: &'static str, value: String },
}

/// The top-level members; other members are ignored (forward
/// compatibility). `null` counts as absent. A member given twice is
/// malformed.
#[derive(Deserialize)]
struct Wire {
    version: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    timestamp: Option<Value>,
    profile: Option<Value>,
    iface: Option<Value>,
    values: Option<Value>,
}

/// Parses one line (without its terminator) as a message. The caller frames
/// lines (64 KiB at most) and uses the wall-clock time of the input when
/// `time` is `None`.
pub fn parse(line: &str) -> Result<DaemonMessage, Rejected> {
    if line.trim().is_empty() {
        return Err(Rejected::Empty);
    }
    if !line.trim_start().starts_with('{') {
        return Err(Rejected::Malformed("the line is not a JSON object".into()));
    }
    let wire: Wire = serde_json::from_str(line).map_err(|e| Rejected::Malformed(shorten(&e)))?;
    match wire.version {
        None => return Err(Rejected::Missing("version")),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(Value::Number(n)) => return Err(Rejected::Version(clip(&n.to_string()))),
        Some(_) => {
            return Err(Rejected::WrongType {
                member: "version",
                expected: "the number 1",
            })
        }
    }
    let kind = match wire.kind {
        None => return Err(Rejected::Missing("type")),
        Some(Value::String(s)) => {
            MessageType::from_name(&s).ok_or_else(|| Rejected::UnknownType(clip(&s)))?
        }
        Some(_) => {
            return Err(Rejected::WrongType {
                member: "type",
                expected: "a string",
            })
        }
    };
    let profile = opt_string(wire.profile, "profile")?;
    let iface = opt_string(wire.iface, "iface")?;
    if kind.needs_iface() && iface.is_empty() {
        return Err(Rejected::Missing("iface"));
    }
    // An invalid time stamp is not a reason to drop a state: "now".
    let time = match &wire.timestamp {
        Some(Value::String(s)) => parse_rfc3339(s).ok(),
        _ => None,
    };
    let body = if kind.has_values() {
        let values = match wire.values {
            None => return Err(Rejected::Missing("values")),
            Some(Value::Object(m)) => m,
            Some(_) => {
                return Err(Rejected::WrongType {
                    member: "values",
                    expected: "an object",
                })
            }
        };
        body(kind, &values)?
    } else {
        match kind {
            MessageType::CacheClear => MessageBody::CacheClear,
            MessageType::StatusRequest => MessageBody::StatusRequest,
            _ => MessageBody::StatusResponse,
        }
    };
    Ok(DaemonMessage {
        time,
        profile,
        iface,
        body,
    })
}

/// [`parse`] for a line that may not be UTF-8.
pub fn parse_bytes(line: &[u8]) -> Result<DaemonMessage, Rejected> {
    std::str::from_utf8(line)
        .map_err(|_| Rejected::NotUtf8)
        .and_then(parse)
}

/// The body of a type that has `values`.
fn body(kind: MessageType, v: &Map<String, Value>) -> Result<MessageBody, Rejected> {
    Ok(match kind {
        MessageType::PtpState => MessageBody::PtpState {
            state: state(v)?,
            offset: opt_int(v, "offset", "values.offset")?,
        },
        MessageType::OsClockState => MessageBody::OsClockState {
            state: state(v)?,
            offset: opt_int(v, "offset", "values.offset")?,
        },
        MessageType::ClockClass => MessageBody::ClockClass {
            class: byte(v, "clock_class", "values.clock_class")?
                .ok_or(Rejected::Missing("values.clock_class"))?,
        },
        MessageType::GnssState => {
            let name = string(v, "state", "values.state")?;
            MessageBody::GnssState {
                state: GnssState::from_name(name).ok_or_else(|| Rejected::Invalid {
                    member: "values.state",
                    value: quoted(name),
                })?,
                offset: opt_int(v, "offset", "values.offset")?,
                fix: opt_int(v, "gps_fix", "values.gps_fix")?,
            }
        }
        MessageType::SynceState => MessageBody::SynceState { state: state(v)? },
        MessageType::SynceClockQuality => MessageBody::SynceClockQuality {
            ql: byte(v, "ql", "values.ql")?.ok_or(Rejected::Missing("values.ql"))?,
            extended_ql: byte(v, "extended_ql", "values.extended_ql")?,
        },
        MessageType::SyncState => MessageBody::SyncState { state: state(v)? },
        MessageType::CacheClear => MessageBody::CacheClear,
        MessageType::StatusRequest => MessageBody::StatusRequest,
        MessageType::StatusResponse => MessageBody::StatusResponse,
    })
}

/// `values.state`: LOCKED, HOLDOVER or FREERUN.
fn state(v: &Map<String, Value>) -> Result<SyncState, Rejected> {
    let name = string(v, "state", "values.state")?;
    SyncState::from_name(name).ok_or_else(|| Rejected::Invalid {
        member: "values.state",
        value: quoted(name),
    })
}

/// A required string member of `values`.
fn string<'v>(
    v: &'v Map<String, Value>,
    key: &str,
    member: &'static str,
) -> Result<&'v str, Rejected> {
    match v.get(key) {
        None | Some(Value::Null) => Err(Rejected::Missing(member)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Rejected::WrongType {
            member,
            expected: "a string",
        }),
    }
}

/// An optional integer member of `values` (fractions are wrong-typed:
/// offsets and classes are integers).
fn opt_int(
    v: &Map<String, Value>,
    key: &str,
    member: &'static str,
) -> Result<Option<i64>, Rejected> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            None if n.is_u64() => Err(Rejected::Invalid {
                member,
                value: clip(&n.to_string()),
            }),
            None => Err(Rejected::WrongType {
                member,
                expected: "an integer",
            }),
        },
        Some(_) => Err(Rejected::WrongType {
            member,
            expected: "an integer",
        }),
    }
}

/// An optional integer member in 0..=255.
fn byte(v: &Map<String, Value>, key: &str, member: &'static str) -> Result<Option<u8>, Rejected> {
    match opt_int(v, key, member)? {
        None => Ok(None),
        Some(i) => u8::try_from(i).map(Some).map_err(|_| Rejected::Invalid {
            member,
            value: i.to_string(),
        }),
    }
}

/// An optional top-level string member (absent = empty).
fn opt_string(v: Option<Value>, member: &'static str) -> Result<String, Rejected> {
    match v {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Rejected::WrongType {
            member,
            expected: "a string",
        }),
    }
}

/// `"<value>"`, clipped.
fn quoted(s: &str) -> String {
    format!("\"{}\"", clip(s))
}

/// At most [`SHOWN`] characters of `s`, marked when clipped.
fn clip(s: &str) -> String {
    match s.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// serde_json's message, clipped.
fn shorten(e: &serde_json::Error) -> String {
    clip(&e.to_string())
}
