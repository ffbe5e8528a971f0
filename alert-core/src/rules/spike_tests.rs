//! Unit tests of `spike` (kept beside it to keep `spike.rs` short).

use super::*;
use crate::rules::key::testing::{at, event, rule};
use crate::rules::test_support::{Step, overriding, run_steps};
use serde_json::json;

fn spike(extra: &str) -> Spike {
    let yaml = format!("type: spike\ntimeframe: {{seconds: 10}}\nspike_height: 2\n{extra}");
    Spike::new(SpikeConfig::from_rule(&rule(&yaml)).unwrap())
}

/// One document per second from `from` to `to` inclusive, `doc(t)` each.
fn steady(s: &mut Spike, from: i32, to: i32, doc: impl Fn(i32) -> Value) {
    let events: Vec<Event> = (from..=to).map(|t| event(f64::from(t), doc(t))).collect();
    s.add_data(&events);
}

/// (timestamp, spike_count, reference_count) of each match.
fn summary(s: &mut Spike) -> Vec<(String, Value, Value)> {
    let counts = |m: &Match| {
        (
            m.body["spike_count"].clone(),
            m.body["reference_count"].clone(),
        )
    };
    s.take_matches()
        .iter()
        .map(|m| (m.timestamp.to_iso(), counts(m).0, counts(m).1))
        .collect()
}

