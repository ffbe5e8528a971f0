//! Which documents a search returns and how: `from`, `size`, `sort` and `_source`, shared by
//! a search body's `hits` and the `top_hits` aggregation (which OpenSearch monitors add for
//! sample documents).
//!
//! Without `sort`, documents keep their order (by timestamp: every local document scores the
//! same). Sorting on a field compares numbers numerically and texts by bytes; on the
//! timestamp field it uses the parsed instants. Missing values sort last (`missing: _first`
//! puts them first); an array sorts by its lowest value ascending, its highest descending.
//! `_score` and `_doc` keep the order. A hit's `sort` values are epoch milliseconds for the
//! timestamp field and the raw value otherwise (`null` when missing).

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::key::{FieldPath, TermKey};
use super::{Context, unsupported_param};
use crate::Result;
use crate::document::Event;

/// `from`, `size`, `sort` and `_source` of a search body or a `top_hits` aggregation.
///
/// ```
/// use alert_core::aggregate::{Context, HitsSpec};
/// use alert_core::document::Event;
/// use alert_core::time::Timestamp;
/// use serde_json::json;
///
/// let t = Timestamp::from_micros(0);
/// let events = [Event::new(t, json!({"n": 2, "x": 1})), Event::new(t, json!({"n": 1, "x": 2}))];
/// let refs: Vec<&Event> = events.iter().collect();
/// let body = json!({"size": 1, "sort": [{"n": "asc"}], "_source": ["x"]});
/// let spec = HitsSpec::compile(body.as_object().unwrap(), 10, &Context::new("@timestamp", t)).unwrap();
/// let hits = spec.page(&refs);
/// assert_eq!(spec.render(hits[0], "logs")["_source"], json!({"x": 2}));
/// ```
#[derive(Debug, Clone)]
pub struct HitsSpec {
    from: usize,
    size: usize,
    sort: Vec<SortKey>,
    source: SourceFilter,
}

#[derive(Debug, Clone)]
struct SortKey {
    on: SortOn,
    desc: bool,
    missing_first: bool,
}

#[derive(Debug, Clone)]
enum SortOn {
    /// The context's timestamp field: the event's parsed instant.
    Timestamp,
    Field(FieldPath),
    /// `_score` or `_doc`: the order documents are held in.
    Held,
}

#[derive(Debug, Clone)]
enum SourceFilter {
    All,
    Nothing,
    Paths {
        includes: Vec<String>,
        excludes: Vec<String>,
    },
}

