//! The accept task: waits on the listener; starts one reader task per
//! daemon connection and fires the `/emit-logs` replay trigger for each.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;

use super::context::SocketContext;

/// Accepts connections until the task is aborted.
pub async fn accept_loop(listener: UnixListener, ctx: SocketContext) {
    let ctx = Arc::new(ctx);
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(super::connection::read(stream, ctx.clone()));
                (ctx.on_accept)();
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
