//! Unit tests of `spike_aggregation` (kept beside it to keep `spike_aggregation.rs` short).

use super::*;
use crate::rules::test_support::{overriding, rule};

const BASE: &str =
    "type: spike_aggregation\nmetric_agg_key: ms\ntimeframe: {minutes: 10}\nspike_height: 3\n";

fn build(extra: &str) -> SpikeAggregation {
    let default = |option: &str, line: &'static str| if extra.contains(option) { "" } else { line };
    let kind = default("metric_agg_type", "metric_agg_type: max\n");
    let r = rule(&format!(
        "{BASE}{kind}{}{extra}",
        default("spike_type", "spike_type: both\n")
    ));
    SpikeAggregation::new(SpikeAggregationConfig::from_rule(&r).unwrap())
}

fn at(minute: i64) -> Timestamp {
    Timestamp::from_micros(1_767_225_600_000_000 + minute * 60_000_000)
}

/// Feeds one payload per 5-minute segment (a `null` value is sent as ES sends it) and
/// garbage-collects after each, as the run loop does.
fn feed(r: &mut SpikeAggregation, name: &str, values: &[Value]) -> Vec<Value> {
    for (i, value) in values.iter().enumerate() {
        let end = at(5 * (i as i64 + 1));
        r.add_aggregation_data(end, &json!({ name: {"value": value} }))
            .unwrap();
        r.garbage_collect(end);
    }
    r.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

#[test]
fn fires_when_the_current_max_reaches_spike_height_times_the_reference() {
    let m = feed(
        &mut build(""),
        "metric_ms_max",
        &[json!(100), json!(100), json!(100), json!(100), json!(400)],
    );
    assert_eq!(
        m,
        vec![
            json!({"@timestamp": "2026-01-01T00:20:00Z", "spike_count": 400.0, "reference_count": 100.0})
        ]
    );
}

#[test]
fn never_fires_before_the_reference_window_has_filled() {
    assert!(
        feed(
            &mut build(""),
            "metric_ms_max",
            &[json!(1), json!(1), json!(900), json!(900)]
        )
        .is_empty()
    );
}

#[test]
fn spike_type_selects_the_direction() {
    let rising = [json!(100), json!(100), json!(100), json!(100), json!(400)];
    assert!(feed(&mut build("spike_type: down\n"), "metric_ms_max", &rising).is_empty());
    let falling = [
        json!(300),
        json!(300),
        json!(90),
        json!(90),
        json!(90),
        json!(90),
    ];
    let m = feed(&mut build("spike_type: down\n"), "metric_ms_max", &falling);
    assert_eq!((m.len(), m[0]["spike_count"].clone()), (1, json!(90.0)));
}

#[test]
fn threshold_cur_and_threshold_ref_suppress_small_values() {
    let rising = [json!(100), json!(100), json!(100), json!(100), json!(400)];
    assert!(feed(&mut build("threshold_cur: 500\n"), "metric_ms_max", &rising).is_empty());
    assert!(feed(&mut build("threshold_ref: 101\n"), "metric_ms_max", &rising).is_empty());
}

#[test]
fn avg_uses_the_mean_without_placeholders_and_sum_types_add_points() {
    let rising = [json!(100), json!(100), json!(100), json!(100), json!(500)];
    let m = feed(
        &mut build("metric_agg_type: avg\n"),
        "metric_ms_avg",
        &rising,
    );
    assert_eq!(
        (m[0]["spike_count"].clone(), m[0]["reference_count"].clone()),
        (json!(300.0), json!(100.0))
    );
    let counts = [json!(10), json!(10), json!(10), json!(10), json!(70)];
    let m = feed(
        &mut build("metric_agg_type: value_count\n"),
        "metric_ms_value_count",
        &counts,
    );
    assert_eq!(
        (m[0]["spike_count"].clone(), m[0]["reference_count"].clone()),
        (json!(80), json!(20))
    );
}

#[test]
fn min_includes_zero_placeholders_like_elastalert2() {
    let steady = [json!(100), json!(100), json!(100), json!(100), json!(100)];
    let m = feed(
        &mut build("metric_agg_type: min\nspike_type: down\n"),
        "metric_ms_min",
        &steady,
    );
    assert_eq!(
        (m[0]["spike_count"].clone(), m[0]["reference_count"].clone()),
        (json!(0.0), json!(0.0))
    );
}

#[test]
fn null_metrics_are_not_fed_to_the_windows() {
    let m = feed(
        &mut build(""),
        "metric_ms_max",
        &[json!(100), json!(100), json!(100), json!(100), json!(null)],
    );
    assert!(m.is_empty());
}

#[test]
fn query_key_tracks_each_key_and_names_it_in_the_match() {
    let mut r = build("query_key: host\n");
    for (i, v) in [100, 100, 100, 100, 400].iter().enumerate() {
        let end = at(5 * (i as i64 + 1));
        let buckets = json!([{"key": "a", "doc_count": 1, "metric_ms_max": {"value": v}},
                             {"key": "b", "doc_count": 1, "metric_ms_max": {"value": 100}}]);
        r.add_aggregation_data(end, &json!({"bucket_aggs": {"buckets": buckets}}))
            .unwrap();
        r.garbage_collect(end);
    }
    let m = r.take_matches();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].body["host"], json!("a"));
    assert_eq!(
        r.aggregation_query().unwrap()["bucket_aggs"]["terms"]["field"],
        json!("host")
    );
}

