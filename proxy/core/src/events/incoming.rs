//! Reading events back: the `values` of any generation (§2.1, §4.5), the
//! transport pushes a consumer sidecar receives on `POST /event`
//! (rest-api.md §5.3), and whole v2/v1 application events (the simulator's
//! consumer, tests). Lenient by design: member names are matched
//! case-insensitively and values may be strings or numbers.

use std::time::SystemTime;

use serde_json::{Map, Value as Json};

use super::{parse_rfc3339, DataType, Resource, Value};

/// Why an incoming event could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventParseError {
    #[error("body is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0} is missing")]
    Missing(&'static str),
    #[error("{0} has the wrong JSON type")]
    WrongType(&'static str),
    #[error("values[{index}]: {problem}")]
    Value { index: usize, problem: ValueProblem },
}

/// What is wrong with one item of `values`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueProblem {
    #[error("not an object")]
    NotAnObject,
    #[error("no string ResourceAddress/resource")]
    Address,
    #[error("no data_type/dataType or value_type/valueType")]
    MissingDataType,
    #[error("unknown data type {0:?}")]
    UnknownDataType(String),
    #[error("no value, or a value that is neither a string nor a number")]
    Value,
}

/// A transport push as received by the consumer sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEvent {
    /// The full resource address the event is about (`ce-source`, falling
    /// back to `ce-subject`); subscriptions are matched against it.
    pub resource: String,
    pub event_type: String,
    pub id: String,
    /// `ce-time` as received.
    pub time: Option<String>,
    pub values: Vec<Value>,
}

impl IncomingEvent {
    /// The published resource, by address (v1 then v2 suffixes) or type.
    pub fn resource_kind(&self) -> Option<Resource> {
        Resource::from_v1_address(&self.resource)
            .or_else(|| Resource::from_v2_address(&self.resource))
            .or_else(|| Resource::from_event_type(&self.event_type))
    }

    /// The time stamp, if present and valid RFC 3339.
    pub fn system_time(&self) -> Option<SystemTime> {
        self.time.as_deref().and_then(|t| parse_rfc3339(t).ok())
    }
}

/// A structured application event (v2 CloudEvents 1.0, v1 of either
/// generation, or the transport's 0.3 CurrentState) read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEvent {
    /// `specversion` (absent in v1 application events).
    pub specversion: Option<String>,
    pub id: String,
    pub event_type: String,
    /// v2 and 0.3: the suffix; v1: the full address.
    pub source: String,
    /// 0.3 CurrentState: the full address.
    pub subject: Option<String>,
    pub time: Option<String>,
    /// `data.version`: `"1.0"` (v2, transport, v1 generation 1.0) or `"v1"`.
    pub version: Option<String>,
    pub values: Vec<Value>,
}

impl ParsedEvent {
    /// The published resource, by source (v2 then v1 suffixes), subject or
    /// type.
    pub fn resource(&self) -> Option<Resource> {
        [Some(self.source.as_str()), self.subject.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|a| Resource::from_v2_address(a).or_else(|| Resource::from_v1_address(a)))
            .or_else(|| Resource::from_event_type(&self.event_type))
    }

    /// The time stamp, if present and valid RFC 3339.
    pub fn system_time(&self) -> Option<SystemTime> {
        self.time.as_deref().and_then(|t| parse_rfc3339(t).ok())
    }
}

/// Case-insensitive member lookup; `names` in order of preference.
fn member<'a>(obj: &'a Map<String, Json>, names: &[&str]) -> Option<&'a Json> {
    names.iter().find_map(|n| {
        obj.get(*n).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v)
        })
    })
}

/// An optional string member; present but not a string is an error.
fn opt_str(
    obj: &Map<String, Json>,
    names: &[&str],
    what: &'static str,
) -> Result<Option<String>, EventParseError> {
    match member(obj, names) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(EventParseError::WrongType(what)),
    }
}

fn req_str(
    obj: &Map<String, Json>,
    names: &[&str],
    what: &'static str,
) -> Result<String, EventParseError> {
    opt_str(obj, names, what)?.ok_or(EventParseError::Missing(what))
}

