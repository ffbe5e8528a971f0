//! Unit tests of `frequency` (kept beside it to keep `frequency.rs` short).

use super::*;
use crate::rules::key::testing::{at, event, rule, try_rule};
use crate::rules::test_support::{Step, overriding, run_steps};
use serde_json::json;

const BASE: &str = "type: frequency\nnum_events: 3\ntimeframe: {seconds: 10}\n";

fn frequency(extra: &str) -> Frequency {
    Frequency::new(FrequencyConfig::from_rule(&rule(&format!("{BASE}{extra}"))).unwrap())
}

fn feed(f: &mut Frequency, docs: &[(f64, Value)]) -> Vec<Match> {
    let events: Vec<Event> = docs.iter().map(|(t, d)| event(*t, d.clone())).collect();
    f.add_data(&events);
    f.take_matches()
}

fn times(found: &[Match]) -> Vec<String> {
    found.iter().map(|m| m.timestamp.to_iso()).collect()
}

#[test]
fn fires_when_num_events_reached_within_timeframe_and_restarts_counting() {
    let mut f = frequency("");
    let docs: Vec<(f64, Value)> = (0..7).map(|i| (f64::from(i), json!({ "n": i }))).collect();
    let found = feed(&mut f, &docs);
    assert_eq!(
        times(&found),
        ["2026-01-01T00:00:02Z", "2026-01-01T00:00:05Z"]
    );
    assert_eq!(found[0].body["n"], json!(2));
    assert_eq!(found[0].body["@timestamp"], json!("2026-01-01T00:00:02Z"));
}

#[test]
fn events_exactly_timeframe_apart_are_not_counted_together() {
    let mut f = frequency("");
    assert!(
        feed(
            &mut f,
            &[(0.0, json!({})), (5.0, json!({})), (10.0, json!({}))]
        )
        .is_empty()
    );
    assert_eq!(feed(&mut f, &[(10.5, json!({}))]).len(), 1);
}

#[test]
fn the_match_is_the_newest_event_even_when_data_arrives_out_of_order() {
    let mut f = frequency("");
    assert!(
        feed(
            &mut f,
            &[(5.0, json!({"n": "newest"})), (1.0, json!({"n": "old"}))]
        )
        .is_empty()
    );
    let found = feed(&mut f, &[(2.0, json!({"n": "late"}))]);
    assert_eq!(found[0].body["n"], json!("newest"));
    assert_eq!(times(&found), ["2026-01-01T00:00:05Z"]);
}

#[test]
fn query_key_counts_each_value_apart_and_missing_values_together() {
    let mut f = frequency("query_key: host\n");
    let docs = [
        (0.0, json!({"host": "a"})),
        (1.0, json!({"host": "b"})),
        (2.0, json!({})),
        (3.0, json!({"host": "a"})),
        (4.0, json!({"host": null})),
        (5.0, json!({"host": "a"})),
        (6.0, json!({})),
    ];
    let found = feed(&mut f, &docs);
    assert_eq!(
        times(&found),
        ["2026-01-01T00:00:05Z", "2026-01-01T00:00:06Z"]
    );
}

#[test]
fn compound_query_keys_group_by_every_component() {
    let mut f = frequency("query_key: [host, user]\n");
    let doc = |h: &str, u: &str| json!({"host": h, "user": u});
    let docs = [
        (0.0, doc("a", "x")),
        (1.0, doc("a", "y")),
        (2.0, doc("a", "x")),
        (3.0, doc("a", "x")),
    ];
    assert_eq!(times(&feed(&mut f, &docs)), ["2026-01-01T00:00:03Z"]);
}

#[test]
fn attach_related_adds_the_other_events_of_the_window() {
    let mut f = frequency("attach_related: true\n");
    let found = feed(&mut f, &[(0.0, json!({"n": 0}))]);
    assert!(found.is_empty());
    let found = feed(&mut f, &[(1.0, json!({"n": 1})), (2.5, json!({"n": 2}))]);
    let related = &found[0].body["related_events"];
    assert_eq!(
        related[0],
        json!({"n": 0, "@timestamp": "2026-01-01T00:00:00Z"})
    );
    assert_eq!(related[1]["n"], json!(1));
    assert_eq!(related.as_array().map(Vec::len), Some(2));
}

#[test]
fn only_the_newest_document_of_each_key_is_kept_between_batches() {
    let mut f = frequency("num_events: 100\nquery_key: host\n");
    let docs: Vec<(f64, Value)> = (0..50)
        .map(|i| (f64::from(i) / 10.0, json!({"host": i % 2})))
        .collect();
    feed(&mut f, &docs);
    assert_eq!(f.occurrences.store.len(), 2);
}

#[test]
fn garbage_collect_drops_keys_quiet_for_more_than_timeframe() {
    let mut f = frequency("");
    feed(&mut f, &[(0.0, json!({})), (1.0, json!({}))]);
    f.garbage_collect(at(11.0));
    assert_eq!(
        feed(&mut f, &[(11.0, json!({}))]).len(),
        0,
        "kept at exactly timeframe"
    );
    f.garbage_collect(at(21.5));
    assert!(feed(&mut f, &[(21.5, json!({})), (22.0, json!({}))]).is_empty());
    assert_eq!(f.occurrences.store.len(), 1);
}

#[test]
fn count_query_points_match_with_only_the_timestamp() {
    let mut f = frequency("use_count_query: true\n");
    f.add_count_data(at(60.0), 2).unwrap();
    f.add_count_data(at(65.0), 1).unwrap();
    let found = f.take_matches();
    assert_eq!(found.len(), 1);
    assert_eq!(
        Value::Object(found[0].body.clone()),
        json!({"@timestamp": "2026-01-01T00:01:05Z"})
    );
}

