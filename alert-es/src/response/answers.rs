//! The answers of count, terms and aggregation queries, in the shapes the rule types and the
//! local backend use ([`alert_core::port::SearchBackend`]).

use alert_core::port::AggregationAnswer;
use serde_json::Value;

use super::Total;
use crate::{Error, Result};

/// `count` of a `_count` response.
///
/// ```
/// assert_eq!(alert_es::response::count(&serde_json::json!({"count": 4})).unwrap(), 4);
/// ```
pub fn count(response: &Value) -> Result<u64> {
    response
        .get("count")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            Error::MalformedResponse(format!("a count response has no count: {response}"))
        })
}

/// The `[{"key", "doc_count"}, …]` buckets of the `counts` terms aggregation; none when the
/// response has no `aggregations` (ElastAlert2 then feeds no data).
pub fn terms_buckets(response: Value) -> Result<Vec<Value>> {
    let Some(aggregations) = take(response, "aggregations") else {
        return Ok(Vec::new());
    };
    match take(aggregations, "counts").and_then(|c| take(c, "buckets")) {
        Some(Value::Array(buckets)) => Ok(buckets),
        _ => Err(Error::MalformedResponse(
            "a terms response has no aggregations.counts.buckets list".into(),
        )),
    }
}

/// The `aggregations` object and the hit total of an aggregation query; `None` when the
/// response has no `aggregations` (ElastAlert2 then feeds no data).
pub fn aggregation_answer(response: Value) -> Result<Option<AggregationAnswer>> {
    let hits = hit_total(&response)?;
    Ok(take(response, "aggregations").map(|aggregations| AggregationAnswer { aggregations, hits }))
}

/// A new_term baseline answer: `aggregations.filtered`, the shape the local backend gives
/// for the same `aggs` (an empty object when the window had nothing).
pub fn baseline_answer(response: Value) -> Result<AggregationAnswer> {
    let hits = hit_total(&response)?;
    let aggregations = take(response, "aggregations")
        .and_then(|a| take(a, "filtered"))
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(AggregationAnswer { aggregations, hits })
}

fn hit_total(response: &Value) -> Result<u64> {
    match response.pointer("/hits/total") {
        Some(total) => Ok(Total::from_json(total)?.value),
        None => Ok(0),
    }
}

fn take(value: Value, key: &str) -> Option<Value> {
    match value {
        Value::Object(mut map) => map.remove(key),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_read_and_missing_ones_are_errors() {
        assert_eq!(count(&json!({"count": 0, "_shards": {}})).unwrap(), 0);
        assert!(count(&json!({"hits": {}})).is_err());
    }

    #[test]
    fn terms_buckets_come_from_counts_or_are_empty_without_aggregations() {
        let buckets = json!([{"key": "a", "doc_count": 2}]);
        let r = json!({"aggregations": {"counts": {"buckets": buckets}}});
        assert_eq!(
            terms_buckets(r).unwrap(),
            buckets.as_array().unwrap().clone()
        );
        assert!(terms_buckets(json!({"hits": {}})).unwrap().is_empty());
        assert!(terms_buckets(json!({"aggregations": {"other": {}}})).is_err());
    }

    #[test]
    fn aggregation_answers_carry_the_total_in_either_shape() {
        let es7 = json!({"hits": {"total": {"value": 9, "relation": "eq"}}, "aggregations": {"m": {"value": 1.5}}});
        let answer = aggregation_answer(es7).unwrap().unwrap();
        assert_eq!(
            (answer.hits, answer.aggregations),
            (9, json!({"m": {"value": 1.5}}))
        );
        let es6 = json!({"hits": {"total": 4}, "aggregations": {}});
        assert_eq!(aggregation_answer(es6).unwrap().unwrap().hits, 4);
        assert_eq!(
            aggregation_answer(json!({"hits": {"total": 0}})).unwrap(),
            None
        );
    }

    #[test]
    fn baseline_answers_unwrap_the_filtered_aggregation() {
        let r = json!({"hits": {"total": 3}, "aggregations": {"filtered": {"doc_count": 3, "values": {"buckets": []}}}});
        assert_eq!(
            baseline_answer(r).unwrap().aggregations,
            json!({"doc_count": 3, "values": {"buckets": []}})
        );
        assert_eq!(baseline_answer(json!({})).unwrap().aggregations, json!({}));
    }
}
