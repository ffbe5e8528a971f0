//! Unit tests of `new_term` (kept beside it to keep `new_term.rs` short).

use super::*;
use crate::aggregate::{Context, evaluate};
use crate::rules::test_support::rule;
use crate::time::Duration;

fn build(extra: &str) -> NewTerm {
    let r = rule(&format!("type: new_term\n{extra}"));
    NewTerm::new(NewTermConfig::from_rule(&r).unwrap())
}

fn events(docs: &[Value]) -> Vec<Event> {
    let t = Timestamp::parse_iso("2026-01-01T00:00:05Z").unwrap();
    docs.iter().map(|d| Event::new(t, d.clone())).collect()
}

fn run(r: &mut NewTerm, docs: &[Value]) -> Vec<Value> {
    r.add_data(&events(docs));
    r.take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect()
}

fn country(c: &str) -> Value {
    json!({"@timestamp": "2026-01-01T00:00:05.000Z", "client": {"country": c}})
}

#[test]
fn a_value_not_seen_before_matches_once_with_new_field() {
    let mut r = build("fields: [client.country]\n");
    let m = run(&mut r, &[country("BR"), country("DE"), country("BR")]);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["new_field"], json!("client.country"));
    assert_eq!(m[0]["@timestamp"], json!("2026-01-01T00:00:05Z"));
    assert_eq!(m[1]["client"]["country"], json!("DE"));
}

#[test]
fn terms_of_the_baseline_are_not_new() {
    let mut r = build("fields: client.country\n");
    let start = Timestamp::parse_iso("2026-01-02T00:00:00Z").unwrap();
    let request = r.baseline_request(Some(start), start).unwrap();
    let ctx = Context::new("@timestamp", start);
    let answer = evaluate(&request.aggs[0], &events(&[country("BR")]), &ctx).unwrap();
    r.add_baseline_data(0, &answer).unwrap();
    assert!(r.add_baseline_data(1, &answer).is_err());
    assert_eq!(run(&mut r, &[country("BR"), country("DE")]).len(), 1);
}

#[test]
fn the_baseline_covers_terms_window_size_before_the_start_in_window_steps() {
    let r = build(
        "fields: host\nterms_window_size: {days: 2}\nwindow_step_size: {hours: 12}\nuse_keyword_postfix: false\n",
    );
    let start = Timestamp::parse_iso("2026-01-03T00:00:00Z").unwrap();
    let request = r
        .baseline_request(Some(start), start.plus(Duration::from_secs(99)))
        .unwrap();
    assert_eq!(request.windows.len(), 4);
    assert_eq!(
        request.windows[0].0,
        Timestamp::parse_iso("2026-01-01T00:00:00Z").unwrap()
    );
    assert_eq!(request.windows[3].1, start);
    assert_eq!(request.aggs[0]["values"]["terms"]["field"], json!("host"));
    let now = r.baseline_request(None, start).unwrap();
    assert_eq!(
        now.windows.last().unwrap().1,
        start,
        "without a start, now ends the baseline"
    );
}

#[test]
fn alert_on_missing_field_matches_documents_without_the_field() {
    let docs = [json!({"a": 1}), country("BR")];
    assert!(run(&mut build("fields: [client.country]\n"), &docs[..1]).is_empty());
    let m = run(
        &mut build("fields: [client.country]\nalert_on_missing_field: true\n"),
        &docs,
    );
    assert_eq!(m[0]["missing_field"], json!("client.country"));
    assert_eq!(m[1]["new_field"], json!("client.country"));
}

#[test]
fn falsy_values_are_neither_new_nor_missing_and_arrays_compare_whole() {
    let docs = [
        json!({"v": 0}),
        json!({"v": ""}),
        json!({"v": false}),
        json!({"v": ["x"]}),
        json!({"v": "x"}),
    ];
    let m = run(&mut build("fields: v\n"), &docs);
    assert_eq!(m.len(), 2, "['x'] and 'x' are different terms");
}

#[test]
fn composite_fields_match_new_combinations_and_show_the_field_list() {
    let mut r = build("fields: [[ip, port]]\n");
    let docs = [
        json!({"ip": "a", "port": 1}),
        json!({"ip": "a", "port": 2}),
        json!({"ip": "a", "port": 1.0}),
    ];
    let m = run(&mut r, &docs);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0]["new_field"], json!(["ip", "port"]));
    assert!(
        run(&mut r, &[json!({"ip": "a"})]).is_empty(),
        "a missing component is missing"
    );
}

#[test]
fn a_document_new_in_two_fields_gives_two_matches_the_second_carrying_both_markers() {
    let m = run(
        &mut build("fields: [a, b]\nalert_on_missing_field: true\n"),
        &[json!({"b": "y"})],
    );
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].get("new_field"), None);
    assert_eq!(
        (m[1]["missing_field"].clone(), m[1]["new_field"].clone()),
        (json!("a"), json!("b"))
    );
}