#[test]
fn alert_on_new_data_checks_keys_seen_after_the_reference_filled() {
    let mut r = build("query_key: host\nalert_on_new_data: true\nmetric_agg_type: sum\n");
    for i in 0..6 {
        let end = at(5 * (i + 1));
        let mut buckets = vec![json!({"key": "old", "metric_ms_sum": {"value": 100}})];
        if i == 5 {
            buckets.push(json!({"key": "new", "metric_ms_sum": {"value": 50}}));
        }
        r.add_aggregation_data(end, &json!({"bucket_aggs": {"buckets": buckets}}))
            .unwrap();
    }
    assert_eq!(
        r.take_matches().len(),
        1,
        "ref 0, cur 50 is an up-spike for the new key"
    );
}

#[test]
fn keys_whose_windows_sum_to_zero_are_forgotten() {
    let mut r = build("query_key: host\nmetric_agg_type: sum\n");
    let payload =
        json!({"bucket_aggs": {"buckets": [{"key": "a", "metric_ms_sum": {"value": 0.0}}]}});
    r.add_aggregation_data(at(5), &payload).unwrap();
    r.garbage_collect(at(5));
    assert!(r.windows.is_empty());
}

/// One case per option, with the whole match bodies: five 5-minute segments, a
/// `garbage_collect` after each; expected values from ElastAlert2's
/// `SpikeMetricAggregationRule` fed the same payloads.
#[test]
fn each_option_changes_the_matches() {
    let plain = |name: &'static str| move |v: f64| json!({ name: {"value": v} });
    let at_20 = |spike: Value, reference: Value| json!({"@timestamp": "2026-01-01T00:20:00Z", "spike_count": spike, "reference_count": reference});
    type Wrap = Box<dyn Fn(f64) -> Value>;
    type Case = (&'static str, &'static str, Wrap, [f64; 5], Vec<Value>);
    let cases: [Case; 6] = [
        (
            "spike_height 3: 400 >= 3 x 100",
            "",
            Box::new(plain("metric_ms_max")),
            [100.0, 100.0, 100.0, 100.0, 400.0],
            vec![at_20(json!(400.0), json!(100.0))],
        ),
        (
            "spike_height 5: 400 < 5 x 100",
            "spike_height: 5\n",
            Box::new(plain("metric_ms_max")),
            [100.0, 100.0, 100.0, 100.0, 400.0],
            vec![],
        ),
        (
            "compound query_key: one window per ','-joined key, named in the match",
            "query_key: [dc, host]\n",
            Box::new(|v| {
                json!({"bucket_aggs": {"buckets": [{"key": "eu", "bucket_aggs": {"buckets": [
                    {"key": "a", "metric_ms_max": {"value": v}}]}}]}})
            }),
            [100.0, 100.0, 100.0, 100.0, 400.0],
            vec![
                json!({"@timestamp": "2026-01-01T00:20:00Z", "dc,host": "eu,a",
                        "spike_count": 400.0, "reference_count": 100.0}),
            ],
        ),
        (
            "percentiles with percentile_range: the first value, windows summed",
            "metric_agg_type: percentiles\npercentile_range: 50\n",
            Box::new(|v| json!({"metric_ms_percentiles": {"values": {"50.0": v}}})),
            [100.0, 100.0, 100.0, 100.0, 700.0],
            vec![at_20(json!(800.0), json!(200.0))],
        ),
        (
            "cardinality: windows summed, counts stay integers",
            "metric_agg_type: cardinality\n",
            Box::new(|v| json!({"metric_ms_cardinality": {"value": v as i64}})),
            [10.0, 10.0, 10.0, 10.0, 70.0],
            vec![at_20(json!(80), json!(20))],
        ),
        (
            "timestamp_field names the match's time field",
            "timestamp_field: ts\n",
            Box::new(plain("metric_ms_max")),
            [100.0, 100.0, 100.0, 100.0, 400.0],
            vec![
                json!({"ts": "2026-01-01T00:20:00Z", "spike_count": 400.0, "reference_count": 100.0}),
            ],
        ),
    ];
    for (case, extra, wrap, values, expected) in cases {
        let yaml = overriding(
            &format!("{BASE}metric_agg_type: max\nspike_type: both\n"),
            extra,
        );
        let r =
            &mut SpikeAggregation::new(SpikeAggregationConfig::from_rule(&rule(&yaml)).unwrap());
        for (i, v) in values.iter().enumerate() {
            let end = at(5 * (i as i64 + 1));
            r.add_aggregation_data(end, &wrap(*v)).unwrap();
            r.garbage_collect(end);
        }
        let found: Vec<Value> = r
            .take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect();
        assert_eq!(found, expected, "{case}");
    }
}

