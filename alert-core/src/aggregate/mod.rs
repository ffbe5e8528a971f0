//! Elasticsearch aggregations computed in process: given the `aggs` body a rule would send
//! and the documents of one query, produce the JSON Elasticsearch returns under
//! `aggregations`, so every rule type runs without a cluster.
//!
//! Supported kinds: `terms`, `date_histogram`, `composite`, `filters`, `filter` (bucket
//! aggregations, with nested `aggs`), `avg`, `min`, `max`, `sum`, `value_count`,
//! `cardinality`, `percentiles` (metrics) and `top_hits`. Anything else — or a `script` — is an
//! [`crate::Error::UnsupportedFilter`] naming it, raised when the
//! body is compiled, never a silently wrong answer. Differences from a real cluster, which has
//! a mapping where we only have documents:
//!
//! * `terms` uses the raw value of the field (`.keyword` / `.raw` suffixes name it); an array
//!   puts the document in one bucket per distinct element; objects and missing fields are
//!   skipped. `cardinality` is exact (Elasticsearch is exact below 3000 values by default).
//! * `percentiles` interpolate linearly between the closest ranks (`q·(n−1)`), which is what
//!   Elasticsearch ≥ 8.9 returns while it keeps every sample (its sorting digest, used for
//!   small sets); larger sets and older clusters use a t-digest and may differ slightly.
//! * Timestamps are bucketed in milliseconds, in UTC.
//!
//! ```
//! use alert_core::aggregate::{Context, evaluate};
//! use alert_core::document::Event;
//! use alert_core::time::Timestamp;
//! use serde_json::json;
//!
//! let t = Timestamp::from_micros(0);
//! let events = [
//!     Event::new(t, json!({"host": "a", "ms": 10})),
//!     Event::new(t, json!({"host": "a", "ms": 30})),
//!     Event::new(t, json!({"host": "b", "ms": 5})),
//! ];
//! let aggs = json!({"by_host": {"terms": {"field": "host.keyword"}, "aggs": {"avg_ms": {"avg": {"field": "ms"}}}}});
//! let out = evaluate(&aggs, &events, &Context::new("@timestamp", t)).unwrap();
//! assert_eq!(out["by_host"]["buckets"][0], json!({"key": "a", "doc_count": 2, "avg_ms": {"value": 20.0}}));
//! ```

mod composite;
mod composite_source;
mod date_histogram;
mod filters;
mod hits;
mod key;
mod metrics;
mod terms;

use serde_json::{Map, Value};

use crate::document::Event;
use crate::time::Timestamp;
use crate::{Error, Result};

pub use hits::HitsSpec;
pub use key::{FieldPath, KeyView, TermKey, TermKeyRef, is_truthy};

/// The aggregation kinds evaluated locally, for error messages.
const SUPPORTED: &str = "terms, date_histogram, composite, filters, filter, top_hits, avg, min, max, sum, value_count, cardinality, percentiles";

/// What compiling an aggregation body needs besides the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The instant `now` in filter date math resolves to.
    pub now: Timestamp,
    /// The rule's `timestamp_field`: a `date_histogram` on it uses each event's parsed
    /// timestamp instead of reading the field again.
    pub timestamp_field: String,
}

impl Context {
    /// A context for a rule whose timestamps live in `timestamp_field`.
    pub fn new(timestamp_field: &str, now: Timestamp) -> Self {
        Context {
            now,
            timestamp_field: timestamp_field.to_string(),
        }
    }
}

/// A compiled `aggs` object: named aggregations, each with its own sub-aggregations.
#[derive(Debug, Clone, Default)]
pub struct Aggregations {
    entries: Vec<(String, Aggregation)>,
}

#[derive(Debug, Clone)]
struct Aggregation {
    kind: Kind,
    subs: Aggregations,
}

#[derive(Debug, Clone)]
enum Kind {
    Terms(terms::Terms),
    Composite(composite::Composite),
    TopHits(hits::HitsSpec),
    DateHistogram(date_histogram::DateHistogram),
    Filters(filters::Filters),
    Filter(filters::SingleFilter),
    Metric(metrics::Metric),
}

impl Aggregations {
    /// Compiles an `aggs` object (`{"name": {"<kind>": {...}, "aggs": {...}}, ...}`).
    pub fn compile(aggs: &Value, ctx: &Context) -> Result<Self> {
        let Value::Object(map) = aggs else {
            return Err(invalid("aggs", format!("must be an object, got {aggs}")));
        };
        let entries = map
            .iter()
            .map(|(name, body)| Ok((name.clone(), Aggregation::compile(name, body, ctx)?)))
            .collect::<Result<_>>()?;
        Ok(Aggregations { entries })
    }

