//! Initial-notification placeholders (§3.8): what a subscription's first
//! event carries when the engine has no data for its resource yet.

use super::{EventData, Resource, Value};

/// The free-run clock class, the clock-class placeholder.
pub const FREERUN_CLOCK_CLASS: u8 = 248;

/// One value at the node-level address of `resource`:
/// `{…<suffix>, notification, enumeration, "FREERUN"}`, or for the clock
/// class `{…/sync/ptp-status/clock-class, metric, decimal64.3, "248"}`.
pub fn placeholder(resource: Resource, node: &str) -> EventData {
    let address = resource.address(node);
    let value = match resource {
        Resource::ClockClass => Value::metric(address, FREERUN_CLOCK_CLASS),
        _ => Value::state(address, "FREERUN"),
    };
    EventData {
        resource,
        values: vec![value],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::DataType;

    #[test]
    fn every_resource_has_one_node_level_value() {
        for r in Resource::V2 {
            let d = placeholder(r, "n1");
            assert_eq!(d.resource, r);
            assert_eq!(d.values.len(), 1);
            let v = &d.values[0];
            assert_eq!(v.address, format!("/cluster/node/n1{}", r.suffix()));
            if r == Resource::ClockClass {
                assert_eq!(v.address, "/cluster/node/n1/sync/ptp-status/clock-class");
                assert_eq!((v.data_type, v.value.as_str()), (DataType::Metric, "248"));
            } else {
                assert_eq!(
                    (v.data_type, v.value.as_str()),
                    (DataType::Notification, "FREERUN")
                );
            }
        }
    }
}
