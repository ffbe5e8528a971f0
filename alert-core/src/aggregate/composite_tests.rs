use serde_json::{Value, json};

use crate::aggregate::{Context, evaluate};
use crate::document::Event;
use crate::time::Timestamp;

fn at(text: &str, doc: Value) -> Event {
    Event::new(Timestamp::parse_iso(text).unwrap(), doc)
}

fn sample() -> Vec<Event> {
    vec![
        at(
            "2026-01-01T00:01:00Z",
            json!({"host": "b", "env": "prod", "cpu": 0.5}),
        ),
        at(
            "2026-01-01T00:02:00Z",
            json!({"host": "a", "env": "prod", "cpu": 0.9}),
        ),
        at(
            "2026-01-01T00:06:00Z",
            json!({"host": "a", "env": "stg", "cpu": 0.7}),
        ),
        at(
            "2026-01-01T00:07:00Z",
            json!({"host": ["c", "a"], "env": "prod"}),
        ),
        at("2026-01-01T00:08:00Z", json!({"env": "prod"})),
    ]
}

fn run(composite: &Value) -> Value {
    let aggs =
        json!({"by": {"composite": composite, "aggs": {"avg_cpu": {"avg": {"field": "cpu"}}}}});
    let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
    let out = evaluate(&aggs, &sample(), &ctx).unwrap_or_else(|e| panic!("{composite}: {e}"));
    out["by"].clone()
}

/// `(key, doc_count)` of each bucket.
fn keys(out: &Value) -> Vec<(Value, u64)> {
    let buckets = out["buckets"].as_array().cloned().unwrap_or_default();
    buckets
        .iter()
        .map(|b| (b["key"].clone(), b["doc_count"].as_u64().unwrap_or(0)))
        .collect()
}

#[test]
fn buckets_are_the_key_combinations_in_ascending_source_order() {
    let out = run(&json!({"sources": [
        {"host": {"terms": {"field": "host.keyword"}}},
        {"env": {"terms": {"field": "env"}}}
    ]}));
    assert_eq!(
        keys(&out),
        vec![
            (json!({"host": "a", "env": "prod"}), 2),
            (json!({"host": "a", "env": "stg"}), 1),
            (json!({"host": "b", "env": "prod"}), 1),
            (json!({"host": "c", "env": "prod"}), 1),
        ]
    );
    assert_eq!(out["after_key"], json!({"host": "c", "env": "prod"}));
    assert_eq!(out["buckets"][0]["avg_cpu"], json!({"value": 0.9}));
}

#[test]
fn key_objects_list_the_sources_in_request_order() {
    let out = run(&json!({"sources": [
        {"z_host": {"terms": {"field": "host"}}},
        {"a_env": {"terms": {"field": "env"}}}
    ]}));
    for key in [&out["buckets"][0]["key"], &out["after_key"]] {
        let names: Vec<&String> = key
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(names, ["z_host", "a_env"], "{key}");
    }
}

#[test]
fn size_and_after_page_through_the_buckets() {
    let sources = json!([{"host": {"terms": {"field": "host"}}}]);
    let first = run(&json!({"sources": sources, "size": 2}));
    assert_eq!(
        keys(&first),
        vec![(json!({"host": "a"}), 3), (json!({"host": "b"}), 1)]
    );
    assert_eq!(first["after_key"], json!({"host": "b"}));
    let second = run(&json!({"sources": sources, "size": 2, "after": first["after_key"]}));
    assert_eq!(keys(&second), vec![(json!({"host": "c"}), 1)]);
    assert_eq!(second["after_key"], json!({"host": "c"}));
    let last = run(&json!({"sources": sources, "size": 2, "after": {"host": "c"}}));
    assert_eq!(last, json!({"buckets": []}));
}

