//! The `composite` bucket aggregation: buckets keyed by the combination of several sources'
//! values, in key order, paged with `after` (what OpenSearch bucket-level monitors use).
//!
//! Sources are `terms` (`field`, `missing_bucket`, `order`) and `date_histogram` (`field`,
//! `fixed_interval`/`calendar_interval`, `offset`, `order`, `missing_bucket`). A document
//! with an array value falls in one bucket per element (the cross product over sources); a
//! document missing a source's value is skipped unless that source has `missing_bucket: true`,
//! whose `null` key sorts first in ascending order and last in descending order.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::date_histogram::parse_interval;
use super::key::{FieldPath, TermKey};
use super::{Aggregations, Context, invalid, u64_param, unsupported_param};
use crate::Result;
use crate::document::Event;
use crate::time::Timestamp;

/// Elasticsearch's default `size`.
const DEFAULT_SIZE: usize = 10;

/// `{"composite": {"sources": [...], "size", "after"}}`.
#[derive(Debug, Clone)]
pub(crate) struct Composite {
    sources: Vec<Source>,
    size: usize,
    /// The key to start after (one value per source).
    after: Option<Vec<TermKey>>,
}

/// One named source of the composite key.
#[derive(Debug, Clone)]
struct Source {
    name: String,
    kind: SourceKind,
    missing_bucket: bool,
    desc: bool,
}

#[derive(Debug, Clone)]
enum SourceKind {
    Terms(FieldPath),
    /// `field` is `None` for the rule's timestamp field (the event's parsed timestamp).
    DateHistogram {
        field: Option<FieldPath>,
        interval_ms: i64,
        offset_ms: i64,
    },
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
        let mut index: HashMap<Vec<TermKey>, usize> = HashMap::new();
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

impl Source {
    /// The distinct key values of this source in a document (`[null]` for a missing value
    /// with `missing_bucket`, none without).
    fn values(&self, event: &Event) -> Vec<Value> {
        let mut values: Vec<Value> = match &self.kind {
            SourceKind::Terms(field) => match field.lookup(&event.source) {
                Some(Value::Array(items)) => items.iter().filter(|v| is_term(v)).cloned().collect(),
                Some(v) if is_term(v) => vec![v.clone()],
                _ => Vec::new(),
            },
            SourceKind::DateHistogram {
                field,
                interval_ms,
                offset_ms,
            } => millis(field.as_ref(), event)
                .map(|ms| {
                    let key = (ms - offset_ms).div_euclid(*interval_ms) * interval_ms + offset_ms;
                    vec![json!(key)]
                })
                .unwrap_or_default(),
        };
        let mut seen = std::collections::HashSet::new();
        values.retain(|v| seen.insert(TermKey::of(v)));
        if values.is_empty() && self.missing_bucket {
            values.push(Value::Null);
        }
        values
    }
}

fn is_term(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn millis(field: Option<&FieldPath>, event: &Event) -> Option<i64> {
    let Some(field) = field else {
        return Some(event.timestamp.as_millis());
    };
    match field.lookup(&event.source)? {
        Value::String(s) => Timestamp::parse_iso(s).map(Timestamp::as_millis),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        _ => None,
    }
}

/// `[{"name": {"terms" | "date_histogram": {...}}}, ...]`.
fn compile_sources(name: &str, value: &Value, ctx: &Context) -> Result<Vec<Source>> {
    let Value::Array(items) = value else {
        return Err(invalid(
            name,
            format!("'sources' must be a list, got {value}"),
        ));
    };
    let mut sources: Vec<Source> = Vec::with_capacity(items.len());
    for item in items {
        let entry = item.as_object().filter(|m| m.len() == 1);
        let Some((source_name, body)) = entry.and_then(|m| m.iter().next()) else {
            return Err(invalid(
                name,
                format!("each source must be {{\"name\": {{\"<kind>\": {{...}}}}}}, got {item}"),
            ));
        };
        if sources.iter().any(|s| &s.name == source_name) {
            return Err(invalid(
                name,
                format!("duplicate source name '{source_name}'"),
            ));
        }
        sources.push(compile_source(name, source_name, body, ctx)?);
    }
    Ok(sources)
}

fn compile_source(name: &str, source_name: &str, body: &Value, ctx: &Context) -> Result<Source> {
    let kind_and_params = body.as_object().filter(|m| m.len() == 1);
    let Some((kind, Value::Object(params))) = kind_and_params.and_then(|m| m.iter().next()) else {
        return Err(invalid(
            name,
            format!("source '{source_name}' must name one kind with an object, got {body}"),
        ));
    };
    let field = super::field_param(name, &format!("composite.{kind}"), params)?;
    let mut source = Source {
        name: source_name.to_string(),
        kind: match kind.as_str() {
            "terms" => SourceKind::Terms(field),
            "date_histogram" => SourceKind::DateHistogram {
                field: (field.name() != ctx.timestamp_field).then_some(field),
                interval_ms: 0,
                offset_ms: 0,
            },
            other => {
                return Err(unsupported_param(
                    "composite.sources",
                    other,
                    "composite sources evaluated locally are terms and date_histogram",
                ));
            }
        },
        missing_bucket: false,
        desc: false,
    };
    for (param, value) in params {
        source.apply(name, kind, param, value)?;
    }
    if matches!(source.kind, SourceKind::DateHistogram { interval_ms, .. } if interval_ms <= 0) {
        return Err(invalid(
            name,
            format!("date_histogram source '{source_name}' needs a fixed_interval such as \"5m\""),
        ));
    }
    Ok(source)
}

impl Source {
    /// Applies one parameter of the source's body.
    fn apply(&mut self, name: &str, kind: &str, param: &str, value: &Value) -> Result<()> {
        match (param, &mut self.kind) {
            ("field", _) => {}
            ("missing_bucket", _) => self.missing_bucket = value.as_bool().unwrap_or(false),
            ("order", _) => {
                self.desc = match value.as_str() {
                    Some("asc") => false,
                    Some("desc") => true,
                    _ => {
                        return Err(invalid(
                            name,
                            format!("'order' must be asc or desc, got {value}"),
                        ));
                    }
                }
            }
            (
                "fixed_interval" | "calendar_interval" | "interval",
                SourceKind::DateHistogram {
                    interval_ms,
                    offset_ms,
                    ..
                },
            ) => {
                let (interval, calendar_week) = parse_interval(name, param, value)?;
                *interval_ms = interval;
                if calendar_week {
                    *offset_ms = super::date_histogram::FIRST_MONDAY_MS;
                }
            }
            ("offset", SourceKind::DateHistogram { offset_ms, .. }) => {
                *offset_ms = super::date_histogram::parse_offset(name, value)?
            }
            ("time_zone", SourceKind::DateHistogram { .. })
                if super::date_histogram::is_utc(value) => {}
            (other, _) => {
                return Err(unsupported_param(
                    &format!("composite.{kind}"),
                    other,
                    "not evaluated locally",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "composite_tests.rs"]
mod tests;
