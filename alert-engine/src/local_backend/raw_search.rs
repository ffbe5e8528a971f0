//! [`LocalBackend::search_raw`](super::LocalBackend): a whole search body (an OpenSearch
//! monitor's input) answered over the held documents, shaped as a cluster's response.
//!
//! * `query` is compiled by [`Filter::from_query`] (everything matches without one); only the
//!   documents within its required ranges on the timestamp field are examined.
//! * Indices: a document matches when it has no `_index` (documents read from files or pushed
//!   carry none unless their source set one) or when its `_index` matches the request's
//!   patterns: names, `*` wildcards, comma lists, `_all`, and `-pattern` exclusions (which
//!   drop matching indices whatever their position). A hit without `_index` reports the
//!   first pattern requested.
//! * `size` (10), `from`, `sort`, `_source` as [`HitsSpec`] reads them; `aggregations` (or
//!   `aggs`) through [`Aggregations`]; `track_total_hits` as Elasticsearch (10 000 by default,
//!   `true` exact, a number as the limit, `false` without a total).
//! * Any other body key that changes the answer (`post_filter`, `min_score`, `collapse`, ...)
//!   is an error naming it, never ignored.

use std::time::Instant;

use alert_core::aggregate::{Aggregations, Context, HitsSpec};
use alert_core::document::Event;
use alert_core::filter::Filter;
use alert_core::port::RawSearch;
use alert_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::LocalBackend;

/// Body keys read here, besides those [`HitsSpec`] reads.
const READ: &[&str] = &[
    "query",
    "aggregations",
    "aggs",
    "track_total_hits",
    "size",
    "from",
    "sort",
    "_source",
];

/// Body keys that do not change the answer of an exact, single-shard, unscored search.
const IGNORED: &[&str] = &[
    "timeout",
    "version",
    "seq_no_primary_term",
    "track_scores",
    "explain",
    "profile",
    "stats",
];

/// Elasticsearch's default `track_total_hits`.
const DEFAULT_TOTAL_LIMIT: u64 = 10_000;

/// A search body, compiled.
struct CompiledSearch {
    filter: Filter,
    hits: HitsSpec,
    aggs: Option<Aggregations>,
    /// `None`: no `hits.total` (`track_total_hits: false`).
    total_limit: Option<u64>,
}

/// Runs a search body over the backend's documents.
pub(super) fn run(backend: &LocalBackend, search: &RawSearch<'_>) -> Result<Value> {
    let started = Instant::now();
    let index = backend.first_index();
    let timestamp_field = index.time.field.as_str();
    let compiled = compile(search.body, &Context::new(timestamp_field, search.now))?;
    let indices = IndexPatterns::new(search.indices);
    let docs = index.docs.read().unwrap_or_else(|p| p.into_inner());
    let filter = &compiled.filter;
    let matched: Vec<&Event> = in_time_bounds(&docs.events, filter, timestamp_field)
        .iter()
        .filter(|e| indices.admits(&e.source) && filter.matches(&e.source))
        .collect();
    let mut response = Map::new();
    response.insert("took".into(), json!(started.elapsed().as_millis()));
    response.insert("timed_out".into(), json!(false));
    response.insert(
        "_shards".into(),
        json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0}),
    );
    response.insert("hits".into(), hits_object(&compiled, &matched, &indices));
    if let Some(aggs) = &compiled.aggs {
        response.insert("aggregations".into(), aggs.evaluate_refs(&matched));
    }
    Ok(Value::Object(response))
}

/// Compiles a body, refusing keys that would change the answer and are not evaluated.
fn compile(body: &Value, ctx: &Context) -> Result<CompiledSearch> {
    let Value::Object(body) = body else {
        return Err(Error::InvalidFilter(format!(
            "a search body must be an object, got {body}"
        )));
    };
    if let Some(key) = body
        .keys()
        .find(|k| !READ.contains(&k.as_str()) && !IGNORED.contains(&k.as_str()))
    {
        return Err(Error::UnsupportedFilter {
            construct: format!("search body '{key}'"),
            why: "not evaluated locally".to_string(),
        });
    }
    let aggs = body.get("aggregations").or_else(|| body.get("aggs"));
    Ok(CompiledSearch {
        filter: match body.get("query") {
            Some(query) => Filter::from_query(query, ctx.now)?,
            None => Filter::match_all(),
        },
        hits: HitsSpec::compile(body, 10, ctx)?,
        aggs: aggs.map(|a| Aggregations::compile(a, ctx)).transpose()?,
        total_limit: total_limit(body.get("track_total_hits"))?,
    })
}

