//! v2 events: CloudEvents 1.0 structured JSON (§4.1, examples §5).

use std::time::SystemTime;

use bytes::Bytes;
use uuid::Uuid;

use super::json::{JsonBuf, ValueKeys};
use super::EventData;

/// Serialises a v2 event (push, CurrentState answer or initial
/// notification): `{"specversion":"1.0","id","source":<suffix>,"type","time",
/// "data":{"version":"1.0","values":[…]}}`, compact, members in this order.
pub fn v2_event(data: &EventData, id: &Uuid, time: SystemTime) -> Bytes {
    let mut b = JsonBuf::for_values(&data.values, 0);
    b.raw("{\"specversion\":\"1.0\",\"id\":\"");
    b.raw(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    b.raw("\",\"source\":");
    b.string(data.resource.suffix());
    b.raw(",\"type\":");
    b.string(data.resource.event_type());
    b.raw(",\"time\":");
    b.time(time);
    b.raw(",\"data\":");
    b.data("1.0", ValueKeys::V2, &data.values);
    b.raw("}");
    b.finish()
}

/// Serialises the CurrentState answer of an inclusive address
/// (next-generation.md §2): a JSON array of v2 events, each with its own
/// id from `id`, all with `time`; `[]` for none.
pub fn v2_array(events: &[EventData], mut id: impl FnMut() -> Uuid, time: SystemTime) -> Bytes {
    let mut out = Vec::with_capacity(2 + events.len() * 512);
    out.push(b'[');
    for (i, data) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&v2_event(data, &id(), time));
    }
    out.push(b']');
    Bytes::from(out)
}

