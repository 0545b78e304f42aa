//! The event socket (socket-and-lines.md §1): binding, accepting any number
//! of daemon connections, framing their lines and handing them to the
//! engine input queue in batches. Readers wait only for that bounded queue,
//! never for delivery.
//!
//! Files: `bind.rs` (binding rules), `framer.rs` (pure line framing),
//! `batch.rs` (what the queue carries), `context.rs` (what the tasks
//! share), `accept.rs` (the accept task),
//! `connection.rs` (one reader task per connection).

mod accept;
mod batch;
mod bind;
mod connection;
mod context;
mod framer;

pub use accept::accept_loop;
pub use batch::{LineBatch, QueuedBatch, BATCH_LINES, QUEUE_CAPACITY};
pub use bind::{bind, SocketError};
pub use context::SocketContext;
pub use framer::{Framed, Framer, MAX_LINE};
