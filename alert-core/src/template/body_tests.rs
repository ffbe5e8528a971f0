//! The alert text against exact strings: each case's expected text is what ElastAlert2's
//! `create_alert_body` returns for the same rule options and matches (its `BasicMatchString`
//! run under Python 3.11 on these inputs).
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;
use crate::alert::Match;
use crate::testing::{a_match, rule};

/// (name, rule options as YAML, matches as a JSON list, ElastAlert2's body)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "default_body_lists_every_field_sorted",
        "",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}]"#,
        "r\n\n@timestamp: 2024-01-01T00:00:00Z\nbig: 1e+20\ncount: 3\nempty: []\nhost: {\n    \"ip\": \"10.0.0.1\",\n    \"name\": \"web-1\"\n}\nmsg: line1\nline2 é\nnone: None\nok: True\nratio: 0.25\ntags: [\n    \"a\",\n    1,\n    null\n]\nuser: alice\n",
    ),
    (
        "alert_text_replaces_the_rule_name_line",
        "alert_text: \"Something happened\"\n",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "Something happened\n\n@timestamp: 2024-01-01T00:01:00Z\nuser: bob\n",
    ),
    (
        "alert_text_ending_in_a_newline_is_padded_to_one_blank_line",
        "alert_text: \"Line\\n\"\n",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "Line\n\n@timestamp: 2024-01-01T00:01:00Z\nuser: bob\n",
    ),
    (
        "empty_alert_text_still_drops_the_name",
        "alert_text: \"\"\n",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "\n\n@timestamp: 2024-01-01T00:01:00Z\nuser: bob\n",
    ),
    (
        "alert_text_without_args_is_verbatim",
        "alert_text: \"{0} and {user} stay\"\n",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "{0} and {user} stay\n\n@timestamp: 2024-01-01T00:01:00Z\nuser: bob\n",
    ),
    (
        "alert_text_args_look_up_fields_then_rule_options_then_missing",
        "alert_text: \"{} logged in from {} ({}) in {}; {}\"\nalert_text_args: [\"user\", \"host.name\", \"nope\", \"index\", \"tags\"]\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}]"#,
        "alice logged in from web-1 (<MISSING VALUE>) in logs; ['a', 1, None]\n\n@timestamp: 2024-01-01T00:00:00Z\nbig: 1e+20\ncount: 3\nempty: []\nhost: {\n    \"ip\": \"10.0.0.1\",\n    \"name\": \"web-1\"\n}\nmsg: line1\nline2 é\nnone: None\nok: True\nratio: 0.25\ntags: [\n    \"a\",\n    1,\n    null\n]\nuser: alice\n",
    ),
    (
        "alert_text_args_use_alert_missing_value",
        "alert_text: \"{0}/{1}/{0}\"\nalert_text_args: [\"missing\", \"count\"]\nalert_missing_value: \"?\"\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}]"#,
        "?/3/?\n\n@timestamp: 2024-01-01T00:00:00Z\nbig: 1e+20\ncount: 3\nempty: []\nhost: {\n    \"ip\": \"10.0.0.1\",\n    \"name\": \"web-1\"\n}\nmsg: line1\nline2 é\nnone: None\nok: True\nratio: 0.25\ntags: [\n    \"a\",\n    1,\n    null\n]\nuser: alice\n",
    ),
    (
        "alert_text_kw_names_placeholders",
        "alert_text: \"{who} {ip} {gone} {idx}\"\nalert_text_kw: {\"user\": \"who\", \"host.ip\": \"ip\", \"nope\": \"gone\", \"index\": \"idx\"}\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}]"#,
        "alice 10.0.0.1 <MISSING VALUE> logs\n\n@timestamp: 2024-01-01T00:00:00Z\nbig: 1e+20\ncount: 3\nempty: []\nhost: {\n    \"ip\": \"10.0.0.1\",\n    \"name\": \"web-1\"\n}\nmsg: line1\nline2 é\nnone: None\nok: True\nratio: 0.25\ntags: [\n    \"a\",\n    1,\n    null\n]\nuser: alice\n",
    ),
    (
        "alert_text_only_leaves_out_the_fields",
        "alert_text: \"Only this\"\nalert_text_type: \"alert_text_only\"\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}]"#,
        "Only this\n\n",
    ),
    (
        "exclude_fields_keeps_the_text_only",
        "alert_text_type: \"exclude_fields\"\n",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "r\n\n",
    ),
    (
        "aggregation_summary_only_without_a_table_is_empty",
        "alert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "count": 3, "ratio": 0.25, "big": 1e+20, "ok": true, "none": null, "msg": "line1\nline2 \u00e9", "tags": ["a", 1, null], "host": {"name": "web-1", "ip": "10.0.0.1"}, "empty": []}, {"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}]"#,
        "",
    ),
    (
        "top_count_keys_print_counts_most_frequent_first",
        "top_count_keys: [\"user\", \"host\"]\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "top_events_user": {"bob": 1, "alice": 3, "carol": 1}, "top_events_host": {}, "num_hits": 5}]"#,
        "r\n\nuser:\nalice: 3\nbob: 1\ncarol: 1\n\nhost:\nNo events found.\n\n@timestamp: 2024-01-01T00:00:00Z\nnum_hits: 5\n",
    ),
    (
        "top_events_fields_are_never_listed_as_fields",
        "",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "top_events_user": {"bob": 1, "alice": 3, "carol": 1}, "top_events_host": {}, "num_hits": 5}]"#,
        "r\n\n@timestamp: 2024-01-01T00:00:00Z\nnum_hits: 5\n",
    ),
    (
        "several_matches_are_each_followed_by_the_separator",
        "",
        r#"[{"@timestamp": "2024-01-01T00:01:00Z", "user": "bob"}, {"user": "carol"}]"#,
        "r\n\n@timestamp: 2024-01-01T00:01:00Z\nuser: bob\n\n----------------------------------------\nr\n\nuser: carol\n\n----------------------------------------\n",
    ),
];

