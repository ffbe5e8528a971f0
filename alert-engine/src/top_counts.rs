//! `top_count_keys`: the most common values of some fields around each alerted match,
//! restricted to the match's query-key value (ElastAlert2's `get_top_counts`), added to the
//! match as `top_events_<key>`.

use alert_core::alert::Match;
use alert_core::config::{Rule, RuleKind};
use alert_core::document::{lookup_es_key, python_str};
use alert_core::plan::Segment;
use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
use alert_core::time::{Duration, Timestamp};
use serde_json::{Map, Value, json};

use crate::Result;

const KEYWORD: &str = ".keyword";

/// Adds `top_events_<key>` to `m` for every `top_count_keys` entry of the rule.
pub(crate) async fn add_top_counts(
    rule: &Rule,
    filters: &[Value],
    backend: &dyn SearchBackend,
    m: &mut Match,
    now: Timestamp,
) -> Result<()> {
    let Some(Value::Array(keys)) = rule.option("top_count_keys") else {
        return Ok(());
    };
    let raw = rule
        .option("raw_count_keys")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let number = rule
        .option("top_count_number")
        .and_then(Value::as_u64)
        .unwrap_or(5);
    let timeframe = match (rule.kind, rule.timeframe) {
        (RuleKind::Flatline, Some(t)) => Duration::from_micros(2 * t.as_micros()),
        (_, Some(t)) => t,
        (_, None) => Duration::from_mins(10),
    };
    let range = Segment {
        start: m.timestamp.minus(timeframe),
        end: m.timestamp.plus(Duration::from_mins(10)),
    };
    let mut all_filters = filters.to_vec();
    all_filters.extend(query_key_filters(rule, m, raw));
    let query = SearchQuery {
        rule,
        filters: &all_filters,
        range: TimeRange::from(range),
        now,
    };
    let size = usize::try_from(number).unwrap_or(usize::MAX);
    for key in keys.iter().filter_map(Value::as_str) {
        let field = if raw && !key.ends_with(KEYWORD) {
            format!("{key}{KEYWORD}")
        } else {
            key.to_string()
        };
        let buckets = backend.terms(&query, &field, size, 1).await?;
        let mut counts: Vec<(String, u64)> = buckets
            .iter()
            .map(|b| {
                let count = b.get("doc_count").and_then(Value::as_u64).unwrap_or(0);
                (b.get("key").map(python_str).unwrap_or_default(), count)
            })
            .collect();
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        counts.truncate(size);
        let top: Map<String, Value> = counts.into_iter().map(|(k, c)| (k, json!(c))).collect();
        m.set(&format!("top_events_{field}"), Value::Object(top));
    }
    Ok(())
}

/// `term` filters on the match's query-key value(s), as ElastAlert2's `query_key_filters`.
fn query_key_filters(rule: &Rule, m: &Match, raw: bool) -> Vec<Value> {
    let Some(qk) = &rule.query_key else {
        return Vec::new();
    };
    let body = Value::Object(m.body.clone());
    let Some(value) = lookup_es_key(&body, &qk.name).filter(|v| !v.is_null()) else {
        return Vec::new();
    };
    let text = python_str(value);
    let values = split_compound(&text);
    qk.fields
        .iter()
        .zip(values)
        .map(|(field, value)| {
            let field = if raw && !field.ends_with(KEYWORD) {
                format!("{field}{KEYWORD}")
            } else {
                field.clone()
            };
            json!({"term": {field: value}})
        })
        .collect()
}

/// Splits `"a, b"` (or `"a,b"`) as ElastAlert2's `re.split(r',\s*', ...)`.
fn split_compound(text: &str) -> Vec<String> {
    text.split(',')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                part.trim_start().to_string()
            }
        })
        .collect()
}
