//! `query_string` (Lucene syntax), parsed by `tantivy-query-grammar` and mapped onto [`Node`]s.
//!
//! This file reads the options and holds the behaviour tests; `lucene.rs` fixes what tantivy
//! reads differently from Lucene, and `convert.rs` maps the AST.

use serde_json::{Map, Value};
use tantivy_query_grammar::Occur;

use super::ast::Node;
use super::convert::Converter;
use super::datemath::DateParser;
use super::dsl::{Ctx, check_keys, object};
use super::lucene::lucene_operators;
use super::params::unsupported;
use crate::{Error, Result};

/// Options that do not change what matches here.
const IGNORED: &[&str] = &[
    "analyze_wildcard",
    "allow_leading_wildcard",
    "lenient",
    "auto_generate_synonyms_phrase_query",
    "enable_position_increments",
    "fuzzy_max_expansions",
    "fuzzy_prefix_length",
    "fuzzy_transpositions",
    "fuzziness",
    "fuzzy_rewrite",
    "max_determinized_states",
    "rewrite",
    "type",
    "tie_breaker",
    "escape",
    "phrase_slop",
];

/// Compiles the body of a `query_string` query.
pub(crate) fn compile(body: &Value, ctx: &Ctx) -> Result<Node> {
    let map = object(body, "query_string")?;
    let mut known = vec![
        "query",
        "default_field",
        "fields",
        "default_operator",
        "time_zone",
    ];
    known.extend([
        "analyzer",
        "quote_analyzer",
        "minimum_should_match",
        "quote_field_suffix",
    ]);
    known.extend(IGNORED);
    check_keys(map, "query_string", &known)?;
    refuse_semantic_options(map)?;
    let Some(Value::String(query)) = map.get("query") else {
        return Err(Error::InvalidFilter(
            "'query_string' needs a 'query' string".to_string(),
        ));
    };
    let time_zone = map.get("time_zone").and_then(Value::as_str);
    let converter = Converter {
        default_fields: default_fields(map)?,
        default_occur: default_occur(map)?,
        dates: DateParser::new(ctx.now, None, time_zone)?,
    };
    let ast = tantivy_query_grammar::parse_query(&lucene_operators(query))
        .map_err(|_| Error::InvalidFilter(format!("query_string '{query}' does not parse")))?;
    converter.convert(ast)
}

fn refuse_semantic_options(map: &Map<String, Value>) -> Result<()> {
    for key in ["analyzer", "quote_analyzer"] {
        if let Some(analyzer) = map.get(key).filter(|a| *a != "standard") {
            return Err(unsupported(
                format!("query_string {key} {analyzer}"),
                "only the standard analyzer is approximated",
            ));
        }
    }
    for key in ["minimum_should_match", "quote_field_suffix"] {
        if map.contains_key(key) {
            return Err(unsupported(
                format!("query_string {key}"),
                "not implemented for local evaluation",
            ));
        }
    }
    Ok(())
}

/// `fields` if given, else `default_field`, else `*` (every field).
fn default_fields(map: &Map<String, Value>) -> Result<Vec<String>> {
    let invalid = |v: &Value| Error::InvalidFilter(format!("invalid query_string fields {v}"));
    let fields: Vec<String> = match (map.get("fields"), map.get("default_field")) {
        (Some(Value::Array(items)), _) => items
            .iter()
            .map(|f| {
                f.as_str()
                    .map(|s| s.split('^').next().unwrap_or(s).to_string())
                    .ok_or_else(|| invalid(f))
            })
            .collect::<Result<_>>()?,
        (Some(other), _) => return Err(invalid(other)),
        (None, Some(Value::String(f))) => vec![f.clone()],
        (None, Some(other)) => return Err(invalid(other)),
        (None, None) => vec!["*".to_string()],
    };
    if let Some(pattern) = fields.iter().find(|f| f.contains('*') && *f != "*") {
        return Err(unsupported(
            format!("query_string field pattern '{pattern}'"),
            "name the fields, or use '*'",
        ));
    }
    Ok(fields)
}

