//! The state one subscriber shares between the [`super::Delivery`] handle
//! and its worker: the queue, the in-flight flag, the endpoint, and whether
//! the subscriber is closed (removed, dead or shut down).
//!
//! Every event is accounted for exactly once: an event leaves the state
//! either through [`Subscriber::finish`] (the worker reports its outcome) or
//! through [`Subscriber::close`] / [`Subscriber::discard_tag`] /
//! a queue-full drop (the caller reports it as dropped). The mutex decides
//! which one wins for the event in flight.

use super::observer::{DeliveryObserver, DepthMeter};
use super::queue::BoundedQueue;
use super::{lock, Outgoing, SubscriberKey, SubscriptionTag};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use url::Url;

pub(crate) struct Subscriber {
    pub(crate) key: SubscriberKey,
    state: Mutex<State>,
    /// Woken on every enqueue and at shutdown; a stored permit means no
    /// wake-up is lost while the worker is busy.
    pub(crate) wake: Notify,
    task: Mutex<Option<JoinHandle<()>>>,
    observer: Arc<dyn DeliveryObserver>,
}

struct State {
    queue: BoundedQueue<Outgoing>,
    in_flight: bool,
    closed: bool,
    /// Shared with the event in flight (no copy per event).
    url: Arc<Url>,
    /// The depth series of `url`, looked up once.
    meter: Option<DepthMeter>,
    full_warned_at: Option<Instant>,
    full_unreported: u64,
}

impl State {
    fn depth(&self) -> usize {
        self.queue.len() + usize::from(self.in_flight)
    }
}

/// The subscriber no longer accepts events.
#[derive(Debug)]
pub(crate) struct Closed;

/// Result of a successful push.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    /// The oldest queued event was dropped to make room. `warn` carries the
    /// number of drops to log now (rate-limited), if a warning is due.
    DroppedOldest {
        warn: Option<u64>,
    },
}

/// What the worker should do next.
pub(crate) enum Next {
    /// Deliver this event (now in flight) to this URL.
    Item(Outgoing, Arc<Url>),
    Empty,
    Closed,
}

impl Subscriber {
    pub(crate) fn new(
        key: SubscriberKey,
        url: Url,
        capacity: usize,
        observer: Arc<dyn DeliveryObserver>,
    ) -> Self {
        let meter = observer.depth_meter(&key, &url);
        Self {
            key,
            state: Mutex::new(State {
                queue: BoundedQueue::new(capacity),
                in_flight: false,
                closed: false,
                url: Arc::new(url),
                meter,
                full_warned_at: None,
                full_unreported: 0,
            }),
            wake: Notify::new(),
            task: Mutex::new(None),
            observer,
        }
    }

    pub(crate) fn set_task(&self, task: JoinHandle<()>) {
        *lock(&self.task) = Some(task);
    }

    pub(crate) fn take_task(&self) -> Option<JoinHandle<()>> {
        lock(&self.task).take()
    }

    pub(crate) fn abort(&self) {
        if let Some(task) = self.take_task() {
            task.abort();
        }
    }

    pub(crate) fn url(&self) -> Url {
        Url::clone(&lock(&self.state).url)
    }

    /// Reports the depth of `st` (under its lock, so reports stay in order).
    fn report_depth(&self, st: &State, depth: usize) {
        match &st.meter {
            Some(meter) => meter(depth),
            None => self.observer.on_depth(&self.key, &st.url, depth),
        }
    }

    pub(crate) fn depth(&self) -> usize {
        let st = lock(&self.state);
        if st.closed {
            0
        } else {
            st.depth()
        }
    }

    /// Appends an event (dropping the oldest queued one if full) and wakes
    /// the worker. A changed `url` replaces the stored endpoint.
    pub(crate) fn push(
        &self,
        url: &Url,
        item: Outgoing,
        warn_interval: Duration,
    ) -> Result<Pushed, Closed> {
        let pushed = {
            let mut st = lock(&self.state);
            if st.closed {
                return Err(Closed);
            }
            if *st.url != *url {
                tracing::debug!(subscriber = %self.key, endpoint = %url, "endpoint changed");
                st.url = Arc::new(url.clone());
                st.meter = self.observer.depth_meter(&self.key, url);
            }
            if st.queue.push(item).is_some() {
                st.full_unreported += 1;
                let due = st
                    .full_warned_at
                    .is_none_or(|at| at.elapsed() >= warn_interval);
                let warn = due.then(|| {
                    st.full_warned_at = Some(Instant::now());
                    std::mem::take(&mut st.full_unreported)
                });
                Pushed::DroppedOldest { warn }
            } else {
                self.report_depth(&st, st.depth());
                Pushed::Queued
            }
        };
        self.wake.notify_one();
        Ok(pushed)
    }

    /// Takes the head of the queue and marks it in flight.
    pub(crate) fn next(&self) -> Next {
        let mut st = lock(&self.state);
        if st.closed {
            return Next::Closed;
        }
        match st.queue.pop_front() {
            Some(item) => {
                st.in_flight = true;
                Next::Item(item, Arc::clone(&st.url))
            }
            None => Next::Empty,
        }
    }

    /// The in-flight event reached its final outcome. Returns false if the
    /// subscriber was closed meanwhile: the closer counted the event as
    /// dropped, and the worker must neither report it nor continue.
    pub(crate) fn finish(&self) -> bool {
        let mut st = lock(&self.state);
        if st.closed {
            return false;
        }
        st.in_flight = false;
        self.report_depth(&st, st.depth());
        true
    }

    /// Closes the subscriber: no more events are accepted or sent. Returns
    /// the number of events discarded (queued plus in flight); 0 if it was
    /// already closed.
    pub(crate) fn close(&self) -> usize {
        let mut st = lock(&self.state);
        if st.closed {
            return 0;
        }
        st.closed = true;
        let n = st.queue.clear() + usize::from(std::mem::take(&mut st.in_flight));
        self.report_depth(&st, 0);
        n
    }

    /// Discards the queued (not in-flight) events of one subscription.
    pub(crate) fn discard_tag(&self, tag: &SubscriptionTag) -> usize {
        let mut st = lock(&self.state);
        let n = st.queue.discard_where(|item| item.tag == *tag);
        if n > 0 {
            self.report_depth(&st, st.depth());
        }
        n
    }
}