fn matches(list: &str) -> Vec<Match> {
    let Value::Array(items) = serde_json::from_str(list).unwrap() else {
        panic!("a list of matches");
    };
    items.into_iter().map(a_match).collect()
}

#[test]
fn bodies_are_byte_for_byte_elastalert2s() {
    for (name, yaml, list, expected) in CASES {
        let r = rule(yaml);
        let got = alert_body(
            &AlerterOptions::of_rule(&r),
            &matches(list),
            &TextEnv::default(),
        );
        assert_eq!(
            got.as_deref().map_err(ToString::to_string),
            Ok(*expected),
            "{name}"
        );
    }
}

#[test]
fn match_text_is_one_match_without_separator() {
    let r = rule("");
    let m = a_match(json!({"b": 2, "a": "x"}));
    let text = match_text(&AlerterOptions::of_rule(&r), &m, &TextEnv::default()).unwrap();
    assert_eq!(text, "r\n\na: x\nb: 2\n");
}

#[test]
fn entry_overrides_apply_to_the_text() {
    let r = rule("alert_text: rule\nalert_text_type: alert_text_only\n");
    let mut alerter = r.alerters[0].clone();
    alerter
        .overrides
        .insert("alert_text".into(), json!("entry {}"));
    alerter
        .overrides
        .insert("alert_text_args".into(), json!(["a"]));
    let m = a_match(json!({"a": 1}));
    let text = match_text(&AlerterOptions::new(&r, &alerter), &m, &TextEnv::default()).unwrap();
    assert_eq!(text, "entry 1\n\n");
}

#[test]
fn unusable_options_are_errors_naming_them() {
    let cases = [
        (
            "alert_text: '{0:{1}}'\nalert_text_args: [ratio, user]\n",
            "alert_text: nested fields in the format spec of '{0:{1}}' is not supported yet",
        ),
        (
            "alert_text: '{0} {1}'\nalert_text_args: [user]\n",
            "option 'alert_text': '{1}': alert_text_args has no item 1",
        ),
        (
            "alert_text: '{who}'\nalert_text_kw: {user: name}\n",
            "option 'alert_text': '{who}': alert_text_kw names no 'who'",
        ),
        (
            "alert_text: x\nalert_text_type: alert_text_everything\n",
            "option 'alert_text_type': 'alert_text_everything' is none of",
        ),
        (
            "alert_text: x\nalert_text_type: alert_text_jinja\njinja_filters: [my.Filters]\n",
            "option 'jinja_filters': names Python filter classes",
        ),
        (
            "alert_text: '{{ user'\nalert_text_type: alert_text_jinja\n",
            "option 'alert_text': invalid jinja template",
        ),
        (
            "summary_table_fields: [user]\nsummary_table_type: csv\n",
            "option 'summary_table_type': 'csv' is none of ascii, markdown, html",
        ),
        (
            "alert_text_type: alert_text_jinja\njinja_template_path: t.j2\n",
            "option 'jinja_template_path': the template file was not read",
        ),
    ];
    let list = matches(r#"[{"user": "alice", "ratio": 0.5}]"#);
    for (yaml, expected) in cases {
        let r = rule(yaml);
        let err = alert_body(&AlerterOptions::of_rule(&r), &list, &TextEnv::default())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(expected), "{yaml}: {err}");
    }
}

#[test]
fn alert_text_only_needs_no_rule_type_summary() {
    let r = rule(
        "type: frequency\nnum_events: 2\ntimeframe: {minutes: 1}\n\
         alert_text: '{0} events'\nalert_text_args: [num_hits]\nalert_text_type: alert_text_only\n",
    );
    let text = alert_body(
        &AlerterOptions::of_rule(&r),
        &matches(r#"[{"num_hits": 2}]"#),
        &TextEnv::default(),
    )
    .unwrap();
    assert_eq!(text, "2 events\n\n");
}
