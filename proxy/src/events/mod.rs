//! Resource addresses, event types, values and the CloudEvent envelopes of
//! v2, v1 and the v1 transport (spec events-and-metrics.md §1–§6). Pure.

mod resource;
mod value;

pub use resource::Resource;
pub use value::{DataType, EventData, Value};
