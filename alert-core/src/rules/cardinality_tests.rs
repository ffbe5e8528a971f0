//! Unit tests of `cardinality` (kept beside it to keep `cardinality.rs` short).

use super::*;
use crate::rules::test_support::{Step, overriding, run_steps, try_rule};
use serde_json::json;

fn build(extra: &str) -> Cardinality {
    let r = try_rule(&format!(
        "type: cardinality\ncardinality_field: user\ntimeframe: {{minutes: 5}}\n{extra}"
    ))
    .unwrap();
    Cardinality::new(CardinalityConfig::from_rule(&r).unwrap())
}

fn at(minute: i64) -> Timestamp {
    Timestamp::parse_iso("2026-01-01T00:00:00Z")
        .unwrap()
        .plus(Duration::from_mins(minute))
}

fn event(minute: i64, doc: Value) -> Event {
    let mut doc = doc;
    doc["@timestamp"] = json!(at(minute).to_iso());
    Event::new(at(minute), doc)
}

/// Feeds `(minute, user)` events and returns the matches' minutes and bodies.
fn feed(r: &mut Cardinality, users: &[(i64, &str)]) -> Vec<(i64, Value)> {
    let events: Vec<Event> = users
        .iter()
        .map(|(m, u)| event(*m, json!({"user": u, "ip": "1.2.3.4"})))
        .collect();
    r.add_data(&events);
    taken(r)
}

fn taken(r: &mut Cardinality) -> Vec<(i64, Value)> {
    let minute = |t: Timestamp| t.since(at(0)).as_micros() / 60_000_000;
    r.take_matches()
        .into_iter()
        .map(|m| (minute(m.timestamp), Value::Object(m.body)))
        .collect()
}

#[test]
fn fires_when_distinct_values_exceed_max_cardinality_and_on_every_event_above_it() {
    let mut r = build("max_cardinality: 2\n");
    let m = feed(&mut r, &[(0, "a"), (1, "b"), (1, "a"), (2, "c"), (3, "a")]);
    let minutes: Vec<i64> = m.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        minutes,
        [2, 3],
        "the known 'a' at minute 3 matches again (ElastAlert2's quirk)"
    );
    assert_eq!(m[0].1["user"], json!("c"));
    assert_eq!(m[0].1["@timestamp"], json!("2026-01-01T00:02:00Z"));
}

#[test]
fn values_last_seen_more_than_timeframe_ago_stop_counting() {
    let mut r = build("max_cardinality: 2\n");
    assert!(feed(&mut r, &[(0, "a"), (1, "b"), (7, "c"), (7, "d")]).is_empty());
    assert_eq!(feed(&mut r, &[(8, "e")]).len(), 1);
}

#[test]
fn garbage_collection_fires_min_cardinality_with_a_placeholder_after_timeframe() {
    let mut r = build("min_cardinality: 3\n");
    assert!(feed(&mut r, &[(0, "a"), (1, "b")]).is_empty());
    r.garbage_collect(at(3));
    assert!(taken(&mut r).is_empty(), "the timeframe has not passed yet");
    r.garbage_collect(at(6));
    assert_eq!(
        taken(&mut r),
        vec![(6, json!({"@timestamp": "2026-01-01T00:06:00Z"}))]
    );
    r.garbage_collect(at(8));
    assert!(
        taken(&mut r).is_empty(),
        "after a match the timeframe must pass again"
    );
}

#[test]
fn a_min_cardinality_candidate_event_lets_the_clean_up_placeholder_take_the_match() {
    let mut r = build("min_cardinality: 3\n");
    assert!(feed(&mut r, &[(9, "c")]).is_empty());
    let m = feed(&mut r, &[(15, "d")]);
    assert_eq!(m, vec![(15, json!({"@timestamp": "2026-01-01T00:15:00Z"}))]);
}

#[test]
fn query_key_counts_each_key_apart_and_names_it_in_placeholders() {
    let mut r = build("min_cardinality: 2\nquery_key: ip\n");
    let events = [
        event(0, json!({"ip": "x", "user": "a"})),
        event(1, json!({"ip": "y", "user": "a"})),
        event(2, json!({"ip": "y", "user": "b"})),
    ];
    r.add_data(&events);
    r.garbage_collect(at(6));
    assert_eq!(
        taken(&mut r),
        vec![(6, json!({"@timestamp": "2026-01-01T00:06:00Z", "ip": "x"}))]
    );
    let mut missing = build("min_cardinality: 2\nquery_key: ip\n");
    missing.add_data(&[event(0, json!({"user": "a"}))]);
    missing.garbage_collect(at(6));
    assert_eq!(taken(&mut missing)[0].1["ip"], json!(null));
}

