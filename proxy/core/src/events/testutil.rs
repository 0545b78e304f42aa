//! Helpers for the tests of this module.

use std::time::SystemTime;

use super::{parse_rfc3339, DataType, EventData, Resource, Value};

/// The node name of the spec's examples.
pub(crate) const NODE: &str = "compute-1.example.com";

/// The instant of an RFC 3339 time stamp of an example.
pub(crate) fn at(s: &str) -> SystemTime {
    parse_rfc3339(s).expect("example time stamp")
}

/// Event data of `resource` on [`NODE`]; each value is (address tail after
/// `/cluster/node/<NODE>`, data type, value).
pub(crate) fn data(resource: Resource, values: &[(&str, DataType, &str)]) -> EventData {
    EventData {
        resource,
        values: values
            .iter()
            .map(|&(tail, data_type, value)| Value {
                address: format!("/cluster/node/{NODE}{tail}"),
                data_type,
                value: value.to_owned(),
            })
            .collect(),
    }
}

/// Removes the whitespace outside JSON strings (for the indented example).
pub(crate) fn compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut escaped) = (false, false);
    for c in s.chars() {
        if in_str {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}
