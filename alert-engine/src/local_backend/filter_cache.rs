//! Incremental filtering for [`super::LocalBackend`]: per distinct filter list, the positions
//! of the held documents that pass it. Every run re-queries its whole `buffer_time` (as
//! ElastAlert2 does), but documents are append-only, so a filter is evaluated once per
//! document: a query evaluates only the documents pushed since the filter's last query and
//! reads the rest of its window from the cache.
//!
//! Positions are absolute (`base` + index into the held documents): forgetting old documents
//! raises `base` without moving a cached position; an out-of-order push re-sorts the documents
//! and starts a new `epoch`, which empties every entry.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alert_core::document::Event;
use alert_core::filter::Filter;
use serde_json::Value;

/// The documents held by the backend, sorted by timestamp.
#[derive(Debug, Default)]
pub(super) struct Docs {
    pub(super) events: Vec<Event>,
    /// The absolute position of `events[0]`: documents forgotten so far.
    pub(super) base: u64,
    /// Bumped whenever positions change (a re-sort).
    pub(super) epoch: u64,
}

impl Docs {
    /// The absolute position just past the last document.
    fn end(&self) -> u64 {
        self.base + self.events.len() as u64
    }
}

/// One filter list's compiled filter and the positions of the documents that pass it.
#[derive(Debug)]
pub(super) struct CachedFilter {
    filter: Filter,
    epoch: u64,
    /// Every document before this absolute position has been evaluated.
    evaluated_to: u64,
    /// Absolute positions of the passing documents, ascending.
    hits: VecDeque<u64>,
}

impl CachedFilter {
    /// Brings the entry up to date with `docs` (evaluating only the documents it has not
    /// seen), then returns the held documents among `events[lo..hi]` that pass the filter.
    pub(super) fn hits_between<'d>(
        &mut self,
        docs: &'d Docs,
        lo: usize,
        hi: usize,
    ) -> Vec<&'d Event> {
        self.catch_up(docs);
        let (from, to) = (docs.base + lo as u64, docs.base + hi as u64);
        let first = self.hits.partition_point(|&p| p < from);
        let last = self.hits.partition_point(|&p| p < to);
        self.hits
            .range(first..last)
            .filter_map(|&p| docs.events.get(usize::try_from(p - docs.base).ok()?))
            .collect()
    }

    fn catch_up(&mut self, docs: &Docs) {
        if self.epoch != docs.epoch {
            self.epoch = docs.epoch;
            self.hits.clear();
            self.evaluated_to = docs.base;
        }
        while self.hits.front().is_some_and(|&p| p < docs.base) {
            self.hits.pop_front();
        }
        let start = self.evaluated_to.max(docs.base);
        let first = usize::try_from(start - docs.base).unwrap_or(usize::MAX);
        let fresh: Vec<u64> = docs
            .events
            .iter()
            .enumerate()
            .skip(first)
            .filter(|(_, event)| self.filter.matches(&event.source))
            .map(|(i, _)| docs.base + i as u64)
            .collect();
        self.hits.extend(fresh);
        self.evaluated_to = docs.end();
    }
}

/// The cache: one entry per distinct filter list, shared by the rules that use it.
#[derive(Debug, Default)]
pub(super) struct FilterCache {
    entries: Mutex<HashMap<String, Arc<Mutex<CachedFilter>>>>,
}

impl FilterCache {
    /// The entry of `filters`, compiled with `compile` when new; `None` when the filters
    /// cannot be cached because they may use date math (`now`), whose meaning moves with
    /// every run.
    pub(super) fn entry(
        &self,
        filters: &[Value],
        compile: impl FnOnce() -> alert_core::Result<Filter>,
    ) -> alert_core::Result<Option<Arc<Mutex<CachedFilter>>>> {
        let key = Value::Array(filters.to_vec()).to_string();
        if key.contains("now") {
            return Ok(None);
        }
        let mut entries = lock(&self.entries);
        if let Some(entry) = entries.get(&key) {
            return Ok(Some(entry.clone()));
        }
        let entry = Arc::new(Mutex::new(CachedFilter {
            filter: compile()?,
            epoch: 0,
            evaluated_to: 0,
            hits: VecDeque::new(),
        }));
        entries.insert(key, entry.clone());
        Ok(Some(entry))
    }

    /// Drops the entries that evaluated no document still held (no rule queried them since
    /// their documents were forgotten).
    pub(super) fn evict(&self, docs: &Docs) {
        lock(&self.entries).retain(|_, entry| {
            let entry = lock(entry);
            entry.epoch == docs.epoch && entry.evaluated_to > docs.base
        });
    }

    /// Distinct filter lists cached.
    pub(super) fn len(&self) -> usize {
        lock(&self.entries).len()
    }
}

/// Locks `mutex`, taking the data of a poisoned one (a panicking query leaves a consistent
/// entry: positions are only appended after evaluation).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