#[test]
fn documents_without_the_cardinality_field_are_not_counted() {
    let mut r = build("max_cardinality: 0\n");
    r.add_data(&[event(0, json!({"user": null})), event(0, json!({}))]);
    assert!(taken(&mut r).is_empty());
    assert_eq!(feed(&mut r, &[(0, "a")]).len(), 1);
}

#[test]
fn bad_options_are_named() {
    let cases = [
        (
            "type: cardinality\ncardinality_field: u\ntimeframe: {minutes: 5}\n",
            "max_cardinality or min_cardinality",
        ),
        (
            "type: cardinality\ncardinality_field: u\ntimeframe: {minutes: 5}\nmax_cardinality: -1\n",
            "max_cardinality",
        ),
        (
            "type: cardinality\ncardinality_field: u\nmax_cardinality: 1\n",
            "timeframe",
        ),
    ];
    for (yaml, expected) in cases {
        let err = try_rule(yaml)
            .and_then(|r| CardinalityConfig::from_rule(&r))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{yaml}: {err}");
    }
}

/// One case per option, with the whole match bodies; expected values from ElastAlert2's
/// `CardinalityRule` fed the same steps (the compound key's `ip,host` field is the one its
/// `process_hits` adds to every document).
#[test]
fn each_option_changes_the_matches() {
    const BASE: &str = "type: cardinality\ncardinality_field: user\ntimeframe: {minutes: 5}\n";
    let iso = |minute: i64| at(minute).to_iso();
    let users = |list: &[(i64, &str)]| {
        Step::Docs(
            list.iter()
                .map(|(m, u)| ((m * 60) as f64, json!({ "user": u })))
                .collect(),
        )
    };
    let abc = users(&[(0, "a"), (1, "b"), (3, "c")]);
    let cases = [
        (
            "max_cardinality 1: every event past one value",
            "max_cardinality: 1\n",
            vec![abc.clone()],
            vec![
                json!({"user": "b", "@timestamp": iso(1)}),
                json!({"user": "c", "@timestamp": iso(3)}),
            ],
        ),
        (
            "max_cardinality 2: the third value",
            "max_cardinality: 2\n",
            vec![abc.clone()],
            vec![json!({"user": "c", "@timestamp": iso(3)})],
        ),
        (
            "timeframe 1 min: a and b have expired by c",
            "max_cardinality: 2\ntimeframe: {minutes: 1}\n",
            vec![abc.clone()],
            vec![],
        ),
        (
            "min_cardinality 3: a placeholder once timeframe has passed",
            "min_cardinality: 3\n",
            vec![abc, Step::Collect(9.0 * 60.0)],
            vec![json!({"@timestamp": iso(9)})],
        ),
        (
            "query_key: per value; missing and null share the key None",
            "max_cardinality: 1\nquery_key: ip\n",
            vec![Step::Docs(vec![
                (0.0, json!({"user": "a", "ip": "x"})),
                (60.0, json!({"user": "b", "ip": "y"})),
                (120.0, json!({"user": "c", "ip": "x"})),
                (180.0, json!({"user": "d"})),
                (240.0, json!({"user": "e", "ip": null})),
            ])],
            vec![
                json!({"user": "c", "ip": "x", "@timestamp": iso(2)}),
                json!({"user": "e", "ip": null, "@timestamp": iso(4)}),
            ],
        ),
        (
            "compound query_key: the placeholder carries the joined key",
            "min_cardinality: 2\nquery_key: [ip, host]\n",
            vec![
                Step::Docs(vec![(
                    0.0,
                    json!({"ip": "x", "host": "h", "user": "a", "ip,host": "x, h"}),
                )]),
                Step::Collect(6.0 * 60.0),
            ],
            vec![json!({"@timestamp": iso(6), "ip,host": "x, h"})],
        ),
        (
            "a list query_key value is keyed and shown as its str()",
            "min_cardinality: 2\nquery_key: tags\n",
            vec![
                Step::Docs(vec![
                    (0.0, json!({"tags": ["a", "b"], "user": "a"})),
                    (60.0, json!({"tags": ["a", "b"], "user": "b"})),
                ]),
                Step::Collect(7.0 * 60.0),
            ],
            vec![json!({"@timestamp": iso(7), "tags": "['a', 'b']"})],
        ),
        (
            "timestamp_field names the placeholder's field",
            "min_cardinality: 2\ntimestamp_field: ts\n",
            vec![users(&[(0, "a")]), Step::Collect(6.0 * 60.0)],
            vec![json!({"ts": iso(6)})],
        ),
    ];
    for (case, extra, steps, expected) in cases {
        let r = try_rule(&overriding(BASE, extra)).unwrap();
        let mut c = Cardinality::new(CardinalityConfig::from_rule(&r).unwrap());
        assert_eq!(run_steps(&mut c, &steps), expected, "{case}");
    }
}
