//! [`LocalBackend`]: the embedded default's search backend. Documents read from local files
//! (or pushed in process) are held in memory, sorted by timestamp, and every query is
//! answered with [`alert_core::filter`] and [`alert_core::aggregate`], as Elasticsearch would
//! answer the queries ElastAlert2 sends. Each distinct filter list is evaluated once per
//! document (`filter_cache`), however often its rules re-query their window. Monitors' whole
//! search bodies are answered by `raw_search`.

mod clock_index;
mod filter_cache;
mod raw_search;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use alert_core::aggregate::{Aggregations, Context, terms_buckets};
use alert_core::document::{Event, TimeField};
use alert_core::port::{AggregationAnswer, RawSearch, SearchBackend, SearchQuery};
use alert_core::time::Timestamp;
use async_trait::async_trait;
use serde_json::Value;

use clock_index::ClockIndex;

/// Documents in memory, answering rule queries.
///
/// Documents are indexed once per [`TimeField`] the rules read time from (`timestamp_field`
/// with its `timestamp_type`/`timestamp_format`), so rules with different timestamp fields
/// share the same files. A document goes into every index whose field it has; the first
/// index (the one the backend was made with) answers monitors' whole search bodies. A rule
/// whose field has no index yet (added by a reload) gets one built from the documents held.
#[derive(Debug)]
pub struct LocalBackend {
    indexes: RwLock<Vec<Arc<ClockIndex>>>,
    /// Numbers the documents pushed without `_id`.
    next_id: AtomicU64,
}

impl LocalBackend {
    /// An empty backend reading time from `timestamp_field` as ISO 8601.
    pub fn new(timestamp_field: &str) -> Self {
        Self::with_time_fields([TimeField::new(
            timestamp_field,
            alert_core::time::TimestampType::Iso,
        )])
    }

    /// An empty backend indexing documents by each of `fields` (duplicates count once); the
    /// first answers monitors' searches. Without any, ElastAlert2's ISO `@timestamp`.
    pub fn with_time_fields(fields: impl IntoIterator<Item = TimeField>) -> Self {
        let mut indexes: Vec<Arc<ClockIndex>> = Vec::new();
        for field in fields {
            if !indexes.iter().any(|i| i.time == field) {
                indexes.push(Arc::new(ClockIndex::new(field)));
            }
        }
        if indexes.is_empty() {
            indexes.push(Arc::new(ClockIndex::new(TimeField::default_iso())));
        }
        LocalBackend {
            indexes: RwLock::new(indexes),
            next_id: AtomicU64::new(1),
        }
    }

    fn indexes(&self) -> Vec<Arc<ClockIndex>> {
        self.indexes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The index of `field`, built from the documents held when it is new.
    fn index_of(&self, field: &TimeField) -> Arc<ClockIndex> {
        if let Some(index) = self.indexes().into_iter().find(|i| &i.time == field) {
            return index;
        }
        let mut indexes = self.indexes.write().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = indexes.iter().find(|i| &i.time == field) {
            return index.clone();
        }
        let index = Arc::new(ClockIndex::new(field.clone()));
        if let Some(fullest) = indexes.iter().max_by_key(|i| i.len()) {
            let events = fullest
                .sources()
                .into_iter()
                .filter_map(|doc| Some(Event::new(field.read(&doc)?, doc)))
                .collect();
            index.extend(events);
        }
        indexes.push(index.clone());
        index
    }

    /// The index monitors search.
    fn first_index(&self) -> Arc<ClockIndex> {
        let indexes = self.indexes.read().unwrap_or_else(|p| p.into_inner());
        indexes[0].clone()
    }

    /// Adds documents; one without `_id` gets `local-<n>`. A document none of the time
    /// fields can read is returned in the error list with its position in `docs` and the
    /// reason, and not added.
    pub fn push(&self, docs: Vec<Value>) -> Vec<(usize, String)> {
        let indexes = self.indexes();
        let mut rejected = Vec::new();
        let mut batches: Vec<Vec<Event>> = indexes.iter().map(|_| Vec::new()).collect();
        for (i, mut doc) in docs.into_iter().enumerate() {
            if let Value::Object(map) = &mut doc
                && !map.contains_key("_id")
            {
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                map.insert("_id".into(), Value::String(format!("local-{n}")));
            }
            let times: Vec<Option<Timestamp>> =
                indexes.iter().map(|index| index.time.read(&doc)).collect();
            let Some(last) = times.iter().rposition(Option::is_some) else {
                rejected.push((i, why_unreadable(&indexes, &doc)));
                continue;
            };
            for (k, t) in times.iter().enumerate().take(last) {
                if let Some(t) = t {
                    batches[k].push(Event::new(*t, doc.clone()));
                }
            }
            if let Some(t) = times[last] {
                batches[last].push(Event::new(t, doc));
            }
        }
        for (index, events) in indexes.iter().zip(batches) {
            index.extend(events);
        }
        rejected
    }

    /// Forgets documents older than `t` (no rule will query them again).
    pub fn forget_before(&self, t: Timestamp) {
        for index in self.indexes() {
            index.forget_before(t);
        }
    }

    /// Distinct filter lists whose passing documents are cached.
    pub fn cached_filters(&self) -> usize {
        self.indexes().iter().map(|i| i.cached_filters()).sum()
    }

    /// The first and last timestamps held, in the first time field.
    pub fn bounds(&self) -> Option<(Timestamp, Timestamp)> {
        self.first_index().bounds()
    }

    /// The first and last times of the documents `field` can read (`alert run --once`
    /// starts and ends each rule there, as `alert test-rule` does).
    pub fn bounds_of(&self, field: &TimeField) -> Option<(Timestamp, Timestamp)> {
        self.index_of(field).bounds()
    }

    /// Documents held (in the first time field).
    pub fn len(&self) -> usize {
        self.first_index().len()
    }

    /// Whether no document is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn select(&self, query: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        self.index_of(&TimeField::of(query.rule)).select(query)
    }
}

/// Why no time field reads `doc`: each field's reason.
fn why_unreadable(indexes: &[Arc<ClockIndex>], doc: &Value) -> String {
    let reasons: Vec<String> = indexes.iter().map(|i| i.time.why_unreadable(doc)).collect();
    reasons.join("; ")
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
