//! HTTP plumbing shared by every listener, below `rest/` and `transport/`
//! (nothing here imports them): the server loop with the timeouts of
//! rest-api.md §2.2, problem+json errors (§2.4), path cleaning (§2.1),
//! bounded request bodies, endpoint URL rules, pretty list bodies, the
//! one outgoing HTTP client, and `security/`: TLS on the listeners and to
//! consumers, bearer tokens, the endpoint allow-list (security.md).

pub mod body;
pub mod client;
pub mod path;
pub mod pretty;
pub mod problem;
pub mod routes;
pub mod security;
pub mod server;
pub mod url;

pub use problem::{Flavor, Problem};