/// Reads the `values` of an event: `json` is the `data` object
/// (`{"version":…,"values":[…]}`) or the array itself. Items may use the v2
/// keys (`ResourceAddress`, `data_type`, `value_type`, `value`) or the v1
/// keys (`resource`, `dataType`, `valueType`, `value`), in any case; a
/// missing data type is derived from the value type; values may be strings
/// or numbers. `"values":null` reads as no values.
pub fn parse_values(json: &Json) -> Result<Vec<Value>, EventParseError> {
    let items = match json {
        Json::Array(items) => items,
        Json::Object(obj) => match member(obj, &["values"]) {
            Some(Json::Array(items)) => items,
            Some(Json::Null) => return Ok(Vec::new()),
            Some(_) => return Err(EventParseError::WrongType("values")),
            None => return Err(EventParseError::Missing("values")),
        },
        _ => return Err(EventParseError::WrongType("data")),
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            parse_value(item).map_err(|problem| EventParseError::Value { index, problem })
        })
        .collect()
}

fn parse_value(item: &Json) -> Result<Value, ValueProblem> {
    let obj = item.as_object().ok_or(ValueProblem::NotAnObject)?;
    let address = member(obj, &["ResourceAddress", "resource"])
        .and_then(Json::as_str)
        .ok_or(ValueProblem::Address)?
        .to_owned();
    let data_type = match member(obj, &["data_type", "dataType"]).and_then(Json::as_str) {
        Some(dt) if dt.eq_ignore_ascii_case("notification") => DataType::Notification,
        Some(dt) if dt.eq_ignore_ascii_case("metric") => DataType::Metric,
        Some(dt) => return Err(ValueProblem::UnknownDataType(dt.to_owned())),
        None => match member(obj, &["value_type", "valueType"]).and_then(Json::as_str) {
            Some(vt) if vt.eq_ignore_ascii_case("enumeration") => DataType::Notification,
            Some(vt) if vt.eq_ignore_ascii_case("decimal64.3") => DataType::Metric,
            Some(vt) => return Err(ValueProblem::UnknownDataType(vt.to_owned())),
            None => return Err(ValueProblem::MissingDataType),
        },
    };
    let value = match member(obj, &["value"]) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => number_string(n),
        _ => return Err(ValueProblem::Value),
    };
    Ok(Value {
        address,
        data_type,
        value,
    })
}

