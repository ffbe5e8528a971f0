//! The DSL's term-level queries: `term`, `terms`, `range`, `exists`, `prefix`, `wildcard`,
//! `regexp` and `ids`, in their short and long forms.

use serde_json::Value;

use super::ast::{Node, Test};
use super::datemath::DateParser;
use super::dsl::{Ctx, check_keys, object};
use super::params::{Options, field_and_value, scalar_text, unsupported};
use super::pattern::{Pattern, RegexpFlags};
use super::value::{Bound, Exact, Range, TermSet};
use crate::{Error, Result};

/// `term`: exact equality (numbers numerically).
pub(crate) fn term(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "term")?;
    let (value, options) = Options::split("term", value, &["value"], &["case_insensitive"])?;
    let exact = Exact::from_json(value, options.flag("case_insensitive")?)?;
    Ok(Node::field(field, Test::Exact(exact)))
}

/// `terms`: membership in a list; terms lookup is refused.
pub(crate) fn terms(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "terms")?;
    match value {
        Value::Array(items) => Ok(Node::field(field, Test::OneOf(TermSet::from_json(items)?))),
        Value::Object(_) => Err(unsupported(
            "terms lookup".to_string(),
            "it reads another index; list the terms instead",
        )),
        other => Err(Error::InvalidFilter(format!(
            "'terms' needs a list, got {other}"
        ))),
    }
}

/// The options of a `range` field.
const RANGE_OPTIONS: &[&str] = &[
    "gt",
    "gte",
    "lt",
    "lte",
    "from",
    "to",
    "include_lower",
    "include_upper",
    "format",
    "time_zone",
    "relation",
];

/// For a bound key: (is the lower bound, inclusive, round up). ES rounds up for gt and lte.
fn bound_kind(key: &str, include_lower: bool, include_upper: bool) -> Option<(bool, bool, bool)> {
    Some(match key {
        "gt" => (true, false, true),
        "gte" => (true, true, false),
        "from" => (true, include_lower, !include_lower),
        "lt" => (false, false, false),
        "lte" => (false, true, true),
        "to" => (false, include_upper, include_upper),
        _ => return None,
    })
}

/// `range`: `gt`/`gte`/`lt`/`lte` or `from`/`to` with `include_lower`/`include_upper`.
pub(crate) fn range(body: &Value, ctx: &Ctx) -> Result<Node> {
    let (field, value) = field_and_value(body, "range")?;
    let map = object(value, "range")?;
    check_keys(map, "range", RANGE_OPTIONS)?;
    let options = Options::of("range", map);
    let dates = DateParser::new(ctx.now, options.text("format")?, options.text("time_zone")?)?;
    let include_lower = !matches!(map.get("include_lower"), Some(Value::Bool(false)));
    let include_upper = !matches!(map.get("include_upper"), Some(Value::Bool(false)));
    let mut range = Range {
        lower: None,
        upper: None,
    };
    for (key, bound) in map.iter().filter(|(_, v)| !v.is_null()) {
        let Some((is_lower, inclusive, round_up)) = bound_kind(key, include_lower, include_upper)
        else {
            continue;
        };
        let bound = Some(Bound::from_json(bound, inclusive, round_up, &dates)?);
        if is_lower {
            range.lower = bound
        } else {
            range.upper = bound
        }
    }
    Ok(Node::field(field, Test::Range(range)))
}

/// `exists`: `{exists: {field: name}}`.
pub(crate) fn exists(body: &Value) -> Result<Node> {
    let map = object(body, "exists")?;
    check_keys(map, "exists", &["field"])?;
    match map.get("field") {
        Some(Value::String(field)) => Ok(Node::exists(field)),
        _ => Err(Error::InvalidFilter(
            "'exists' needs a 'field' name".to_string(),
        )),
    }
}

/// `prefix`: case-sensitive unless `case_insensitive: true`.
pub(crate) fn prefix(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "prefix")?;
    let (value, options) = Options::split(
        "prefix",
        value,
        &["value"],
        &["case_insensitive", "rewrite"],
    )?;
    let text = scalar_text(value, "prefix")?;
    Ok(Node::field(
        field,
        Test::Pattern(Pattern::prefix(&text, options.flag("case_insensitive")?)),
    ))
}

/// `wildcard`: `*` and `?`, case-sensitive unless `case_insensitive: true`.
pub(crate) fn wildcard(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "wildcard")?;
    let known = ["case_insensitive", "rewrite"];
    let (value, options) = Options::split("wildcard", value, &["value", "wildcard"], &known)?;
    let pattern = Pattern::wildcard(
        &scalar_text(value, "wildcard")?,
        options.flag("case_insensitive")?,
    )?;
    Ok(Node::field(field, Test::Pattern(pattern)))
}

