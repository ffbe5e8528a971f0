//! `run_test_rule` answers every kind of query a rule sends (hits, counts, terms buckets,
//! aggregations) from the data file, as Elasticsearch would answer ElastAlert2's queries.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use std::path::Path;

use alert_core::config::{ConfigDefaults, GlobalConfig, MemoryFiles, Rule, load_rule_file};
use alert_core::time::{Duration, Timestamp};
use alert_engine::test_rule::{TestRuleOptions, TestRuleReport, run_test_rule};
use serde_json::{Value, json};

const CONFIG: &str = "rules_folder: rules\nrun_every: {minutes: 1}\nbuffer_time: {minutes: 15}\n";

fn no_env(_: &str) -> Option<String> {
    None
}

fn rule(yaml: &str) -> Rule {
    let files = MemoryFiles::new().with("config.yaml", CONFIG).with(
        "rules/r.yaml",
        format!("name: r\nindex: logs\nalert: debug\n{yaml}"),
    );
    let global = GlobalConfig::load(
        &files,
        Path::new("config.yaml"),
        &no_env,
        ConfigDefaults::TestRule,
    )
    .unwrap();
    load_rule_file(&files, &global, Path::new("rules/r.yaml"), &no_env).unwrap()
}

/// Runs `rule` over documents `(seconds after 2026-01-01T00:00:00Z, fields)`.
fn run(rule: &Rule, docs: &[(i64, Value)]) -> TestRuleReport {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.ndjson");
    let base = Timestamp::parse_iso("2026-01-01T00:00:00Z").unwrap();
    let lines: Vec<String> = docs
        .iter()
        .map(|(secs, fields)| {
            let mut doc = fields.clone();
            doc["@timestamp"] = json!(base.plus(Duration::from_secs(*secs)).to_iso());
            doc.to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let options = TestRuleOptions {
        global_run_every: Duration::from_mins(1),
        ..TestRuleOptions::default()
    };
    run_test_rule(rule, &path, &options, base, &mut |_| {}).unwrap()
}

fn json_matches(report: &TestRuleReport) -> Vec<Value> {
    report
        .matches
        .iter()
        .map(|m| serde_json::to_value(m.to_sorted_json()).unwrap())
        .collect()
}

#[test]
fn count_queries_feed_one_count_per_run_every_segment() {
    let r = rule(
        "type: frequency\nnum_events: 5\ntimeframe: {minutes: 3}\nuse_count_query: true\ndoc_type: d\n",
    );
    let docs = [
        (30, json!({})),
        (90, json!({})),
        (95, json!({})),
        (140, json!({})),
        (145, json!({})),
        (150, json!({})),
    ];
    let report = run(&r, &docs);
    let matches = json_matches(&report);
    assert_eq!(matches.len(), 1, "{matches:?}");
    // The window holds counts 1, 2 and 3; the match is the segment end that completed it.
    assert_eq!(matches[0]["@timestamp"], "2026-01-01T00:02:30Z");
    assert_eq!(matches[0]["num_hits"], 6);
}

#[test]
fn terms_queries_feed_buckets_of_the_query_key_limited_by_terms_size() {
    let yaml = "type: frequency\nnum_events: 3\ntimeframe: {minutes: 5}\nuse_terms_query: true\nquery_key: host\ndoc_type: d\n";
    let docs = [
        (10, json!({"host": "a"})),
        (20, json!({"host": "a"})),
        (30, json!({"host": "b"})),
        (70, json!({"host": "a"})),
        (80, json!({"host": "a"})),
        (100, json!({"host": "b"})),
    ];
    let report = run(&rule(yaml), &docs);
    let matches = json_matches(&report);
    assert_eq!(matches.len(), 1, "{matches:?}");
    assert_eq!(matches[0]["host"], "a");
    assert_eq!(matches[0]["@timestamp"], "2026-01-01T00:01:40Z");
    // num_hits counts buckets: a and b in each of the two segments.
    assert_eq!(matches[0]["num_hits"], 4);

    let report = run(&rule(&format!("{yaml}terms_size: 1\n")), &docs);
    let matches = json_matches(&report);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0]["num_hits"], 2, "only the top bucket per segment");
}

#[test]
fn a_compound_query_key_is_one_field_holding_the_joined_values() {
    let r =
        rule("type: frequency\nnum_events: 2\ntimeframe: {minutes: 5}\nquery_key: [host, user]\n");
    let docs = [
        (10, json!({"host": "a", "user": "x"})),
        (20, json!({"host": "a", "user": "y"})),
        (30, json!({"host": "a", "user": "x"})),
        (40, json!({"host": "b"})),
        (50, json!({"host": "b"})),
    ];
    let matches = json_matches(&run(&r, &docs));
    let keys: Vec<&Value> = matches.iter().map(|m| &m["host,user"]).collect();
    assert_eq!(keys, [&json!("a, x"), &json!("b, None")]);
}

#[test]
fn aggregation_rules_query_whole_buffer_time_segments_and_count_aggregated_hits() {
    let r = rule(
        "type: metric_aggregation\nmetric_agg_key: ms\nmetric_agg_type: max\nmax_threshold: 100\nbuffer_time: {minutes: 1}\n",
    );
    let docs = [
        (10, json!({"ms": 50})),
        (70, json!({"ms": 150})),
        (80, json!({"ms": 20})),
        // In the last, partial minute: aggregation queries drop it, as ElastAlert2 does.
        (130, json!({"ms": 900})),
    ];
    let matches = json_matches(&run(&r, &docs));
    assert_eq!(matches.len(), 1, "{matches:?}");
    assert_eq!(matches[0]["metric_ms_max"], 150.0);
    assert_eq!(matches[0]["num_hits"], 3);
}

#[test]
fn new_term_learns_its_baseline_from_documents_before_the_range() {
    let r = rule(
        "type: new_term\nfields: [user]\nterms_window_size: {days: 1}\nwindow_step_size: {hours: 1}\n",
    );
    let docs = [(10, json!({"user": "old"})), (100, json!({"user": "new"}))];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.ndjson");
    let lines: Vec<String> = docs
        .iter()
        .map(|(secs, d)| {
            let mut d = d.clone();
            d["@timestamp"] = json!(format!("2026-01-01T00:{:02}:{:02}Z", secs / 60, secs % 60));
            d.to_string()
        })
        .chain([json!({"@timestamp": "2026-01-01T00:02:00Z", "user": "old"}).to_string()])
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    let options = TestRuleOptions {
        start: Timestamp::parse_iso("2026-01-01T00:01:00Z"),
        global_run_every: Duration::from_mins(1),
        ..TestRuleOptions::default()
    };
    let now = Timestamp::parse_iso("2026-01-01T00:03:00Z").unwrap();
    let report = run_test_rule(&r, &path, &options, now, &mut |_| {}).unwrap();
    let matches = json_matches(&report);
    assert_eq!(matches.len(), 1, "{matches:?}");
    assert_eq!(matches[0]["user"], "new");
    assert_eq!(matches[0]["new_field"], "user");
}

#[test]
fn blacklist_queries_only_listed_values_so_num_hits_counts_them() {
    let r = rule("type: blacklist\ncompare_key: user\nblacklist: [mallory, eve]\n");
    let docs = [
        (10, json!({"user": "alice"})),
        (20, json!({"user": "mallory"})),
        (30, json!({"user": "bob"})),
    ];
    let report = run(&r, &docs);
    let matches = json_matches(&report);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0]["user"], "mallory");
    assert_eq!(matches[0]["num_hits"], 1);
    assert_eq!(report.matched_filters, 1);
}
