//! The ES query DSL (as JSON) compiled into [`Node`]s: dispatch, compound queries, and the
//! constructs we refuse by name.

use serde_json::{Map, Value};

use super::ast::Node;
use super::{fulltext, leaf, query_string};
use crate::time::Timestamp;
use crate::{Error, Result};

/// What compilation needs besides the query: the instant `now` for date math.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    /// The instant `now` resolves to.
    pub(crate) now: Timestamp,
}

/// Compiles one query object such as `{"term": {...}}`.
pub(crate) fn compile(query: &Value, ctx: &Ctx) -> Result<Node> {
    let (kind, body) = single_key(query)?;
    match kind {
        "query" | "filter" => compile_one_or_all(body, ctx),
        "bool" => bool_query(body, ctx),
        "match_all" => params_only(kind, body).map(|()| Node::All),
        "match_none" => params_only(kind, body).map(|()| Node::Nothing),
        "constant_score" => constant_score(body, ctx),
        "not" => not_query(body, ctx),
        "and" | "or" => and_or(kind, body, ctx),
        "query_string" => query_string::compile(body, ctx),
        "term" => leaf::term(body),
        "terms" => leaf::terms(body),
        "match" => fulltext::match_query(body),
        "match_phrase" => fulltext::match_phrase(body),
        "range" => leaf::range(body, ctx),
        "exists" => leaf::exists(body),
        "prefix" => leaf::prefix(body),
        "wildcard" => leaf::wildcard(body),
        "regexp" => leaf::regexp(body),
        "ids" => leaf::ids(body),
        other => Err(unsupported(other)),
    }
}

/// The one key of a query object and its body.
fn single_key(query: &Value) -> Result<(&str, &Value)> {
    let Some(map) = query.as_object() else {
        return Err(Error::InvalidFilter(format!(
            "a query must be an object, got {query}"
        )));
    };
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some((kind, body)), None) => Ok((kind.as_str(), body)),
        (None, _) => Err(Error::InvalidFilter("empty query object".to_string())),
        (Some(_), Some(_)) => Err(Error::InvalidFilter(format!(
            "a query object must have exactly one query type, got {}",
            map.keys()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A query object, or a list of them (all must match).
fn compile_one_or_all(value: &Value, ctx: &Ctx) -> Result<Node> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|q| compile(q, ctx))
            .collect::<Result<_>>()
            .map(Node::and),
        other => compile(other, ctx),
    }
}

/// A clause list of `bool`: one query or a list of queries.
fn clauses(value: Option<&Value>, ctx: &Ctx) -> Result<Vec<Node>> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|q| compile(q, ctx)).collect(),
        Some(one) => Ok(vec![compile(one, ctx)?]),
    }
}

fn bool_query(body: &Value, ctx: &Ctx) -> Result<Node> {
    let map = object(body, "bool")?;
    check_keys(
        map,
        "bool",
        &[
            "must",
            "filter",
            "should",
            "must_not",
            "minimum_should_match",
            "adjust_pure_negative",
        ],
    )?;
    let mut must = clauses(map.get("must"), ctx)?;
    must.extend(clauses(map.get("filter"), ctx)?);
    let should = clauses(map.get("should"), ctx)?;
    let must_not = clauses(map.get("must_not"), ctx)?;
    let min = match map.get("minimum_should_match") {
        Some(spec) => minimum_should_match(spec, should.len())?,
        None if must.is_empty() && !should.is_empty() => 1,
        None => 0,
    };
    Ok(Node::bool(must, should, must_not, min))
}

/// Resolves `minimum_should_match` (`2`, `-1`, `"75%"`, `"-25%"`) against `count` clauses.
pub(crate) fn minimum_should_match(spec: &Value, count: usize) -> Result<usize> {
    let text = match spec {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        other => {
            return Err(Error::InvalidFilter(format!(
                "invalid minimum_should_match {other}"
            )));
        }
    };
    if text.contains('<') {
        return Err(Error::UnsupportedFilter {
            construct: format!("minimum_should_match '{text}'"),
            why: "conditional specifications are not supported; use a number or a percentage"
                .to_string(),
        });
    }
    let invalid = || Error::InvalidFilter(format!("invalid minimum_should_match '{text}'"));
    let (negative, magnitude) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let amount = match magnitude.strip_suffix('%') {
        Some(percent) => {
            let p: usize = percent.parse().map_err(|_| invalid())?;
            count * p.min(100) / 100
        }
        None => magnitude.parse().map_err(|_| invalid())?,
    };
    Ok(if negative {
        count.saturating_sub(amount)
    } else {
        amount
    })
}

