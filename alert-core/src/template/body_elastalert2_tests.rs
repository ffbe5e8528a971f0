//! Alert bodies and titles against ElastAlert2 itself: each expected text is what
//! `Alerter.create_alert_body` (and `create_title`) of ElastAlert2 2.31 returned for the same
//! options and matches (rule named `r`, type `any`), run under Python 3.11 with jinja2 3,
//! texttable 1.7 and prettytable 3. Cases from `tests/alerts_test.py` use known options where
//! the original used arbitrary keys (`owner`, `category`, `description`).
#![allow(clippy::unwrap_used)]

use serde_json::Value;

use super::*;
use crate::alert::Match;
use crate::template::{TextEnv, title};
use crate::testing::{a_match, rule};

/// (name, rule options as YAML, matches as a JSON list, ElastAlert2's body)
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "summary_table_ascii_as_in_the_reference",
        "summary_table_fields: [\"user\", {\"path\": \"event\", \"header\": \"Event\"}]\n",
        r#"[{"@timestamp": "2024-01-01T00:00:00Z", "user": "alice", "event": "login"}, {"user": "bob", "event": "x"}, {"user": "alice", "event": "login"}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['user', 'event', 'count']:\n\n+-------+-------+-------+\n| user  | Event | count |\n+=======+=======+=======+\n| alice | login | 2     |\n+-------+-------+-------+\n| bob   | x     | 1     |\n+-------+-------+-------+\n\nr\n\n@timestamp: 2024-01-01T00:00:00Z\nevent: login\nuser: alice\n\n----------------------------------------\nr\n\nevent: x\nuser: bob\n\n----------------------------------------\nr\n\nevent: login\nuser: alice\n\n----------------------------------------\n",
    ),
    (
        "summary_table_markdown",
        "summary_table_fields: [\"user\", {\"path\": \"event\", \"header\": \"Event\"}]\nsummary_table_type: \"markdown\"\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "alice", "event": "login"}, {"user": "bob", "event": "x"}, {"user": "alice", "event": "login"}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['user', 'event', 'count']:\n\n| user | Event | count |\n|-----|-----|-----|\n| alice | login | 2 |\n| bob | x | 1 |\n\n",
    ),
    (
        "summary_table_html_replaces_the_prefix",
        "summary_table_fields: [\"user\"]\nsummary_table_type: \"html\"\nsummary_prefix: \"Prefix\"\nsummary_suffix: \"Suffix\"\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "a<b> & \"c\" 'd'\nline"}, {"user": 1.5}]"#,
        "<table frame=\"box\" rules=\"all\">\n    <thead>\n        <tr>\n            <th style=\"padding-left: 1em; padding-right: 1em; text-align: center\">user</th>\n            <th style=\"padding-left: 1em; padding-right: 1em; text-align: center\">count</th>\n        </tr>\n    </thead>\n    <tbody>\n        <tr>\n            <td style=\"padding-left: 1em; padding-right: 1em; text-align: center; vertical-align: top\">a&lt;b&gt; &amp; &quot;c&quot; &#x27;d&#x27;<br>line</td>\n            <td style=\"padding-left: 1em; padding-right: 1em; text-align: center; vertical-align: top\">1</td>\n        </tr>\n        <tr>\n            <td style=\"padding-left: 1em; padding-right: 1em; text-align: center; vertical-align: top\">1.5</td>\n            <td style=\"padding-left: 1em; padding-right: 1em; text-align: center; vertical-align: top\">1</td>\n        </tr>\n    </tbody>\n</table>Suffix",
    ),
    (
        "summary_table_max_rows_keeps_the_most_frequent",
        "summary_table_fields: [\"user\"]\nsummary_table_max_rows: 1\nsummary_prefix: \"Top users\"\nsummary_suffix: \"end\\n\"\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "alice"}, {"user": "bob"}, {"user": "bob"}]"#,
        "Top users\nAggregation resulted in the following data for summary_table_fields ==> ['user', 'count']:\n\n+------+-------+\n| user | count |\n+======+=======+\n| bob  | 2     |\n+------+-------+\n\nShowing top 1 rows\nend\n",
    ),
    (
        "summary_table_ties_keep_first_appearance_order",
        "summary_table_fields: [\"user\"]\nsummary_table_max_rows: 2\nsummary_table_type: \"markdown\"\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "c"}, {"user": "a"}, {"user": "b"}, {"user": "a"}, {"user": "b"}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['user', 'count']:\n\n| user | count |\n|-----|-----|\n| a | 2 |\n| b | 2 |\n\nShowing top 2 rows\n",
    ),
    (
        "summary_table_missing_fields_are_none_and_lists_are_python",
        "summary_table_fields: [\"user\", \"host.name\", \"tags\", {\"path\": \"n\"}]\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "alice", "host": {"name": "web-1"}, "tags": ["a", 1], "n": 2.0}, {"user": null}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['user', 'host.name', 'tags', 'n', 'count']:\n\n+-------+-----------+----------+------+-------+\n| user  | host.name |   tags   |  n   | count |\n+=======+===========+==========+======+=======+\n| alice | web-1     | ['a', 1] | 2.0  | 1     |\n+-------+-----------+----------+------+-------+\n| None  | None      | None     | None | 1     |\n+-------+-----------+----------+------+-------+\n\n",
    ),
    (
        "summary_table_wider_than_80_wraps_its_cells",
        "summary_table_fields: [\"message\", \"path\", \"user\"]\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"message": "connection reset by peer while reading response header from upstream server", "path": "/api/v1/very-long-endpoint-name/with-many-segments/and-more", "user": "alice"}, {"message": "short", "path": "/", "user": "an-extraordinarily-long-user-name-without-spaces-at-all"}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['message', 'path', 'user', 'count']:\n\n+-----------------------+-----------------------+----------------------+-------+\n|        message        |         path          |         user         | count |\n+=======================+=======================+======================+=======+\n| connection reset by   | /api/v1/very-long-    | alice                | 1     |\n| peer while reading    | endpoint-name/with-   |                      |       |\n| response header from  | many-segments/and-    |                      |       |\n| upstream server       | more                  |                      |       |\n+-----------------------+-----------------------+----------------------+-------+\n| short                 | /                     | an-extraordinarily-  | 1     |\n|                       |                       | long-user-name-      |       |\n|                       |                       | without-spaces-at-   |       |\n|                       |                       | all                  |       |\n+-----------------------+-----------------------+----------------------+-------+\n\n",
    ),
    (
        "summary_table_tabs_and_trailing_spaces",
        "summary_table_fields: [\"user\"]\nalert_text_type: \"aggregation_summary_only\"\n",
        r#"[{"user": "a b  c\td  "}, {"user": "  lead"}]"#,
        "Aggregation resulted in the following data for summary_table_fields ==> ['user', 'count']:\n\n+-------------+-------+\n|    user     | count |\n+=============+=======+\n| a b  c  d   | 1     |\n+-------------+-------+\n|   lead      | 1     |\n+-------------+-------+\n\n",
    ),
    (
        "summary_table_before_the_match_texts",
        "summary_table_fields: [\"user\"]\nsummary_table_type: \"markdown\"\nsummary_prefix: \"P\"\n",
        r#"[{"user": "alice", "n": 1}]"#,
        "P\nAggregation resulted in the following data for summary_table_fields ==> ['user', 'count']:\n\n| user | count |\n|-----|-----|\n| alice | 1 |\n\nr\n\nn: 1\nuser: alice\n",
    ),
    (
        "jinja_reads_rule_options_match_fields_and_the_root_name",
        "description: \"foo from rule\"\nowner: \"the owner from rule\"\ncategory: \"abc from rule\"\nalert_text: \"Owner: {{owner}}; Foo: {{_data[\\\"description\\\"]}}; Abc: {{category}}; Xyz: {{_data[\\\"xyz\\\"]}}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"@timestamp": "2016-01-01", "field": "field_value", "category": "abc from match", "xyz": "from match"}]"#,
        "Owner: the owner from rule; Foo: foo from rule; Abc: abc from match; Xyz: from match\n\n",
    ),
    (
        "jinja_prints_values_as_python_and_undefined_as_nothing",
        "alert_text: \"{{ ok }} {{ none }} {{ n }} {{ f }} {{ tags }} {{ d }} [{{ nope }}] {{ host.name }} {{ _data['host.ip'] }}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"ok": true, "none": null, "n": 3, "f": 2.0, "tags": ["a", 1], "d": {"k": "v"}, "host": {"name": "web-1"}, "host.ip": "10.0.0.1"}]"#,
        "True None 3 2.0 ['a', 1] {'k': 'v'} [] web-1 10.0.0.1\n\n",
    ),
    (
        "jinja_filters_take_positional_arguments",
        "alert_text: \"{{ user | replace('a', 'A') }} {{ '%s-%s' | format(user, n) }} {{ f | round(1) }} {{ tags | join(', ') }} {{ user | upper }} {{ missing | default('dflt') }} {{ tags | length }}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"user": "alan", "n": 7, "f": 2.345, "tags": ["x", "y"]}]"#,
        "AlAn alan-7 2.3 x, y ALAN dflt 2\n\n",
    ),
    (
        "jinja_loops_over_items",
        "alert_text: \"{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}\\n{% if n > 2 %}big{% else %}small{% endif %}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"d": {"b": 1, "a": "x"}, "n": 3}]"#,
        "b=1;a=x;\nbig\n\n",
    ),
    (
        "jinja_text_with_several_matches",
        "alert_text: \"{{ user }}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"user": "a"}, {"user": "b"}]"#,
        "a\n\n\n----------------------------------------\nb\n\n\n----------------------------------------\n",
    ),
    (
        "jinja_subject",
        "owner: \"the_owner\"\nalert_subject: \"Test alert for {{owner}}; field {{field}}; Abc: {{_data[\\\"abc\\\"]}}\"\nalert_text_type: \"alert_text_jinja\"\nalert_text: \"x\"\n",
        r#"[{"@timestamp": "2016-01-01", "field": "field_value", "abc": "abc from match"}]"#,
        "x\n\n",
    ),
    (
        "jinja_root_name_can_be_renamed",
        "jinja_root_name: \"doc\"\nalert_text: \"{{ doc['a.b'] }}\"\nalert_text_type: \"alert_text_jinja\"\n",
        r#"[{"a.b": "dotted"}]"#,
        "dotted\n\n",
    ),
    (
        "alert_text_args_fall_back_to_rule_options",
        "owner: \"the owner from rule\"\ncategory: \"priority from rule\"\ndescription: \"abc from rule\"\nalert_text: \"Priority: {0}; Owner: {1}; Abc: {2}\"\nalert_text_args: [\"category\", \"owner\", \"description\"]\n",
        r#"[{"@timestamp": "2016-01-01", "field": "field_value", "description": "abc from match"}]"#,
        "Priority: priority from rule; Owner: the owner from rule; Abc: abc from match\n\n@timestamp: 2016-01-01\ndescription: abc from match\nfield: field_value\n",
    ),
    (
        "alert_text_kw_fall_back_to_rule_options",
        "category: \"foo from rule\"\nowner: \"the owner from rule\"\ndescription: \"abc from rule\"\nalert_text: \"Owner: {owner}; Foo: {foo}; Abc: {abc}\"\nalert_text_kw: {\"owner\": \"owner\", \"category\": \"foo\", \"description\": \"abc\"}\n",
        r#"[{"@timestamp": "2016-01-01", "field": "field_value", "description": "abc from match"}]"#,
        "Owner: the owner from rule; Foo: foo from rule; Abc: abc from match\n\n@timestamp: 2016-01-01\ndescription: abc from match\nfield: field_value\n",
    ),
    (
        "basic_match_string_with_top_counts_and_nested_objects",
        "top_count_keys: [\"username\"]\nalert_text: \"custom text\"\n",
        r#"[{"@timestamp": "1918-01-17", "field": "value", "top_events_username": {"bob": 10, "mallory": 5}, "snowman": "☃", "object": {"this": {"that": [1, 2, "3"]}}}]"#,
        "custom text\n\nusername:\nbob: 10\nmallory: 5\n\n@timestamp: 1918-01-17\nfield: value\nobject: {\n    \"this\": {\n        \"that\": [\n            1,\n            2,\n            \"3\"\n        ]\n    }\n}\nsnowman: ☃\n",
    ),
    (
        "format_specs_in_alert_text",
        "alert_text: \"{0:>8}|{1:.2f}|{1:08.3f}|{2:,}|{0!r:^9}|{3:.1%}|{0:.2}\"\nalert_text_args: [\"user\", \"ratio\", \"big\", \"share\"]\n",
        r#"[{"user": "alice", "ratio": 3.14159, "big": 1234567, "share": 0.4567}]"#,
        "   alice|3.14|0003.142|1,234,567| 'alice' |45.7%|al\n\nbig: 1234567\nratio: 3.14159\nshare: 0.4567\nuser: alice\n",
    ),
    (
        "alert_missing_value_in_args",
        "alert_text: \"{0} {1}\"\nalert_text_args: [\"user\", \"nope\"]\nalert_missing_value: \"-\"\nalert_text_type: \"alert_text_only\"\n",
        r#"[{"user": "alice"}]"#,
        "alice -\n\n",
    ),
    (
        "subject_args_and_max_len",
        "alert_subject: \"Test alert for {0} {1}\"\nalert_subject_args: [\"test_term\", \"test.term\"]\nalert_subject_max_len: 6\nalert_text_type: \"exclude_fields\"\n",
        r#"[{"test_term": "test_value", "@timestamp": "2014-10-31T00:00:00"}]"#,
        "r\n\n",
    ),
];

/// (case name, ElastAlert2's `create_title`)
const SUBJECTS: &[(&str, &str)] = &[
    (
        "jinja_subject",
        "Test alert for the_owner; field field_value; Abc: abc from match",
    ),
    ("subject_args_and_max_len", "Test a"),
];

fn matches(list: &str) -> Vec<Match> {
    let Value::Array(items) = serde_json::from_str(list).unwrap() else {
        panic!("a list of matches");
    };
    items.into_iter().map(a_match).collect()
}

#[test]
fn bodies_match_elastalert2_byte_for_byte() {
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
fn titles_match_elastalert2_byte_for_byte() {
    for (case, expected) in SUBJECTS {
        let (_, yaml, list, _) = CASES.iter().find(|c| c.0 == *case).unwrap();
        let r = rule(yaml);
        let got = title(&AlerterOptions::of_rule(&r), &matches(list)).unwrap();
        assert_eq!(got, *expected, "{case}");
    }
}