/// `regexp`: Lucene syntax, anchored to the whole value.
pub(crate) fn regexp(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "regexp")?;
    let known = [
        "flags",
        "flags_value",
        "case_insensitive",
        "max_determinized_states",
        "rewrite",
    ];
    let (value, options) = Options::split("regexp", value, &["value"], &known)?;
    let flags = options
        .text("flags")?
        .map(RegexpFlags::parse)
        .transpose()?
        .unwrap_or_default();
    let pattern = Pattern::regexp(
        &scalar_text(value, "regexp")?,
        &flags,
        options.flag("case_insensitive")?,
    )?;
    Ok(Node::field(field, Test::Pattern(pattern)))
}

/// `ids`: the document's `_id` is one of `values`.
pub(crate) fn ids(body: &Value) -> Result<Node> {
    let map = object(body, "ids")?;
    check_keys(map, "ids", &["values", "type"])?;
    match map.get("values") {
        Some(Value::Array(values)) => {
            Ok(Node::field("_id", Test::OneOf(TermSet::from_json(values)?)))
        }
        _ => Err(Error::InvalidFilter(
            "'ids' needs a list of 'values'".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::rows;
    use crate::time::Timestamp;
    use serde_json::json;

    fn compile(query: &Value) -> Result<Node> {
        let now = Timestamp::parse_iso("2026-01-01T12:00:00Z").unwrap();
        super::super::dsl::compile(query, &Ctx { now })
    }

    /// Rows `query | expected` evaluated against `doc`.
    fn check(doc: &Value, table: &str) {
        for row in rows(table) {
            let node = compile(&row[0]).unwrap_or_else(|e| panic!("{}: {e}", row[0]));
            assert_eq!(json!(node.matches(doc)), row[1], "{} vs {doc}", row[0]);
        }
    }

    #[test]
    fn term_compares_exactly_and_numbers_numerically() {
        let doc =
            json!({"status": 500, "code": "404", "env": "prod", "ok": "true", "tags": ["a", "b"]});
        check(
            &doc,
            r#"
            {"term": {"status": "500"}}                                       | true
            {"term": {"status": 500.0}}                                       | true
            {"term": {"status": 501}}                                         | false
            {"term": {"code": 404}}                                           | true
            {"term": {"env": "prod"}}                                         | true
            {"term": {"env": "Prod"}}                                         | false
            {"term": {"env": {"value": "PROD", "case_insensitive": true}}}    | true
            {"term": {"env": {"value": "prod", "boost": 2.0, "_name": "x"}}}  | true
            {"term": {"env": "prod", "boost": 2.0}}                           | true
            {"term": {"ok": true}}                                            | true
            {"term": {"tags": "b"}}                                           | true
            {"term": {"tags": "c"}}                                           | false
            {"term": {"absent": "prod"}}                                      | false
            {"term": {"env.keyword": "prod"}}                                 | true
        "#,
        );
    }

    #[test]
    fn terms_and_ids_test_membership() {
        let doc = json!({"_id": "7", "status": 503, "env": "stg"});
        check(
            &doc,
            r#"
            {"terms": {"status": [500, 503], "boost": 1}}   | true
            {"terms": {"status": ["502", "503"]}}          | true
            {"terms": {"status": [500, 502]}}              | false
            {"terms": {"env": ["prod", "stg"]}}            | true
            {"terms": {"env": ["prod", "STG"]}}            | false
            {"ids": {"values": ["7", "8"]}}                | true
            {"ids": {"values": ["8"]}}                     | false
        "#,
        );
    }

    #[test]
    fn ranges_accept_every_bound_spelling() {
        let doc = json!({"status": 503, "@timestamp": "2026-01-01T11:30:00Z", "name": "m"});
        check(
            &doc,
            r#"
            {"range": {"status": {"gte": 500, "lte": 599}}}                        | true
            {"range": {"status": {"gt": 503}}}                                     | false
            {"range": {"status": {"lt": "504"}}}                                   | true
            {"range": {"status": {"from": 500, "to": 503, "include_upper": false}}} | false
            {"range": {"status": {"from": 503, "to": null}}}                       | true
            {"range": {"status": {"from": 503, "include_lower": false}}}           | false
            {"range": {"@timestamp": {"gte": "now-1h"}}}                           | true
            {"range": {"@timestamp": {"gte": "now-15m"}}}                          | false
            {"range": {"@timestamp": {"gte": "now/d", "lt": "now+1d/d"}}}          | true
            {"range": {"@timestamp": {"gt": "2026-01-01||-1d"}}}                   | true
            {"range": {"@timestamp": {"lte": "2026-01-01"}}}                       | true
            {"range": {"@timestamp": {"lt": "2026-01-01"}}}                        | false
            {"range": {"@timestamp": {"gte": "01/01/2026 11:00", "format": "dd/MM/yyyy HH:mm"}}} | true
            {"range": {"@timestamp": {"gte": "01/01/2026 11:31", "format": "dd/MM/yyyy HH:mm"}}} | false
            {"range": {"@timestamp": {"gte": "2026-01-01T12:00:00", "time_zone": "+01:00"}}} | true
            {"range": {"@timestamp": {"gte": "2026-01-01T12:00:00", "time_zone": "-01:00"}}} | false
            {"range": {"@timestamp": {"gte": 1767267000000, "format": "epoch_millis"}}} | true
            {"range": {"@timestamp": {"gt": 1767267000000, "format": "epoch_millis"}}}  | false
            {"range": {"@timestamp": {"gte": "1767267000000||-1h", "lte": "1767267000000", "format": "epoch_millis"}}} | true
            {"range": {"@timestamp": {"gt": "1767267000000", "format": "epoch_millis"}}}  | false
            {"range": {"@timestamp": {"gte": "1767267060000||-1m", "format": "epoch_millis"}}} | true
            {"range": {"@timestamp": {"gte": "1767267060000||-59s", "format": "epoch_millis"}}} | false
            {"range": {"@timestamp": {"from": "1767267000000||-30m", "to": "1767267000000", "include_lower": true, "include_upper": true, "format": "epoch_millis", "boost": 1.0}}} | true
            {"range": {"@timestamp": {"from": "1767267000000||-30m", "to": "1767267000000", "include_lower": true, "include_upper": false, "format": "epoch_millis"}}} | false
            {"range": {"@timestamp": {"gte": "1767267000000||-1h"}}}               | true
            {"range": {"@timestamp": {"gte": "1767267000000||-1h", "lte": "1767267000000"}}} | true
            {"range": {"@timestamp": {"gt": 1767266000000, "lte": 1767267000000}}}  | true
            {"range": {"@timestamp": {"gt": 1767267000000}}}                       | false
            {"range": {"status": {"gt": 1767267000000}}}                           | false
            {"range": {"@timestamp": {"gt": "1767267000000||+0s"}}}                | false
            {"range": {"@timestamp": {"from": "now-30m", "to": "now", "include_lower": true, "include_upper": true}}} | true
            {"range": {"@timestamp": {"from": "now-29m", "to": "now"}}}             | false
            {"range": {"name": {"gte": "a", "lt": "n"}}}                           | true
            {"range": {"name": {"gte": "n"}}}                                      | false
            {"range": {"absent": {"gte": 1}}}                                      | false
        "#,
        );
    }

    #[test]
    fn exists_prefix_wildcard_and_regexp_match_strings() {
        let doc = json!({"host": "web-40", "path": "/api/users/3964", "none": null, "empty": []});
        check(
            &doc,
            r#"
            {"exists": {"field": "host"}}                                           | true
            {"exists": {"field": "none"}}                                           | false
            {"exists": {"field": "empty"}}                                          | false
            {"exists": {"field": "absent"}}                                         | false
            {"prefix": {"host": "web-"}}                                            | true
            {"prefix": {"host": "WEB-"}}                                            | false
            {"prefix": {"host": {"value": "WEB-", "case_insensitive": true}}}      | true
            {"wildcard": {"host": "w?b-*"}}                                         | true
            {"wildcard": {"host": "W?B-*"}}                                         | false
            {"wildcard": {"host": {"wildcard": "*-4"}}}                             | false
            {"wildcard": {"host": {"value": "WEB-4*", "case_insensitive": true}}}  | true
            {"regexp": {"path": "/api/users/[0-9]+"}}                               | true
            {"regexp": {"path": "users/[0-9]+"}}                                    | false
            {"regexp": {"path": {"value": "/API.*", "case_insensitive": true, "flags": "ALL"}}} | true
            {"regexp": {"path": {"value": "/API.*"}}}                               | false
        "#,
        );
    }

    #[test]
    fn unsupported_leaf_options_are_refused_by_name() {
        let cases = [
            (
                json!({"terms": {"user": {"index": "users", "id": "1", "path": "n"}}}),
                "terms lookup",
            ),
            (
                json!({"range": {"t": {"gte": "now", "time_zone": "Europe/Paris"}}}),
                "time_zone 'Europe/Paris'",
            ),
            (
                json!({"range": {"t": {"gte": "x", "format": "yyyy-ww"}}}),
                "range format 'yyyy-ww'",
            ),
            (json!({"regexp": {"a": "a~b"}}), "regexp operator '~'"),
        ];
        for (query, construct) in cases {
            match compile(&query) {
                Err(Error::UnsupportedFilter { construct: got, .. }) => assert_eq!(got, construct),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_leaf_queries_are_invalid() {
        let table = r#"
            {"term": {"a": 1, "b": 2}}
            {"term": {}}
            {"term": {"a": null}}
            {"term": {"a": {"valu": 1}}}
            {"terms": {"a": "x"}}
            {"range": {"a": 5}}
            {"range": {"a": {"gte": [1]}}}
            {"range": {"a": {"gte": "now-1q"}}}
            {"range": {"a": {"above": 1}}}
            {"exists": {"field": 1}}
            {"prefix": {"a": {"value": "x", "case_insensitive": "yes"}}}
            {"regexp": {"a": "("}}
            {"regexp": {"a": {"value": "x", "flags": "BOGUS"}}}
            {"ids": {"values": "7"}}
        "#;
        for row in rows(table) {
            assert!(
                matches!(compile(&row[0]), Err(Error::InvalidFilter(_))),
                "{}",
                row[0]
            );
        }
    }
}