fn default_occur(map: &Map<String, Value>) -> Result<Occur> {
    match map
        .get("default_operator")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("OR") => Ok(Occur::Should),
        Some("AND") => Ok(Occur::Must),
        Some(other) => Err(Error::InvalidFilter(format!(
            "invalid default_operator '{other}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;
    use serde_json::json;

    fn compile_body(body: &Value) -> Result<Node> {
        let now = Timestamp::parse_iso("2026-01-01T12:00:00Z").unwrap();
        compile(body, &Ctx { now })
    }

    fn query(q: &str) -> Node {
        compile_body(&json!({ "query": q })).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn check(doc: &Value, cases: &[(&str, bool)]) {
        for (q, expected) in cases {
            assert_eq!(query(q).matches(doc), *expected, "{q} vs {doc}");
        }
    }

    fn access() -> Value {
        json!({
            "@timestamp": "2026-01-01T11:30:00Z", "host": "web-1", "env": "prod", "status": 503,
            "level": "error", "path": "/health", "user": "Ops-7",
            "client": {"country": "DE", "ip": "10.1.2.3"},
            "message": "GET /health HTTP/1.1 503 connection refused by upstream",
        })
    }

    #[test]
    fn fields_boolean_operators_and_occurrences_combine() {
        check(
            &access(),
            &[
                ("status:[500 TO 599] AND env:prod", true),
                ("status:[500 TO 599] AND env:stg", false),
                ("env:stg OR host:web-1", true),
                ("env:stg OR host:web-2", false),
                ("+level:error -env:dev", true),
                ("+level:error -env:prod", false),
                ("NOT env:prod", false),
                ("NOT env:dev", true),
                ("level:error NOT env:prod", false),
                ("level:error AND NOT env:dev", true),
                // Lucene: a negated operand is a MUST_NOT of its clause (`a OR NOT b` = `a -b`).
                ("env:dev OR NOT level:debug", false),
                ("env:prod OR NOT level:debug", true),
                ("NOT client.country:(US OR DE)", false),
                ("NOT client.country:(US OR FR)", true),
                ("NOT client.country:(US OR IN)", true),
                ("client.country:IN", false),
                ("!_exists_:aggregate_id AND env:prod", true),
                ("client.country:(US OR DE) AND env:prod", true),
                ("(env:dev OR env:prod) AND (status:503)", true),
                ("env:prod && level:error", true),
                ("env:dev || level:error", true),
                ("!env:prod", false),
                ("*", true),
                ("*:*", true),
                ("", false),
                ("env:prod^2", true),
            ],
        );
    }

    #[test]
    fn terms_are_analysed_on_plain_fields_and_exact_on_keyword_fields() {
        check(
            &access(),
            &[
                ("env:PROD", true),
                ("user:ops-7", true),
                ("user.keyword:ops-7", false),
                ("user.keyword:Ops-7", true),
                ("user.raw:Ops-7", true),
                ("message:\"connection refused\"", true),
                ("message:\"refused connection\"", false),
                ("message:\"refused upstream\"~3", true),
                ("message:refused", true),
                ("path:\\/health", true),
                ("status:503", true),
                ("status:\"503\"", true),
                ("status:500", false),
                ("client.ip:10.1.2.3", true),
            ],
        );
    }

    #[test]
    fn wildcards_ranges_exists_and_regexes_work_in_query_strings() {
        check(
            &access(),
            &[
                ("host:web-*", true),
                ("host:WEB-*", true),
                ("host:we?-1", true),
                ("host:we?-2", false),
                ("host:w*1", true),
                ("host:w*2", false),
                ("message:up*am", true),
                ("host.keyword:WEB-*", false),
                ("host.keyword:web-*", true),
                ("_exists_:client.ip", true),
                ("_exists_:client.port", false),
                ("client.ip:*", true),
                ("missing:*", false),
                ("status:>=500", true),
                ("status:>503", false),
                ("status:<=503", true),
                ("status:<503", false),
                ("status:{500 TO 503}", false),
                ("status:{500 TO 503]", true),
                ("status:[* TO 400]", false),
                ("@timestamp:[now-1h TO now]", true),
                ("@timestamp:[now-10m TO now]", false),
                ("@timestamp:>=2026-01-01", true),
                ("path:/\\/heal.*/", true),
                ("path:/heal.*/", true),
                ("path.keyword:/heal.*/", false),
                ("message:/refus.*/", true),
                ("env: IN [dev prod]", true),
            ],
        );
    }

    #[test]
    fn default_field_and_operator_options_apply_to_bare_terms() {
        let doc = access();
        let cases = [
            (json!({"query": "upstream"}), true),
            (json!({"query": "10.1.2.3"}), true),
            (json!({"query": "503"}), true),
            (json!({"query": "nowhere"}), false),
            (json!({"query": "upstream", "default_field": "env"}), false),
            (
                json!({"query": "upstream", "fields": ["env", "message^2"]}),
                true,
            ),
            (json!({"query": "refused nowhere"}), true),
            (
                json!({"query": "refused nowhere", "default_operator": "AND"}),
                false,
            ),
            (
                json!({"query": "refused upstream", "default_operator": "and"}),
                true,
            ),
            (
                json!({"query": "env:prod", "analyze_wildcard": true, "lenient": true}),
                true,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                compile_body(&body).unwrap().matches(&doc),
                expected,
                "{body}"
            );
        }
    }

    #[test]
    fn unsupported_query_string_constructs_are_refused_by_name() {
        let cases = [
            (json!({"query": "kimchy~1"}), "fuzzy query 'kimchy~1'"),
            (json!({"query": "user:kimchy~"}), "fuzzy query 'kimchy~'"),
            (json!({"query": "\"a b\"*"}), "phrase prefix \"a b\"*"),
            (
                json!({"query": "x", "fields": ["host.*"]}),
                "query_string field pattern 'host.*'",
            ),
            (
                json!({"query": "x", "analyzer": "whitespace"}),
                "query_string analyzer \"whitespace\"",
            ),
            (
                json!({"query": "x", "minimum_should_match": 2}),
                "query_string minimum_should_match",
            ),
            (
                json!({"query": "t:>now", "time_zone": "Europe/Paris"}),
                "time_zone 'Europe/Paris'",
            ),
        ];
        for (body, construct) in cases {
            match compile_body(&body) {
                Err(Error::UnsupportedFilter { construct: got, .. }) => assert_eq!(got, construct),
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_query_strings_are_invalid() {
        let cases = [
            json!({"query": "title:"}),
            json!({"query": "(a OR b"}),
            json!({"query": 5}),
            json!({}),
            json!({"query": "a", "default_operator": "XOR"}),
            json!({"query": "a", "unknown_option": 1}),
        ];
        for body in cases {
            assert!(
                matches!(compile_body(&body), Err(Error::InvalidFilter(_))),
                "{body}"
            );
        }
    }
}
