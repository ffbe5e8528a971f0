//! The `composite` bucket aggregation: buckets keyed by the combination of several sources'
//! values, in key order, paged with `after` (what OpenSearch bucket-level monitors use).
//!
//! Sources are `terms` (`field`, `missing_bucket`, `order`), `histogram` (`field`, `interval`:
//! keys are the buckets' lower bounds, as doubles) and `date_histogram` (`field`,
//! `fixed_interval`/`calendar_interval`, `offset`, `order`, `missing_bucket`). A document
//! with an array value falls in one bucket per element (the cross product over sources); a
//! document missing a source's value is skipped unless that source has `missing_bucket: true`,
//! whose `null` key sorts first in ascending order and last in descending order.

use crate::fast_hash::FastMap;
use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::composite_source::{SourceKind, compile_sources};
use super::key::TermKey;
use super::{Aggregations, Context, invalid, u64_param, unsupported_param};
use crate::Result;
use crate::document::Event;
use crate::time::Timestamp;

/// Elasticsearch's default `size`.
const DEFAULT_SIZE: usize = 10;

/// `{"composite": {"sources": [...], "size", "after"}}`.
#[derive(Debug, Clone)]
pub(crate) struct Composite {
    sources: Vec<super::composite_source::Source>,
    size: usize,
    /// The key to start after (one value per source).
    after: Option<Vec<TermKey>>,
}

/// One bucket while grouping: its key (identity and JSON) and its documents.
struct Bucket<'e> {
    key: Vec<TermKey>,
    rendered: Vec<Value>,
    events: Vec<&'e Event>,
}

impl Composite {
    /// Compiles the parameters of a `composite` aggregation.
    pub(crate) fn compile(name: &str, params: &Map<String, Value>, ctx: &Context) -> Result<Self> {
        let mut composite = Composite {
            sources: Vec::new(),
            size: DEFAULT_SIZE,
            after: None,
        };
        let mut after = None;
        for (param, value) in params {
            match param.as_str() {
                "sources" => composite.sources = compile_sources(name, value, ctx)?,
                "size" => {
                    composite.size =
                        usize::try_from(u64_param(name, "size", value)?).unwrap_or(usize::MAX)
                }
                "after" => after = Some(value),
                other => {
                    return Err(unsupported_param(
                        "composite",
                        other,
                        "not evaluated locally",
                    ));
                }
            }
        }
        if composite.sources.is_empty() {
            return Err(invalid(name, "'composite' needs at least one source"));
        }
        composite.after = after
            .map(|value| composite.after_key(name, value))
            .transpose()?;
        Ok(composite)
    }

    /// Reads `after`: an object with a value for every source.
    fn after_key(&self, name: &str, value: &Value) -> Result<Vec<TermKey>> {
        let Value::Object(map) = value else {
            return Err(invalid(
                name,
                format!("'after' must be an object, got {value}"),
            ));
        };
        self.sources
            .iter()
            .map(|source| match (map.get(&source.name), &source.kind) {
                (None, _) => Err(invalid(
                    name,
                    format!("'after' has no value for source '{}'", source.name),
                )),
                (Some(Value::String(s)), SourceKind::DateHistogram { .. }) => {
                    Timestamp::parse_iso(s)
                        .map(|t| TermKey::Int(t.as_millis()))
                        .ok_or_else(|| {
                            invalid(name, format!("'after.{}' is not a date", source.name))
                        })
                }
                (Some(v), _) => Ok(TermKey::of(v)),
            })
            .collect()
    }

    /// The response: `{"after_key": {...}, "buckets": [{"key": {...}, "doc_count", ...}]}`
    /// (no `after_key` when there is no bucket).
    pub(crate) fn run(&self, events: &[&Event], subs: &Aggregations) -> Value {
        let mut buckets = self.group(events);
        buckets.sort_by(|a, b| self.compare(&a.key, &b.key));
        if let Some(after) = &self.after {
            buckets.retain(|b| self.compare(&b.key, after) == Ordering::Greater);
        }
        buckets.truncate(self.size);
        let after_key = buckets.last().map(|b| self.key_object(&b.rendered));
        let rendered: Vec<Value> = buckets
            .into_iter()
            .map(|bucket| {
                let mut out = Map::new();
                out.insert("key".into(), self.key_object(&bucket.rendered));
                out.insert("doc_count".into(), json!(bucket.events.len()));
                subs.run(&bucket.events, &mut out);
                Value::Object(out)
            })
            .collect();
        match after_key {
            Some(after_key) => json!({"after_key": after_key, "buckets": rendered}),
            None => json!({"buckets": rendered}),
        }
    }

    /// Puts each document in the bucket of each combination of its sources' values.
    fn group<'e>(&self, events: &[&'e Event]) -> Vec<Bucket<'e>> {
        let mut index: FastMap<Vec<TermKey>, usize> = FastMap::default();
        let mut buckets: Vec<Bucket<'e>> = Vec::new();
        for &event in events {
            for combination in self.combinations(event) {
                let key: Vec<TermKey> = combination.iter().map(TermKey::of).collect();
                let slot = *index.entry(key.clone()).or_insert_with(|| {
                    buckets.push(Bucket {
                        key,
                        rendered: combination,
                        events: Vec::new(),
                    });
                    buckets.len() - 1
                });
                buckets[slot].events.push(event);
            }
        }
        buckets
    }

    /// Every key of one document (the cross product of its sources' distinct values).
    fn combinations(&self, event: &Event) -> Vec<Vec<Value>> {
        let mut combinations: Vec<Vec<Value>> = vec![Vec::new()];
        for source in &self.sources {
            let values = source.values(event);
            combinations = combinations
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut key = prefix.clone();
                        key.push(v.clone());
                        key
                    })
                })
                .collect();
            if combinations.is_empty() {
                break;
            }
        }
        combinations
    }

    /// Key order: source by source, each ascending unless `order: desc`, `null` lowest.
    fn compare(&self, a: &[TermKey], b: &[TermKey]) -> Ordering {
        for (source, (x, y)) in self.sources.iter().zip(a.iter().zip(b)) {
            let order = match (x, y) {
                (TermKey::Null, TermKey::Null) => Ordering::Equal,
                (TermKey::Null, _) => Ordering::Less,
                (_, TermKey::Null) => Ordering::Greater,
                _ => x.es_cmp(y),
            };
            let order = if source.desc { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }

    fn key_object(&self, values: &[Value]) -> Value {
        let map = self
            .sources
            .iter()
            .zip(values)
            .map(|(s, v)| (s.name.clone(), v.clone()))
            .collect();
        Value::Object(map)
    }
}

#[cfg(test)]
#[path = "composite_tests.rs"]
mod tests;
