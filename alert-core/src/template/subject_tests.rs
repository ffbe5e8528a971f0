//! The title against ElastAlert2's `create_title` on the same options and matches.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::testing::{a_match, rule};
use serde_json::json;

fn title_of(yaml: &str, body: Value) -> Result<String> {
    let r = rule(yaml);
    title(&AlerterOptions::of_rule(&r), &[a_match(body)])
}

#[test]
fn subjects_are_formatted_as_create_title_does() {
    let body = json!({"user": {"name": "alice"}, "count": 3, "gone": null});
    let cases = [
        ("", "r"),
        ("alert_subject: Cool subject\n", "Cool subject"),
        ("alert_subject: 'Kept {0} as is'\n", "Kept {0} as is"),
        (
            "alert_subject: 'User {} had {}'\nalert_subject_args: [user.name, count]\n",
            "User alice had 3",
        ),
        (
            "alert_subject: '{1}/{0}'\nalert_subject_args: [user.name, count]\n",
            "3/alice",
        ),
        // A missing field falls back to a truthy rule option, then to the missing value.
        (
            "alert_subject: '{} {}'\nalert_subject_args: [index, nope]\n",
            "logs <MISSING VALUE>",
        ),
        (
            "alert_subject: '{}'\nalert_subject_args: [gone]\nalert_missing_value: '-'\n",
            "-",
        ),
        (
            "alert_subject: abcdefghij\nalert_subject_max_len: 4\n",
            "abcd",
        ),
        (
            "alert_subject: 'x{}yz'\nalert_subject_args: [count]\nalert_subject_max_len: -2\n",
            "x3",
        ),
        (
            "alert_subject: 'é{}'\nalert_subject_args: [user.name]\nalert_subject_max_len: 3\n",
            "éal",
        ),
    ];
    for (yaml, expected) in cases {
        assert_eq!(title_of(yaml, body.clone()).unwrap(), expected, "{yaml}");
    }
}

#[test]
fn bad_subjects_name_the_option() {
    let body = json!({"a": 1});
    let cases = [
        (
            "alert_subject: '{} {}'\nalert_subject_args: [a]\n",
            "alert_subject",
        ),
        (
            "alert_subject: '{name}'\nalert_subject_args: [a]\n",
            "alert_subject",
        ),
        (
            "alert_subject: x\nalert_subject_max_len: many\n",
            "alert_subject_max_len",
        ),
    ];
    for (yaml, option) in cases {
        let err = title_of(yaml, body.clone()).unwrap_err().to_string();
        assert!(err.contains(option), "{yaml}: {err}");
    }
}

#[test]
fn the_elastalert_default_title_adds_the_query_key_value() {
    let r = rule("query_key: host\n");
    let with = [a_match(json!({"host": "web-1"}))];
    assert_eq!(elastalert_title(&r, &with), "ElastAlert: r - web-1");
    let empty = [a_match(json!({"host": ""}))];
    assert_eq!(elastalert_title(&r, &empty), "ElastAlert: r");
    assert_eq!(elastalert_title(&rule(""), &with), "ElastAlert: r");
}
