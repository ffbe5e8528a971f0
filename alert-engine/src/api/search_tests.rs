use serde_json::{Value, json};

use super::search_monitors;
use crate::api::backend::StoredMonitor;

fn stored(id: &str, name: &str, kind: &str, enabled: bool) -> StoredMonitor {
    StoredMonitor {
        id: id.to_owned(),
        version: 1,
        seq_no: 0,
        primary_term: 1,
        monitor: json!({"type": "monitor", "name": name, "monitor_type": kind, "enabled": enabled}),
    }
}

fn monitors() -> Vec<StoredMonitor> {
    vec![
        stored("a", "cpu high", "query_level_monitor", true),
        stored("b", "disk full", "bucket_level_monitor", false),
        stored("c", "cpu low", "query_level_monitor", false),
    ]
}

fn ids(response: &Value) -> Vec<&str> {
    response["hits"]["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["_id"].as_str().expect("_id"))
        .collect()
}

#[test]
fn queries_select_the_monitors_they_name() {
    let cases = [
        (json!({}), vec!["a", "b", "c"]),
        (json!({"query": {"match_all": {}}}), vec!["a", "b", "c"]),
        (
            json!({"query": {"term": {"monitor.enabled": true}}}),
            vec!["a"],
        ),
        (
            json!({"query": {"term": {"monitor.type": "query_level_monitor"}}}),
            vec!["a", "c"],
        ),
        (
            json!({"query": {"match": {"monitor.name": "CPU"}}}),
            vec!["a", "c"],
        ),
        (
            json!({"query": {"term": {"name.keyword": {"value": "disk full"}}}}),
            vec!["b"],
        ),
        (
            json!({"query": {"bool": {"filter": [{"match": {"name": "cpu"}}, {"term": {"enabled": false}}]}}}),
            vec!["c"],
        ),
        (
            json!({"sort": {"monitor.name.keyword": "desc"}}),
            vec!["b", "c", "a"],
        ),
        (
            json!({"sort": [{"name": {"order": "asc"}}], "from": 1, "size": 1}),
            vec!["c"],
        ),
    ];
    for (body, expected) in cases {
        let response = search_monitors(&body, monitors()).expect("search");
        assert_eq!(ids(&response), expected, "{body}");
    }
}

#[test]
fn the_total_counts_matches_before_paging() {
    let body = json!({"query": {"match_all": {}}, "size": 1});
    let response = search_monitors(&body, monitors()).expect("search");
    assert_eq!(response["hits"]["total"]["value"], 3);
    assert_eq!(
        response["hits"]["hits"][0]["_source"]["monitor"]["name"],
        "cpu high"
    );
}

#[test]
fn unsupported_queries_are_rejected_naming_what_is_unsupported() {
    let cases = [
        (json!({"query": {"range": {"x": {}}}}), "query.range"),
        (
            json!({"query": {"term": {"monitor.owner": "x"}}}),
            "query.term.monitor.owner",
        ),
        (json!({"aggs": {}}), "aggs"),
        (json!({"size": -1}), "size"),
        (json!({"sort": {"name": "sideways"}}), "sort.name.order"),
    ];
    for (body, field) in cases {
        let error = search_monitors(&body, monitors()).expect_err("unsupported");
        assert_eq!(error.status, 400);
        assert!(
            error.reason.starts_with(field),
            "{} for {body}",
            error.reason
        );
    }
}
