//! Writing a message as the newer daemon would (one line of compact JSON),
//! with serde structs; `parse` reads every rendered line back to the same
//! value (to the nanosecond of its time stamp).

use serde::Serialize;

use super::message::{DaemonMessage, MessageBody};
use crate::events::rfc3339;

#[derive(Serialize)]
struct Wire<'a> {
    version: u8,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iface: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<Values>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Values {
    State {
        state: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        offset: Option<i64>,
    },
    Gnss {
        state: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        offset: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gps_fix: Option<i64>,
    },
    Class {
        clock_class: u8,
    },
    Quality {
        ql: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        extended_ql: Option<u8>,
    },
}

impl DaemonMessage {
    /// A `status_request` message (what [`super::STATUS_REQUEST`] says).
    pub fn status_request() -> DaemonMessage {
        DaemonMessage {
            time: None,
            profile: String::new(),
            iface: String::new(),
            body: MessageBody::StatusRequest,
        }
    }

    /// The message as one line of JSON, without the terminator. Messages
    /// without values (`cache_clear`, `status_*`) carry no `profile` or
    /// `iface` when those are empty.
    pub fn to_line(&self) -> String {
        let values = match self.body {
            MessageBody::PtpState { state, offset }
            | MessageBody::OsClockState { state, offset } => Some(Values::State {
                state: state.as_str(),
                offset,
            }),
            MessageBody::SynceState { state } | MessageBody::SyncState { state } => {
                Some(Values::State {
                    state: state.as_str(),
                    offset: None,
                })
            }
            MessageBody::ClockClass { class } => Some(Values::Class { clock_class: class }),
            MessageBody::GnssState { state, offset, fix } => Some(Values::Gnss {
                state: state.wire(),
                offset,
                gps_fix: fix,
            }),
            MessageBody::SynceClockQuality { ql, extended_ql } => {
                Some(Values::Quality { ql, extended_ql })
            }
            MessageBody::CacheClear | MessageBody::StatusRequest | MessageBody::StatusResponse => {
                None
            }
        };
        let always = values.is_some();
        let wire = Wire {
            version: 1,
            kind: self.body.message_type().as_str(),
            timestamp: self.time.map(rfc3339),
            profile: member(&self.profile, always),
            iface: member(&self.iface, always),
            values,
        };
        // Serialising these structs cannot fail (string keys, no maps).
        serde_json::to_string(&wire).unwrap_or_default()
    }
}

/// A member written always, or only when not empty.
fn member(s: &str, always: bool) -> Option<&str> {
    (always || !s.is_empty()).then_some(s)
}
