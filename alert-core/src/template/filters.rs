//! The filters of a Discover link: the rule's own filters as one custom filter, and one
//! filter per query key field, shaped as Kibana and OpenSearch Dashboards store them.

use serde_json::{Value, json};

use super::discover::{App, Source};
use super::rison::{py_str, python_json_compact};
use crate::document::lookup_es_key;

/// The Discover filters: one custom filter holding the rule's filters, then one per query
/// key field (a phrase filter on its value, or "field does not exist").
pub(super) fn filters(app: App, src: &Source<'_>, index: &Value, doc: &Value) -> Vec<Value> {
    let state = json!({"store": "appState"});
    let mut out = Vec::new();
    if !src.filters.is_empty() {
        // A `query` wrapper is removed: Kibana 8 rejects it.
        let unwrapped: Vec<Value> = src
            .filters
            .iter()
            .map(|f| f.get("query").unwrap_or(f).clone())
            .collect();
        out.push(match app {
            App::Kibana => {
                let bool_filter = json!({"must": unwrapped});
                json!({
                    "$state": state,
                    "bool": bool_filter,
                    "meta": {
                        "alias": "filter", "disabled": false, "index": index, "key": "bool",
                        "negate": false, "type": "custom",
                        "value": python_json_compact(&bool_filter),
                    },
                })
            }
            App::OpenSearch => {
                let bool_filter = json!({"bool": {"must": unwrapped}});
                json!({
                    "$state": state,
                    "meta": {
                        "alias": "filter", "disabled": false, "index": index, "key": "query",
                        "negate": false, "type": "custom",
                        "value": python_json_compact(&bool_filter),
                    },
                    "query": bool_filter,
                })
            }
        });
    }
    for key in src.query_keys {
        let value = lookup_es_key(doc, key).filter(|v| !v.is_null()).cloned();
        let value = match app {
            App::Kibana => value.and_then(normalize_query_value),
            App::OpenSearch => value,
        };
        out.push(match value {
            None => {
                let mut meta = json!({
                    "alias": null, "disabled": false, "index": index, "key": key,
                    "negate": true, "type": "exists", "value": "exists",
                });
                if app == App::OpenSearch {
                    meta["view"] = json!("discover");
                }
                json!({"$state": state, "exists": {"field": key}, "meta": meta})
            }
            Some(value) => json!({
                "$state": state,
                "meta": {
                    "alias": null, "disabled": false, "index": index, "key": key,
                    "negate": false, "params": {"query": value, "type": "phrase"},
                    "type": "phrase", "value": py_str(&value),
                },
                "query": {"match": {key.as_str(): {"query": value, "type": "phrase"}}},
            }),
        });
    }
    out
}

/// ElastAlert2's `_normalize_query_value` (Kibana only, since 2.31): `""` and lists with
/// nothing but nulls and empty strings are missing; a one-element list is its element.
fn normalize_query_value(value: Value) -> Option<Value> {
    match value {
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) => {
            let mut kept: Vec<Value> = items
                .into_iter()
                .filter(|v| !v.is_null() && v.as_str() != Some(""))
                .collect();
            match kept.len() {
                0 => None,
                1 => kept.pop(),
                _ => Some(Value::Array(kept)),
            }
        }
        other => Some(other),
    }
}