/// Options that only shape the query: `metric_agg_script`, `terms_size`, `min_doc_count`.
#[test]
fn query_options_shape_the_aggregation() {
    let r = build(
        "metric_agg_script: \"doc['ms'].value\"\nquery_key: host\nterms_size: 5\nmin_doc_count: 2\n",
    );
    let q = r.aggregation_query().unwrap();
    assert_eq!(
        q["bucket_aggs"]["terms"],
        json!({"field": "host", "size": 5, "min_doc_count": 2})
    );
    assert_eq!(
        q["bucket_aggs"]["aggs"]["metric_ms_max"],
        json!({"max": {"script": "doc['ms'].value"}})
    );
}

/// When data stops, the placeholders that `garbage_collect` adds slide the windows and can be
/// the match (`placeholder: true`, with the query key), as in ElastAlert2.
#[test]
fn a_placeholder_is_the_match_once_data_stops() {
    let mut r = build("query_key: host\nmetric_agg_type: sum\n");
    for i in 0..5 {
        let end = at(5 * (i + 1));
        let bucket = json!({"key": "a", "metric_ms_sum": {"value": 100.0}});
        r.add_aggregation_data(end, &json!({"bucket_aggs": {"buckets": [bucket]}}))
            .unwrap();
        r.garbage_collect(end);
    }
    for minute in [30, 35, 40] {
        r.garbage_collect(at(minute));
    }
    let found: Vec<Value> = r
        .take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect();
    let expected = json!({"@timestamp": "2026-01-01T00:35:00Z", "host": "a", "placeholder": true,
                          "spike_count": 0.0, "reference_count": 200.0});
    assert_eq!(found, vec![expected]);
}
