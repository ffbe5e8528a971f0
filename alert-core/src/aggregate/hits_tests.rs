use serde_json::{Value, json};

use super::HitsSpec;
use crate::aggregate::{Context, evaluate};
use crate::document::Event;
use crate::time::Timestamp;

fn sample() -> Vec<Event> {
    let at = |text: &str, doc: Value| Event::new(Timestamp::parse_iso(text).unwrap(), doc);
    vec![
        at(
            "2026-01-01T00:01:00Z",
            json!({"_id": "1", "n": 5, "user": {"name": "a", "ip": "1"}}),
        ),
        at(
            "2026-01-01T00:02:00Z",
            json!({"_id": "2", "n": 1, "_index": "logs-x"}),
        ),
        at(
            "2026-01-01T00:03:00Z",
            json!({"_id": "3", "user": {"name": "c"}}),
        ),
        at("2026-01-01T00:04:00Z", json!({"_id": "4", "n": [9, 0]})),
    ]
}

fn ctx() -> Context {
    Context::new("@timestamp", Timestamp::from_micros(0))
}

/// The `_id`s and rendered hits of a body over [`sample`].
fn hits(body: &Value) -> (Vec<String>, Vec<Value>) {
    let spec = HitsSpec::compile(body.as_object().unwrap(), 10, &ctx())
        .unwrap_or_else(|e| panic!("{body}: {e}"));
    let events = sample();
    let refs: Vec<&Event> = events.iter().collect();
    let page = spec.page(&refs);
    let ids = page
        .iter()
        .map(|e| e.source["_id"].as_str().unwrap_or("").to_string())
        .collect();
    (ids, page.iter().map(|e| spec.render(e, "logs-*")).collect())
}

#[test]
fn sorting_orders_by_field_values_with_missing_values_last() {
    let cases = [
        (json!({}), ["1", "2", "3", "4"]),
        (
            json!({"sort": [{"@timestamp": {"order": "desc"}}]}),
            ["4", "3", "2", "1"],
        ),
        (json!({"sort": "n"}), ["4", "2", "1", "3"]),
        (json!({"sort": [{"n": "desc"}]}), ["4", "1", "2", "3"]),
        (
            json!({"sort": [{"n": {"order": "asc", "missing": "_first"}}]}),
            ["3", "4", "2", "1"],
        ),
        (
            json!({"sort": ["_score", {"user.name": "desc"}]}),
            ["3", "1", "2", "4"],
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(hits(&body).0, expected, "{body}");
    }
}

#[test]
fn from_and_size_cut_the_page_after_sorting() {
    assert_eq!(hits(&json!({"from": 1, "size": 2})).0, ["2", "3"]);
    assert_eq!(hits(&json!({"size": 0})).0, Vec::<String>::new());
    assert_eq!(hits(&json!({"from": 9})).0, Vec::<String>::new());
}

#[test]
fn hits_carry_metadata_and_sort_values_outside_the_source() {
    let (_, rendered) = hits(&json!({"sort": [{"@timestamp": "desc"}, "n"], "size": 3}));
    assert_eq!(
        rendered[2],
        json!({"_index": "logs-x", "_id": "2", "_score": null, "_source": {"n": 1},
               "sort": [1_767_225_720_000_i64, 1]})
    );
    assert_eq!(rendered[0]["_index"], json!("logs-*"));
}

#[test]
fn source_filtering_keeps_included_paths_and_drops_excluded_ones() {
    let cases = [
        (json!(false), Value::Null),
        (
            json!(true),
            json!({"n": 5, "user": {"name": "a", "ip": "1"}}),
        ),
        (json!("user.name"), json!({"user": {"name": "a"}})),
        (
            json!(["n", "user"]),
            json!({"n": 5, "user": {"name": "a", "ip": "1"}}),
        ),
        (
            json!({"includes": ["user.*"], "excludes": ["*.ip"]}),
            json!({"user": {"name": "a"}}),
        ),
        (json!({"excludes": "user"}), json!({"n": 5})),
        (json!("nothing"), json!({})),
    ];
    for (source, expected) in cases {
        let (_, rendered) = hits(&json!({"_source": source, "size": 1}));
        assert_eq!(
            rendered[0].get("_source").cloned().unwrap_or(Value::Null),
            expected,
            "{source}"
        );
    }
}

#[test]
fn top_hits_returns_a_sample_of_each_bucket() {
    let aggs = json!({"by": {"terms": {"field": "user.name"}, "aggs": {
        "sample": {"top_hits": {"size": 1, "_source": ["user.name"]}}}}});
    let out = evaluate(&aggs, &sample(), &ctx()).unwrap();
    assert_eq!(
        out["by"]["buckets"][0]["sample"],
        json!({"hits": {"total": {"value": 1, "relation": "eq"}, "max_score": null, "hits": [
            {"_index": "", "_id": "1", "_score": null, "_source": {"user": {"name": "a"}}}]}})
    );
    let all = evaluate(&json!({"s": {"top_hits": {}}}), &sample(), &ctx()).unwrap();
    assert_eq!(
        all["s"]["hits"]["hits"].as_array().map(Vec::len),
        Some(3),
        "default size 3"
    );
}

#[test]
fn unknown_options_are_refused_by_name() {
    let cases = [
        (
            json!({"s": {"top_hits": {"highlight": {}}}}),
            "top_hits.highlight",
        ),
        (
            json!({"s": {"top_hits": {"sort": [{"n": {"nested": {}}}]}}}),
            "sort.nested",
        ),
        (
            json!({"s": {"top_hits": {"sort": [{"n": "up"}]}}}),
            "asc or desc",
        ),
        (
            json!({"s": {"top_hits": {"_source": 5}}}),
            "cannot read patterns",
        ),
        (
            json!({"s": {"top_hits": {"size": -1}}}),
            "search 'size': must be a non-negative integer",
        ),
    ];
    for (aggs, expected) in cases {
        let err = evaluate(&aggs, &sample(), &ctx()).unwrap_err().to_string();
        assert!(err.contains(expected), "{aggs}: {err}");
    }
}