impl HitsSpec {
    /// Reads `from`, `size` (default `default_size`), `sort` and `_source` from a body; other
    /// keys are the caller's to check.
    pub fn compile(body: &Map<String, Value>, default_size: usize, ctx: &Context) -> Result<Self> {
        let count = |param: &str| {
            body.get(param)
                .map(|v| {
                    v.as_u64().ok_or_else(|| {
                        invalid(param, format!("must be a non-negative integer, got {v}"))
                    })
                })
                .transpose()
                .map(|n| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
        };
        Ok(HitsSpec {
            from: count("from")?.unwrap_or(0),
            size: count("size")?.unwrap_or(default_size),
            sort: body
                .get("sort")
                .map(|s| parse_sort(s, ctx))
                .transpose()?
                .unwrap_or_default(),
            source: body
                .get("_source")
                .map(parse_source)
                .transpose()?
                .unwrap_or(SourceFilter::All),
        })
    }

    /// The documents of the page: sorted, then `from`..`from + size`.
    pub fn page<'e>(&self, events: &[&'e Event]) -> Vec<&'e Event> {
        let mut sorted: Vec<&Event> = events.to_vec();
        if !self.sort.is_empty() {
            sorted.sort_by(|a, b| self.compare(a, b));
        }
        sorted.into_iter().skip(self.from).take(self.size).collect()
    }

    /// One hit: `{_index, _id, _score: null, _source[, sort]}`; `_index` and `_id` come from
    /// the document's metadata fields (`default_index` when it has no `_index`).
    pub fn render(&self, event: &Event, default_index: &str) -> Value {
        let meta = |key: &str| event.source.get(key).cloned();
        let mut hit = Map::new();
        hit.insert(
            "_index".into(),
            meta("_index").unwrap_or_else(|| json!(default_index)),
        );
        hit.insert("_id".into(), meta("_id").unwrap_or(Value::Null));
        hit.insert("_score".into(), Value::Null);
        if let Some(source) = self.source(&event.source) {
            hit.insert("_source".into(), source);
        }
        if !self.sort.is_empty() {
            let values = self.sort.iter().map(|k| k.value_json(event)).collect();
            hit.insert("sort".into(), Value::Array(values));
        }
        Value::Object(hit)
    }

    /// The `top_hits` response for a bucket's documents.
    pub(crate) fn run(&self, events: &[&Event]) -> Value {
        let hits: Vec<Value> = self
            .page(events)
            .into_iter()
            .map(|e| self.render(e, ""))
            .collect();
        json!({"hits": {
            "total": {"value": events.len(), "relation": "eq"},
            "max_score": null,
            "hits": hits,
        }})
    }

    fn compare(&self, a: &Event, b: &Event) -> Ordering {
        self.sort
            .iter()
            .map(|key| key.compare(a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }

    /// The `_source` to return (`None` for `_source: false`), without `_id` and `_index`.
    fn source(&self, doc: &Value) -> Option<Value> {
        let Value::Object(map) = doc else {
            return Some(doc.clone());
        };
        let mut map = map.clone();
        map.remove("_id");
        map.remove("_index");
        match &self.source {
            SourceFilter::All => Some(Value::Object(map)),
            SourceFilter::Nothing => None,
            SourceFilter::Paths { includes, excludes } => {
                Some(Value::Object(filter_paths(&map, "", includes, excludes)))
            }
        }
    }
}

/// Compiles a `top_hits` aggregation (`size` default 3, `from`, `sort`, `_source`).
pub(crate) fn compile_top_hits(
    name: &str,
    params: &Map<String, Value>,
    ctx: &Context,
) -> Result<HitsSpec> {
    if let Some(other) = params
        .keys()
        .find(|k| !["from", "size", "sort", "_source"].contains(&k.as_str()))
    {
        return Err(unsupported_param(
            "top_hits",
            other,
            "not evaluated locally",
        ));
    }
    let _ = name;
    HitsSpec::compile(params, 3, ctx)
}

impl SortKey {
    fn value(&self, event: &Event) -> Option<TermKey> {
        let field = match &self.on {
            SortOn::Timestamp => return Some(TermKey::Int(event.timestamp.as_millis())),
            SortOn::Held => return None,
            SortOn::Field(field) => field,
        };
        let keys: Vec<TermKey> = match field.lookup(&event.source)? {
            Value::Array(items) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(TermKey::of)
                .collect(),
            Value::Null => Vec::new(),
            v => vec![TermKey::of(v)],
        };
        let pick = |a: &TermKey, b: &TermKey| a.es_cmp(b);
        if self.desc {
            keys.into_iter().max_by(pick)
        } else {
            keys.into_iter().min_by(pick)
        }
    }

    fn compare(&self, a: &Event, b: &Event) -> Ordering {
        if matches!(self.on, SortOn::Held) {
            return Ordering::Equal;
        }
        match (self.value(a), self.value(b)) {
            (Some(x), Some(y)) if self.desc => y.es_cmp(&x),
            (Some(x), Some(y)) => x.es_cmp(&y),
            (None, None) => Ordering::Equal,
            (None, Some(_)) if self.missing_first => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) if self.missing_first => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
        }
    }

    fn value_json(&self, event: &Event) -> Value {
        match &self.on {
            SortOn::Timestamp => json!(event.timestamp.as_millis()),
            SortOn::Held => Value::Null,
            SortOn::Field(field) => field.lookup(&event.source).cloned().unwrap_or(Value::Null),
        }
    }
}

/// `"field"`, `{"field": "desc"}`, `{"field": {"order", "missing", ...}}`, or a list of them.
fn parse_sort(value: &Value, ctx: &Context) -> Result<Vec<SortKey>> {
    match value {
        Value::Array(items) => items.iter().map(|item| parse_sort_key(item, ctx)).collect(),
        other => Ok(vec![parse_sort_key(other, ctx)?]),
    }
}

