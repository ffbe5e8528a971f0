//! new_term's baseline query (ElastAlert2's `get_all_terms`): for one window
//! `[start, end)` of `terms_window_size`, the rule's `values` terms aggregations under a
//! `filtered` filter aggregation, no hits.

use alert_core::port::SearchQuery;
use serde_json::{Value, json};

use super::{Request, SearchSettings, base_query, index_for};
use crate::Result;

/// `POST /<index>/_search?ignore_unavailable=true&timeout=50s` with
/// `{"aggs": {"filtered": {"filter": {"bool": {"must": [<range>, <filters>…]}}, "aggs": <aggs>}},
/// "size": 0}`, the index formatted for the window with `use_strftime_index`.
///
/// `query.range` is the window (`TimeRange::half_open`), `aggs` one entry of
/// [`alert_core::rules::BaselineRequest::aggs`]. Read the answer with
/// [`crate::response::baseline_answer`].
///
/// ElastAlert2 appends the rule's filters here as written, without the legacy `query`
/// unwrapping of its other queries (which makes such filters fail on the cluster); they are
/// unwrapped here as everywhere else.
pub fn baseline_request(
    query: &SearchQuery<'_>,
    settings: &SearchSettings,
    aggs: &Value,
) -> Result<Request> {
    let rule = query.rule;
    let index = index_for(&rule.index, settings, &query.range)?;
    let mut base = base_query(query, settings)?;
    let must = base["bool"]["filter"]["bool"]["must"].take();
    let body = json!({
        "aggs": {"filtered": {"filter": {"bool": {"must": must}}, "aggs": aggs}},
        "size": 0
    });
    Ok(Request::post(format!("/{index}/_search"), body)
        .param("ignore_unavailable", "true")
        .param("timeout", "50s"))
}
