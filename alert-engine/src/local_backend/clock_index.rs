//! [`ClockIndex`]: the held documents of one [`TimeField`], sorted by it, with the filter
//! cache of the rules that read time from that field.

use std::sync::RwLock;

use alert_core::config::Rule;
use alert_core::document::{Event, TimeField};
use alert_core::filter::Filter;
use alert_core::port::SearchQuery;
use alert_core::time::Timestamp;
use serde_json::Value;

use super::filter_cache::{Docs, FilterCache, lock};

/// The documents that have a readable time in one field, in time order.
#[derive(Debug)]
pub(super) struct ClockIndex {
    pub(super) time: TimeField,
    pub(super) docs: RwLock<Docs>,
    /// The documents passing each filter list queried so far.
    cache: FilterCache,
}

impl ClockIndex {
    pub(super) fn new(time: TimeField) -> Self {
        ClockIndex {
            time,
            docs: RwLock::new(Docs::default()),
            cache: FilterCache::default(),
        }
    }

    /// Adds events (already timed by this index's field), keeping time order.
    pub(super) fn extend(&self, mut events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        events.sort_by_key(|e| e.timestamp);
        let mut docs = self.docs.write().unwrap_or_else(|p| p.into_inner());
        let sorted_append = match (docs.events.last(), events.first()) {
            (Some(last), Some(first)) => last.timestamp <= first.timestamp,
            _ => true,
        };
        docs.events.extend(events);
        if !sorted_append {
            // Positions move: the filter cache starts over.
            docs.events.sort_by_key(|e| e.timestamp);
            docs.epoch += 1;
        }
    }

    /// Forgets documents older than `t`.
    pub(super) fn forget_before(&self, t: Timestamp) {
        let mut docs = self.docs.write().unwrap_or_else(|p| p.into_inner());
        let cut = docs.events.partition_point(|e| e.timestamp < t);
        docs.events.drain(..cut);
        docs.base += cut as u64;
        self.cache.evict(&docs);
    }

    pub(super) fn cached_filters(&self) -> usize {
        self.cache.len()
    }

    pub(super) fn bounds(&self) -> Option<(Timestamp, Timestamp)> {
        let docs = self.docs.read().unwrap_or_else(|p| p.into_inner());
        Some((
            docs.events.first()?.timestamp,
            docs.events.last()?.timestamp,
        ))
    }

    pub(super) fn len(&self) -> usize {
        self.docs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .len()
    }

    /// Copies of every held document's source (to index them by another field).
    pub(super) fn sources(&self) -> Vec<Value> {
        let docs = self.docs.read().unwrap_or_else(|p| p.into_inner());
        docs.events.iter().map(|e| e.source.clone()).collect()
    }

    /// The documents of a query: in range, passing its filters, with `_index` and compound
    /// query-key fields as ElastAlert2's `process_hits` adds them. Only the documents that
    /// pass are copied: every run re-queries its `buffer_time`, so most documents a rule
    /// looks at are not hits.
    pub(super) fn select(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        let rule = query.rule;
        let compile = || {
            Filter::compile(query.filters, query.now).map_err(|e| e.in_file(&rule.file, "filter"))
        };
        let docs = self.docs.read().unwrap_or_else(|p| p.into_inner());
        let all = &docs.events;
        let lo = all.partition_point(|e| e.timestamp < query.range.start);
        let hi = all.partition_point(|e| e.timestamp <= query.range.end);
        let in_range = |e: &&Event| query.range.contains(e.timestamp);
        let out: Vec<Event> = if let Some(entry) = self.cache.entry(query.filters, compile)? {
            lock(&entry)
                .hits_between(&docs, lo, hi)
                .into_iter()
                .filter(in_range)
                .map(|e| decorate(rule, e.clone()))
                .collect()
        } else {
            let filter = compile()?;
            all[lo..hi]
                .iter()
                .filter(|e| in_range(e) && filter.matches(&e.source))
                .map(|e| decorate(rule, e.clone()))
                .collect()
        };
        Ok(out)
    }
}

fn decorate(rule: &Rule, mut event: Event) -> Event {
    if let Value::Object(map) = &mut event.source {
        map.insert("_index".into(), Value::String(rule.index.clone()));
    }
    if let Some(qk) = rule.query_key.as_ref().filter(|qk| qk.is_compound()) {
        let value = qk.value_of(&event.source).unwrap_or_default();
        if let Value::Object(map) = &mut event.source {
            map.insert(qk.name.clone(), Value::String(value));
        }
    }
    event
}