/// Serialises only the `data` object with the v2 value keys:
/// `{"version":"1.0","values":[…]}` (the body of a v1 transport push).
pub fn v2_data(data: &EventData) -> Bytes {
    let mut b = JsonBuf::for_values(&data.values, 0);
    b.data("1.0", ValueKeys::V2, &data.values);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testutil::{at, data};
    use crate::events::{DataType::Metric as M, DataType::Notification as N, Resource};

    fn check(expected: &str, data: &EventData) {
        let v: serde_json::Value = serde_json::from_str(expected).expect("example is JSON");
        let id: Uuid = v["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
        let time = at(v["time"].as_str().expect("time"));
        let got = v2_event(data, &id, time);
        assert_eq!(std::str::from_utf8(&got).expect("utf8"), expected);
    }

    #[test]
    fn lock_state_push() {
        check(
            r#"{"specversion":"1.0","id":"f7a7c7d6-4b0b-4c5c-9a8a-2b9f0c4d1e11","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:11:24.123456789Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}}"#,
            &data(
                Resource::LockState,
                &[("/ens5fx/master", N, "LOCKED"), ("/ens5fx/master", M, "-3")],
            ),
        );
    }

    #[test]
    fn os_clock_sync_state_push() {
        check(
            r#"{"specversion":"1.0","id":"0b8e3c52-77a1-4f0e-8f43-5d1c9b2a6e70","source":"/sync/sync-status/os-clock-sync-state","type":"event.sync.sync-status.os-clock-sync-state-change","time":"2025-05-14T14:11:24.130112004Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","data_type":"notification","value_type":"enumeration","value":"HOLDOVER"},{"ResourceAddress":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","data_type":"metric","value_type":"decimal64.3","value":"-5"}]}}"#,
            &data(
                Resource::OsClockSyncState,
                &[
                    ("/CLOCK_REALTIME", N, "HOLDOVER"),
                    ("/CLOCK_REALTIME", M, "-5"),
                ],
            ),
        );
    }

    #[test]
    fn sync_state_push() {
        check(
            r#"{"specversion":"1.0","id":"6c1d0f7e-2a3b-4c5d-8e9f-0a1b2c3d4e5f","source":"/sync/sync-status/sync-state","type":"event.sync.sync-status.synchronization-state-change","time":"2025-05-14T14:11:24.130150Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/sync/sync-status/sync-state","data_type":"notification","value_type":"enumeration","value":"HOLDOVER"}]}}"#
                // The spec's example keeps a trailing zero that §4.4 removes.
                .replace("24.130150Z", "24.13015Z")
                .as_str(),
            &data(
                Resource::SyncState,
                &[("/sync/sync-status/sync-state", N, "HOLDOVER")],
            ),
        );
    }

    #[test]
    fn clock_class_push() {
        check(
            r#"{"specversion":"1.0","id":"ab423275-f65d-4760-97af-5b0b846605e4","source":"/sync/ptp-status/clock-class","type":"event.sync.ptp-status.ptp-clock-class-change","time":"2025-05-14T14:11:25.002Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"6"}]}}"#,
            &data(Resource::ClockClass, &[("/ens5fx/master", M, "6")]),
        );
    }

    #[test]
    fn gnss_sync_status_push() {
        check(
            r#"{"specversion":"1.0","id":"3f2e1d0c-9b8a-4776-a655-443322110099","source":"/sync/gnss-status/gnss-sync-status","type":"event.sync.gnss-status.gnss-state-change","time":"2025-05-14T14:20:00.5Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"notification","value_type":"enumeration","value":"SYNCHRONIZED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"metric","value_type":"decimal64.3","value":"5"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master/gpsFix","data_type":"metric","value_type":"decimal64.3","value":"3"}]}}"#,
            &data(
                Resource::GnssSyncStatus,
                &[
                    ("/ens2fx/master", N, "SYNCHRONIZED"),
                    ("/ens2fx/master", M, "5"),
                    ("/ens2fx/master/gpsFix", M, "3"),
                ],
            ),
        );
    }

    #[test]
    fn synce_lock_state_push() {
        check(
            r#"{"specversion":"1.0","id":"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d","source":"/sync/synce-status/lock-state","type":"event.sync.synce-status.synce-state-change","time":"2025-05-14T14:30:11.25Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0","data_type":"metric","value_type":"decimal64.3","value":"HOLDOVER"}]}}"#,
            &data(
                Resource::SynceLockState,
                &[("/synce1/ens7f0", M, "HOLDOVER")],
            ),
        );
    }

    #[test]
    fn synce_clock_quality_push() {
        check(
            r#"{"specversion":"1.0","id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","source":"/sync/synce-status/clock-quality","type":"event.sync.synce-status.synce-clock-quality-change","time":"2025-05-14T14:30:12Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0/Ql","data_type":"metric","value_type":"decimal64.3","value":"1"},{"ResourceAddress":"/cluster/node/compute-1.example.com/synce1/ens7f0/extQl","data_type":"metric","value_type":"decimal64.3","value":"32"}]}}"#,
            &data(
                Resource::SynceClockQuality,
                &[
                    ("/synce1/ens7f0/Ql", M, "1"),
                    ("/synce1/ens7f0/extQl", M, "32"),
                ],
            ),
        );
    }

    #[test]
    fn lock_state_current_state_dual_nic() {
        check(
            r#"{"specversion":"1.0","id":"c0ffee00-1234-4abc-8def-001122334455","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:40:00.000000001Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens2fx/master","data_type":"metric","value_type":"decimal64.3","value":"4"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens7fx/master","data_type":"notification","value_type":"enumeration","value":"HOLDOVER"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens7fx/master","data_type":"metric","value_type":"decimal64.3","value":"-12"}]}}"#,
            &data(
                Resource::LockState,
                &[
                    ("/ens2fx/master", N, "LOCKED"),
                    ("/ens2fx/master", M, "4"),
                    ("/ens7fx/master", N, "HOLDOVER"),
                    ("/ens7fx/master", M, "-12"),
                ],
            ),
        );
    }

    #[test]
    fn clock_class_current_state() {
        check(
            r#"{"specversion":"1.0","id":"5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170","source":"/sync/ptp-status/clock-class","type":"event.sync.ptp-status.ptp-clock-class-change","time":"2025-05-14T14:40:01.2Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master/CLOCK_CLASS","data_type":"metric","value_type":"decimal64.3","value":"6"}]}}"#,
            &data(
                Resource::ClockClass,
                &[("/ens5fx/master/CLOCK_CLASS", M, "6")],
            ),
        );
    }

    #[test]
    fn initial_notification_placeholder() {
        check(
            r#"{"specversion":"1.0","id":"d4c3b2a1-0f9e-4d8c-b7a6-958473625140","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:00:02.3Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","data_type":"notification","value_type":"enumeration","value":"FREERUN"}]}}"#,
            &crate::events::placeholder(Resource::LockState, crate::events::testutil::NODE),
        );
    }

    #[test]
    fn strings_are_escaped_and_empty_values_allowed() {
        let mut d = data(Resource::SyncState, &[("/we\"ird", N, "A\\B\n")]);
        let out = v2_event(&d, &Uuid::nil(), std::time::UNIX_EPOCH);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(
            v["data"]["values"][0]["ResourceAddress"],
            "/cluster/node/compute-1.example.com/we\"ird"
        );
        assert_eq!(v["data"]["values"][0]["value"], "A\\B\n");
        d.values.clear();
        let out = v2_data(&d);
        assert_eq!(&out[..], br#"{"version":"1.0","values":[]}"#);
    }
}
