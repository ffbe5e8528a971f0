//! The DSL's full-text queries: `match` and `match_phrase`, over approximate analysis.

use serde_json::Value;

use super::ast::{Field, Node, Test};
use super::dsl::minimum_should_match;
use super::params::{Options, field_and_value, scalar_text};
use super::text::TextQuery;
use super::value::Exact;
use crate::{Error, Result};

/// The options `match` accepts besides `query`.
const MATCH_OPTIONS: &[&str] = &[
    "operator",
    "minimum_should_match",
    "zero_terms_query",
    "lenient",
    "analyzer",
    "fuzziness",
    "fuzzy_rewrite",
    "fuzzy_transpositions",
    "prefix_length",
    "max_expansions",
    "auto_generate_synonyms_phrase_query",
];

/// How many of `count` tokens `operator` asks for: `or` one, `and` all.
fn operator_min(options: &Options<'_>, count: usize) -> Result<usize> {
    match options
        .text("operator")?
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("or") => Ok(1),
        Some("and") => Ok(count),
        Some(other) => Err(Error::InvalidFilter(format!(
            "invalid match operator '{other}'"
        ))),
    }
}

/// `match`: any token (`operator: or`), all tokens (`and`), or `minimum_should_match` of them.
pub(crate) fn match_query(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "match")?;
    let (query, options) = Options::split("match", value, &["query"], MATCH_OPTIONS)?;
    options.refuse_analysis_changes()?;
    if Field::is_exact(field) {
        return Ok(Node::field(
            field,
            Test::Exact(Exact::from_json(query, false)?),
        ));
    }
    let text = scalar_text(query, "match")?;
    let count = TextQuery::any_of(&text, 1).token_count();
    let mut min = operator_min(&options, count)?;
    if let Some(spec) = options.get("minimum_should_match") {
        min = minimum_should_match(spec, count)?.max(1);
    }
    let query = TextQuery::any_of(&text, min).with_zero_terms_all(zero_terms_all(&options)?);
    Ok(Node::field(field, Test::Text(query)))
}

/// `match_phrase`: tokens consecutive and in order (`slop` > 0: all tokens, in any order).
pub(crate) fn match_phrase(body: &Value) -> Result<Node> {
    let (field, value) = field_and_value(body, "match_phrase")?;
    let known = ["slop", "analyzer", "zero_terms_query"];
    let (query, options) = Options::split("match_phrase", value, &["query"], &known)?;
    options.refuse_analysis_changes()?;
    if Field::is_exact(field) {
        return Ok(Node::field(
            field,
            Test::Exact(Exact::from_json(query, false)?),
        ));
    }
    let text = scalar_text(query, "match_phrase")?;
    let sloppy = options
        .get("slop")
        .and_then(Value::as_u64)
        .is_some_and(|s| s > 0);
    let query = if sloppy {
        TextQuery::any_of(&text, usize::MAX)
    } else {
        TextQuery::phrase(&text)
    };
    Ok(Node::field(
        field,
        Test::Text(query.with_zero_terms_all(zero_terms_all(&options)?)),
    ))
}

fn zero_terms_all(options: &Options<'_>) -> Result<bool> {
    match options
        .text("zero_terms_query")?
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("none") => Ok(false),
        Some("all") => Ok(true),
        Some(other) => Err(Error::InvalidFilter(format!(
            "invalid zero_terms_query '{other}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::dsl::{Ctx, compile};
    use crate::filter::rows;
    use crate::time::Timestamp;
    use serde_json::json;

    fn node(query: &Value) -> Result<Node> {
        compile(
            query,
            &Ctx {
                now: Timestamp::from_micros(0),
            },
        )
    }

    #[test]
    fn match_queries_compare_analysed_tokens() {
        let doc = json!({"message": "Failed password for judy from 10.45.48.28", "user": "ops-7", "n": 5});
        let table = r#"
            {"match": {"message": "FAILED login"}}                                         | true
            {"match": {"message": "login attempt"}}                                        | false
            {"match": {"message": {"query": "failed login", "operator": "and"}}}          | false
            {"match": {"message": {"query": "failed judy", "operator": "AND"}}}           | true
            {"match": {"message": {"query": "failed judy x", "minimum_should_match": 2}}} | true
            {"match": {"message": {"query": "failed y x", "minimum_should_match": "50%"}}} | true
            {"match": {"message": {"query": "failed y x", "minimum_should_match": 2}}}    | false
            {"match": {"message": {"query": "--", "zero_terms_query": "all"}}}            | true
            {"match": {"message": "--"}}                                                   | false
            {"match": {"user": "ops"}}                                                     | true
            {"match": {"user.keyword": "ops"}}                                             | false
            {"match": {"user.keyword": "ops-7"}}                                           | true
            {"match": {"n": 5}}                                                            | true
            {"match": {"n": "6"}}                                                          | false
            {"match": {"message": {"query": "judy", "fuzziness": 0, "lenient": true}}}    | true
            {"match_phrase": {"message": "password for judy"}}                             | true
            {"match_phrase": {"message": "judy for password"}}                             | false
            {"match_phrase": {"message": {"query": "judy password", "slop": 2}}}          | true
            {"match_phrase": {"message": {"query": "judy alice", "slop": 2}}}             | false
            {"match_phrase": {"message": "10.45.48.28"}}                                   | true
            {"match_phrase": {"message": "10.45.48"}}                                      | true
            {"match_phrase": {"message": "45.48.10"}}                                      | false
            {"match_phrase": {"user.raw": "ops-7"}}                                        | true
        "#;
        for row in rows(table) {
            let query = node(&row[0]).unwrap_or_else(|e| panic!("{}: {e}", row[0]));
            assert_eq!(json!(query.matches(&doc)), row[1], "{}", row[0]);
        }
    }

    #[test]
    fn options_that_change_analysis_are_refused_by_name() {
        let cases = [
            (
                json!({"match": {"m": {"query": "x", "fuzziness": "AUTO"}}}),
                "match fuzziness",
            ),
            (
                json!({"match": {"m": {"query": "x", "analyzer": "whitespace"}}}),
                "match analyzer 'whitespace'",
            ),
            (
                json!({"match_phrase": {"m": {"query": "x", "analyzer": "simple"}}}),
                "match_phrase analyzer 'simple'",
            ),
        ];
        for (query, construct) in cases {
            match node(&query) {
                Err(Error::UnsupportedFilter { construct: got, .. }) => assert_eq!(got, construct),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_full_text_queries_are_invalid() {
        let cases = [
            json!({"match": {"m": {"query": "x", "operator": "xor"}}}),
            json!({"match": {"m": {"operator": "and"}}}),
            json!({"match": {"m": {"query": "x", "zero_terms_query": "some"}}}),
            json!({"match": {"m": null}}),
            json!({"match_phrase": {"m": {"query": "x", "unknown": 1}}}),
        ];
        for query in cases {
            assert!(
                matches!(node(&query), Err(Error::InvalidFilter(_))),
                "{query}"
            );
        }
    }
}
