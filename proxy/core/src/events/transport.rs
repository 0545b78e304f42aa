//! The v1 sidecar-to-sidecar transport (§4.6, §4.7): binary-mode
//! CloudEvents 0.3 pushes and structured CurrentState answers. The transport
//! only carries v1 resources, so `source`/`subject` use the full v1 address
//! (`…/ptp-clock-class-change` for the clock class).

use std::time::SystemTime;

use bytes::Bytes;
use uuid::Uuid;

use super::json::{JsonBuf, ValueKeys};
use super::time::Rfc3339Buf;
use super::EventData;

/// Header names and values of a binary-mode push. Names are lower case
/// (valid for `http::HeaderName::from_static`); HTTP header names are
/// case-insensitive.
pub type TransportHeaders = Vec<(&'static str, String)>;

/// A binary-mode CloudEvents 0.3 push for `POST <client>/event` (§4.6):
/// the `ce-*` headers and `Content-Type`, and as body the `data` object
/// with the v2 value keys.
pub fn transport_event(
    data: &EventData,
    node: &str,
    id: &Uuid,
    time: SystemTime,
) -> (TransportHeaders, Bytes) {
    let address = data.resource.v1_address(node);
    let headers = vec![
        ("content-type", "application/json".to_owned()),
        ("ce-specversion", "0.3".to_owned()),
        ("ce-id", id.hyphenated().to_string()),
        ("ce-source", address.clone()),
        ("ce-subject", address),
        ("ce-type", data.resource.event_type().to_owned()),
        ("ce-time", Rfc3339Buf::new(time).as_str().to_owned()),
    ];
    let mut b = JsonBuf::for_values(&data.values, 0);
    b.data("1.0", ValueKeys::V2, &data.values);
    (headers, b.finish())
}

/// The producer's transport CurrentState answer (§4.7): CloudEvents 0.3
/// structured JSON with `specversion`, `id`, `source` (v1 suffix), `type`,
/// `subject` (full v1 address), `datacontenttype`, `time`, `data`.
pub fn transport_current_state(data: &EventData, node: &str, id: &Uuid, time: SystemTime) -> Bytes {
    let resource = data.resource;
    let suffix = resource.v1_suffix().unwrap_or(resource.suffix());
    let mut b = JsonBuf::for_values(&data.values, node.len() + 2 * suffix.len());
    b.raw("{\"specversion\":\"0.3\",\"id\":\"");
    b.raw(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
    b.raw("\",\"source\":");
    b.string(suffix);
    b.raw(",\"type\":");
    b.string(resource.event_type());
    b.raw(",\"subject\":");
    b.string(&resource.v1_address(node));
    b.raw(",\"datacontenttype\":\"application/json\",\"time\":");
    b.time(time);
    b.raw(",\"data\":");
    b.data("1.0", ValueKeys::V2, &data.values);
    b.raw("}");
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testutil::{at, data, NODE};
    use crate::events::{DataType::Metric as M, DataType::Notification as N, Resource};

    fn lock_state() -> EventData {
        data(
            Resource::LockState,
            &[("/ens5fx/master", N, "LOCKED"), ("/ens5fx/master", M, "-3")],
        )
    }

    #[test]
    fn push_example() {
        let example = "Content-Type: application/json
ce-specversion: 0.3
ce-id: 0f9d2a8e-6b1c-4d3e-9f8a-7b6c5d4e3f2a
ce-source: /cluster/node/compute-1.example.com/sync/ptp-status/lock-state
ce-subject: /cluster/node/compute-1.example.com/sync/ptp-status/lock-state
ce-type: event.sync.ptp-status.ptp-state-change
ce-time: 2025-05-14T14:11:24.123456789Z

{\"version\":\"1.0\",\"values\":[{\"ResourceAddress\":\"/cluster/node/compute-1.example.com/ens5fx/master\",\"data_type\":\"notification\",\"value_type\":\"enumeration\",\"value\":\"LOCKED\"},{\"ResourceAddress\":\"/cluster/node/compute-1.example.com/ens5fx/master\",\"data_type\":\"metric\",\"value_type\":\"decimal64.3\",\"value\":\"-3\"}]}";
        let id: Uuid = "0f9d2a8e-6b1c-4d3e-9f8a-7b6c5d4e3f2a"
            .parse()
            .expect("uuid");
        let (headers, body) = transport_event(
            &lock_state(),
            NODE,
            &id,
            at("2025-05-14T14:11:24.123456789Z"),
        );
        let mut got = String::new();
        for (name, value) in &headers {
            let name = if *name == "content-type" {
                "Content-Type"
            } else {
                name
            };
            got.push_str(&format!("{name}: {value}\n"));
        }
        got.push('\n');
        got.push_str(std::str::from_utf8(&body).expect("utf8"));
        assert_eq!(got, example);
    }

    #[test]
    fn current_state_example() {
        let example = r#"{"specversion":"0.3","id":"2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","subject":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","datacontenttype":"application/json","time":"2025-05-14T14:11:30.5Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}}"#;
        let id: Uuid = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
            .parse()
            .expect("uuid");
        let got = transport_current_state(&lock_state(), NODE, &id, at("2025-05-14T14:11:30.5Z"));
        assert_eq!(std::str::from_utf8(&got).expect("utf8"), example);
    }

    #[test]
    fn clock_class_uses_the_v1_address() {
        let d = data(Resource::ClockClass, &[("/ens5fx/master", M, "6")]);
        let (headers, _) = transport_event(&d, NODE, &Uuid::nil(), at("2025-05-14T14:11:30Z"));
        let full = "/cluster/node/compute-1.example.com/sync/ptp-status/ptp-clock-class-change";
        assert!(headers.contains(&("ce-source", full.to_owned())));
        assert!(headers.contains(&("ce-subject", full.to_owned())));
        let cs = transport_current_state(&d, NODE, &Uuid::nil(), at("2025-05-14T14:11:30Z"));
        let v: serde_json::Value = serde_json::from_slice(&cs).expect("JSON");
        assert_eq!(v["source"], "/sync/ptp-status/ptp-clock-class-change");
        assert_eq!(v["subject"], full);
    }
}
