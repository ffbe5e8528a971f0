//! Unit tests of `flatline` (kept beside it to keep `flatline.rs` short).

use super::*;
use crate::rules::key::testing::{at, event, rule, try_rule};
use crate::rules::test_support::{Step, overriding, run_steps};
use serde_json::json;

const BASE: &str = "type: flatline\nthreshold: 3\ntimeframe: {seconds: 10}\n";

fn flatline(extra: &str) -> Flatline {
    Flatline::new(FlatlineConfig::from_rule(&rule(&format!("{BASE}{extra}"))).unwrap())
}

fn bodies(f: &mut Flatline) -> Vec<Value> {
    f.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

#[test]
fn garbage_collect_fires_for_all_without_any_data_once_timeframe_has_elapsed() {
    let mut f = flatline("");
    f.garbage_collect(at(0.0));
    f.garbage_collect(at(5.0));
    assert!(bodies(&mut f).is_empty());
    f.garbage_collect(at(10.0));
    let expected =
        json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "all", "count": 0, "threshold": 3});
    assert_eq!(bodies(&mut f), vec![expected]);
}

#[test]
fn keeps_matching_on_every_check_while_below_threshold() {
    let mut f = flatline("");
    for t in [0.0, 10.0, 15.0, 20.0] {
        f.garbage_collect(at(t));
    }
    assert_eq!(bodies(&mut f).len(), 3);
}

#[test]
fn a_document_match_carries_the_document_with_key_count_and_threshold() {
    let mut f = flatline("");
    f.garbage_collect(at(0.0));
    f.add_data(&[event(11.0, json!({"n": 1}))]);
    let expected = json!({"n": 1, "@timestamp": "2026-01-01T00:00:11Z", "key": "all", "count": 1, "threshold": 3});
    assert_eq!(bodies(&mut f), vec![expected]);
}

#[test]
fn add_data_checks_only_the_key_of_the_last_document() {
    let mut f = flatline("query_key: host\n");
    f.add_data(&[
        event(0.0, json!({"host": "a"})),
        event(0.0, json!({"host": "b"})),
    ]);
    f.garbage_collect(at(12.0));
    let keys: Vec<Value> = bodies(&mut f).iter().map(|b| b["key"].clone()).collect();
    assert_eq!(keys, vec![json!("b")]);
}

#[test]
fn with_query_key_only_keys_seen_once_can_match() {
    let mut f = flatline("query_key: host\n");
    f.garbage_collect(at(0.0));
    f.garbage_collect(at(30.0));
    assert!(bodies(&mut f).is_empty());
}

#[test]
fn a_missing_query_key_value_is_the_key_none() {
    let mut f = flatline("query_key: host\n");
    f.add_data(&[event(0.0, json!({"other": 1}))]);
    f.garbage_collect(at(10.0));
    assert_eq!(bodies(&mut f)[0]["key"], Value::Null);
}

#[test]
fn forget_keys_forgets_a_key_after_it_matched() {
    let mut f = flatline("query_key: host\nforget_keys: true\n");
    f.add_data(&[event(0.0, json!({"host": "a"}))]);
    f.garbage_collect(at(10.0));
    f.garbage_collect(at(20.0));
    assert_eq!(bodies(&mut f).len(), 1);
    assert!(f.occurrences.store.is_empty());
}

#[test]
fn count_query_points_are_checked_as_they_arrive() {
    let mut f = flatline("use_count_query: true\n");
    f.add_count_data(at(0.0), 5).unwrap();
    f.add_count_data(at(10.0), 1).unwrap();
    let expected =
        json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "all", "count": 1, "threshold": 3});
    assert_eq!(bodies(&mut f), vec![expected]);
}

#[test]
fn terms_buckets_match_with_the_query_key_field() {
    let mut f = flatline("use_terms_query: true\nquery_key: host\n");
    f.add_terms_data(at(0.0), &[json!({"key": "a", "doc_count": 5})])
        .unwrap();
    f.add_terms_data(at(10.0), &[json!({"key": "a", "doc_count": 1})])
        .unwrap();
    let expected = json!({"@timestamp": "2026-01-01T00:00:10Z", "host": "a", "key": "a", "count": 1, "threshold": 3});
    assert_eq!(bodies(&mut f), vec![expected]);
}

