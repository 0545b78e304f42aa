//! v1 application events (§4.5, examples §6): what the v1 producer sends to
//! its local subscriptions and the consumer sidecar to its application.

use std::str::FromStr;
use std::time::SystemTime;

use bytes::Bytes;

use super::json::{JsonBuf, ValueKeys};
use super::EventData;

/// The generation of v1 application events (`--v1-format`, §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum V1Format {
    /// `"version":"v1"`, keys `resource`/`dataType`/`valueType`/`value`
    /// (the product documentation's shape).
    #[default]
    V1,
    /// `"version":"1.0"` and the v2 value keys (OpenShift 4.16–4.18).
    V1_0,
}

impl V1Format {
    /// The flag value: `v1` or `1.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            V1Format::V1 => "v1",
            V1Format::V1_0 => "1.0",
        }
    }

    fn data_version_and_keys(self) -> (&'static str, ValueKeys) {
        match self {
            V1Format::V1 => ("v1", ValueKeys::V1),
            V1Format::V1_0 => ("1.0", ValueKeys::V2),
        }
    }
}

impl std::fmt::Display for V1Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--v1-format` was neither `v1` nor `1.0`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown v1 format {0:?} (expected \"v1\" or \"1.0\")")]
pub struct UnknownV1Format(pub String);

impl FromStr for V1Format {
    type Err = UnknownV1Format;
    fn from_str(s: &str) -> Result<V1Format, UnknownV1Format> {
        match s.trim() {
            "v1" | "V1" => Ok(V1Format::V1),
            "1.0" | "v1.0" => Ok(V1Format::V1_0),
            other => Err(UnknownV1Format(other.to_owned())),
        }
    }
}

/// Serialises a v1 application event of `data` published on `node`:
/// members `id`, `type`, `source` (the full v1 address), `dataContentType`,
/// `time`, `data`. `id` is the subscription id for pushes, a fresh UUID for
/// CurrentState answers.
pub fn v1_event(
    data: &EventData,
    node: &str,
    id: &str,
    time: SystemTime,
    format: V1Format,
) -> Bytes {
    v1_event_with_source(data, &data.resource.v1_address(node), id, time, format)
}

/// As [`v1_event`], with the `source` given as is (the consumer sidecar
/// forwards the full address it received from the producer).
pub fn v1_event_with_source(
    data: &EventData,
    source: &str,
    id: &str,
    time: SystemTime,
    format: V1Format,
) -> Bytes {
    let (version, keys) = format.data_version_and_keys();
    let mut b = JsonBuf::for_values(&data.values, id.len() + source.len());
    b.raw("{\"id\":");
    b.string(id);
    b.raw(",\"type\":");
    b.string(data.resource.event_type());
    b.raw(",\"source\":");
    b.string(source);
    b.raw(",\"dataContentType\":\"application/json\",\"time\":");
    b.time(time);
    b.raw(",\"data\":");
    b.data(version, keys, &data.values);
    b.raw("}");
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testutil::{at, compact, data, NODE};
    use crate::events::{DataType::Metric as M, DataType::Notification as N, Resource};

    fn check(expected: &str, data: &EventData, format: V1Format) {
        let v: serde_json::Value = serde_json::from_str(expected).expect("example is JSON");
        let id = v["id"].as_str().expect("id");
        let time = at(v["time"].as_str().expect("time"));
        let got = v1_event(data, NODE, id, time, format);
        assert_eq!(std::str::from_utf8(&got).expect("utf8"), expected);
    }

    fn lock_state() -> EventData {
        data(
            Resource::LockState,
            &[("/ens5fx/master", N, "LOCKED"), ("/ens5fx/master", M, "29")],
        )
    }

    #[test]
    fn lock_state_push() {
        check(
            r#"{"id":"e23473d9-ba18-4f78-946e-401a0caeff90","type":"event.sync.ptp-status.ptp-state-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","dataContentType":"application/json","time":"2023-01-10T02:41:57.094981478Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"notification","valueType":"enumeration","value":"LOCKED"},{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"metric","valueType":"decimal64.3","value":"29"}]}}"#,
            &lock_state(),
            V1Format::V1,
        );
    }

    #[test]
    fn os_clock_sync_state_push() {
        check(
            r#"{"id":"4c1f9e2a-8b7d-4e6f-a5c4-b3d2e1f0a9b8","type":"event.sync.sync-status.os-clock-sync-state-change","source":"/cluster/node/compute-1.example.com/sync/sync-status/os-clock-sync-state","dataContentType":"application/json","time":"2023-01-10T02:41:57.1Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","dataType":"notification","valueType":"enumeration","value":"LOCKED"},{"resource":"/cluster/node/compute-1.example.com/CLOCK_REALTIME","dataType":"metric","valueType":"decimal64.3","value":"-7"}]}}"#,
            &data(
                Resource::OsClockSyncState,
                &[
                    ("/CLOCK_REALTIME", N, "LOCKED"),
                    ("/CLOCK_REALTIME", M, "-7"),
                ],
            ),
            V1Format::V1,
        );
    }

    #[test]
    fn clock_class_push_uses_the_v1_suffix() {
        check(
            r#"{"id":"7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908","type":"event.sync.ptp-status.ptp-clock-class-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/ptp-clock-class-change","dataContentType":"application/json","time":"2023-01-10T02:42:00Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"metric","valueType":"decimal64.3","value":"135"}]}}"#,
            &data(Resource::ClockClass, &[("/ens5fx/master", M, "135")]),
            V1Format::V1,
        );
    }

    #[test]
    fn current_state_indented_example() {
        let example = r#"{
  "id": "c1ac3aa5-1195-4786-84f8-da0ea4462921",
  "type": "event.sync.ptp-status.ptp-state-change",
  "source": "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state",
  "dataContentType": "application/json",
  "time": "2023-01-10T02:41:57.094981478Z",
  "data": {
    "version": "v1",
    "values": [
      {"resource": "/cluster/node/compute-1.example.com/ens5fx/master", "dataType": "notification", "valueType": "enumeration", "value": "LOCKED"},
      {"resource": "/cluster/node/compute-1.example.com/ens5fx/master", "dataType": "metric", "valueType": "decimal64.3", "value": "29"}
    ]
  }
}"#;
        check(&compact(example), &lock_state(), V1Format::V1);
    }

    #[test]
    fn generation_1_0_uses_v2_keys() {
        let got = v1_event(
            &lock_state(),
            NODE,
            "e23473d9-ba18-4f78-946e-401a0caeff90",
            at("2023-01-10T02:41:57.094981478Z"),
            V1Format::V1_0,
        );
        assert_eq!(
            std::str::from_utf8(&got).expect("utf8"),
            r#"{"id":"e23473d9-ba18-4f78-946e-401a0caeff90","type":"event.sync.ptp-status.ptp-state-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","dataContentType":"application/json","time":"2023-01-10T02:41:57.094981478Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"29"}]}}"#
        );
    }

    #[test]
    fn format_flag_values() {
        assert_eq!("v1".parse(), Ok(V1Format::V1));
        assert_eq!("1.0".parse(), Ok(V1Format::V1_0));
        assert!("2.0".parse::<V1Format>().is_err());
        assert_eq!(V1Format::default(), V1Format::V1);
        assert_eq!(V1Format::V1_0.to_string(), "1.0");
    }
}
