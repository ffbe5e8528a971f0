//! `POST _plugins/_alerting/monitors/_search`: the subset of the query DSL a monitor list needs
//! (match_all, term and match on name/type/enabled, size/from/sort), evaluated over the stored
//! monitors; anything else is a 400 naming what is unsupported.

use serde_json::{Map, Value, json};

use super::backend::StoredMonitor;
use super::reply::ApiError;

/// The fields a query may name, with or without `monitor.` and `.keyword`.
const FIELDS: [&str; 4] = ["name", "type", "monitor_type", "enabled"];

/// Runs a search body over `monitors` and answers as OpenSearch's search response.
pub(super) fn search_monitors(
    body: &Value,
    monitors: Vec<StoredMonitor>,
) -> Result<Value, ApiError> {
    let body = body.as_object().cloned().unwrap_or_default();
    reject_unknown_keys(
        &body,
        &["query", "size", "from", "sort", "seq_no_primary_term"],
        "",
    )?;
    let predicate = match body.get("query") {
        None => Predicate::All,
        Some(query) => parse_query(query)?,
    };
    let size = usize_field(&body, "size", 10)?;
    let from = usize_field(&body, "from", 0)?;
    let mut hits: Vec<StoredMonitor> = monitors
        .into_iter()
        .filter(|m| predicate.matches(&m.monitor))
        .collect();
    if let Some(sort) = body.get("sort") {
        sort_hits(&mut hits, sort)?;
    }
    let total = hits.len();
    let page: Vec<Value> = hits.iter().skip(from).take(size).map(hit).collect();
    Ok(json!({
        "timed_out": false,
        "hits": {"total": {"value": total, "relation": "eq"}, "max_score": null, "hits": page},
    }))
}

enum Predicate {
    All,
    Equals(&'static str, Value),
    Match(&'static str, String),
    And(Vec<Predicate>),
}

impl Predicate {
    fn matches(&self, monitor: &Value) -> bool {
        match self {
            Predicate::All => true,
            Predicate::Equals(field, value) => field_value(monitor, field).as_ref() == Some(value),
            Predicate::Match(field, text) => field_value(monitor, field)
                .and_then(|v| v.as_str().map(str::to_lowercase))
                .is_some_and(|v| {
                    text.split_whitespace()
                        .any(|word| v.split_whitespace().any(|w| w == word))
                }),
            Predicate::And(all) => all.iter().all(|p| p.matches(monitor)),
        }
    }
}

fn field_value(monitor: &Value, field: &str) -> Option<Value> {
    let key = if field == "type" {
        "monitor_type"
    } else {
        field
    };
    monitor.get(key).cloned()
}

fn parse_query(query: &Value) -> Result<Predicate, ApiError> {
    let object = query
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| ApiError::bad_request("query: expected one query clause"))?;
    let (kind, clause) = object.iter().next().expect("one clause");
    match kind.as_str() {
        "match_all" => Ok(Predicate::All),
        "term" => {
            let (field, value) = field_clause(clause, kind, "value")?;
            Ok(Predicate::Equals(field, value))
        }
        "match" => {
            let (field, value) = field_clause(clause, kind, "query")?;
            match value {
                Value::String(text) => Ok(Predicate::Match(field, text.to_lowercase())),
                other => Ok(Predicate::Equals(field, other)),
            }
        }
        "bool" => parse_bool(clause),
        other => Err(ApiError::bad_request(format!(
            "query.{other}: unsupported query; use match_all, term, match or bool.must/filter"
        ))),
    }
}

fn parse_bool(clause: &Value) -> Result<Predicate, ApiError> {
    let object = clause.as_object().cloned().unwrap_or_default();
    reject_unknown_keys(&object, &["must", "filter"], "query.bool.")?;
    let mut all = Vec::new();
    for key in ["must", "filter"] {
        match object.get(key) {
            Some(Value::Array(items)) => {
                for item in items {
                    all.push(parse_query(item)?);
                }
            }
            Some(item) => all.push(parse_query(item)?),
            None => {}
        }
    }
    Ok(Predicate::And(all))
}

/// `{"name": "x"}` or `{"name": {"value": "x"}}` → the canonical field and the value.
fn field_clause(
    clause: &Value,
    kind: &str,
    inner: &str,
) -> Result<(&'static str, Value), ApiError> {
    let object = clause
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| ApiError::bad_request(format!("query.{kind}: expected one field")))?;
    let (name, value) = object.iter().next().expect("one field");
    let field = canonical_field(name)
        .ok_or_else(|| ApiError::bad_request(format!("query.{kind}.{name}: unsupported field")))?;
    let value = match value {
        Value::Object(o) => o.get(inner).cloned().ok_or_else(|| {
            ApiError::bad_request(format!("query.{kind}.{name}.{inner}: missing"))
        })?,
        other => other.clone(),
    };
    Ok((field, value))
}

fn canonical_field(name: &str) -> Option<&'static str> {
    let bare = name.strip_prefix("monitor.").unwrap_or(name);
    let bare = bare.strip_suffix(".keyword").unwrap_or(bare);
    FIELDS.iter().copied().find(|f| *f == bare)
}

fn sort_hits(hits: &mut [StoredMonitor], sort: &Value) -> Result<(), ApiError> {
    let (name, order) = match sort {
        Value::String(name) => (name.clone(), "asc".to_owned()),
        Value::Object(o) if o.len() == 1 => {
            let (name, spec) = o.iter().next().expect("one key");
            let order = spec.get("order").and_then(Value::as_str).or(spec.as_str());
            (name.clone(), order.unwrap_or("asc").to_owned())
        }
        Value::Array(items) if items.len() == 1 => return sort_hits(hits, &items[0]),
        _ => return Err(ApiError::bad_request("sort: expected one field")),
    };
    let field = canonical_field(&name)
        .ok_or_else(|| ApiError::bad_request(format!("sort.{name}: unsupported field")))?;
    let key = |m: &StoredMonitor| field_value(&m.monitor, field).map(|v| v.to_string());
    hits.sort_by_key(key);
    match order.as_str() {
        "asc" => Ok(()),
        "desc" => {
            hits.reverse();
            Ok(())
        }
        other => Err(ApiError::bad_request(format!(
            "sort.{name}.order: unsupported `{other}`"
        ))),
    }
}

fn usize_field(body: &Map<String, Value>, key: &str, default: usize) -> Result<usize, ApiError> {
    match body.get(key) {
        None => Ok(default),
        Some(value) => value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                ApiError::bad_request(format!("{key}: expected a non-negative integer"))
            }),
    }
}

fn reject_unknown_keys(
    object: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
) -> Result<(), ApiError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(ApiError::bad_request(format!("{prefix}{key}: unsupported"))),
        None => Ok(()),
    }
}

fn hit(stored: &StoredMonitor) -> Value {
    json!({
        "_index": ".opendistro-alerting-config",
        "_id": stored.id,
        "_version": stored.version,
        "_seq_no": stored.seq_no,
        "_primary_term": stored.primary_term,
        "_source": {"monitor": stored.monitor},
    })
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