#[test]
fn missing_bucket_keeps_documents_without_the_field_under_null() {
    let without = run(&json!({"sources": [{"host": {"terms": {"field": "host"}}}]}));
    let total: u64 = keys(&without).iter().map(|(_, n)| n).sum();
    assert_eq!(total, 5, "the array document counts once per host");
    let with =
        run(&json!({"sources": [{"host": {"terms": {"field": "host", "missing_bucket": true}}}]}));
    assert_eq!(keys(&with)[0], (json!({"host": null}), 1));
    let desc = run(
        &json!({"sources": [{"host": {"terms": {"field": "host", "missing_bucket": true, "order": "desc"}}}]}),
    );
    let order: Vec<Value> = keys(&desc)
        .into_iter()
        .map(|(k, _)| k["host"].clone())
        .collect();
    assert_eq!(order, [json!("c"), json!("b"), json!("a"), Value::Null]);
    let after_null = run(
        &json!({"sources": [{"host": {"terms": {"field": "host", "missing_bucket": true}}}], "after": {"host": null}}),
    );
    assert_eq!(keys(&after_null)[0].0, json!({"host": "a"}));
}

#[test]
fn histogram_sources_key_by_the_lower_bound_of_each_interval() {
    let out = run(&json!({"size": 2, "sources": [
        {"cpu": {"histogram": {"field": "cpu", "interval": 0.5, "missing_bucket": true}}}
    ]}));
    assert_eq!(
        keys(&out),
        vec![(json!({"cpu": null}), 2), (json!({"cpu": 0.5}), 3)]
    );
    let next = run(&json!({"after": out["after_key"], "sources": [
        {"cpu": {"histogram": {"field": "cpu", "interval": 0.5, "missing_bucket": true}}}
    ]}));
    assert_eq!(keys(&next), vec![]);
    let whole = run(&json!({"sources": [{"cpu": {"histogram": {"field": "cpu", "interval": 1}}}]}));
    assert_eq!(keys(&whole), vec![(json!({"cpu": 0.0}), 3)]);
}

#[test]
fn date_histogram_sources_key_by_interval_start_in_millis() {
    let out = run(&json!({"sources": [
        {"t": {"date_histogram": {"field": "@timestamp", "fixed_interval": "5m"}}},
        {"env": {"terms": {"field": "env"}}}
    ]}));
    let start = 1_767_225_600_000_i64;
    assert_eq!(
        keys(&out),
        vec![
            (json!({"t": start, "env": "prod"}), 2),
            (json!({"t": start + 300_000, "env": "prod"}), 2),
            (json!({"t": start + 300_000, "env": "stg"}), 1),
        ]
    );
    let paged = run(&json!({
        "sources": [{"t": {"date_histogram": {"field": "@timestamp", "fixed_interval": "5m", "order": "desc"}}}],
        "after": {"t": start + 300_000}
    }));
    assert_eq!(keys(&paged), vec![(json!({"t": start}), 2)]);
}

#[test]
fn malformed_and_unsupported_sources_are_named() {
    let ctx = Context::new("@timestamp", Timestamp::from_micros(0));
    let cases = [
        (json!({"sources": []}), "needs at least one source"),
        (
            json!({"sources": [{"g": {"geotile_grid": {"field": "loc"}}}]}),
            "composite.sources.geotile_grid",
        ),
        (
            json!({"sources": [{"h": {"histogram": {"field": "n", "interval": 0}}}]}),
            "'interval' must be a positive number",
        ),
        (
            json!({"sources": [{"h": {"histogram": {"field": "n"}}}]}),
            "histogram source 'h' needs an 'interval'",
        ),
        (
            json!({"sources": [{"h": {"terms": {"field": "h", "script": "x"}}}]}),
            "composite.terms.script",
        ),
        (
            json!({"sources": [{"h": {"terms": {"field": "h"}}}], "after": {"x": 1}}),
            "no value for source 'h'",
        ),
        (
            json!({"sources": [{"h": {"terms": {"field": "h"}}}, {"h": {"terms": {"field": "g"}}}]}),
            "duplicate source name 'h'",
        ),
        (
            json!({"sources": [{"t": {"date_histogram": {"field": "@timestamp"}}}]}),
            "needs a fixed_interval",
        ),
        (
            json!({"sources": [{"h": {"terms": {"field": "h"}}}], "pipeline": 1}),
            "composite.pipeline",
        ),
    ];
    for (body, expected) in cases {
        let err = evaluate(&json!({"c": {"composite": body}}), &[], &ctx)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{body}: {err}");
    }
}