/// The response's `hits`: the total, and the page of hits.
fn hits_object(compiled: &CompiledSearch, matched: &[&Event], indices: &IndexPatterns) -> Value {
    let spec = &compiled.hits;
    let hits: Vec<Value> = spec
        .page(matched)
        .into_iter()
        .map(|e| spec.render(e, indices.default_index()))
        .collect();
    let mut out = Map::new();
    if let Some(limit) = compiled.total_limit {
        out.insert("total".into(), total(matched.len() as u64, limit));
    }
    out.insert("max_score".into(), Value::Null);
    out.insert("hits".into(), Value::Array(hits));
    Value::Object(out)
}

/// The held documents (sorted by timestamp) that the query's ranges on the timestamp field
/// leave to examine: a monitor's window is usually a small part of what is held.
fn in_time_bounds<'e>(events: &'e [Event], filter: &Filter, timestamp_field: &str) -> &'e [Event] {
    let (lower, upper) = filter.instant_bounds(timestamp_field);
    let start = lower.map_or(0, |t| {
        events.partition_point(|e| e.timestamp.as_micros() < t)
    });
    let end = upper.map_or(events.len(), |t| {
        events.partition_point(|e| e.timestamp.as_micros() <= t)
    });
    events.get(start..end).unwrap_or_default()
}

/// `track_total_hits`: `None` when no total is wanted, else the count limit.
fn total_limit(value: Option<&Value>) -> Result<Option<u64>> {
    match value {
        None => Ok(Some(DEFAULT_TOTAL_LIMIT)),
        Some(Value::Bool(true)) => Ok(Some(u64::MAX)),
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::Number(n)) if n.as_i64() == Some(-1) => Ok(Some(u64::MAX)),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(other) => Err(Error::InvalidFilter(format!(
            "track_total_hits must be a boolean or a count, got {other}"
        ))),
    }
}

/// `hits.total`: exact up to the limit, then the limit with `relation: gte`.
fn total(count: u64, limit: u64) -> Value {
    if count > limit {
        json!({"value": limit, "relation": "gte"})
    } else {
        json!({"value": count, "relation": "eq"})
    }
}

/// The indices a search names.
#[derive(Debug)]
pub(super) struct IndexPatterns {
    includes: Vec<String>,
    excludes: Vec<String>,
    /// What a hit without `_index` reports.
    first: String,
}

impl IndexPatterns {
    /// Reads `["logs-*", "metrics-a,metrics-b", "-logs-old*"]`.
    pub(super) fn new(indices: &[String]) -> Self {
        let mut patterns = IndexPatterns {
            includes: Vec::new(),
            excludes: Vec::new(),
            first: String::new(),
        };
        for pattern in indices.iter().flat_map(|i| i.split(',')).map(str::trim) {
            match pattern.strip_prefix('-') {
                Some(excluded) if !excluded.is_empty() => {
                    patterns.excludes.push(excluded.to_string())
                }
                _ if pattern.is_empty() => {}
                _ => patterns.includes.push(pattern.to_string()),
            }
        }
        patterns.first = patterns.includes.first().cloned().unwrap_or_default();
        patterns
    }

    /// Whether a document is in the searched indices (always, without `_index`).
    pub(super) fn admits(&self, doc: &Value) -> bool {
        let Some(index) = doc.get("_index").and_then(Value::as_str) else {
            return true;
        };
        let included =
            self.includes.is_empty() || self.includes.iter().any(|p| p == "_all" || glob(p, index));
        included && !self.excludes.iter().any(|p| glob(p, index))
    }

    fn default_index(&self) -> &str {
        &self.first
    }
}

/// `*` wildcard matching of a whole index name.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => text.strip_prefix(head).is_some_and(|tail| {
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }),
    }
}

#[cfg(test)]
#[path = "raw_search_tests.rs"]
mod tests;
