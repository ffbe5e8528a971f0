//! Unit tests of `metric_aggregation` (kept beside it to keep `metric_aggregation.rs` short).

use super::*;
use crate::aggregate::{Context, evaluate};
use crate::rules::test_support::{rule, try_rule};
use serde_json::json;

/// The rule text: an `avg` of `ms` unless `extra` names another type.
fn yaml(extra: &str) -> String {
    let kind = if extra.contains("metric_agg_type") {
        ""
    } else {
        "metric_agg_type: avg\n"
    };
    format!("type: metric_aggregation\nmetric_agg_key: ms\n{kind}{extra}")
}

fn build(extra: &str) -> MetricAggregation {
    MetricAggregation::new(MetricAggregationConfig::from_rule(&rule(&yaml(extra))).unwrap())
}

fn t(text: &str) -> Timestamp {
    Timestamp::parse_iso(text).unwrap()
}

/// Runs the rule's own query over documents `(time, host, ms)` and feeds the result.
fn run(
    r: &mut MetricAggregation,
    docs: &[(&str, &str, f64)],
    start: &str,
    end: &str,
) -> Vec<Value> {
    let events: Vec<Event> = docs
        .iter()
        .map(|(ts, host, ms)| {
            Event::new(
                t(ts),
                json!({"@timestamp": ts, "host": host, "dc": "eu", "ms": ms}),
            )
        })
        .collect();
    let query = r.aggregation_query_for_run(t(start)).unwrap();
    let payload = evaluate(&query, &events, &Context::new("@timestamp", t(start))).unwrap();
    r.add_aggregation_data(t(end), &payload).unwrap();
    r.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

const DOCS: [(&str, &str, f64); 4] = [
    ("2026-01-01T00:01:00Z", "a", 100.0),
    ("2026-01-01T00:02:00Z", "a", 500.0),
    ("2026-01-01T00:06:00Z", "b", 900.0),
    ("2026-01-01T00:07:00Z", "b", 1.0),
];

#[test]
fn fires_when_the_metric_is_above_max_threshold_with_the_segment_end_as_time() {
    let mut r = build("max_threshold: 300\n");
    let m = run(
        &mut r,
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(
        m,
        vec![
            json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 375.25, "metric_agg_value": 375.25})
        ]
    );
    assert!(
        run(
            &mut build("max_threshold: 400\n"),
            &DOCS,
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z"
        )
        .is_empty()
    );
}

#[test]
fn fires_when_the_metric_is_below_min_threshold_and_never_on_null() {
    let m = run(
        &mut build("min_threshold: 400\n"),
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(m.len(), 1);
    assert!(
        run(
            &mut build("min_threshold: 400\n"),
            &[],
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:15:00Z"
        )
        .is_empty()
    );
}

#[test]
fn query_key_splits_buckets_and_expands_dotted_names() {
    let m = run(
        &mut build("max_threshold: 400\nquery_key: host\n"),
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(
        m,
        vec![
            json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 450.5, "metric_agg_value": 450.5, "host": "b"})
        ]
    );
    let mut body = Map::new();
    expand_into(&mut body, "host.name", json!("b"));
    assert_eq!(Value::Object(body), json!({"host": {"name": "b"}}));
}

#[test]
fn compound_query_keys_store_components_and_the_joined_key() {
    let m = run(
        &mut build("max_threshold: 400\nquery_key: [dc, host]\n"),
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["dc,host"], json!("eu,b"));
    assert_eq!(
        (m[0]["dc"].clone(), m[0]["host"].clone()),
        (json!("eu"), json!("b"))
    );
}

#[test]
fn bucket_interval_checks_each_bucket_at_its_own_time_with_the_run_offset() {
    let mut r = build("max_threshold: 400\nbucket_interval: {minutes: 5}\n");
    let q = r
        .aggregation_query_for_run(t("2026-01-01T00:00:30Z"))
        .unwrap();
    assert_eq!(
        q["interval_aggs"]["date_histogram"],
        json!({"field": "@timestamp", "fixed_interval": "5m", "offset": "+30s"})
    );
    let m = run(
        &mut r,
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["@timestamp"], json!("2026-01-01T00:05:00Z"));
}

#[test]
fn sync_bucket_interval_floors_the_run_start_instead_of_offsetting() {
    let r = build("max_threshold: 1\nbucket_interval: {minutes: 5}\nsync_bucket_interval: true\n");
    assert_eq!(
        r.align_run_start(t("2026-01-01T00:07:30.5Z")),
        t("2026-01-01T00:05:00Z")
    );
    let q = r
        .aggregation_query_for_run(t("2026-01-01T00:07:30Z"))
        .unwrap();
    assert!(q["interval_aggs"]["date_histogram"].get("offset").is_none());
}