#[test]
fn terms_query_buckets_with_new_keys_match_at_the_segment_end() {
    let mut r = build("fields: host.keyword\nquery_key: host.keyword\nuse_terms_query: true\n");
    let end = Timestamp::parse_iso("2026-01-01T00:01:00Z").unwrap();
    let buckets = [
        json!({"key": "web-1", "doc_count": 3}),
        json!({"key": "web-2", "doc_count": 0}),
    ];
    r.add_terms_data(end, &buckets).unwrap();
    r.add_terms_data(end, &buckets[..1]).unwrap();
    let m: Vec<Value> = r
        .take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect();
    let expected = json!({"host.keyword": "web-1", "@timestamp": "2026-01-01T00:01:00Z", "new_field": "host.keyword"});
    assert_eq!(m, vec![expected]);
}

#[test]
fn query_key_is_the_field_when_fields_is_absent() {
    let m = run(&mut build("query_key: user\n"), &[json!({"user": "bob"})]);
    assert_eq!(m[0]["new_field"], json!("user"));
    let mut compound = build("query_key: [user, host]\n");
    let m = run(
        &mut compound,
        &[
            json!({"user": "bob", "host": "h"}),
            json!({"user": "bob", "host": "h"}),
        ],
    );
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["new_field"], json!("user,host"));
}

/// `alert_on_missing_field` reports every falsy value (`not value`) as missing; without it
/// they are neither new nor missing. From ElastAlert2's `NewTermsRule.add_data`.
#[test]
fn alert_on_missing_field_treats_every_falsy_value_as_missing() {
    let cases = [
        ("missing", json!({})),
        ("null", json!({"v": null})),
        ("zero", json!({"v": 0})),
        ("empty string", json!({"v": ""})),
        ("false", json!({"v": false})),
        ("empty list", json!({"v": []})),
    ];
    for (case, doc) in cases {
        let with = run(
            &mut build("fields: v\nalert_on_missing_field: true\n"),
            std::slice::from_ref(&doc),
        );
        let markers: Vec<(&Value, Option<&Value>)> = with
            .iter()
            .map(|m| (&m["missing_field"], m.get("new_field")))
            .collect();
        assert_eq!(markers, vec![(&json!("v"), None)], "{case}");
        assert!(run(&mut build("fields: v\n"), &[doc]).is_empty(), "{case}");
    }
}

/// The baseline ends at the run's start, else `start_date`, else now
/// (`get_all_terms`: `args.start`, `start_date`, `ts_now()`).
#[test]
fn start_date_ends_the_baseline_unless_the_run_has_a_start() {
    let iso = |s: &str| Timestamp::parse_iso(s).unwrap();
    let (start, date, now) = (
        iso("2026-02-01T00:00:00Z"),
        iso("2026-01-15T00:00:00Z"),
        iso("2026-03-01T00:00:00Z"),
    );
    let cases = [
        ("run start wins over start_date", true, Some(start), start),
        ("start_date without a run start", true, None, date),
        ("now without either", false, None, now),
    ];
    for (case, with_date, run_start, end) in cases {
        let mut r = rule("type: new_term\nfields: a\nterms_window_size: {days: 2}\n");
        if with_date {
            r.options
                .insert("start_date".into(), json!("2026-01-15T00:00:00Z"));
        }
        let request = NewTerm::new(NewTermConfig::from_rule(&r).unwrap())
            .baseline_request(run_start, now)
            .unwrap();
        let first = end.minus(Duration::from_secs(2 * 86_400));
        assert_eq!(
            (
                request.windows.first().map(|w| w.0),
                request.windows.last().map(|w| w.1)
            ),
            (Some(first), Some(end)),
            "{case}"
        );
    }
}

/// `use_keyword_postfix` (default true) adds `.keyword` to every baseline field that lacks
/// it (`add_keyword_postfix`), one nested `values` level per composite component.
#[test]
fn use_keyword_postfix_names_the_baseline_fields() {
    let cases = [
        (
            "default adds .keyword",
            "fields: host\n",
            vec!["host.keyword"],
        ),
        (
            "an existing .keyword stays",
            "fields: host.keyword\n",
            vec!["host.keyword"],
        ),
        (
            "false keeps the name",
            "fields: host\nuse_keyword_postfix: false\n",
            vec!["host"],
        ),
        (
            "composite: every level",
            "fields: [[ip, port]]\n",
            vec!["ip.keyword", "port.keyword"],
        ),
    ];
    for (case, extra, expected) in cases {
        let now = Timestamp::parse_iso("2026-01-02T00:00:00Z").unwrap();
        let request = build(extra).baseline_request(None, now).unwrap();
        let mut level = &request.aggs[0];
        let mut names = Vec::new();
        while let Some(values) = level.get("values") {
            names.push(
                values["terms"]["field"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            level = values.get("aggs").unwrap_or(&Value::Null);
        }
        assert_eq!(names, expected, "{case}");
    }
}

/// A terms-query match names the time with `timestamp_field`.
#[test]
fn terms_query_matches_use_timestamp_field() {
    let mut r =
        build("fields: host\nquery_key: host\nuse_terms_query: true\ntimestamp_field: ts\n");
    let end = Timestamp::parse_iso("2026-01-01T00:01:00Z").unwrap();
    r.add_terms_data(end, &[json!({"key": "web-1", "doc_count": 1})])
        .unwrap();
    let bodies: Vec<Value> = r
        .take_matches()
        .into_iter()
        .map(|m| Value::Object(m.body))
        .collect();
    let expected = json!({"host": "web-1", "ts": "2026-01-01T00:01:00Z", "new_field": "host"});
    assert_eq!(bodies, vec![expected]);
}
