//! The aggregation query of `metric_aggregation`, `spike_aggregation` and `percentage_match`
//! (and `metric_agg_type: cardinality`): the base query plus the rule type's `aggs` body.
//!
//! The `aggs` body comes from the rule type itself
//! ([`alert_core::rules::RuleType::aggregation_query_for_run`]): the metric or
//! `percentage_match_aggs` leaf inside `interval_aggs` and `bucket_aggs`, exactly what
//! ElastAlert2's `get_aggregation_query` builds, and the same body the local backend
//! evaluates; so both backends answer the same question.

use alert_core::port::SearchQuery;
use serde_json::{Value, json};

use super::{Request, SearchSettings, base_query, index_for};
use crate::Result;

/// `POST /<index>/_search?size=0&ignore_unavailable=true` with
/// `{"query": <base>, "aggs": <aggs>, "track_total_hits": true}` (the total is the run's hit
/// count). Read the answer with [`crate::response::aggregation_answer`].
pub fn aggregation_request(
    query: &SearchQuery<'_>,
    settings: &SearchSettings,
    aggs: &Value,
) -> Result<Request> {
    let index = index_for(&query.rule.index, settings, &query.range)?;
    let body = json!({
        "query": base_query(query, settings)?,
        "aggs": aggs,
        "track_total_hits": true
    });
    Ok(Request::post(format!("/{index}/_search"), body)
        .param("size", "0")
        .param("ignore_unavailable", "true"))
}
