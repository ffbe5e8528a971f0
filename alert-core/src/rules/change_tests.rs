//! Unit tests of `change` (kept beside it to keep `change.rs` short).

use super::*;
use crate::rules::key::testing::{event, rule, try_rule};
use serde_json::json;

const BASE: &str = "type: change\nquery_key: user\ncompare_key: country\nignore_null: true\n";

fn run(extra: &str, docs: &[(f64, Value)]) -> Vec<Match> {
    let mut change = Change::new(ChangeConfig::from_rule(&rule(extra)).unwrap());
    let events: Vec<Event> = docs.iter().map(|(t, d)| event(*t, d.clone())).collect();
    change.add_data(&events);
    change.take_matches()
}

fn fields(found: &[Match]) -> Vec<Value> {
    found
        .iter()
        .map(|m| json!({"old_value": m.body["old_value"], "new_value": m.body["new_value"]}))
        .collect()
}

#[test]
fn a_changed_value_matches_with_old_and_new_value_lists() {
    let docs = [
        (0.0, json!({"user": "a", "country": "IN"})),
        (1.0, json!({"user": "a", "country": "FR"})),
    ];
    let found = run(BASE, &docs);
    assert_eq!(
        fields(&found),
        vec![json!({"old_value": ["IN"], "new_value": ["FR"]})]
    );
    assert_eq!(found[0].body["@timestamp"], json!("2026-01-01T00:00:01Z"));
}

#[test]
fn the_first_sighting_and_equal_values_never_match() {
    let docs = [
        (0.0, json!({"user": "a", "num": 1})),
        (1.0, json!({"user": "a", "num": 1.0})),
        (2.0, json!({"user": "b", "num": 2})),
    ];
    assert!(
        run(
            "type: change\nquery_key: user\ncompare_key: num\nignore_null: true\n",
            &docs
        )
        .is_empty()
    );
}

#[test]
fn ignore_null_skips_the_document_without_updating_state() {
    let docs = [
        (0.0, json!({"user": "a", "country": "IN"})),
        (1.0, json!({"user": "a", "country": ""})),
        (2.0, json!({"user": "a"})),
        (3.0, json!({"user": "a", "country": "IN"})),
    ];
    assert!(run(BASE, &docs).is_empty());
    let keep = BASE.replace("ignore_null: true", "ignore_null: false");
    let found = run(&keep, &docs[..3]);
    assert_eq!(
        fields(&found),
        vec![
            json!({"old_value": ["IN"], "new_value": [""]}),
            json!({"old_value": [""], "new_value": [null]})
        ]
    );
}

#[test]
fn ignore_null_keeps_false_booleans() {
    let docs = [
        (0.0, json!({"user": "a", "ok": true})),
        (1.0, json!({"user": "a", "ok": false})),
    ];
    assert_eq!(
        run(
            "type: change\nquery_key: user\ncompare_key: ok\nignore_null: true\n",
            &docs
        )
        .len(),
        1
    );
}

#[test]
fn timeframe_limits_the_gap_to_the_previous_document_inclusively() {
    let rule = format!("{BASE}timeframe: {{seconds: 10}}\n");
    let docs = [
        (0.0, json!({"user": "a", "country": "IN"})),
        (10.0, json!({"user": "a", "country": "FR"})),
        (20.5, json!({"user": "a", "country": "US"})),
        (21.0, json!({"user": "a", "country": "NL"})),
    ];
    let found = run(&rule, &docs);
    assert_eq!(
        fields(&found),
        vec![
            json!({"old_value": ["IN"], "new_value": ["FR"]}),
            json!({"old_value": ["US"], "new_value": ["NL"]})
        ]
    );
}

#[test]
fn compound_compare_keys_compare_position_by_position() {
    let rule = "type: change\nquery_key: user\ncompare_key: [country, city]\nignore_null: true\n";
    let docs = [
        (0.0, json!({"user": "a", "country": "FR", "city": "Paris"})),
        (1.0, json!({"user": "a", "country": "FR", "city": "Lyon"})),
    ];
    assert_eq!(
        fields(&run(rule, &docs)),
        vec![json!({"old_value": ["FR", "Paris"], "new_value": ["FR", "Lyon"]})]
    );
}

