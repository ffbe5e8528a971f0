//! [`LocalBackend`]: the embedded default's search backend. Documents read from local files
//! (or pushed in process) are held in memory, sorted by timestamp, and every query is
//! answered with [`alert_core::filter`] and [`alert_core::aggregate`], as Elasticsearch would
//! answer the queries ElastAlert2 sends. Each distinct filter list is evaluated once per
//! document (`filter_cache`), however often its rules re-query their window. Monitors' whole
//! search bodies are answered by `raw_search`.

mod filter_cache;
mod raw_search;

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use alert_core::aggregate::{Aggregations, Context, terms_buckets};
use alert_core::config::Rule;
use alert_core::document::{Event, lookup_es_key};
use alert_core::filter::Filter;
use alert_core::port::{AggregationAnswer, RawSearch, SearchBackend, SearchQuery};
use alert_core::time::{Timestamp, TimestampType};
use async_trait::async_trait;
use serde_json::Value;

use filter_cache::{Docs, FilterCache, lock};

/// Documents in memory, answering rule queries.
#[derive(Debug)]
pub struct LocalBackend {
    /// The field documents are ordered by (the rules' usual `timestamp_field`).
    timestamp_field: String,
    docs: RwLock<Docs>,
    /// The documents passing each filter list queried so far.
    cache: FilterCache,
    /// Numbers the documents pushed without `_id`.
    next_id: AtomicU64,
}

impl LocalBackend {
    /// An empty backend ordering documents by `timestamp_field` (ISO timestamps).
    pub fn new(timestamp_field: &str) -> Self {
        LocalBackend {
            timestamp_field: timestamp_field.to_string(),
            docs: RwLock::new(Docs::default()),
            cache: FilterCache::default(),
            next_id: AtomicU64::new(1),
        }
    }

    /// Adds documents; one without `_id` gets `local-<n>`. A document without a readable
    /// timestamp is returned in the error list with its position in `docs`, and not added.
    pub fn push(&self, docs: Vec<Value>) -> Vec<(usize, String)> {
        let mut rejected = Vec::new();
        let mut events = Vec::with_capacity(docs.len());
        for (i, mut doc) in docs.into_iter().enumerate() {
            if let Value::Object(map) = &mut doc
                && !map.contains_key("_id")
            {
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                map.insert("_id".into(), Value::String(format!("local-{n}")));
            }
            match lookup_es_key(&doc, &self.timestamp_field)
                .and_then(|v| TimestampType::Iso.parse_value(v))
            {
                Some(t) => events.push(Event::new(t, doc)),
                None => rejected.push((i, format!("no timestamp in '{}'", self.timestamp_field))),
            }
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
        rejected
    }

    /// Forgets documents older than `t` (no rule will query them again).
    pub fn forget_before(&self, t: Timestamp) {
        let mut docs = self.docs.write().unwrap_or_else(|p| p.into_inner());
        let cut = docs.events.partition_point(|e| e.timestamp < t);
        docs.events.drain(..cut);
        docs.base += cut as u64;
        self.cache.evict(&docs);
    }

    /// Distinct filter lists whose passing documents are cached.
    pub fn cached_filters(&self) -> usize {
        self.cache.len()
    }

    /// The first and last timestamps held.
    pub fn bounds(&self) -> Option<(Timestamp, Timestamp)> {
        let docs = self.docs.read().unwrap_or_else(|p| p.into_inner());
        Some((
            docs.events.first()?.timestamp,
            docs.events.last()?.timestamp,
        ))
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.docs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .events
            .len()
    }

    /// Whether no document is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The documents of a query: in range on the rule's timestamp field, passing its filters,
    /// with `_index` and compound query-key fields as ElastAlert2's `process_hits` adds them.
    /// Only the documents that pass are copied: every run re-queries its `buffer_time`, so
    /// most documents a rule looks at are not hits.
    fn select(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        let rule = query.rule;
        let compile = || {
            Filter::compile(query.filters, query.now).map_err(|e| e.in_file(&rule.file, "filter"))
        };
        let docs = self.docs.read().unwrap_or_else(|p| p.into_inner());
        let all = &docs.events;
        let same_clock = rule.timestamp_field == self.timestamp_field
            && rule.timestamp_type == TimestampType::Iso;
        let lo = all.partition_point(|e| e.timestamp < query.range.start);
        let hi = all.partition_point(|e| e.timestamp <= query.range.end);
        let in_range = |e: &&Event| query.range.contains(e.timestamp);
        let mut out: Vec<Event> = if !same_clock {
            let filter = compile()?;
            all.iter()
                .filter_map(|e| {
                    let raw = lookup_es_key(&e.source, &rule.timestamp_field)?;
                    let t = rule.timestamp_type.parse_value(raw)?;
                    (query.range.contains(t) && filter.matches(&e.source))
                        .then(|| decorate(rule, Event::new(t, e.source.clone())))
                })
                .collect()
        } else if let Some(entry) = self.cache.entry(query.filters, compile)? {
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
        out.sort_by_key(|e| e.timestamp);
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

#[async_trait]
impl SearchBackend for LocalBackend {
    async fn search(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        let mut docs = self.select(query)?;
        let include = &query.rule.include;
        if !include.iter().any(|p| p == "*") {
            for doc in &mut docs {
                doc.source = crate::projection::project(&doc.source, include);
            }
        }
        Ok(docs)
    }

    async fn count(&self, query: &SearchQuery<'_>) -> alert_core::Result<u64> {
        Ok(self.select(query)?.len() as u64)
    }

    async fn terms(
        &self,
        query: &SearchQuery<'_>,
        field: &str,
        size: usize,
        min_doc_count: u64,
    ) -> alert_core::Result<Vec<Value>> {
        Ok(terms_buckets(
            &self.select(query)?,
            field,
            size,
            min_doc_count,
        ))
    }

    async fn aggregate(
        &self,
        query: &SearchQuery<'_>,
        aggs: &Value,
    ) -> alert_core::Result<AggregationAnswer> {
        let ctx = Context::new(&query.rule.timestamp_field, query.now);
        let compiled = Aggregations::compile(aggs, &ctx)
            .map_err(|e| e.in_file(&query.rule.file, "aggregation query"))?;
        let docs = self.select(query)?;
        Ok(AggregationAnswer {
            aggregations: compiled.evaluate(&docs),
            hits: docs.len() as u64,
        })
    }

    /// See `raw_search`: the held documents whose `_index` (if any) matches the indices.
    async fn search_raw(&self, search: &RawSearch<'_>) -> alert_core::Result<Value> {
        raw_search::run(self, search)
    }
}
