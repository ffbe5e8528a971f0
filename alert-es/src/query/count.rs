//! The count query (`use_count_query`): `_count` with the base query, no sort.

use alert_core::port::SearchQuery;
use serde_json::json;

use super::{Request, SearchSettings, base_query, index_for};
use crate::Result;

/// `POST /<index>/_count?ignore_unavailable=true` with `{"query": <base>}`; read the answer
/// with [`crate::response::count`].
pub fn count_request(query: &SearchQuery<'_>, settings: &SearchSettings) -> Result<Request> {
    let index = index_for(&query.rule.index, settings, &query.range)?;
    let body = json!({"query": base_query(query, settings)?});
    Ok(Request::post(format!("/{index}/_count"), body).param("ignore_unavailable", "true"))
}
