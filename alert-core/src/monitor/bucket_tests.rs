use super::*;
use serde_json::json;

fn selector(condition: Value) -> BucketSelector {
    BucketSelector::compile(&serde_json::from_value(condition).unwrap()).unwrap()
}

fn keys(selected: &[SelectedBucket]) -> Vec<Vec<&str>> {
    selected
        .iter()
        .map(|b| b.keys.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn composite_buckets_are_selected_and_keyed_by_their_sources_in_order() {
    // The corpus's sample_alerts_flyout_bucket_level_monitor trigger.
    let s = selector(json!({
        "buckets_path": {"_count": "_count", "avg_products_price": "avg_products_price"},
        "parent_bucket_path": "composite_agg",
        "script": {"source": "params._count < 10000 || params.avg_products_price == 10", "lang": "painless"},
        "gap_policy": "skip"
    }));
    let response = json!({"aggregations": {"composite_agg": {"after_key": {}, "buckets": [
        {"key": {"customer_gender": "FEMALE", "user": "eddie"}, "doc_count": 12000, "avg_products_price": {"value": 10.0}},
        {"key": {"customer_gender": "MALE", "user": "abd"}, "doc_count": 20000, "avg_products_price": {"value": 30.0}},
        {"key": {"customer_gender": "MALE", "user": "a#b"}, "doc_count": 3, "avg_products_price": {"value": null}}
    ]}}});
    let selected = s.select(&response).unwrap();
    assert_eq!(
        keys(&selected),
        [vec!["FEMALE", "eddie"], vec!["MALE", "a#b"]]
    );
    assert_eq!(selected[1].keys_hash(), "MALE#a#b");
    assert_eq!(selected[0].values["_count"], 12000.0);
    assert!(selected[1].values["avg_products_price"].is_nan());
    assert_eq!(
        selected[0].bucket["avg_products_price"]["value"],
        json!(10.0)
    );
}

#[test]
fn numeric_and_date_keys_are_supported() {
    let s = selector(json!({
        "buckets_path": {"n": "_count"}, "parent_bucket_path": "per_minute",
        "script": "params.n >= 2"
    }));
    let response = json!({"aggregations": {"per_minute": {"buckets": [
        {"key": 1_767_261_600_000_i64, "key_as_string": "2026-01-01T10:00:00.000Z", "doc_count": 2},
        {"key": 1_767_261_660_000_i64, "key_as_string": "2026-01-01T10:01:00.000Z", "doc_count": 1},
        {"key": 404, "doc_count": 5},
        {"key": 2.5, "doc_count": 9},
        {"key": {"status": 500, "day": 1_767_225_600_000_i64}, "doc_count": 3}
    ]}}});
    let selected = s.select(&response).unwrap();
    assert_eq!(
        keys(&selected),
        [
            vec!["2026-01-01T10:00:00.000Z"],
            vec!["404"],
            vec!["2.5"],
            vec!["500", "1767225600000"]
        ]
    );
}

#[test]
fn gap_policies_decide_what_a_missing_value_is() {
    let response = json!({"aggregations": {"by_host": {"buckets": [
        {"key": "empty", "doc_count": 0, "avg": {"value": 5.0}},
        {"key": "null", "doc_count": 4, "avg": {"value": null}},
        {"key": "ok", "doc_count": 4, "avg": {"value": 5.0}}
    ]}}});
    let cases = [
        ("skip", "params.v >= 0", vec!["ok"]),
        ("skip", "params.v != params.v", vec!["empty", "null"]),
        ("insert_zeros", "params.v == 0", vec!["empty", "null"]),
        ("keep_values", "params.v == 5", vec!["empty", "ok"]),
    ];
    for (policy, script, expected) in cases {
        let s = selector(json!({
            "buckets_path": {"v": "avg"}, "parent_bucket_path": "by_host",
            "script": script, "gap_policy": policy
        }));
        let selected = s.select(&response).unwrap();
        let got: Vec<&str> = selected.iter().map(|b| b.keys[0].as_str()).collect();
        assert_eq!(got, expected, "{policy}: {script}");
    }
}

#[test]
fn script_params_string_and_list_paths_and_key_filters_apply() {
    let response = json!({"aggregations": {"by_host": {"buckets": [
        {"key": "web-1", "doc_count": 8, "cpu": {"value": 0.95}},
        {"key": "web-2", "doc_count": 8, "cpu": {"value": 0.5}},
        {"key": "db-1", "doc_count": 8, "cpu": {"value": 0.99}}
    ]}}});
    let cases = [
        (
            json!({"buckets_path": {"cpu": "cpu"}, "parent_bucket_path": "by_host",
            "script": {"source": "params.cpu > params.threshold", "params": {"threshold": 0.9}}}),
            vec!["web-1", "db-1"],
        ),
        (
            json!({"buckets_path": "cpu", "parent_bucket_path": "by_host", "script": "params._value < 0.9"}),
            vec!["web-2"],
        ),
        (
            json!({"buckets_path": ["cpu", "_count"], "parent_bucket_path": "by_host",
            "script": "params._value0 * params._value1 > 7"}),
            vec!["web-1", "db-1"],
        ),
        (
            json!({"buckets_path": {"cpu": "cpu"}, "parent_bucket_path": "by_host",
            "script": "params.cpu > 0.9", "filter": {"include": "web-.*"}}),
            vec!["web-1"],
        ),
    ];
    for (condition, expected) in cases {
        let selected = selector(condition.clone()).select(&response).unwrap();
        let got: Vec<&str> = selected.iter().map(|b| b.keys[0].as_str()).collect();
        assert_eq!(got, expected, "{condition}");
    }
}

#[test]
fn bad_conditions_fail_at_compile_and_bad_results_at_select() {
    let compile_errors = [
        (
            json!({"buckets_path": {}, "parent_bucket_path": "a", "script": "ctx.x > 1"}),
            "unknown variable 'ctx'",
        ),
        (
            json!({"buckets_path": {}, "parent_bucket_path": "a", "script": "true", "gap_policy": "fill"}),
            "gap_policy 'fill'",
        ),
        (
            json!({"buckets_path": {}, "parent_bucket_path": "a", "script": {"source": "true", "lang": "expression"}}),
            "not painless",
        ),
    ];
    for (condition, fragment) in compile_errors {
        let err = BucketSelector::compile(&serde_json::from_value(condition.clone()).unwrap())
            .unwrap_err();
        assert!(err.contains(fragment), "{condition}: {err}");
    }
    let s = selector(
        json!({"buckets_path": {"x": "missing_metric"}, "parent_bucket_path": "by_host", "script": "params.x > 1"}),
    );
    let err = s
        .select(&json!({"aggregations": {"by_host": {"buckets": [{"key": "a", "doc_count": 1}]}}}))
        .unwrap_err();
    assert!(err.contains("must name a number"), "{err}");
    let err = s.select(&json!({"aggregations": {}})).unwrap_err();
    assert!(err.contains("no aggregation 'by_host'"), "{err}");
}
