//! Hits into the [`Event`]s rule types consume, as ElastAlert2's `process_hits` prepares them:
//! `fields` folded into `_source`, the timestamp read, `_id`/`_index`/`_type` copied in, and
//! compound query and aggregation keys written as their joined fields.

use std::hash::{DefaultHasher, Hash, Hasher};

use alert_core::config::Rule;
use alert_core::document::{Event, lookup_es_key, python_str};
use serde_json::{Map, Value};

use super::Hit;
use crate::{Error, Result};

/// The events of a page of hits, for `rule`.
///
/// A hit without `_id` (some ES-compatible servers omit it) gets a synthetic one,
/// `synthetic-<hash of index and source>`, so that the run loop's "already seen" check still
/// tells documents apart across overlapping queries (ElastAlert2 itself would fail on it).
/// A hit whose timestamp field is missing is an error that lists the fields it has.
pub fn events(rule: &Rule, hits: Vec<Hit>) -> Result<Vec<Event>> {
    hits.into_iter().map(|hit| event(rule, hit)).collect()
}

fn event(rule: &Rule, hit: Hit) -> Result<Event> {
    let Hit {
        id,
        index,
        doc_type,
        source,
        fields,
        ..
    } = hit;
    let mut source = source;
    for (key, value) in fields {
        if !source.contains_key(&key) {
            source.insert(key, unwrap_single(value));
        }
    }
    let timestamp = timestamp(rule, &source)?;
    let id = id.unwrap_or_else(|| synthetic_id(index.as_deref(), &source));
    source.insert("_id".into(), Value::String(id));
    for (name, value) in [("_index", index), ("_type", doc_type)] {
        if let Some(value) = value {
            source.insert(name.into(), Value::String(value));
        }
    }
    let mut doc = Value::Object(source);
    add_compound_fields(rule, &mut doc);
    Ok(Event::new(timestamp, doc))
}

/// `fields` values are lists; one-element lists are taken as the scalar `_source` would hold.
fn unwrap_single(value: Value) -> Value {
    match value {
        Value::Array(mut items) if items.len() == 1 => items.pop().unwrap_or(Value::Null),
        other => other,
    }
}

fn timestamp(rule: &Rule, source: &Map<String, Value>) -> Result<alert_core::time::Timestamp> {
    let field = &rule.timestamp_field;
    let doc = Value::Object(source.clone());
    let Some(raw) = lookup_es_key(&doc, field) else {
        return Err(Error::MissingTimestamp {
            field: field.clone(),
            available: source.keys().cloned().collect(),
        });
    };
    rule.timestamp_type.parse_value(raw).ok_or_else(|| {
        Error::MalformedResponse(format!(
            "the timestamp field '{field}' holds {raw}, which is not a {:?} timestamp",
            rule.timestamp_type
        ))
    })
}

fn synthetic_id(index: Option<&str>, source: &Map<String, Value>) -> String {
    let mut hasher = DefaultHasher::new();
    index.hash(&mut hasher);
    Value::Object(source.clone()).to_string().hash(&mut hasher);
    format!("synthetic-{:016x}", hasher.finish())
}

/// `query_key: [a, b]` adds `"a,b": "<a>, <b>"`; `aggregation_key` lists likewise.
fn add_compound_fields(rule: &Rule, doc: &mut Value) {
    let mut joined = Vec::new();
    if let Some(qk) = rule.query_key.as_ref().filter(|qk| qk.is_compound()) {
        joined.push((qk.name.clone(), qk.value_of(doc).unwrap_or_default()));
    }
    if let Some(Value::Array(keys)) = rule.option("aggregation_key")
        && keys.len() > 1
    {
        let names: Vec<String> = keys.iter().map(python_str).collect();
        let values: Vec<String> = names
            .iter()
            .map(|k| lookup_es_key(doc, k).map_or_else(|| "None".to_string(), python_str))
            .collect();
        joined.push((names.join(","), values.join(", ")));
    }
    if let Value::Object(map) = doc {
        for (name, value) in joined {
            map.insert(name, Value::String(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::test_support::{at, rule};
    use crate::response::SearchPage;
    use serde_json::json;

    fn page(hits: &Value) -> Vec<Hit> {
        SearchPage::from_json(json!({"hits": {"hits": hits}}))
            .unwrap()
            .hits
    }

    #[test]
    fn fields_fold_into_source_without_overriding_it_and_metadata_is_copied() {
        let r = rule("");
        let hits = page(&json!([{
            "_id": "1", "_index": "logs", "_type": "_doc",
            "_source": {"@timestamp": "2026-01-01T00:00:01Z", "a": "source"},
            "fields": {"a": ["field"], "runtime": ["x"], "many": [1, 2]}
        }]));
        let e = &events(&r, hits).unwrap()[0];
        assert_eq!(e.timestamp, at("2026-01-01T00:00:01Z"));
        assert_eq!(
            e.source,
            json!({"@timestamp": "2026-01-01T00:00:01Z", "a": "source", "runtime": "x", "many": [1, 2],
                   "_id": "1", "_index": "logs", "_type": "_doc"})
        );
    }

    #[test]
    fn compound_query_and_aggregation_keys_become_joined_fields() {
        let r = rule("query_key: [this, that]\naggregation_key: [that, gone]\n");
        let hits = page(
            &json!([{"_id": "1", "_source": {"@timestamp": "2026-01-01T00:00:00Z", "this": "abc", "that": 4}}]),
        );
        let e = &events(&r, hits).unwrap()[0];
        assert_eq!(e.source["this,that"], json!("abc, 4"));
        assert_eq!(e.source["that,gone"], json!("4, None"));
    }

    #[test]
    fn hits_without_id_get_a_stable_synthetic_one() {
        let r = rule("");
        let doc = json!({"@timestamp": "2026-01-01T00:00:00Z", "m": 1});
        let twice = page(
            &json!([{"_source": doc}, {"_source": doc}, {"_source": {"@timestamp": "2026-01-01T00:00:00Z", "m": 2}}]),
        );
        let ids: Vec<Value> = events(&r, twice)
            .unwrap()
            .into_iter()
            .map(|e| e.source["_id"].clone())
            .collect();
        assert_eq!(ids[0], ids[1]);
        assert_ne!(ids[0], ids[2]);
        assert!(ids[0].as_str().unwrap().starts_with("synthetic-"));
    }

    #[test]
    fn timestamps_follow_the_rule_type_and_a_missing_one_lists_the_fields() {
        let unix = rule("timestamp_type: unix\ntimestamp_field: ts\n");
        let e = events(
            &unix,
            page(&json!([{"_id": "1", "_source": {"ts": 1767225600}}])),
        )
        .unwrap();
        assert_eq!(e[0].timestamp, at("2026-01-01T00:00:00Z"));
        let err = events(
            &unix,
            page(&json!([{"_id": "1", "_source": {"b": 1, "a": 2}}])),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("'ts'") && text.contains("b") && text.contains("a"),
            "{text}"
        );
        let bad = events(
            &unix,
            page(&json!([{"_id": "1", "_source": {"ts": "soon"}}])),
        );
        assert!(bad.is_err());
    }
}