fn parse_sort_key(value: &Value, ctx: &Context) -> Result<SortKey> {
    let (field, options) = match value {
        Value::String(field) => (field.as_str(), None),
        Value::Object(map) if map.len() == 1 => {
            let (field, options) = map
                .iter()
                .next()
                .map(|(k, v)| (k.as_str(), v))
                .unwrap_or_default();
            (field, Some(options))
        }
        other => return Err(invalid("sort", format!("cannot read sort entry {other}"))),
    };
    let on = match field {
        "_score" | "_doc" => SortOn::Held,
        f if f == ctx.timestamp_field => SortOn::Timestamp,
        f => SortOn::Field(FieldPath::exact(f)),
    };
    let mut key = SortKey {
        desc: field == "_score",
        on,
        missing_first: false,
    };
    match options {
        None => {}
        Some(Value::String(order)) => key.desc = parse_order(order)?,
        Some(Value::Object(options)) => {
            for (option, v) in options {
                match (option.as_str(), v.as_str()) {
                    ("order", Some(order)) => key.desc = parse_order(order)?,
                    ("missing", Some("_first")) => key.missing_first = true,
                    ("missing", Some("_last")) => key.missing_first = false,
                    ("unmapped_type" | "format" | "numeric_type", _) => {}
                    ("mode", Some("min")) if !key.desc => {}
                    ("mode", Some("max")) if key.desc => {}
                    (other, _) => {
                        return Err(unsupported_param("sort", other, "not evaluated locally"));
                    }
                }
            }
        }
        Some(other) => return Err(invalid("sort", format!("cannot read sort options {other}"))),
    }
    Ok(key)
}

fn parse_order(order: &str) -> Result<bool> {
    match order {
        "asc" => Ok(false),
        "desc" => Ok(true),
        other => Err(invalid(
            "sort",
            format!("order must be asc or desc, got '{other}'"),
        )),
    }
}

/// `true`/`false`, a pattern, a list of patterns, or `{includes, excludes}`.
fn parse_source(value: &Value) -> Result<SourceFilter> {
    let patterns = |v: Option<&Value>| -> Result<Vec<String>> {
        match v {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    invalid("_source", format!("patterns must be strings, got {value}"))
                }),
            Some(other) => Err(invalid("_source", format!("cannot read patterns {other}"))),
        }
    };
    Ok(match value {
        Value::Bool(true) => SourceFilter::All,
        Value::Bool(false) => SourceFilter::Nothing,
        Value::Object(map) => SourceFilter::Paths {
            includes: patterns(map.get("includes").or_else(|| map.get("include")))?,
            excludes: patterns(map.get("excludes").or_else(|| map.get("exclude")))?,
        },
        other => SourceFilter::Paths {
            includes: patterns(Some(other))?,
            excludes: Vec::new(),
        },
    })
}

/// Keeps the fields whose dotted path an include names (or all, without includes) and drops
/// those an exclude names; `*` matches any run of characters.
fn filter_paths(
    map: &Map<String, Value>,
    prefix: &str,
    includes: &[String],
    excludes: &[String],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if excludes.iter().any(|p| glob(p, &path)) {
            continue;
        }
        let included = includes.is_empty() || includes.iter().any(|p| glob(p, &path));
        match value {
            Value::Object(inner) if included => {
                out.insert(
                    key.clone(),
                    Value::Object(filter_paths(inner, &path, &[], excludes)),
                );
            }
            _ if included => {
                out.insert(key.clone(), value.clone());
            }
            Value::Object(inner) if includes.iter().any(|p| may_match_below(p, &path)) => {
                let kept = filter_paths(inner, &path, includes, excludes);
                if !kept.is_empty() {
                    out.insert(key.clone(), Value::Object(kept));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a pattern may name a field under `path`.
fn may_match_below(pattern: &str, path: &str) -> bool {
    let below = format!("{path}.");
    let literal = pattern.split('*').next().unwrap_or_default();
    literal.starts_with(&below) || (pattern.contains('*') && below.starts_with(literal))
}

/// `*` wildcard matching of a whole text.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// A malformed `from`, `size`, `sort` or `_source` (of a search body or a `top_hits`).
fn invalid(param: &str, message: impl std::fmt::Display) -> crate::Error {
    crate::Error::InvalidFilter(format!("search '{param}': {message}"))
}

#[cfg(test)]
#[path = "hits_tests.rs"]
mod tests;