    /// Whether there is nothing to compute.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `aggregations` object Elasticsearch would return for these documents.
    pub fn evaluate(&self, events: &[Event]) -> Value {
        let refs: Vec<&Event> = events.iter().collect();
        let mut out = Map::new();
        self.run(&refs, &mut out);
        Value::Object(out)
    }

    /// [`Aggregations::evaluate`] over borrowed documents (a search's matches, not copied).
    pub fn evaluate_refs(&self, events: &[&Event]) -> Value {
        let mut out = Map::new();
        self.run(events, &mut out);
        Value::Object(out)
    }

    /// Adds each aggregation's result for `events` to `out` (a response or bucket object).
    fn run(&self, events: &[&Event], out: &mut Map<String, Value>) {
        for (name, agg) in &self.entries {
            let value = match &agg.kind {
                Kind::Terms(t) => t.run(events, &agg.subs),
                Kind::Composite(c) => c.run(events, &agg.subs),
                Kind::TopHits(h) => h.run(events),
                Kind::DateHistogram(h) => h.run(events, &agg.subs),
                Kind::Filters(f) => f.run(events, &agg.subs),
                Kind::Filter(f) => f.run(events, &agg.subs),
                Kind::Metric(m) => m.run(events),
            };
            out.insert(name.clone(), value);
        }
    }
}

impl Aggregation {
    fn compile(name: &str, body: &Value, ctx: &Context) -> Result<Self> {
        let Value::Object(map) = body else {
            return Err(invalid(name, format!("must be an object, got {body}")));
        };
        let mut subs = Aggregations::default();
        let mut kind: Option<(&str, &Value)> = None;
        for (key, value) in map {
            match key.as_str() {
                "aggs" | "aggregations" => subs = Aggregations::compile(value, ctx)?,
                "meta" => {}
                other if kind.is_none() => kind = Some((other, value)),
                other => {
                    return Err(invalid(
                        name,
                        format!(
                            "has two kinds, '{}' and '{other}'",
                            kind.map_or("", |k| k.0)
                        ),
                    ));
                }
            }
        }
        let Some((kind_name, params)) = kind else {
            return Err(invalid(name, "names no aggregation kind"));
        };
        let kind = compile_kind(name, kind_name, params, ctx)?;
        if matches!(kind, Kind::Metric(_) | Kind::TopHits(_)) && !subs.is_empty() {
            return Err(invalid(
                name,
                format!("'{kind_name}' is a metric and cannot have sub-aggregations"),
            ));
        }
        Ok(Aggregation { kind, subs })
    }
}

fn compile_kind(name: &str, kind: &str, params: &Value, ctx: &Context) -> Result<Kind> {
    if kind == "filter" {
        return Ok(Kind::Filter(filters::SingleFilter::compile(
            name, params, ctx,
        )?));
    }
    let Value::Object(params) = params else {
        return Err(invalid(
            name,
            format!("'{kind}' must be an object, got {params}"),
        ));
    };
    Ok(match kind {
        "terms" => Kind::Terms(terms::Terms::compile(name, params)?),
        "composite" => Kind::Composite(composite::Composite::compile(name, params, ctx)?),
        "top_hits" => Kind::TopHits(hits::compile_top_hits(name, params, ctx)?),
        "date_histogram" => {
            Kind::DateHistogram(date_histogram::DateHistogram::compile(name, params, ctx)?)
        }
        "filters" => Kind::Filters(filters::Filters::compile(name, params, ctx)?),
        other => match metrics::Metric::compile(name, other, params)? {
            Some(metric) => Kind::Metric(metric),
            None => {
                return Err(Error::UnsupportedFilter {
                    construct: other.to_string(),
                    why: format!("aggregation kind not evaluated locally (supported: {SUPPORTED})"),
                });
            }
        },
    })
}

/// Compiles and evaluates in one step.
pub fn evaluate(aggs: &Value, events: &[Event], ctx: &Context) -> Result<Value> {
    Ok(Aggregations::compile(aggs, ctx)?.evaluate(events))
}

/// The hit count of a `_count` query over these documents (`use_count_query`).
pub fn count(events: &[Event]) -> u64 {
    events.len() as u64
}

