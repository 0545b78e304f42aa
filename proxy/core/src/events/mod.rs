//! Resource addresses, event types, values and the CloudEvent envelopes of
//! v2, v1 and the v1 transport (spec events-and-metrics.md §1–§6), the
//! subscription selectors of O-RAN v4 addresses and the daemon's JSON
//! messages (next-generation.md). Pure.
//!
//! Serialisers return [`bytes::Bytes`]: an event is serialised once and the
//! same bytes go to every subscriber. Member order is fixed as in the spec,
//! the JSON is compact and byte-stable.

pub mod daemon;
mod incoming;
mod json;
mod placeholder;
mod resource;
mod selector;
#[cfg(test)]
mod testutil;
mod time;
mod transport;
mod v1;
mod v2;
mod value;

pub use incoming::{
    parse_event_json, parse_transport_event, parse_values, EventParseError, IncomingEvent,
    ParsedEvent, ValueProblem,
};
pub use placeholder::{placeholder, FREERUN_CLOCK_CLASS};
pub use resource::Resource;
pub use selector::{delivered_for, Selector};
pub use time::{parse_rfc3339, rfc3339, TimeParseError};
pub use transport::{transport_current_state, transport_event, TransportHeaders};
pub use v1::{v1_event, v1_event_with_source, UnknownV1Format, V1Format};
pub use v2::{v2_array, v2_data, v2_event};
pub use value::{DataType, EventData, Value};
