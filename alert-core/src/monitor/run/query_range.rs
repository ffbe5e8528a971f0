//! `ctx.query_range`: the time range a monitor's query really searched, read from the range
//! clause of its rendered query with the filter module's own date math, so `now-30m`,
//! `{{period_end}}||-1h` (after substitution), epoch milliseconds and ISO dates all resolve as
//! the search resolved them. The seed's team had to compute this by hand.

use serde_json::Value;

use super::QueryRange;
use crate::filter::Filter;
use crate::time::Timestamp;

/// The range of the first `range` clause (in document order) whose field the query bounds on
/// both sides; `None` when there is none or the query does not compile.
///
/// ```
/// use alert_core::monitor::run::query_range;
/// use alert_core::time::Timestamp;
/// use serde_json::json;
/// let now = Timestamp::parse_iso("2026-01-01T10:00:00Z").unwrap();
/// let body = json!({"size": 0, "query": {"bool": {"filter": [
///     {"range": {"@timestamp": {"gte": "now-30m", "lte": "now"}}}]}}});
/// let range = query_range(&body, now).unwrap();
/// assert_eq!(range.gte.to_iso(), "2026-01-01T09:30:00Z");
/// assert_eq!(range.lte, now);
/// ```
pub fn query_range(rendered_query: &Value, now: Timestamp) -> Option<QueryRange> {
    let query = rendered_query.get("query")?;
    let filter = Filter::from_query(query, now).ok()?;
    let mut fields = Vec::new();
    range_fields(query, &mut fields);
    fields.into_iter().find_map(|field| {
        let (Some(gte), Some(lte)) = filter.instant_bounds(&field) else {
            return None;
        };
        Some(QueryRange {
            gte: Timestamp::from_micros(gte),
            lte: Timestamp::from_micros(lte),
        })
    })
}

/// The fields of every `range` clause, in document order.
fn range_fields(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "range"
                    && let Value::Object(ranges) = inner
                {
                    out.extend(ranges.keys().cloned());
                } else {
                    range_fields(inner, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| range_fields(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_iso(text).unwrap()
    }

    #[test]
    fn ranges_resolve_as_the_search_resolved_them() {
        let now = at("2026-01-01T10:00:00Z");
        let end = now.as_millis();
        let cases = [
            (
                json!({"range": {"@timestamp": {"from": "now-30m", "to": "now", "include_lower": true, "include_upper": true}}}),
                Some(("2026-01-01T09:30:00Z", "2026-01-01T10:00:00Z")),
            ),
            (
                json!({"range": {"@timestamp": {"gte": format!("{end}||-1h"), "lte": end, "format": "epoch_millis"}}}),
                Some(("2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z")),
            ),
            (
                json!({"bool": {"must": [{"term": {"user": "root"}}], "filter": [
                    {"range": {"ts": {"gte": "2026-01-01T08:00:00Z", "lte": "2026-01-01T09:00:00Z"}}}]}}),
                Some(("2026-01-01T08:00:00Z", "2026-01-01T09:00:00Z")),
            ),
            (json!({"range": {"@timestamp": {"gte": "now-30m"}}}), None),
            (json!({"term": {"user": "root"}}), None),
        ];
        for (query, expected) in cases {
            let got = query_range(&json!({"query": query}), now);
            let expected = expected.map(|(gte, lte)| QueryRange {
                gte: at(gte),
                lte: at(lte),
            });
            assert_eq!(got, expected, "{query}");
        }
    }
}
