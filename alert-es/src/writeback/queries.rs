//! The search bodies the writeback store sends, as ElastAlert2 sends them where it has the same
//! read (status, silence key, aggregate children) and in its style where it has none.

use alert_core::time::{Timestamp, WallTime};
use serde_json::{Value, json};

/// The newest status of a rule (ElastAlert2's `get_starttime`: `term rule_name`, newest
/// `@timestamp` first, one hit).
///
/// ```
/// let q = alert_es::writeback::status_query("r");
/// assert_eq!(q["sort"], serde_json::json!({"@timestamp": {"order": "desc"}}));
/// ```
pub fn status_query(rule: &str) -> Value {
    json!({
        "query": {"bool": {"filter": {"term": {"rule_name": rule}}}},
        "sort": {"@timestamp": {"order": "desc"}},
        "size": 1,
    })
}

/// The silence of one key (ElastAlert2's `is_silenced`: `term rule_name`, largest `until`).
pub fn silence_key_query(key: &str) -> Value {
    json!({
        "query": {"term": {"rule_name": key}},
        "sort": {"until": {"order": "desc"}},
        "size": 1,
    })
}

/// The silences still running at `now`, of one rule or of all. A rule's keys are its name,
/// `<name>.<query key value>` and `<name>._silence`, matched on `rule_name` (a keyword in
/// ElastAlert2's mapping; our `alert_rule` field is not mapped, so it is checked after reading).
pub fn silences_query(rule: Option<&str>, now: Timestamp) -> Value {
    let mut filter = vec![json!({"range": {"until": {"gt": now.to_iso()}}})];
    if let Some(rule) = rule {
        filter.push(json!({"bool": {"should": [
            {"term": {"rule_name": rule}},
            {"prefix": {"rule_name": format!("{rule}.")}},
        ], "minimum_should_match": 1}}));
    }
    json!({
        "query": {"bool": {"filter": filter}},
        "sort": [{"until": {"order": "desc"}}],
        "size": 10000,
    })
}

/// The other matches of an alert (ElastAlert2 reads `aggregate_id:"<id>"`), in match order.
pub fn children_query(head_doc_id: &str) -> Value {
    json!({
        "query": {"bool": {"filter": {"term": {"aggregate_id": head_doc_id}}}},
        "sort": [
            {"alert_match_seq": {"order": "asc", "unmapped_type": "long"}},
            {"match_time": {"order": "asc", "unmapped_type": "date"}},
        ],
        "size": 10000,
    })
}

/// Heads of unsent alerts in a state, as ElastAlert2's pending-alerts query finds them
/// (no `aggregate_id`, `alert_sent` false), optionally of one rule and due by `due`.
pub fn heads_query(state: &str, rule: Option<&str>, due: Option<Timestamp>) -> Value {
    let mut filter = vec![
        json!({"term": {"alert_state": state}}),
        json!({"term": {"alert_sent": false}}),
    ];
    if let Some(rule) = rule {
        filter.push(json!({"term": {"rule_name": rule}}));
    }
    if let Some(due) = due {
        filter.push(json!({"range": {"alert_time": {"lte": due.to_iso()}}}));
    }
    json!({
        "query": {"bool": {
            "filter": filter,
            "must_not": [{"exists": {"field": "aggregate_id"}}],
        }},
        "sort": [{"alert_time": {"order": "asc"}}],
        "size": 1000,
    })
}

/// Heads with a pending delivery due by `now` (or any pending one without `now`), earliest first.
pub fn pending_deliveries_query(now: Option<WallTime>, size: usize) -> Value {
    let filter = match now {
        Some(now) => json!({"range": {"alert_pending_at_us": {"lte": now.as_micros()}}}),
        None => json!({"exists": {"field": "alert_pending_at_us"}}),
    };
    json!({
        "query": {"bool": {"filter": [filter]}},
        "sort": [{"alert_pending_at_us": {"order": "asc", "unmapped_type": "long"}}],
        "size": size,
    })
}

/// Heads with work waiting, in one search: a pending delivery, or still aggregating (the
/// engine's look at the outbox and the aggregates, once per `run_every` when idle).
///
/// ```
/// let q = alert_es::writeback::pending_work_query(10_000);
/// assert_eq!(q["query"]["bool"]["minimum_should_match"], 1);
/// ```
pub fn pending_work_query(size: usize) -> Value {
    json!({
        "query": {"bool": {
            "should": [
                {"exists": {"field": "alert_pending_at_us"}},
                {"bool": {
                    "filter": [
                        {"term": {"alert_state": "AGGREGATING"}},
                        {"term": {"alert_sent": false}},
                    ],
                    "must_not": [{"exists": {"field": "aggregate_id"}}],
                }},
            ],
            "minimum_should_match": 1,
        }},
        "_source": ["alert_state", "alert_time", "alert_pending_at_us", "alert_delivery.status",
                    "aggregate_id"],
        "size": size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_silence_reads_are_elastalert2s() {
        assert_eq!(
            status_query("My rule"),
            json!({"query": {"bool": {"filter": {"term": {"rule_name": "My rule"}}}},
                   "sort": {"@timestamp": {"order": "desc"}}, "size": 1})
        );
        assert_eq!(
            silence_key_query("r.bob"),
            json!({"query": {"term": {"rule_name": "r.bob"}},
                   "sort": {"until": {"order": "desc"}}, "size": 1})
        );
    }

    #[test]
    fn head_queries_exclude_children_and_sent_alerts() {
        let q = heads_query("AGGREGATING", Some("r"), Some(Timestamp::from_micros(0)));
        assert_eq!(
            q["query"]["bool"]["must_not"],
            json!([{"exists": {"field": "aggregate_id"}}])
        );
        assert_eq!(
            q["query"]["bool"]["filter"][1],
            json!({"term": {"alert_sent": false}})
        );
        assert_eq!(
            q["query"]["bool"]["filter"][3],
            json!({"range": {"alert_time": {"lte": "1970-01-01T00:00:00Z"}}})
        );
    }
}