#[test]
fn compound_query_keys_and_missing_query_values_group_documents() {
    let rule = "type: change\nquery_key: [user, host]\ncompare_key: country\nignore_null: true\n";
    let docs = [
        (0.0, json!({"user": "a", "host": "h1", "country": "FR"})),
        (1.0, json!({"user": "a", "host": "h2", "country": "DE"})),
        (2.0, json!({"user": "a", "host": "h1", "country": "IT"})),
    ];
    assert_eq!(run(rule, &docs).len(), 1);
    let missing = [
        (0.0, json!({"country": "FR"})),
        (1.0, json!({"user": null, "country": "DE"})),
    ];
    assert_eq!(
        run(BASE, &missing).len(),
        1,
        "missing and null share the key None"
    );
}

#[test]
fn state_is_per_rule_not_shared_between_rules() {
    let mut one = Change::new(ChangeConfig::from_rule(&rule(BASE)).unwrap());
    let mut two = Change::new(ChangeConfig::from_rule(&rule(BASE)).unwrap());
    one.add_data(&[event(0.0, json!({"user": "a", "country": "IN"}))]);
    two.add_data(&[event(1.0, json!({"user": "a", "country": "FR"}))]);
    assert!(one.take_matches().is_empty() && two.take_matches().is_empty());
}

#[test]
fn query_key_compare_key_and_ignore_null_are_required() {
    for (drop, option) in [
        ("query_key: user\n", "query_key"),
        ("compare_key: country\n", "compare_key"),
        ("ignore_null: true\n", "ignore_null"),
    ] {
        let err = try_rule(&BASE.replace(drop, "")).unwrap_err().to_string();
        assert!(
            err.contains(&format!("missing required option '{option}'")),
            "{err}"
        );
    }
}

/// `ignore_null` skips a document when a compare value is "falsy and not a boolean"
/// (`not isinstance(v, bool) and not v`); without it every value is compared. Expected
/// pairs from ElastAlert2's `ChangeRule.compare` on `{v: "x"}` then `{v: <value>}`.
#[test]
fn ignore_null_skips_every_falsy_value_except_false() {
    let cases = [
        ("missing", json!({"user": "a"}), false, json!(null)),
        ("null", json!({"user": "a", "v": null}), false, json!(null)),
        (
            "empty string",
            json!({"user": "a", "v": ""}),
            false,
            json!(""),
        ),
        ("zero", json!({"user": "a", "v": 0}), false, json!(0)),
        (
            "zero float",
            json!({"user": "a", "v": 0.0}),
            false,
            json!(0.0),
        ),
        (
            "empty list",
            json!({"user": "a", "v": []}),
            false,
            json!([]),
        ),
        (
            "empty object",
            json!({"user": "a", "v": {}}),
            false,
            json!({}),
        ),
        (
            "false",
            json!({"user": "a", "v": false}),
            true,
            json!(false),
        ),
        (
            "the string '0'",
            json!({"user": "a", "v": "0"}),
            true,
            json!("0"),
        ),
    ];
    for (case, doc, kept, new) in cases {
        let docs = [(0.0, json!({"user": "a", "v": "x"})), (1.0, doc)];
        for ignore_null in [true, false] {
            let yaml = format!(
                "type: change\nquery_key: user\ncompare_key: v\nignore_null: {ignore_null}\n"
            );
            let expected = if kept || !ignore_null {
                vec![json!({"old_value": ["x"], "new_value": [new.clone()]})]
            } else {
                vec![]
            };
            assert_eq!(
                fields(&run(&yaml, &docs)),
                expected,
                "{case}, ignore_null {ignore_null}"
            );
        }
    }
}

/// The match is the changed document with `timestamp_field` written back as ISO text.
#[test]
fn timestamp_field_names_the_field_written_back() {
    let yaml = format!("{BASE}timestamp_field: ts\n");
    let docs = [
        (
            0.0,
            json!({"user": "a", "country": "IN", "ts": "2026-01-01T00:00:00.000Z"}),
        ),
        (
            1.5,
            json!({"user": "a", "country": "FR", "ts": "2026-01-01T00:00:01.500000Z"}),
        ),
    ];
    let found = run(&yaml, &docs);
    assert_eq!(found[0].body["ts"], json!("2026-01-01T00:00:01.500Z"));
}