/// Numbers as the wire would carry them as strings: integers in plain
/// decimal, whole floats (`248.0`) as integers.
fn number_string(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// Reads a structured event: v2 (CloudEvents 1.0), v1 application events of
/// both generations, and the transport's 0.3 CurrentState. Required: `id`,
/// `type`, `source`, `data` (an object, or a string holding one).
pub fn parse_event_json(body: &[u8]) -> Result<ParsedEvent, EventParseError> {
    let json: Json = serde_json::from_slice(body)?;
    let obj = json
        .as_object()
        .ok_or(EventParseError::WrongType("event"))?;
    let data_owned;
    let data = match member(obj, &["data"]) {
        Some(Json::String(s)) => {
            data_owned = serde_json::from_str::<Json>(s)?;
            &data_owned
        }
        Some(d @ Json::Object(_)) => d,
        Some(_) => return Err(EventParseError::WrongType("data")),
        None => return Err(EventParseError::Missing("data")),
    };
    let version = match data {
        Json::Object(d) => opt_str(d, &["version"], "data.version")?,
        _ => None,
    };
    Ok(ParsedEvent {
        specversion: opt_str(obj, &["specversion"], "specversion")?,
        id: req_str(obj, &["id"], "id")?,
        event_type: req_str(obj, &["type"], "type")?,
        source: req_str(obj, &["source"], "source")?,
        subject: opt_str(obj, &["subject"], "subject")?,
        time: opt_str(obj, &["time"], "time")?,
        version,
        values: parse_values(data)?,
    })
}

/// Whether an address is a full one (`/cluster/node/<node>/…`) rather than a
/// bare suffix.
fn is_full_address(a: &str) -> bool {
    a.contains("cluster/node/")
}

/// The event's resource address: the source, falling back to the subject
/// when the source is absent or empty, or when the source is a bare suffix
/// and the subject a full address (0.3 structured CurrentState).
fn pick_resource(source: Option<String>, subject: Option<String>) -> Option<String> {
    let source = source.filter(|s| !s.is_empty());
    let subject = subject.filter(|s| !s.is_empty());
    match (source, subject) {
        (Some(src), Some(sub)) if !is_full_address(&src) && is_full_address(&sub) => Some(sub),
        (Some(src), _) => Some(src),
        (None, sub) => sub,
    }
}

/// Reads what a consumer sidecar receives on `POST /event`: a binary-mode
/// CloudEvent (`ce-*` headers, body = the `data` object), or a structured
/// one (`Content-Type: application/cloudevents+json`, or no `ce-*` headers
/// at all) with the envelope in the body. `header` is called with lower-case
/// names and must look them up case-insensitively. Required: an id, a
/// source or subject, and a type (derived from the resource when absent).
pub fn parse_transport_event(
    header: impl Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<IncomingEvent, EventParseError> {
    let h = |name: &str| header(name).map(|v| v.trim().to_owned());
    let content_type = h("content-type").unwrap_or_default().to_ascii_lowercase();
    let has_ce = ["ce-id", "ce-source", "ce-subject", "ce-type"]
        .iter()
        .any(|n| h(n).is_some());
    if content_type.starts_with("application/cloudevents") || !has_ce {
        let ev = parse_event_json(body)?;
        let resource =
            pick_resource(Some(ev.source), ev.subject).ok_or(EventParseError::Missing("source"))?;
        return Ok(IncomingEvent {
            resource,
            event_type: ev.event_type,
            id: ev.id,
            time: ev.time,
            values: ev.values,
        });
    }
    let resource = pick_resource(h("ce-source"), h("ce-subject"))
        .ok_or(EventParseError::Missing("ce-source"))?;
    let event_type = match h("ce-type").filter(|t| !t.is_empty()) {
        Some(t) => t,
        None => Resource::from_v1_address(&resource)
            .or_else(|| Resource::from_v2_address(&resource))
            .map(|r| r.event_type().to_owned())
            .ok_or(EventParseError::Missing("ce-type"))?,
    };
    let id = h("ce-id").ok_or(EventParseError::Missing("ce-id"))?;
    let json: Json = serde_json::from_slice(body)?;
    Ok(IncomingEvent {
        resource,
        event_type,
        id,
        time: h("ce-time"),
        values: parse_values(&json)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::testutil::{at, NODE};
    use crate::events::{v1_event, v2_event, EventData, V1Format};
    use serde_json::json;

    const LOCK_V2: &str = r#"{"specversion":"1.0","id":"f7a7c7d6-4b0b-4c5c-9a8a-2b9f0c4d1e11","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","time":"2025-05-14T14:11:24.123456789Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}}"#;
    const CLASS_V1: &str = r#"{"id":"7d6c5b4a-3928-4170-8f6e-5d4c3b2a1908","type":"event.sync.ptp-status.ptp-clock-class-change","source":"/cluster/node/compute-1.example.com/sync/ptp-status/ptp-clock-class-change","dataContentType":"application/json","time":"2023-01-10T02:42:00Z","data":{"version":"v1","values":[{"resource":"/cluster/node/compute-1.example.com/ens5fx/master","dataType":"metric","valueType":"decimal64.3","value":"135"}]}}"#;
    const CS_03: &str = r#"{"specversion":"0.3","id":"2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901","source":"/sync/ptp-status/lock-state","type":"event.sync.ptp-status.ptp-state-change","subject":"/cluster/node/compute-1.example.com/sync/ptp-status/lock-state","datacontenttype":"application/json","time":"2025-05-14T14:11:30.5Z","data":{"version":"1.0","values":[{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"notification","value_type":"enumeration","value":"LOCKED"},{"ResourceAddress":"/cluster/node/compute-1.example.com/ens5fx/master","data_type":"metric","value_type":"decimal64.3","value":"-3"}]}}"#;
    const MASTER: &str = "/cluster/node/compute-1.example.com/ens5fx/master";
    const LOCK_FULL: &str = "/cluster/node/compute-1.example.com/sync/ptp-status/lock-state";

    fn lock_values() -> Vec<Value> {
        vec![
            Value::state(MASTER.to_owned(), "LOCKED"),
            Value::metric(MASTER.to_owned(), -3),
        ]
    }

    #[test]
    fn values_with_either_key_set_and_any_case() {
        let v2 = json!({"version":"1.0","values":[
            {"ResourceAddress": MASTER, "data_type":"notification","value_type":"enumeration","value":"LOCKED"},
            {"resourceaddress": MASTER, "DATA_TYPE":"metric","value_type":"decimal64.3","value":"-3"}]});
        let v1 = json!({"version":"v1","values":[
            {"resource": MASTER, "dataType":"notification","valueType":"enumeration","value":"LOCKED"},
            {"Resource": MASTER, "datatype":"METRIC","valuetype":"decimal64.3","Value":-3}]});
        assert_eq!(parse_values(&v2).expect("v2"), lock_values());
        assert_eq!(parse_values(&v1).expect("v1"), lock_values());
        // The bare array is accepted too.
        assert_eq!(parse_values(&v2["values"]).expect("array"), lock_values());
    }

    #[test]
    fn numbers_become_wire_strings() {
        let item = |value: Json| json!([{"resource": "a", "dataType": "metric", "value": value}]);
        for (value, expected) in [
            (json!(-3), "-3"),
            (json!(18446744073709551615u64), "18446744073709551615"),
            (json!(-9999999999999999i64), "-9999999999999999"),
            (json!(248.0), "248"),
            (json!(1.5), "1.5"),
        ] {
            let got = parse_values(&item(value)).expect("number");
            assert_eq!(got[0].value, expected);
        }
    }

    #[test]
    fn data_type_from_value_type() {
        let got = parse_values(&json!([
            {"resource": "a", "valueType": "enumeration", "value": "LOCKED"},
            {"resource": "a", "value_type": "decimal64.3", "value": "7"}
        ]))
        .expect("values");
        assert_eq!(got[0].data_type, DataType::Notification);
        assert_eq!(got[1].data_type, DataType::Metric);
    }

    #[test]
    fn null_values_read_as_none() {
        assert_eq!(
            parse_values(&json!({"version":"1.0","values":null})).expect("null"),
            vec![]
        );
    }

    #[test]
    fn bad_values_are_typed_errors() {
        let err = |j: Json| parse_values(&j).expect_err("must fail");
        assert!(matches!(
            err(json!({"version":"1.0"})),
            EventParseError::Missing("values")
        ));
        assert!(matches!(
            err(json!({"values": 3})),
            EventParseError::WrongType("values")
        ));
        assert!(matches!(
            err(json!("x")),
            EventParseError::WrongType("data")
        ));
        let problem = |j: Json| match err(j) {
            EventParseError::Value { index, problem } => (index, problem),
            other => panic!("unexpected {other}"),
        };
        assert_eq!(problem(json!([1])), (0, ValueProblem::NotAnObject));
        assert_eq!(
            problem(
                json!([{"resource":"a","dataType":"metric","value":"1"},{"dataType":"metric","value":"1"}])
            ),
            (1, ValueProblem::Address)
        );
        assert_eq!(
            problem(json!([{"resource":"a","value":"1"}])),
            (0, ValueProblem::MissingDataType)
        );
        assert_eq!(
            problem(json!([{"resource":"a","dataType":"redfish-event","value":"1"}])),
            (0, ValueProblem::UnknownDataType("redfish-event".into()))
        );
        assert_eq!(
            problem(json!([{"resource":"a","dataType":"metric","value":true}])),
            (0, ValueProblem::Value)
        );
        assert_eq!(
            problem(json!([{"resource":"a","dataType":"metric"}])),
            (0, ValueProblem::Value)
        );
    }

    #[test]
    fn v2_event_reads_back_and_reserialises_identically() {
        let ev = parse_event_json(LOCK_V2.as_bytes()).expect("v2");
        assert_eq!(ev.specversion.as_deref(), Some("1.0"));
        assert_eq!(ev.version.as_deref(), Some("1.0"));
        assert_eq!(ev.resource(), Some(Resource::LockState));
        assert_eq!(ev.values, lock_values());
        let id = ev.id.parse().expect("uuid");
        let data = EventData {
            resource: Resource::LockState,
            values: ev.values.clone(),
        };
        let time = ev.system_time().expect("time");
        assert_eq!(&v2_event(&data, &id, time)[..], LOCK_V2.as_bytes());
    }

    #[test]
    fn v1_event_reads_back_and_reserialises_identically() {
        let ev = parse_event_json(CLASS_V1.as_bytes()).expect("v1");
        assert_eq!(ev.specversion, None);
        assert_eq!(ev.version.as_deref(), Some("v1"));
        assert_eq!(ev.resource(), Some(Resource::ClockClass));
        let data = EventData {
            resource: Resource::ClockClass,
            values: ev.values.clone(),
        };
        let time = ev.system_time().expect("time");
        let again = v1_event(&data, NODE, &ev.id, time, V1Format::V1);
        assert_eq!(&again[..], CLASS_V1.as_bytes());
        // The 1.0 generation reads back to the same values.
        let gen10 = v1_event(&data, NODE, &ev.id, time, V1Format::V1_0);
        let ev10 = parse_event_json(&gen10).expect("1.0");
        assert_eq!(ev10.version.as_deref(), Some("1.0"));
        assert_eq!(ev10.values, ev.values);
    }

    #[test]
    fn event_json_variants_and_errors() {
        let ev = parse_event_json(CS_03.as_bytes()).expect("0.3");
        assert_eq!(ev.subject.as_deref(), Some(LOCK_FULL));
        assert_eq!(ev.resource(), Some(Resource::LockState));
        // data as a string holding the object.
        let body =
            json!({"id":"1","type":"t","source":"/s","data": r#"{"version":"1.0","values":[]}"#});
        let ev = parse_event_json(body.to_string().as_bytes()).expect("string data");
        assert_eq!((ev.values.len(), ev.time), (0, None));
        let fails = |j: Json| parse_event_json(j.to_string().as_bytes()).expect_err("must fail");
        assert!(matches!(
            fails(json!({"type":"t","source":"/s","data":{"values":[]}})),
            EventParseError::Missing("id")
        ));
        assert!(matches!(
            fails(json!({"id":1,"type":"t","source":"/s","data":{"values":[]}})),
            EventParseError::WrongType("id")
        ));
        assert!(matches!(
            fails(json!({"id":"1","type":"t","source":"/s"})),
            EventParseError::Missing("data")
        ));
        assert!(matches!(
            fails(json!([])),
            EventParseError::WrongType("event")
        ));
        assert!(matches!(
            parse_event_json(b"{nope"),
            Err(EventParseError::Json(_))
        ));
    }

    fn headers(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn binary_transport_push() {
        let (hs, body) = crate::events::transport_event(
            &EventData {
                resource: Resource::LockState,
                values: lock_values(),
            },
            NODE,
            &"0f9d2a8e-6b1c-4d3e-9f8a-7b6c5d4e3f2a"
                .parse()
                .expect("uuid"),
            at("2025-05-14T14:11:24.123456789Z"),
        );
        // Header names as a Go producer writes them (canonical case).
        let canon: Vec<(String, String)> = hs
            .iter()
            .map(|(k, v)| {
                (
                    k.replace("ce-", "Ce-")
                        .replace("content-type", "Content-Type"),
                    v.clone(),
                )
            })
            .collect();
        let lookup = |n: &str| {
            canon
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let ev = parse_transport_event(lookup, &body).expect("push");
        assert_eq!(
            ev,
            IncomingEvent {
                resource: LOCK_FULL.to_owned(),
                event_type: "event.sync.ptp-status.ptp-state-change".to_owned(),
                id: "0f9d2a8e-6b1c-4d3e-9f8a-7b6c5d4e3f2a".to_owned(),
                time: Some("2025-05-14T14:11:24.123456789Z".to_owned()),
                values: lock_values(),
            }
        );
        assert_eq!(ev.resource_kind(), Some(Resource::LockState));
        assert_eq!(ev.system_time(), Some(at("2025-05-14T14:11:24.123456789Z")));
    }

    #[test]
    fn binary_push_fallbacks_and_errors() {
        let body = br#"{"version":"v1","values":[{"resource":"a","dataType":"notification","valueType":"enumeration","value":"LOCKED"}]}"#;
        // Subject only, no type: type derived from the address.
        let ev = parse_transport_event(headers(&[("ce-id", "x"), ("ce-subject", LOCK_FULL)]), body)
            .expect("fallbacks");
        assert_eq!(ev.resource, LOCK_FULL);
        assert_eq!(ev.event_type, Resource::LockState.event_type());
        assert_eq!(ev.time, None);
        let err = |hs: &[(&str, &str)], body: &[u8]| {
            parse_transport_event(headers(hs), body).expect_err("must fail")
        };
        assert!(matches!(
            err(&[("ce-id", "x"), ("ce-type", "t")], body),
            EventParseError::Missing("ce-source")
        ));
        assert!(matches!(
            err(&[("ce-source", LOCK_FULL)], body),
            EventParseError::Missing("ce-id")
        ));
        assert!(matches!(
            err(&[("ce-id", "x"), ("ce-source", "/elsewhere")], body),
            EventParseError::Missing("ce-type")
        ));
        assert!(matches!(
            err(&[("ce-id", "x"), ("ce-source", LOCK_FULL)], b"[1"),
            EventParseError::Json(_)
        ));
    }

    #[test]
    fn structured_transport_event() {
        // 0.3 structured with source = suffix: the full subject wins.
        let ev = parse_transport_event(
            headers(&[(
                "Content-Type",
                "application/cloudevents+json; charset=utf-8",
            )]),
            CS_03.as_bytes(),
        )
        .expect("structured");
        assert_eq!(ev.resource, LOCK_FULL);
        assert_eq!(ev.id, "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901");
        assert_eq!(ev.values, lock_values());
        // No ce-* headers at all: the envelope is in the body.
        let ev = parse_transport_event(
            headers(&[("content-type", "application/json")]),
            CLASS_V1.as_bytes(),
        )
        .expect("structured without ce headers");
        assert_eq!(
            ev.resource,
            "/cluster/node/compute-1.example.com/sync/ptp-status/ptp-clock-class-change"
        );
        assert_eq!(ev.resource_kind(), Some(Resource::ClockClass));
    }
}