fn constant_score(body: &Value, ctx: &Ctx) -> Result<Node> {
    let map = object(body, "constant_score")?;
    check_keys(map, "constant_score", &["filter"])?;
    let filter = map
        .get("filter")
        .ok_or_else(|| Error::InvalidFilter("constant_score needs a 'filter'".to_string()))?;
    compile(filter, ctx)
}

/// Old ES `not`: `{not: query}` or `{not: {filter: query}}`.
fn not_query(body: &Value, ctx: &Ctx) -> Result<Node> {
    let inner = match body.as_object() {
        Some(map)
            if map.len() == 1 && (map.contains_key("filter") || map.contains_key("query")) =>
        {
            map.values().next().unwrap_or(body)
        }
        _ => body,
    };
    Ok(Node::not(compile(inner, ctx)?))
}

/// Old ES `and`/`or`: a list of queries, or `{filters: [...]}`.
fn and_or(kind: &str, body: &Value, ctx: &Ctx) -> Result<Node> {
    let items = match body {
        Value::Array(items) => items,
        Value::Object(map) => match map.get("filters") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(Error::InvalidFilter(format!(
                    "'{kind}' needs a list of filters"
                )));
            }
        },
        _ => {
            return Err(Error::InvalidFilter(format!(
                "'{kind}' needs a list of filters"
            )));
        }
    };
    let nodes = items
        .iter()
        .map(|q| compile(q, ctx))
        .collect::<Result<Vec<_>>>()?;
    Ok(if kind == "and" {
        Node::and(nodes)
    } else {
        Node::or(nodes)
    })
}

/// A query whose body may only carry `boost` and `_name` (`match_all`, `match_none`).
fn params_only(kind: &str, body: &Value) -> Result<()> {
    if body.is_null() {
        return Ok(());
    }
    check_keys(object(body, kind)?, kind, &[])
}

/// The body as an object.
pub(crate) fn object<'a>(body: &'a Value, kind: &str) -> Result<&'a Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| Error::InvalidFilter(format!("'{kind}' needs an object, got {body}")))
}

/// Refuses keys other than `allowed`, `boost` and `_name`.
pub(crate) fn check_keys(map: &Map<String, Value>, kind: &str, allowed: &[&str]) -> Result<()> {
    match map
        .keys()
        .find(|k| !allowed.contains(&k.as_str()) && !matches!(k.as_str(), "boost" | "_name"))
    {
        Some(key) => Err(Error::InvalidFilter(format!(
            "unknown option '{key}' in '{kind}'"
        ))),
        None => Ok(()),
    }
}