#[test]
fn percentiles_use_percentile_range_and_read_the_first_value() {
    let mut r = build("metric_agg_type: percentiles\npercentile_range: 50\nmax_threshold: 200\n");
    assert_eq!(
        r.aggregation_query().unwrap()["metric_ms_percentiles"],
        json!({"percentiles": {"field": "ms", "percents": [50]}})
    );
    let m = run(
        &mut r,
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(m[0]["metric_ms_percentiles"], json!(300.0));
}

#[test]
fn metric_format_string_adds_formatted_fields() {
    let m = run(
        &mut build("max_threshold: 1\nmetric_format_string: '{:.1f} ms'\n"),
        &DOCS,
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:15:00Z",
    );
    assert_eq!(m[0]["metric_ms_avg_formatted"], json!("375.2 ms"));
    assert_eq!(m[0]["metric_agg_value_formatted"], json!("375.2 ms"));
}

#[test]
fn metric_agg_script_and_sizes_shape_the_query() {
    let r = build(
        "max_threshold: 1\nmetric_agg_script: \"doc['ms'].value * 2\"\nquery_key: host\nterms_size: 5\nmin_doc_count: 3\n",
    );
    let q = r.aggregation_query().unwrap();
    assert_eq!(
        q["bucket_aggs"]["terms"],
        json!({"field": "host", "size": 5, "min_doc_count": 3})
    );
    assert_eq!(
        q["bucket_aggs"]["aggs"]["metric_ms_avg"],
        json!({"avg": {"script": "doc['ms'].value * 2"}})
    );
}

#[test]
fn bad_options_are_named() {
    let cases = [
        (
            "metric_agg_type: median\nmax_threshold: 1\n",
            "metric_agg_type",
        ),
        (
            "metric_agg_type: percentiles\nmax_threshold: 1\n",
            "percentile_range",
        ),
        ("", "max_threshold"),
        (
            "max_threshold: 1\nbucket_interval: {minutes: 7}\n",
            "buffer_time must be evenly divisible",
        ),
        (
            "max_threshold: 1\nbucket_interval: {milliseconds: 7}\n",
            "bucket_interval",
        ),
        (
            "max_threshold: 1\nmetric_format_string: '{:q}'\n",
            "metric_format_string",
        ),
    ];
    for (extra, expected) in cases {
        let err = try_rule(&yaml(extra))
            .and_then(|r| MetricAggregationConfig::from_rule(&r))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{extra}: {err}");
    }
}

/// Feeds one ES-shaped payload for the segment ending at 00:15 and returns the bodies.
fn feed(extra: &str, payload: &Value) -> Vec<Value> {
    let mut r = build(extra);
    r.add_aggregation_data(t("2026-01-01T00:15:00Z"), payload)
        .unwrap();
    r.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

/// Every `metric_agg_type`: the value is read from the aggregation named
/// `metric_<key>_<type>` and shown under that name and as `metric_agg_value` (expected bodies
/// from ElastAlert2's `MetricAggregationRule.check_matches`).
#[test]
fn each_metric_agg_type_is_read_and_named() {
    let end = "2026-01-01T00:15:00Z";
    let cases = [
        ("min", json!({"value": 1.0}), json!(1.0)),
        ("max", json!({"value": 900.0}), json!(900.0)),
        ("avg", json!({"value": 375.25}), json!(375.25)),
        ("sum", json!({"value": 1501.0}), json!(1501.0)),
        ("cardinality", json!({"value": 4}), json!(4)),
        ("value_count", json!({"value": 4}), json!(4)),
        (
            "percentiles",
            json!({"values": {"50.0": 300.0}}),
            json!(300.0),
        ),
    ];
    for (kind, metric, value) in cases {
        let name = format!("metric_ms_{kind}");
        let extra = format!("metric_agg_type: {kind}\npercentile_range: 50\nmax_threshold: 0\n");
        let expected = json!({"@timestamp": end, name.as_str(): value, "metric_agg_value": value});
        assert_eq!(
            feed(&extra, &json!({ name.as_str(): metric })),
            vec![expected],
            "{kind}"
        );
    }
}

/// One case per option that shapes a match; expected bodies from ElastAlert2's
/// `MetricAggregationRule` given the same payloads.
#[test]
fn each_option_shapes_the_match() {
    let avg = |v: Value| json!({"metric_ms_avg": {"value": v}});
    let interval =
        |key: &str, v: Value| json!({"key_as_string": key, "metric_ms_avg": {"value": v}});
    let cases = [
        (
            "query_key dotted, bucket_interval: bucket time and nested key",
            "max_threshold: 400\nquery_key: host.name\nbucket_interval: {minutes: 5}\n",
            json!({"bucket_aggs": {"buckets": [{"key": "a", "interval_aggs": {"buckets": [
                interval("2026-01-01T00:05:00.000Z", json!(500.0)),
                interval("2026-01-01T00:10:00.000Z", json!(100.0))]}}]}}),
            vec![
                json!({"@timestamp": "2026-01-01T00:05:00Z", "host": {"name": "a"},
                        "metric_ms_avg": 500.0, "metric_agg_value": 500.0}),
            ],
        ),
        (
            // ElastAlert2 leaves metric_agg_value out here; ours adds it (see the module doc).
            "compound query_key, bucket_interval: segment end, components, joined key",
            "max_threshold: 400\nquery_key: [dc, host]\nbucket_interval: {minutes: 5}\n",
            json!({"bucket_aggs": {"buckets": [{"key": "eu", "bucket_aggs": {"buckets": [
                {"key": "a", "interval_aggs": {"buckets": [
                    interval("2026-01-01T00:05:00.000Z", json!(500.0)),
                    interval("2026-01-01T00:10:00.000Z", Value::Null)]}}]}}]}}),
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "dc": "eu", "host": "a", "dc,host": "eu,a",
                        "metric_ms_avg": 500.0, "metric_agg_value": 500.0}),
            ],
        ),
        (
            "max_threshold is exclusive",
            "max_threshold: 375.25\n",
            avg(json!(375.25)),
            vec![],
        ),
        (
            "min_threshold is exclusive",
            "min_threshold: 375.25\n",
            avg(json!(375.25)),
            vec![],
        ),
        (
            "metric_format_string with %",
            "max_threshold: 0\nmetric_format_string: '%.2f'\n",
            avg(json!(1375.25)),
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 1375.25, "metric_agg_value": 1375.25,
                        "metric_ms_avg_formatted": "1375.25", "metric_agg_value_formatted": "1375.25"}),
            ],
        ),
        (
            "metric_format_string with str.format",
            "max_threshold: 0\nmetric_format_string: '{:,.0f}'\n",
            avg(json!(1375.25)),
            vec![
                json!({"@timestamp": "2026-01-01T00:15:00Z", "metric_ms_avg": 1375.25, "metric_agg_value": 1375.25,
                        "metric_ms_avg_formatted": "1,375", "metric_agg_value_formatted": "1,375"}),
            ],
        ),
        (
            "timestamp_field names the match's time field",
            "max_threshold: 0\ntimestamp_field: ts\n",
            avg(json!(1.0)),
            vec![
                json!({"ts": "2026-01-01T00:15:00Z", "metric_ms_avg": 1.0, "metric_agg_value": 1.0}),
            ],
        ),
    ];
    for (case, extra, payload, expected) in cases {
        assert_eq!(feed(extra, &payload), expected, "{case}");
    }
}

