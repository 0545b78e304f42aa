//! The JSON messages a newer daemon would have sent for a published event
//! (the simulator renders a scenario's timeline with it: lines through the
//! engine in virtual time, events through this converter). Pure.

use std::time::SystemTime;

use super::message::{DaemonMessage, GnssState, MessageBody};
use crate::events::{DataType, EventData, Resource, Value};
use crate::linuxptp::SyncState;

/// The messages for one event (a push or a CurrentState event), in the
/// order of its values, stamped with `time`. `profile` is empty: events do
/// not name the configuration. Values the converter cannot attribute (most
/// node-level placeholders of an initial notification) give no message.
pub fn to_daemon_messages(data: &EventData, time: SystemTime) -> Vec<DaemonMessage> {
    let msg = |iface: &str, body: MessageBody| DaemonMessage {
        time: Some(time),
        profile: String::new(),
        iface: iface.to_owned(),
        body,
    };
    let v = &data.values;
    let mut out = Vec::new();
    match data.resource {
        Resource::LockState | Resource::OsClockSyncState => {
            for (i, value) in v.iter().enumerate() {
                let Some(state) = state_of(value) else {
                    continue;
                };
                let offset = offset_after(v, i);
                let Some(rest) = below_node(&value.address) else {
                    continue;
                };
                if data.resource == Resource::OsClockSyncState {
                    if rest == "CLOCK_REALTIME" {
                        out.push(msg("", MessageBody::OsClockState { state, offset }));
                    }
                } else if let Some(alias) = rest.strip_suffix("/master") {
                    out.push(msg(alias, MessageBody::PtpState { state, offset }));
                }
            }
        }
        Resource::ClockClass => {
            for value in v.iter().filter(|x| x.data_type == DataType::Metric) {
                let rest = below_node(&value.address);
                let alias = rest.and_then(|r| {
                    r.strip_suffix("/master/CLOCK_CLASS")
                        .or_else(|| r.strip_suffix("/master"))
                });
                if let (Some(alias), Ok(class)) = (alias, value.value.parse::<u8>()) {
                    out.push(msg(alias, MessageBody::ClockClass { class }));
                }
            }
        }
        Resource::GnssSyncStatus => {
            for (i, value) in v.iter().enumerate() {
                if value.data_type != DataType::Notification {
                    continue;
                }
                let (Some(state), Some(rest)) = (
                    GnssState::from_name(&value.value),
                    below_node(&value.address),
                ) else {
                    continue;
                };
                let Some(alias) = rest.strip_suffix("/master") else {
                    continue;
                };
                let fix_address = format!("{}/gpsFix", value.address);
                let fix = v[i + 1..]
                    .iter()
                    .take(2)
                    .find(|x| x.address == fix_address)
                    .and_then(|x| x.value.parse().ok());
                let offset = offset_after(v, i);
                out.push(msg(alias, MessageBody::GnssState { state, offset, fix }));
            }
        }
        Resource::SynceLockState => {
            for value in v {
                let (Some(state), Some(port)) = (
                    SyncState::from_name(&value.value),
                    below_node(&value.address),
                ) else {
                    continue;
                };
                out.push(msg(port, MessageBody::SynceState { state }));
            }
        }
        Resource::SynceClockQuality => {
            for (i, value) in v.iter().enumerate() {
                let Some(port) = below_node(&value.address).and_then(|r| r.strip_suffix("/Ql"))
                else {
                    continue;
                };
                let Ok(ql) = value.value.parse::<u8>() else {
                    continue;
                };
                let ext_address = format!("{}/extQl", value.address.trim_end_matches("/Ql"));
                let extended_ql = v
                    .get(i + 1)
                    .filter(|x| x.address == ext_address)
                    .and_then(|x| x.value.parse().ok());
                out.push(msg(
                    port,
                    MessageBody::SynceClockQuality { ql, extended_ql },
                ));
            }
        }
        Resource::SyncState => {
            for value in v {
                let attributable =
                    below_node(&value.address) == Some("sync/sync-status/sync-state");
                if let (true, Some(state)) = (attributable, state_of(value)) {
                    out.push(msg("", MessageBody::SyncState { state }));
                }
            }
        }
    }
    out
}

/// The address below `/cluster/node/<node>/`.
fn below_node(address: &str) -> Option<&str> {
    let rest = address.strip_prefix("/cluster/node/")?;
    let (_node, below) = rest.split_once('/')?;
    (!below.is_empty()).then_some(below)
}

/// A notification value naming a sync state.
fn state_of(value: &Value) -> Option<SyncState> {
    (value.data_type == DataType::Notification)
        .then(|| SyncState::from_name(&value.value))
        .flatten()
}

/// The metric at the same address right after value `i` (the offset of a
/// state pair).
fn offset_after(values: &[Value], i: usize) -> Option<i64> {
    let address = &values.get(i)?.address;
    values
        .get(i + 1)
        .filter(|x| x.data_type == DataType::Metric && x.address == *address)
        .and_then(|x| x.value.parse().ok())
}