fn bodies(s: &mut Spike) -> Vec<Value> {
    s.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

fn iso_and(secs: &str, spike: i64, reference: i64) -> (String, Value, Value) {
    (
        format!("2026-01-01T00:00:{secs}Z"),
        json!(spike),
        json!(reference),
    )
}

/// Count points every 5 s: steady at 10, then 50.
const POINTS: [(f64, u64); 6] = [
    (0.0, 10),
    (5.0, 10),
    (10.0, 10),
    (15.0, 10),
    (20.0, 10),
    (25.0, 50),
];

#[test]
fn a_rise_matches_with_the_oldest_document_of_the_current_window() {
    let mut s = spike("spike_type: both\n");
    steady(&mut s, 0, 20, |t| json!({ "n": t }));
    assert!(s.take_matches().is_empty());
    let burst: Vec<Event> = (100..110).map(|n| event(20.5, json!({ "n": n }))).collect();
    s.add_data(&burst);
    let found = bodies(&mut s);
    assert_eq!(found.len(), 1);
    // The oldest current event, kept from the earlier batch.
    assert_eq!(
        (&found[0]["n"], &found[0]["@timestamp"]),
        (&json!(11), &json!("2026-01-01T00:00:11Z"))
    );
    assert_eq!(
        (&found[0]["spike_count"], &found[0]["reference_count"]),
        (&json!(20), &json!(10))
    );
}

#[test]
fn nothing_is_checked_until_two_timeframes_after_the_first_event() {
    let mut s = spike("spike_type: both\n");
    steady(&mut s, 0, 5, |_| json!({}));
    let burst: Vec<Event> = (0..50).map(|_| event(19.0, json!({}))).collect();
    s.add_data(&burst);
    assert!(s.take_matches().is_empty());
}

#[test]
fn a_drop_matches_down_and_both_but_not_up() {
    for (spike_type, expected) in [("down", 1), ("both", 1), ("up", 0)] {
        let mut s = spike(&format!("spike_type: {spike_type}\n"));
        steady(&mut s, 0, 29, |_| json!({}));
        s.garbage_collect(at(35.0));
        let expected: Vec<_> = (0..expected).map(|_| iso_and("26", 4, 10)).collect();
        assert_eq!(summary(&mut s), expected, "{spike_type}");
    }
}

#[test]
fn threshold_cur_and_threshold_ref_hold_back_small_counts() {
    for (extra, expected) in [
        ("threshold_cur: 5\n", 0),
        ("threshold_ref: 11\n", 0),
        ("threshold_cur: 4\nthreshold_ref: 10\n", 1),
    ] {
        let mut s = spike(&format!("spike_type: both\n{extra}"));
        steady(&mut s, 0, 29, |_| json!({}));
        s.garbage_collect(at(35.0));
        assert_eq!(summary(&mut s).len(), expected, "{extra}");
    }
}

#[test]
fn zero_against_zero_matches_once_filled_as_in_elastalert2() {
    let mut s = spike("spike_type: up\nquery_key: host\n");
    steady(&mut s, 0, 20, |_| json!({"msg": "no host"}));
    for t in [50.0, 70.0] {
        s.garbage_collect(at(t));
    }
    let expected = json!({"@timestamp": "2026-01-01T00:01:10Z", "placeholder": true, "host": "other",
                          "spike_count": 0, "reference_count": 0});
    assert_eq!(bodies(&mut s), vec![expected]);
}

#[test]
fn threshold_cur_of_one_turns_the_zero_against_zero_match_off() {
    let mut s = spike("spike_type: up\nquery_key: host\nthreshold_cur: 1\n");
    steady(&mut s, 0, 20, |_| json!({"msg": "no host"}));
    for t in [50.0, 70.0] {
        s.garbage_collect(at(t));
    }
    assert!(s.take_matches().is_empty());
}

#[test]
fn garbage_collect_forgets_keys_whose_windows_are_empty() {
    let mut s = spike("spike_type: up\nquery_key: host\n");
    s.add_terms_data(at(0.0), &[json!({"key": "a", "doc_count": 0})])
        .unwrap();
    s.garbage_collect(at(1.0));
    assert!(s.table.get(0).is_some_and(|k| k.windows.is_none()));
}

#[test]
fn alert_on_new_data_checks_new_keys_once_any_key_filled_its_reference() {
    for (flag, expected) in [(true, 1), (false, 0)] {
        let mut s = spike(&format!(
            "spike_type: up\nquery_key: host\nalert_on_new_data: {flag}\n"
        ));
        steady(&mut s, 0, 20, |_| json!({"host": "a"}));
        steady(&mut s, 21, 25, |_| json!({"host": "b"}));
        // Against an empty reference (quirk kept), then silenced for 2 × timeframe.
        let expected: Vec<_> = (0..expected).map(|_| iso_and("21", 1, 0)).collect();
        assert_eq!(summary(&mut s), expected, "{flag}");
    }
}

#[test]
fn field_value_compares_window_means_of_literal_top_level_fields() {
    let mut s = spike("spike_type: both\nfield_value: bytes\n");
    steady(&mut s, 0, 21, |t| match t {
        20 => json!({"bytes": "1000"}),
        21 => json!({"bytes": 1000.9, "a.b": 1}),
        _ => json!({"bytes": 100}),
    });
    let ignored = [
        event(21.0, json!({"a": {"bytes": 1}})),
        event(21.0, json!({"bytes": null})),
        event(21.0, json!({"bytes": "x"})),
    ];
    s.add_data(&ignored);
    let found = summary(&mut s);
    let at_12 = (
        "2026-01-01T00:00:12Z".to_string(),
        json!(280.0),
        json!(100.0),
    );
    assert_eq!(found, vec![at_12]);
}

#[test]
fn count_query_points_match_with_only_the_timestamp() {
    let mut s = spike("spike_type: up\nuse_count_query: true\n");
    for (t, count) in POINTS {
        s.add_count_data(at(t), count).unwrap();
    }
    let expected =
        json!({"@timestamp": "2026-01-01T00:00:20Z", "spike_count": 60, "reference_count": 20});
    assert_eq!(bodies(&mut s), vec![expected]);
}

#[test]
fn terms_buckets_match_with_the_query_key_field() {
    let mut s = spike("spike_type: up\nuse_terms_query: true\nquery_key: host\n");
    for (t, count) in POINTS {
        s.add_terms_data(at(t), &[json!({"key": "a", "doc_count": count})])
            .unwrap();
    }
    let found = bodies(&mut s);
    assert_eq!((found.len(), &found[0]["host"]), (1, &json!("a")));
    assert!(
        s.add_terms_data(at(30.0), &[json!({"doc_count": 1})])
            .is_err()
    );
}

#[test]
fn only_current_window_documents_are_kept() {
    let mut s = spike("spike_type: up\n");
    steady(&mut s, 0, 59, |_| json!({}));
    assert_eq!(s.store.len(), 10);
}

/// One case per option, with the whole match bodies; expected values from ElastAlert2's
/// `SpikeRule` fed the same steps.
#[test]
fn each_option_changes_the_matches() {
    const BASE: &str = "type: spike\ntimeframe: {seconds: 10}\nspike_height: 2\nspike_type: up\n";
    let counts: Vec<Step> = POINTS.iter().map(|(t, c)| Step::Count(*t, *c)).collect();
    let at_20 =
        json!({"@timestamp": "2026-01-01T00:00:20Z", "spike_count": 60, "reference_count": 20});
    let steady = Step::Docs(
        (0..=20)
            .map(|t| (f64::from(t), json!({"host": "a", "user": "x", "n": t})))
            .collect(),
    );
    let burst = Step::Docs(
        (0..10)
            .map(|i| (20.5, json!({"host": "a", "user": "y", "n": 100 + i})))
            .collect(),
    );
    let cases = [
        (
            "spike_height 3: 60 >= 3 x 20",
            "use_count_query: true\nspike_height: 3\n",
            counts.clone(),
            vec![at_20.clone()],
        ),
        (
            "spike_height 4: 60 < 4 x 20",
            "use_count_query: true\nspike_height: 4\n",
            counts.clone(),
            vec![],
        ),
        (
            "query_key: the burst of another user counts for host a",
            "spike_type: both\nquery_key: host\n",
            vec![steady.clone(), burst.clone()],
            vec![
                json!({"@timestamp": "2026-01-01T00:00:11Z", "host": "a", "user": "x", "n": 11,
                        "spike_count": 20, "reference_count": 10}),
            ],
        ),
        (
            "compound query_key: the burst is a new key whose reference is not filled",
            "spike_type: both\nquery_key: [host, user]\n",
            vec![steady, burst],
            vec![],
        ),
        (
            "timestamp_field names the synthetic events' field",
            "use_count_query: true\ntimestamp_field: ts\n",
            counts.clone(),
            vec![json!({"ts": "2026-01-01T00:00:20Z", "spike_count": 60, "reference_count": 20})],
        ),
        (
            "doc_type is accepted and changes nothing",
            "use_count_query: true\ndoc_type: d\n",
            counts,
            vec![at_20],
        ),
    ];
    for (case, extra, steps, expected) in cases {
        let config = SpikeConfig::from_rule(&rule(&overriding(BASE, extra))).unwrap();
        assert_eq!(
            run_steps(&mut Spike::new(config), &steps),
            expected,
            "{case}"
        );
    }
}
