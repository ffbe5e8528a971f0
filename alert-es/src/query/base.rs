//! The query every request carries (ElastAlert2's `get_query`): the rule's filters, sent to
//! the cluster verbatim, behind the time range on the rule's timestamp field.

use alert_core::port::SearchQuery;
use serde_json::{Value, json};

use super::{SearchSettings, TimeFormat};
use crate::{Error, Result};

/// `{"bool": {"filter": {"bool": {"must": [<range>, <filters>…]}}}}`: the value of a body's
/// `query`.
///
/// Filters go as written, so any query DSL the cluster knows works; only the legacy
/// `- query: {...}` wrapper is removed, as ElastAlert2 does. EQL and ES|QL filters take other
/// endpoints and are refused with an error that says so.
///
/// ```
/// use alert_es::query::{SearchSettings, base_query};
/// # use alert_core::port::{SearchQuery, TimeRange};
/// # fn demo(query: &SearchQuery<'_>) {
/// let q = base_query(query, &SearchSettings::default()).unwrap();
/// assert!(q["bool"]["filter"]["bool"]["must"][0]["range"].is_object());
/// # }
/// ```
pub fn base_query(query: &SearchQuery<'_>, settings: &SearchSettings) -> Result<Value> {
    let rule = query.rule;
    let format = TimeFormat::new(rule.timestamp_type.clone(), settings.query_timezone);
    let mut must = Vec::with_capacity(query.filters.len() + 1);
    must.push(format.range_clause(&rule.timestamp_field, &query.range));
    for filter in query.filters {
        must.push(filter_clause(filter)?);
    }
    Ok(json!({"bool": {"filter": {"bool": {"must": must}}}}))
}

/// The ascending sort on the rule's timestamp field that document searches use.
pub fn timestamp_sort(query: &SearchQuery<'_>) -> Value {
    json!([{ (query.rule.timestamp_field.as_str()): {"order": "asc"} }])
}

/// One filter as sent: unwrapped from a legacy `query` key, refused if it needs another API.
fn filter_clause(filter: &Value) -> Result<Value> {
    if let Some(kind) = ["eql", "esql"].iter().find(|k| filter.get(**k).is_some()) {
        return Err(Error::UnsupportedQuery(format!(
            "{kind} filters need the {kind} search API, which alert does not send yet"
        )));
    }
    match filter.get("query") {
        Some(inner @ Value::Object(map)) if !map.is_empty() => Ok(inner.clone()),
        _ => Ok(filter.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::test_support::{at, rule};
    use alert_core::port::TimeRange;

    fn segment() -> TimeRange {
        TimeRange {
            start: at("2026-01-01T00:00:00Z"),
            start_inclusive: false,
            end: at("2026-01-01T00:15:00Z"),
            end_inclusive: true,
        }
    }

    fn build(filters: &[Value]) -> Result<Value> {
        let r = rule("");
        let q = SearchQuery {
            rule: &r,
            filters,
            range: segment(),
            now: at("2026-01-01T00:15:00Z"),
        };
        base_query(&q, &SearchSettings::default())
    }

    #[test]
    fn filters_follow_the_range_verbatim_and_legacy_query_wrappers_are_removed() {
        let filters = [
            json!({"query": {"query_string": {"query": "a:b"}}}),
            json!({"geo_distance": {"distance": "1km", "loc": [1, 2]}}),
            json!({"query": {}}),
        ];
        let must = &build(&filters).unwrap()["bool"]["filter"]["bool"]["must"];
        assert_eq!(
            must,
            &json!([
                {"range": {"@timestamp": {"gt": "2026-01-01T00:00:00Z", "lte": "2026-01-01T00:15:00Z"}}},
                {"query_string": {"query": "a:b"}},
                {"geo_distance": {"distance": "1km", "loc": [1, 2]}},
                {"query": {}}
            ])
        );
    }

    #[test]
    fn eql_and_esql_filters_are_refused_with_a_reason() {
        for filter in [json!({"eql": "any where true"}), json!({"esql": "FROM x"})] {
            let err = build(&[filter]).unwrap_err().to_string();
            assert!(err.contains("search API"), "{err}");
        }
    }
}
