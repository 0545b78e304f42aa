//! The bounded drop-oldest FIFO of one subscriber (spec §7.1). Pure.
//!
//! The queue holds only *queued* events: the event in flight has already been
//! popped by the worker, so dropping the oldest entry can never touch it.
//! Entries are cheap (an [`super::Outgoing`] shares the event's bytes), so
//! the capacity is large (16 384, §7.1); the storage grows with a burst and
//! is given back once the queue has drained.

use std::collections::VecDeque;

/// Slots kept allocated while a queue is idle (an entry is ≈ 112 bytes and
/// a node has hundreds of subscribers); more are released when it drains,
/// so memory returns to its idle level after a burst.
const IDLE_SLOTS: usize = 2;

/// A FIFO with a fixed capacity that makes room for a new entry by dropping
/// the oldest one.
#[derive(Debug)]
pub(crate) struct BoundedQueue<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> BoundedQueue<T> {
    /// `capacity` is at least 1 (a zero is treated as 1).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            items: VecDeque::with_capacity(capacity.min(IDLE_SLOTS)),
            capacity,
        }
    }

    /// Appends `item`; returns the oldest entry if it had to be dropped to
    /// stay within the capacity.
    pub(crate) fn push(&mut self, item: T) -> Option<T> {
        let dropped = if self.items.len() >= self.capacity {
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(item);
        dropped
    }

    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let item = self.items.pop_front();
        if self.items.is_empty() {
            self.release_burst_storage();
        }
        item
    }

    /// Gives back what a burst allocated once the queue is empty.
    fn release_burst_storage(&mut self) {
        if self.items.capacity() > 4 * IDLE_SLOTS {
            self.items.shrink_to(IDLE_SLOTS);
        }
    }

    /// Removes every entry for which `discard` returns true; returns how many.
    pub(crate) fn discard_where(&mut self, mut discard: impl FnMut(&T) -> bool) -> usize {
        let before = self.items.len();
        self.items.retain(|item| !discard(item));
        if self.items.is_empty() {
            self.release_burst_storage();
        }
        before - self.items.len()
    }

    /// Empties the queue; returns how many entries it held.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.items.len();
        self.items.clear();
        self.release_burst_storage();
        n
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    #[cfg(test)]
    fn allocated(&self) -> usize {
        self.items.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedQueue;

    #[test]
    fn fifo_order() {
        let mut q = BoundedQueue::new(4);
        for i in 0..3 {
            assert_eq!(q.push(i), None);
        }
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop_front(), Some(0));
        assert_eq!(q.pop_front(), Some(1));
        assert_eq!(q.pop_front(), Some(2));
        assert_eq!(q.pop_front(), None);
    }

    #[test]
    fn full_queue_drops_the_oldest_and_keeps_the_newest() {
        let mut q = BoundedQueue::new(3);
        let dropped: Vec<_> = (0..6).filter_map(|i| q.push(i)).collect();
        assert_eq!(dropped, vec![0, 1, 2]);
        assert_eq!(q.len(), 3);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(rest, vec![3, 4, 5]);
    }

    #[test]
    fn a_burst_within_capacity_is_kept_whole_and_its_storage_released() {
        let mut q = BoundedQueue::new(16_384);
        let dropped = (0..10_000).filter_map(|i| q.push(i)).count();
        assert_eq!(dropped, 0);
        assert!(q.allocated() >= 10_000);
        let out: Vec<_> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(out, (0..10_000).collect::<Vec<_>>());
        assert!(q.allocated() <= 4 * super::IDLE_SLOTS, "{}", q.allocated());
    }

    #[test]
    fn zero_capacity_behaves_as_one() {
        let mut q = BoundedQueue::new(0);
        assert_eq!(q.push('a'), None);
        assert_eq!(q.push('b'), Some('a'));
        assert_eq!(q.pop_front(), Some('b'));
    }

    #[test]
    fn discard_where_keeps_order_of_the_rest() {
        let mut q = BoundedQueue::new(8);
        for i in 0..6 {
            q.push(i);
        }
        assert_eq!(q.discard_where(|i| i % 2 == 0), 3);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(rest, vec![1, 3, 5]);
        q.push(7);
        q.push(8);
        assert_eq!(q.clear(), 2);
        assert_eq!(q.len(), 0);
    }
}