/// The buckets of ElastAlert2's terms query (`use_terms_query`, `top_count_keys`):
/// `{"terms": {"field": field, "size": size, "min_doc_count": min_doc_count}}`, as the
/// `[{"key": .., "doc_count": ..}]` list of `aggregations.counts.buckets`.
pub fn terms_buckets(events: &[Event], field: &str, size: usize, min_doc_count: u64) -> Vec<Value> {
    let refs: Vec<&Event> = events.iter().collect();
    let terms = terms::Terms::simple(field, size, min_doc_count);
    match terms.run(&refs, &Aggregations::default()) {
        Value::Object(mut map) => match map.remove("buckets") {
            Some(Value::Array(buckets)) => buckets,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A malformed aggregation body.
fn invalid(name: &str, message: impl std::fmt::Display) -> Error {
    Error::InvalidFilter(format!("aggregation '{name}': {message}"))
}

/// A parameter that is understood but cannot be honoured locally.
fn unsupported_param(kind: &str, param: &str, why: &str) -> Error {
    Error::UnsupportedFilter {
        construct: format!("{kind}.{param}"),
        why: why.to_string(),
    }
}

/// A non-negative integer parameter (`size`, `min_doc_count`).
fn u64_param(name: &str, param: &str, value: &Value) -> Result<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| {
            invalid(
                name,
                format!("'{param}' must be a non-negative integer, got {value}"),
            )
        })
}

/// The `field` parameter.
fn field_param(name: &str, kind: &str, params: &Map<String, Value>) -> Result<FieldPath> {
    match params.get("field") {
        Some(Value::String(field)) => Ok(FieldPath::exact(field)),
        Some(other) => Err(invalid(
            name,
            format!("'{kind}.field' must be a string, got {other}"),
        )),
        None if params.contains_key("script") => Err(unsupported_param(
            kind,
            "script",
            "scripts (such as metric_agg_script) cannot run outside Elasticsearch",
        )),
        None => Err(invalid(name, format!("'{kind}' needs a 'field'"))),
    }
}

/// A float as JSON (`null` for NaN and infinities, as Elasticsearch renders them).
fn number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Context {
        Context::new("@timestamp", Timestamp::from_micros(0))
    }

    fn events(docs: &[Value]) -> Vec<Event> {
        docs.iter()
            .map(|d| Event::new(Timestamp::from_micros(0), d.clone()))
            .collect()
    }

    #[test]
    fn an_unknown_kind_is_unsupported_naming_it() {
        let err = evaluate(
            &json!({"g": {"geohash_grid": {"field": "loc"}}}),
            &[],
            &ctx(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedFilter { construct, .. } if construct == "geohash_grid"),
            "{err}"
        );
    }

    #[test]
    fn malformed_bodies_name_the_aggregation() {
        let cases = [
            (json!([1]), "aggregation 'aggs'"),
            (json!({"x": 1}), "aggregation 'x': must be an object"),
            (json!({"x": {}}), "names no aggregation kind"),
            (
                json!({"x": {"avg": {"field": "a"}, "sum": {"field": "a"}}}),
                "has two kinds",
            ),
            (
                json!({"x": {"avg": {"field": "a"}, "aggs": {"y": {"sum": {"field": "a"}}}}}),
                "cannot have sub-aggregations",
            ),
            (json!({"x": {"terms": 5}}), "'terms' must be an object"),
        ];
        for (body, expected) in cases {
            let err = Aggregations::compile(&body, &ctx())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{body}: {err}");
        }
    }

    #[test]
    fn scripts_are_unsupported_naming_the_kind() {
        let err = evaluate(
            &json!({"m": {"avg": {"script": "doc['a'].value"}}}),
            &[],
            &ctx(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnsupportedFilter { construct, .. } if construct == "avg.script"),
            "{err}"
        );
    }

    #[test]
    fn sibling_aggregations_are_all_computed() {
        let evs = events(&[json!({"a": 1}), json!({"a": 3})]);
        let out = evaluate(
            &json!({"lo": {"min": {"field": "a"}}, "hi": {"max": {"field": "a"}}}),
            &evs,
            &ctx(),
        )
        .unwrap();
        assert_eq!(out, json!({"lo": {"value": 1.0}, "hi": {"value": 3.0}}));
    }

    #[test]
    fn count_and_terms_buckets_answer_count_and_terms_queries() {
        let evs = events(&[
            json!({"h": "a"}),
            json!({"h": "b"}),
            json!({"h": "a"}),
            json!({}),
        ]);
        assert_eq!(count(&evs), 4);
        let buckets = terms_buckets(&evs, "h", 50, 1);
        assert_eq!(
            buckets,
            vec![
                json!({"key": "a", "doc_count": 2}),
                json!({"key": "b", "doc_count": 1})
            ]
        );
        assert_eq!(terms_buckets(&evs, "h", 1, 1).len(), 1);
        assert_eq!(terms_buckets(&evs, "h", 50, 2).len(), 1);
    }
}
