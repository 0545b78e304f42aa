//! v1 transport events, through the functions the consumer sidecar calls:
//! `parse_transport_event` (what arrives on `POST /event`) and
//! `parse_event_json` (CurrentState answers, the simulator's consumer), and
//! back through the proxy's own byte-exact serialisers.
//!
//! Input: `name: value` header lines, an empty line, then the body; an
//! input without an empty line is a body without headers.
//!
//! Must hold: no panic; an event that is read and names a known resource,
//! serialised again as a transport push (`transport_event`), a transport
//! CurrentState (`transport_current_state`), a v2 event and a v1 event of
//! both formats, reads back with the same values, resource and type (the
//! hand-written JSON writer escapes whatever text the values carry).
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use ptp_event_core::events::{
    parse_event_json, parse_transport_event, transport_current_state, transport_event, v1_event,
    v2_event, EventData, Resource, V1Format, Value,
};
use uuid::Uuid;

const NODE: &str = "compute-1.example.com";

fn split(data: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let Some(i) = data.windows(2).position(|w| w == b"\n\n") else {
        return (Vec::new(), data);
    };
    let head = String::from_utf8_lossy(&data[..i]);
    let headers = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.to_string()))
        .collect();
    (headers, &data[i + 2..])
}

fn lookup(headers: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// The values, serialised every way the proxy writes them, read back.
fn round_trip(resource: Resource, values: Vec<Value>) {
    let data = EventData { resource, values };
    let id = Uuid::from_u128(0x1234_5678_9abc_4def_8123_456789abcdef);
    let time = SystemTime::UNIX_EPOCH + Duration::new(1_784_893_659, 123_456_789);

    let (headers, body) = transport_event(&data, NODE, &id, time);
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    let ev = parse_transport_event(lookup(&headers), &body)
        .unwrap_or_else(|e| panic!("transport push {data:?} does not read back: {e}"));
    assert_eq!(ev.values, data.values, "transport push");
    assert_eq!(ev.resource, resource.v1_address(NODE));
    assert_eq!(ev.resource_kind(), Some(resource));
    assert_eq!(ev.event_type, resource.event_type());

    let current = transport_current_state(&data, NODE, &id, time);
    let pe = parse_event_json(&current)
        .unwrap_or_else(|e| panic!("transport CurrentState {data:?} does not read back: {e}"));
    assert_eq!(pe.values, data.values, "transport CurrentState");
    assert_eq!(pe.resource(), Some(resource));

    let v2 = v2_event(&data, &id, time);
    let pe = parse_event_json(&v2).unwrap_or_else(|e| panic!("v2 {data:?}: {e}"));
    assert_eq!(pe.values, data.values, "v2 event");
    assert_eq!(pe.resource(), Some(resource));

    for format in [V1Format::V1, V1Format::V1_0] {
        let v1 = v1_event(&data, NODE, "sub-id", time, format);
        let pe = parse_event_json(&v1).unwrap_or_else(|e| panic!("v1 {format:?} {data:?}: {e}"));
        assert_eq!(pe.values, data.values, "v1 event {format:?}");
        assert_eq!(pe.resource(), Some(resource));
    }
}

fuzz_target!(|data: &[u8]| {
    let (headers, body) = split(data);
    if let Ok(ev) = parse_transport_event(lookup(&headers), body) {
        assert!(!ev.resource.is_empty(), "{ev:?}");
        if let Some(r) = ev.resource_kind() {
            round_trip(r, ev.values);
        }
    }
    if let Ok(pe) = parse_event_json(body) {
        if let Some(r) = pe.resource() {
            round_trip(r, pe.values);
        }
    }
});