#[test]
fn terms_buckets_count_per_key_and_match_with_the_key_field() {
    let mut f = frequency("use_terms_query: true\nquery_key: host\n");
    let buckets = [
        json!({"key": "a", "doc_count": 2}),
        json!({"key": "b", "doc_count": 5}),
    ];
    f.add_terms_data(at(60.0), &buckets).unwrap();
    let found = f.take_matches();
    assert_eq!(found.len(), 1);
    assert_eq!(
        Value::Object(found[0].body.clone()),
        json!({"@timestamp": "2026-01-01T00:01:00Z", "host": "b"})
    );
    assert!(f.add_terms_data(at(61.0), &[json!({"key": "a"})]).is_err());
}

#[test]
fn options_are_read_with_elastalert2_defaults_and_checked() {
    let c = FrequencyConfig::from_rule(&rule(BASE)).unwrap();
    assert_eq!(
        (
            c.num_events,
            c.terms_size,
            c.attach_related,
            c.use_count_query
        ),
        (3, 50, false, false)
    );
    assert_eq!(c.timeframe, Duration::from_secs(10));
    let cases = [
        (
            "type: frequency\ntimeframe: {seconds: 1}\n",
            "missing required option 'num_events'",
        ),
        (
            "type: frequency\nnum_events: 1\ntimeframe: {seconds: 0}\n",
            "option 'timeframe': must be longer than zero",
        ),
        (
            "type: frequency\nnum_events: 1\n",
            "missing required option 'timeframe'",
        ),
    ];
    for (yaml, message) in cases {
        let err = try_rule(yaml)
            .and_then(|r| FrequencyConfig::from_rule(&r))
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{err}");
    }
}

/// One case per option, with the whole match bodies; expected values from ElastAlert2's
/// `FrequencyRule` fed the same steps (the compound key's `host,user` field is the one its
/// `process_hits` adds to every document).
#[test]
fn each_option_changes_the_matches() {
    let t = |s: &str| format!("2026-01-01T00:00:0{s}Z");
    let docs = |n: i32| Step::Docs((0..n).map(|i| (f64::from(i), json!({"n": i}))).collect());
    let cases = [
        (
            "num_events: 2",
            "num_events: 2\n",
            vec![docs(4)],
            vec![
                json!({"n": 1, "@timestamp": t("1")}),
                json!({"n": 3, "@timestamp": t("3")}),
            ],
        ),
        (
            "timeframe: 2 s holds only two of the one-per-second events",
            "timeframe: {seconds: 2}\n",
            vec![docs(4)],
            vec![],
        ),
        (
            "attach_related false: no related_events",
            "",
            vec![docs(3)],
            vec![json!({"n": 2, "@timestamp": t("2")})],
        ),
        (
            "attach_related with count points: the other points",
            "use_count_query: true\nattach_related: true\n",
            vec![Step::Count(0.0, 1), Step::Count(5.0, 2)],
            vec![json!({"@timestamp": t("5"), "related_events": [{"@timestamp": t("0")}]})],
        ),
        (
            "compound query_key: a missing part is 'None', like the string 'None'",
            "query_key: [host, user]\n",
            vec![Step::Docs(vec![
                (0.0, json!({"host": "a", "host,user": "a, None"})),
                (
                    1.0,
                    json!({"host": "a", "user": null, "host,user": "a, None"}),
                ),
                (
                    2.0,
                    json!({"host": "a", "user": "None", "host,user": "a, None"}),
                ),
            ])],
            vec![
                json!({"host": "a", "user": "None", "host,user": "a, None", "@timestamp": t("2")}),
            ],
        ),
        (
            "use_terms_query: one window per bucket key",
            "use_terms_query: true\nquery_key: host\n",
            vec![
                Step::Terms(
                    0.0,
                    json!([{"key": "a", "doc_count": 2}, {"key": "b", "doc_count": 1}]),
                ),
                Step::Terms(
                    5.0,
                    json!([{"key": "a", "doc_count": 1}, {"key": "b", "doc_count": 1}]),
                ),
            ],
            vec![json!({"@timestamp": t("5"), "host": "a"})],
        ),
        (
            "timestamp_field names the synthetic events' field",
            "use_count_query: true\ntimestamp_field: ts\n",
            vec![Step::Count(0.0, 3)],
            vec![json!({"ts": t("0")})],
        ),
        (
            "doc_type is accepted and changes nothing",
            "doc_type: d\n",
            vec![docs(3)],
            vec![json!({"n": 2, "@timestamp": t("2")})],
        ),
    ];
    for (case, extra, steps, expected) in cases {
        let config = FrequencyConfig::from_rule(&rule(&overriding(BASE, extra))).unwrap();
        let found = run_steps(&mut Frequency::new(config), &steps);
        assert_eq!(found, expected, "{case}");
    }
}

/// `terms_size` is read for the engine's terms query (its effect on the buckets is
/// `alert-engine/tests/query_kinds.rs`); `use_terms_query` needs `query_key`.
#[test]
fn terms_options_are_read_and_checked() {
    let c = FrequencyConfig::from_rule(&rule(&format!(
        "{BASE}use_terms_query: true\nquery_key: host\nterms_size: 7\n"
    )))
    .unwrap();
    assert_eq!((c.use_terms_query, c.terms_size), (true, 7));
    let err = try_rule(&format!("{BASE}use_terms_query: true\n"))
        .and_then(|r| FrequencyConfig::from_rule(&r))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing required option 'query_key'"), "{err}");
}
