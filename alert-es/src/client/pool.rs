//! [`NodePool`]: the cluster's nodes, taken in turn, with failed nodes skipped for a while.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Health of one node.
#[derive(Debug, Clone, Copy, Default)]
struct Health {
    /// Consecutive failures.
    failures: u32,
    /// Skipped until then.
    dead_until: Option<Instant>,
}

/// Round-robin over `len` nodes. A node marked dead is skipped until its back-off ends; when
/// every node is dead, the one whose back-off ends first is tried anyway (a cluster that is
/// down for everyone must be found again as soon as it comes back).
#[derive(Debug)]
pub(crate) struct NodePool {
    health: Mutex<Vec<Health>>,
    next: AtomicUsize,
}

impl NodePool {
    pub(crate) fn new(len: usize) -> Self {
        NodePool {
            health: Mutex::new(vec![Health::default(); len.max(1)]),
            next: AtomicUsize::new(0),
        }
    }

    /// The index of the node for the next attempt, and whether it is alive (`false` when
    /// every node is on back-off and this one is tried anyway).
    pub(crate) fn select(&self, now: Instant) -> (usize, bool) {
        let health = self.lock();
        let len = health.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % len;
        let alive = (0..len)
            .map(|offset| (start + offset) % len)
            .find(|i| health[*i].dead_until.is_none_or(|until| until <= now));
        match alive {
            Some(index) => (index, true),
            None => {
                let soonest = (0..len).min_by_key(|i| health[*i].dead_until).unwrap_or(0);
                (soonest, false)
            }
        }
    }

    /// Puts a node on back-off; `backoff` gives the wait for a number of consecutive failures.
    pub(crate) fn mark_dead(&self, index: usize, now: Instant, backoff: impl Fn(u32) -> Duration) {
        let mut health = self.lock();
        if let Some(node) = health.get_mut(index) {
            node.failures = node.failures.saturating_add(1);
            node.dead_until = Some(now + backoff(node.failures));
        }
    }

    /// A node answered: it is alive again.
    pub(crate) fn mark_alive(&self, index: usize) {
        if let Some(node) = self.lock().get_mut(index) {
            *node = Health::default();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Health>> {
        // A panic while holding this lock cannot leave the counters inconsistent.
        self.health
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn nodes_are_taken_in_turn() {
        let pool = NodePool::new(3);
        let now = Instant::now();
        let order: Vec<usize> = (0..6).map(|_| pool.select(now).0).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn a_dead_node_is_skipped_until_its_backoff_ends_and_then_comes_back() {
        let pool = NodePool::new(2);
        let now = Instant::now();
        pool.mark_dead(0, now, |_| MINUTE);
        let order: Vec<usize> = (0..4).map(|_| pool.select(now).0).collect();
        assert_eq!(order, [1, 1, 1, 1]);
        let later = now + MINUTE;
        let order: Vec<usize> = (0..2).map(|_| pool.select(later).0).collect();
        assert_eq!(order, [0, 1]);
    }

    #[test]
    fn when_all_nodes_are_dead_the_one_back_soonest_is_tried() {
        let pool = NodePool::new(3);
        let now = Instant::now();
        pool.mark_dead(0, now, |_| MINUTE * 3);
        pool.mark_dead(1, now, |_| MINUTE);
        pool.mark_dead(2, now, |_| MINUTE * 2);
        assert_eq!(pool.select(now), (1, false));
    }

    #[test]
    fn consecutive_failures_lengthen_the_backoff_until_the_node_answers() {
        let pool = NodePool::new(2);
        let now = Instant::now();
        let backoff = |failures: u32| MINUTE * failures;
        pool.mark_dead(0, now, backoff);
        pool.mark_dead(0, now, backoff);
        assert_eq!(pool.lock()[0].dead_until, Some(now + MINUTE * 2));
        pool.mark_alive(0);
        assert_eq!(pool.lock()[0].failures, 0);
        assert_eq!(pool.lock()[0].dead_until, None);
    }
}