/// Options that only shape the query (ElastAlert2's `generate_aggregation_query` and
/// `get_aggregation_query`).
#[test]
fn each_query_option_shapes_the_aggregation() {
    let cases = [
        (
            "metric_agg_script mapping: the agg body",
            "max_threshold: 1\nmetric_agg_script: {script: {source: x}}\n",
            json!({"metric_ms_avg": {"avg": {"script": {"source": "x"}}}}),
        ),
        (
            "timestamp_field: the date_histogram field",
            "max_threshold: 1\ntimestamp_field: ts\nbucket_interval: {minutes: 5}\n",
            json!({"interval_aggs": {"date_histogram": {"field": "ts", "fixed_interval": "5m"},
                   "aggs": {"metric_ms_avg": {"avg": {"field": "ms"}}}}}),
        ),
        (
            "use_run_every_query_size: bucket_interval divides run_every",
            "max_threshold: 1\nuse_run_every_query_size: true\nrun_every: {minutes: 2}\nbucket_interval: {minutes: 1}\n",
            json!({"interval_aggs": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1m"},
                   "aggs": {"metric_ms_avg": {"avg": {"field": "ms"}}}}}),
        ),
    ];
    for (case, extra, expected) in cases {
        assert_eq!(build(extra).aggregation_query(), Some(expected), "{case}");
    }
}
