//! The event socket (socket-and-lines.md §1): binding, accepting any number
//! of daemon connections, framing their lines and handing them to the
//! engine input queue in batches. Readers wait only for that bounded queue,
//! never for delivery.
//!
//! Files: `bind.rs` (binding rules), `framer.rs` (pure line framing),
//! `batch.rs` (what the queue carries), `buffers.rs` (read buffers lent per
//! read, the queue's byte bound), `accept.rs` (the accept task),
//! `connection.rs` (one reader task per connection).

mod accept;
mod batch;
mod bind;
mod buffers;
mod connection;
mod framer;

pub use accept::{accept_loop, SocketContext};
pub use batch::{LineBatch, QueuedBatch, BATCH_LINES, QUEUE_CAPACITY};
pub use bind::{bind, SocketError};
pub use buffers::{QUEUE_BYTES, READ_BUF};
pub use framer::{Framed, Framer, MAX_LINE};
