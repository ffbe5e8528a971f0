//! Unit tests of `percentage_match` (kept beside it to keep `percentage_match.rs` short).

use super::*;
use crate::aggregate::{Context, evaluate};
use crate::rules::test_support::{rule, try_rule};

const BASE: &str =
    "type: percentage_match\nmatch_bucket_filter:\n  - range: {status: {gte: 500}}\n";

fn build(extra: &str) -> PercentageMatch {
    PercentageMatch::new(
        PercentageMatchConfig::from_rule(&rule(&format!("{BASE}{extra}"))).unwrap(),
    )
}

fn t(minute: i64) -> Timestamp {
    Timestamp::from_micros(1_767_225_600_000_000 + minute * 60_000_000)
}

/// Documents `(minute, host, status)` evaluated with the rule's own query.
fn run(r: &mut PercentageMatch, docs: &[(i64, &str, u64)], end: i64) -> Vec<Value> {
    let events: Vec<Event> = docs
        .iter()
        .map(|(m, host, status)| {
            Event::new(t(*m), json!({"host": host, "dc": "eu", "status": status}))
        })
        .collect();
    let query = r.aggregation_query_for_run(t(0)).unwrap();
    let payload = evaluate(&query, &events, &Context::new("@timestamp", t(0))).unwrap();
    r.add_aggregation_data(t(end), &payload).unwrap();
    r.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

const DOCS: [(i64, &str, u64); 5] = [
    (1, "a", 500),
    (2, "a", 200),
    (3, "b", 200),
    (6, "b", 200),
    (7, "b", 503),
];

#[test]
fn fires_above_max_percentage_with_percentage_and_denominator() {
    let m = run(&mut build("max_percentage: 30\n"), &DOCS, 15);
    assert_eq!(
        m,
        vec![json!({"@timestamp": "2026-01-01T00:15:00Z", "percentage": 40.0, "denominator": 5})]
    );
    assert!(run(&mut build("max_percentage: 40\n"), &DOCS, 15).is_empty());
}

#[test]
fn fires_below_min_percentage() {
    assert_eq!(run(&mut build("min_percentage: 50\n"), &DOCS, 15).len(), 1);
    assert!(run(&mut build("min_percentage: 40\n"), &DOCS, 15).is_empty());
}

#[test]
fn min_denominator_and_empty_segments_are_not_checked() {
    assert!(
        run(
            &mut build("min_percentage: 50\nmin_denominator: 6\n"),
            &DOCS,
            15
        )
        .is_empty()
    );
    assert!(run(&mut build("min_percentage: 50\n"), &[], 15).is_empty());
}

#[test]
fn query_key_gives_one_percentage_per_key() {
    let m = run(
        &mut build("max_percentage: 40\nquery_key: host\n"),
        &DOCS,
        15,
    );
    assert_eq!(
        m,
        vec![
            json!({"@timestamp": "2026-01-01T00:15:00Z", "percentage": 50.0, "denominator": 2, "host": "a"})
        ]
    );
    let m = run(
        &mut build("max_percentage: 40\nquery_key: [dc, host]\n"),
        &DOCS,
        15,
    );
    assert_eq!(
        (m[0]["dc,host"].clone(), m[0]["host"].clone()),
        (json!("eu,a"), json!("a"))
    );
}

#[test]
fn bucket_interval_checks_each_bucket_at_its_start() {
    let m = run(
        &mut build("max_percentage: 40\nbucket_interval: {minutes: 5}\n"),
        &DOCS,
        15,
    );
    let times: Vec<&Value> = m.iter().map(|m| &m["@timestamp"]).collect();
    assert_eq!(times, [&json!("2026-01-01T00:05:00Z")]);
}

#[test]
fn percentage_format_string_adds_percentage_formatted() {
    let m = run(
        &mut build("max_percentage: 30\npercentage_format_string: '%.1f%%'\n"),
        &DOCS,
        15,
    );
    assert_eq!(m[0]["percentage_formatted"], json!("40.0%"));
}

#[test]
fn the_query_is_elastalert2s_filters_body() {
    let q = build("max_percentage: 1\n").aggregation_query().unwrap();
    let expected = json!({"percentage_match_aggs": {"filters": {"other_bucket": true, "filters": {
        "match_bucket": {"bool": {"must": [{"range": {"status": {"gte": 500}}}]}}}}}});
    assert_eq!(q, expected);
}

#[test]
fn bad_options_are_named() {
    let two_slots = format!("{BASE}max_percentage: 1\npercentage_format_string: '{{}} {{}}'\n");
    let cases = [
        (BASE, "max_percentage"),
        (
            "type: percentage_match\nmatch_bucket_filter: {term: {a: 1}}\nmax_percentage: 1\n",
            "match_bucket_filter",
        ),
        (two_slots.as_str(), "percentage_format_string"),
    ];
    for (yaml, expected) in cases {
        let err = try_rule(yaml)
            .and_then(|r| PercentageMatchConfig::from_rule(&r))
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{yaml}: {err}");
    }
    let mut r = build("max_percentage: 1\n");
    assert!(r.add_aggregation_data(t(0), &json!({})).is_err());
}

/// The `percentage_match_aggs` buckets of `matching` and `other` documents.
fn counts(matching: u64, other: u64) -> Value {
    json!({"percentage_match_aggs": {"buckets": {
        "match_bucket": {"doc_count": matching}, "_other_": {"doc_count": other}}}})
}

/// One case per option that shapes a match, on ES-shaped payloads for the segment ending at
/// 00:15; expected bodies from ElastAlert2's `PercentageMatchRule.check_matches`.
#[test]
fn each_option_shapes_the_match() {
    let end = "2026-01-01T00:15:00Z";
    let bucket = |key: &str, matching: u64, other: u64| {
        let mut b = counts(matching, other);
        b["key"] = json!(key);
        b
    };
    let interval = |time: &str, matching: u64, other: u64| {
        let mut b = counts(matching, other);
        b["key_as_string"] = json!(time);
        b
    };
    let cases = [
        (
            "query_key dotted: the key nested",
            "max_percentage: 30\nquery_key: host.name\n",
            json!({"bucket_aggs": {"buckets": [bucket("a", 2, 3)]}}),
            vec![
                json!({"@timestamp": end, "percentage": 40.0, "denominator": 5, "host": {"name": "a"}}),
            ],
        ),
        (
            "bucket_interval: each bucket at its start, empty ones skipped",
            "max_percentage: 30\nbucket_interval: {minutes: 5}\n",
            json!({"interval_aggs": {"buckets": [
                interval("2026-01-01T00:05:00.000Z", 1, 1),
                interval("2026-01-01T00:10:00.000Z", 0, 0)]}}),
            vec![
                json!({"@timestamp": "2026-01-01T00:05:00Z", "percentage": 50.0, "denominator": 2}),
            ],
        ),
        (
            "min_denominator equal to the total: checked",
            "min_percentage: 50\nmin_denominator: 5\n",
            counts(2, 3),
            vec![json!({"@timestamp": end, "percentage": 40.0, "denominator": 5})],
        ),
        (
            "min_denominator above the total: skipped",
            "min_percentage: 50\nmin_denominator: 6\n",
            counts(2, 3),
            vec![],
        ),
        (
            "max_percentage is exclusive",
            "max_percentage: 40\n",
            counts(2, 3),
            vec![],
        ),
        (
            "min_percentage is exclusive",
            "min_percentage: 40\n",
            counts(2, 3),
            vec![],
        ),
        (
            "percentage_format_string with str.format",
            "max_percentage: 30\npercentage_format_string: '{:.1f}'\n",
            counts(2, 3),
            vec![
                json!({"@timestamp": end, "percentage": 40.0, "denominator": 5, "percentage_formatted": "40.0"}),
            ],
        ),
        (
            "timestamp_field names the match's time field",
            "max_percentage: 30\ntimestamp_field: ts\n",
            counts(2, 3),
            vec![json!({"ts": end, "percentage": 40.0, "denominator": 5})],
        ),
    ];
    for (case, extra, payload, expected) in cases {
        let mut r = build(extra);
        r.add_aggregation_data(t(15), &payload).unwrap();
        let found: Vec<Value> = r
            .take_matches()
            .into_iter()
            .map(|m| Value::Object(m.body))
            .collect();
        assert_eq!(found, expected, "{case}");
    }
}

/// Options that shape the query and the run's start: `terms_size`, `min_doc_count`,
/// `sync_bucket_interval`, `use_run_every_query_size`.
#[test]
fn each_query_option_shapes_the_aggregation() {
    let q = build("max_percentage: 1\nquery_key: host\nterms_size: 5\nmin_doc_count: 2\n")
        .aggregation_query()
        .unwrap();
    assert_eq!(
        q["bucket_aggs"]["terms"],
        json!({"field": "host", "size": 5, "min_doc_count": 2})
    );
    let start = t(7).plus(crate::time::Duration::from_secs(30));
    let cases = [
        (
            "offset without sync_bucket_interval",
            "",
            start,
            Some(json!("+150s")),
        ),
        (
            "sync_bucket_interval floors the start",
            "sync_bucket_interval: true\n",
            t(5),
            None,
        ),
    ];
    for (case, extra, aligned, offset) in cases {
        let r = build(&format!(
            "max_percentage: 1\nbucket_interval: {{minutes: 5}}\n{extra}"
        ));
        assert_eq!(r.align_run_start(start), aligned, "{case}");
        let q = r
            .aggregation_query_for_run(r.align_run_start(start))
            .unwrap();
        assert_eq!(
            q["interval_aggs"]["date_histogram"].get("offset").cloned(),
            offset,
            "{case}"
        );
    }
    let err = try_rule(&format!(
        "{BASE}max_percentage: 1\nuse_run_every_query_size: true\nrun_every: {{minutes: 2}}\nbucket_interval: {{minutes: 4}}\n"
    ))
    .and_then(|r| PercentageMatchConfig::from_rule(&r))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("run_every must be evenly divisible"),
        "{err}"
    );
}