/// The error for a query type we do not evaluate, with the reason.
fn unsupported(kind: &str) -> Error {
    let why = match kind {
        "script" | "script_score" | "function_score" => "scripts are not evaluated locally",
        k if k.starts_with("geo_") || k == "shape" => "geo queries need a geo index",
        "nested" | "has_child" | "has_parent" | "parent_id" => {
            "document relations do not exist in local data"
        }
        "more_like_this" | "fuzzy" | "intervals" | "knn" | "rank_feature" | "distance_feature"
        | "pinned" | "percolate" | "wrapper" | "sparse_vector" | "semantic" | "text_expansion" => {
            "this needs an index with scoring or analysis that local evaluation does not approximate"
        }
        k if k.starts_with("span_") => "span queries need term positions of an index",
        "eql" | "esql" | "sql" | "ppl" => {
            "a different query language; use the query DSL or query_string"
        }
        "simple_query_string"
        | "multi_match"
        | "match_phrase_prefix"
        | "match_bool_prefix"
        | "combined_fields"
        | "dis_max"
        | "boosting"
        | "terms_set"
        | "filtered" => {
            "not implemented for local evaluation; rewrite it with query_string, match or bool"
        }
        _ => "unknown query type",
    };
    Error::UnsupportedFilter {
        construct: kind.to_string(),
        why: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::rows;
    use serde_json::json;

    const CTX: Ctx = Ctx {
        now: Timestamp::from_micros(0),
    };

    fn node(query: &Value) -> Node {
        compile(query, &CTX).unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    fn error(query: &Value) -> Error {
        compile(query, &CTX).unwrap_err()
    }

    #[test]
    fn compound_queries_combine_their_clauses() {
        let doc = json!({"a": 1, "b": 2});
        // A1 and B2 match the document, A2 does not.
        let table = r#"
            {"bool": {"must": [A1, B2]}}                                   | true
            {"bool": {"must": A1, "must_not": B2}}                         | false
            {"bool": {"filter": [A1], "should": [A2]}}                     | true
            {"bool": {"should": [A2, B2]}}                                 | true
            {"bool": {"should": [A2]}}                                     | false
            {"bool": {"must": A1, "should": [A2], "minimum_should_match": 1}} | false
            {"bool": {"should": [A1, A2, B2], "minimum_should_match": "67%"}} | true
            {"bool": {"should": [A1, A2, A2], "minimum_should_match": 2}}  | false
            {"bool": {"should": [A1, A2, B2], "minimum_should_match": -1}} | true
            {"bool": {"must_not": [A2]}}                                   | true
            {"bool": {"must_not": [A2, B2]}}                               | false
            {"bool": {"boost": 1.5, "_name": "x"}}                         | true
            {"match_all": {}}                                              | true
            {"match_all": {"boost": 2}}                                    | true
            {"match_none": {}}                                             | false
            {"constant_score": {"filter": A1, "boost": 2}}                 | true
            {"constant_score": {"filter": A2}}                             | false
            {"not": A2}                                                    | true
            {"not": {"filter": A1}}                                        | false
            {"and": [A1, B2]}                                              | true
            {"and": {"filters": [A1, A2]}}                                 | false
            {"or": [A2, B2]}                                               | true
            {"or": [A2]}                                                   | false
            {"query": {"bool": {"must": A1}}}                              | true
            {"filter": A2}                                                 | false
            {"filter": [A1, B2]}                                           | true
        "#
        .replace("A1", r#"{"term": {"a": 1}}"#)
        .replace("A2", r#"{"term": {"a": 2}}"#)
        .replace("B2", r#"{"term": {"b": 2}}"#);
        for row in rows(&table) {
            assert_eq!(json!(node(&row[0]).matches(&doc)), row[1], "{}", row[0]);
        }
    }

    #[test]
    fn minimum_should_match_resolves_numbers_and_percentages() {
        let cases = [
            (json!(2), 4, 2),
            (json!("-1"), 4, 3),
            (json!("75%"), 4, 3),
            (json!("-25%"), 4, 3),
            (json!("50%"), 3, 1),
        ];
        for (spec, count, expected) in cases {
            assert_eq!(
                minimum_should_match(&spec, count).unwrap(),
                expected,
                "{spec}"
            );
        }
        assert!(matches!(
            minimum_should_match(&json!("3<90%"), 5),
            Err(Error::UnsupportedFilter { .. })
        ));
        assert!(matches!(
            minimum_should_match(&json!("lots"), 5),
            Err(Error::InvalidFilter(_))
        ));
    }

    #[test]
    fn unsupported_query_types_are_refused_by_name() {
        let kinds = [
            "script",
            "geo_distance",
            "geo_bounding_box",
            "nested",
            "has_child",
            "has_parent",
            "more_like_this",
            "fuzzy",
            "span_term",
            "span_near",
            "eql",
            "esql",
            "function_score",
            "simple_query_string",
            "multi_match",
            "knn",
            "percolate",
            "made_up",
        ];
        for kind in kinds {
            match error(&json!({ kind: {} })) {
                Error::UnsupportedFilter { construct, .. } => assert_eq!(construct, kind),
                other => panic!("{kind}: {other}"),
            }
        }
    }

    #[test]
    fn unsupported_constructs_are_found_inside_compound_queries() {
        let err =
            error(&json!({"bool": {"should": [{"term": {"a": 1}}, {"script": {"script": "x"}}]}}));
        assert!(err.to_string().contains("'script'"), "{err}");
    }

    #[test]
    fn malformed_queries_are_invalid() {
        let cases = [
            json!("term"),
            json!({}),
            json!({"term": {"a": 1}, "range": {"b": {"gt": 1}}}),
            json!({"bool": {"must": [], "shoud": []}}),
            json!({"constant_score": {}}),
            json!({"and": 3}),
            json!({"match_all": {"x": 1}}),
        ];
        for query in cases {
            assert!(matches!(error(&query), Error::InvalidFilter(_)), "{query}");
        }
    }
}
