//! The terms query (`use_terms_query`, and `top_count_keys` at alert time): a `counts` terms
//! aggregation over the base query, no hits.

use alert_core::port::SearchQuery;
use serde_json::json;

use super::{Request, SearchSettings, base_query, index_for};
use crate::Result;

/// `POST /<index>/_search?size=0&ignore_unavailable=true` with
/// `{"query": <base>, "aggs": {"counts": {"terms": {field, size, min_doc_count}}}}`.
///
/// `field` is used as given: a rule's `query_key` (compound keys are the joined name, as
/// ElastAlert2 sends them), or a top-count key with `.keyword` already added. Read the answer
/// with [`crate::response::terms_buckets`].
pub fn terms_request(
    query: &SearchQuery<'_>,
    settings: &SearchSettings,
    field: &str,
    size: u64,
    min_doc_count: u64,
) -> Result<Request> {
    let index = index_for(&query.rule.index, settings, &query.range)?;
    let body = json!({
        "query": base_query(query, settings)?,
        "aggs": {"counts": {"terms": {"field": field, "size": size, "min_doc_count": min_doc_count}}}
    });
    Ok(Request::post(format!("/{index}/_search"), body)
        .param("size", "0")
        .param("ignore_unavailable", "true"))
}
