//! The `values` array items (§2) and the semantic content of an event.

use super::Resource;

/// `data_type` of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// A state (`value_type` `enumeration`).
    Notification,
    /// A number (`value_type` `decimal64.3`).
    Metric,
}

impl DataType {
    /// The `data_type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Notification => "notification",
            DataType::Metric => "metric",
        }
    }
    /// The matching `value_type` string.
    pub fn value_type(self) -> &'static str {
        match self {
            DataType::Notification => "enumeration",
            DataType::Metric => "decimal64.3",
        }
    }
}

/// One item of `values`: the address of the clock it is about, its type and
/// its value, always a string on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub address: String,
    pub data_type: DataType,
    pub value: String,
}

impl Value {
    /// A notification (state) value.
    pub fn state(address: String, value: impl Into<String>) -> Value {
        Value {
            address,
            data_type: DataType::Notification,
            value: value.into(),
        }
    }
    /// A metric (number) value.
    pub fn metric(address: String, value: impl ToString) -> Value {
        Value {
            address,
            data_type: DataType::Metric,
            value: value.to_string(),
        }
    }
}

/// What an event says, before it is wrapped in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData {
    pub resource: Resource,
    pub values: Vec<Value>,
}