#[test]
fn enough_events_within_timeframe_do_not_match() {
    let mut f = flatline("");
    f.garbage_collect(at(0.0));
    f.add_data(&[
        event(8.0, json!({})),
        event(9.0, json!({})),
        event(10.0, json!({})),
    ]);
    f.garbage_collect(at(10.0));
    assert!(bodies(&mut f).is_empty());
}

#[test]
fn options_are_read_with_elastalert2_defaults_and_checked() {
    let c = FlatlineConfig::from_rule(&rule(BASE)).unwrap();
    assert_eq!((c.threshold, c.forget_keys, c.terms_size), (3.0, false, 50));
    let err = try_rule("type: flatline\ntimeframe: {seconds: 1}\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing required option 'threshold'"), "{err}");
    let err = try_rule("type: flatline\nthreshold: 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing required option 'timeframe'"), "{err}");
}

/// One case per option, with the whole match bodies; expected values from ElastAlert2's
/// `FlatlineRule` fed the same steps.
#[test]
fn each_option_changes_the_matches() {
    let counts = |second: u64| vec![Step::Count(0.0, 5), Step::Count(10.0, second)];
    let cases = [
        (
            "threshold 3: 2 events are too few",
            "",
            counts(2),
            vec![
                json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "all", "count": 2, "threshold": 3}),
            ],
        ),
        (
            "threshold 2: 2 events are enough",
            "threshold: 2\n",
            counts(2),
            vec![],
        ),
        (
            "timeframe 20 s: not checked before 20 s",
            "timeframe: {seconds: 20}\n",
            counts(1),
            vec![],
        ),
        (
            "compound query_key: key is the ', '-joined value",
            "query_key: [host, user]\n",
            vec![
                Step::Docs(vec![(
                    0.0,
                    json!({"host": "a", "user": "x", "host,user": "a, x"}),
                )]),
                Step::Collect(10.0),
            ],
            vec![
                json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "a, x", "count": 0, "threshold": 3}),
            ],
        ),
        (
            "forget_keys false: matches on every check",
            "query_key: host\n",
            vec![
                Step::Docs(vec![(0.0, json!({"host": "a"}))]),
                Step::Collect(10.0),
                Step::Collect(20.0),
            ],
            vec![
                json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "a", "count": 0, "threshold": 3}),
                json!({"@timestamp": "2026-01-01T00:00:20Z", "key": "a", "count": 0, "threshold": 3}),
            ],
        ),
        (
            "timestamp_field names the placeholder's field",
            "timestamp_field: ts\n",
            vec![Step::Collect(0.0), Step::Collect(10.0)],
            vec![json!({"ts": "2026-01-01T00:00:10Z", "key": "all", "count": 0, "threshold": 3})],
        ),
        (
            "doc_type is accepted and changes nothing",
            "use_count_query: true\ndoc_type: d\n",
            counts(2),
            vec![
                json!({"@timestamp": "2026-01-01T00:00:10Z", "key": "all", "count": 2, "threshold": 3}),
            ],
        ),
    ];
    for (case, extra, steps, expected) in cases {
        let config = FlatlineConfig::from_rule(&rule(&overriding(BASE, extra))).unwrap();
        assert_eq!(
            run_steps(&mut Flatline::new(config), &steps),
            expected,
            "{case}"
        );
    }
}

/// `terms_size` is read for the engine's terms query; `use_terms_query` needs `query_key`;
/// `threshold` is an integer.
#[test]
fn terms_options_and_threshold_are_read_and_checked() {
    let c = FlatlineConfig::from_rule(&rule(&format!(
        "{BASE}use_terms_query: true\nquery_key: host\nterms_size: 7\n"
    )))
    .unwrap();
    assert_eq!((c.use_terms_query, c.terms_size), (true, 7));
    let cases = [
        (
            "use_terms_query: true\n",
            "missing required option 'query_key'",
        ),
        ("threshold: 2.5\n", "option 'threshold' must be an integer"),
    ];
    for (extra, message) in cases {
        let err = try_rule(&overriding(BASE, extra))
            .and_then(|r| FlatlineConfig::from_rule(&r))
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{extra}: {err}");
    }
}
