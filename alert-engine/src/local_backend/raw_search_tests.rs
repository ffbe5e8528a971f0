use alert_core::port::{AggregationAnswer, RawSearch, SearchBackend, SearchQuery};
use alert_core::time::Timestamp;
use alert_core::{Error, document::Event};
use async_trait::async_trait;
use serde_json::{Value, json};

use super::IndexPatterns;
use crate::local_backend::LocalBackend;

const NOW: &str = "2026-01-01T12:00:00Z";
/// `NOW` in epoch milliseconds (a monitor's rendered `{{period_end}}`).
const NOW_MS: i64 = 1_767_268_800_000;

fn now() -> Timestamp {
    Timestamp::parse_iso(NOW).unwrap_or_else(|| panic!("{NOW}"))
}

/// Login failures as the seed's monitors watch them: four of root's in the last 30 minutes
/// (two per host), plus documents each clause must drop.
fn backend() -> LocalBackend {
    let doc = |minute: u32, user: &str, action: &str, host: &str| {
        json!({"@timestamp": format!("2026-01-01T11:{minute:02}:00Z"), "userid": user,
               "action": action, "host": host, "message": format!("{action} for {user}")})
    };
    let backend = LocalBackend::new("@timestamp");
    let rejected = backend.push(vec![
        doc(10, "root", "failed_password", "testhostname1"), // 50 minutes ago
        doc(35, "root", "failed_password", "testhostname1"),
        doc(40, "root", "failed_password", "testhostname2"),
        doc(45, "root", "login_success", "testhostname1"),
        doc(50, "admin", "failed_password", "testhostname2"),
        doc(52, "root", "failed_password", "testhostname2"),
        doc(55, "root", "failed_password", "testhostname1"),
    ]);
    assert!(rejected.is_empty(), "{rejected:?}");
    backend
}

async fn run(backend: &LocalBackend, indices: &[&str], body: &Value) -> alert_core::Result<Value> {
    let indices: Vec<String> = indices.iter().map(|i| (*i).to_string()).collect();
    let search = RawSearch {
        indices: &indices,
        body,
        now: now(),
    };
    backend.search_raw(&search).await
}

/// The seed's per-query monitor (`match_phrase` objects, `range` from now-30m to now).
fn per_query_body() -> Value {
    json!({"size": 0, "query": {"bool": {
        "must": [
            {"match_phrase": {"userid": {"query": "root", "slop": 0}}},
            {"match_phrase": {"action": {"query": "failed_password", "slop": 0}}}
        ],
        "filter": [{"range": {"@timestamp": {"from": "now-30m", "to": "now"}}}]
    }}})
}

#[tokio::test]
async fn the_seeds_per_query_monitor_counts_the_recent_failures() {
    let response = run(&backend(), &["syslog-*"], &per_query_body())
        .await
        .unwrap();
    assert_eq!(
        response["hits"]["total"],
        json!({"value": 4, "relation": "eq"})
    );
    assert_eq!(response["hits"]["hits"], json!([]));
    assert_eq!(response["hits"]["max_score"], Value::Null);
    assert_eq!(
        response["_shards"],
        json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0})
    );
    assert_eq!(response["timed_out"], json!(false));
    assert!(response["took"].is_u64() && response.get("aggregations").is_none());
}

#[tokio::test]
async fn the_seeds_per_bucket_monitor_counts_failures_per_host() {
    let mut body = per_query_body();
    body["aggregations"] = json!({"by_agg": {"terms": {"field": "host.keyword",
        "order": [{"_count": "desc"}, {"_key": "asc"}]}}});
    let response = run(&backend(), &["syslog-*"], &body).await.unwrap();
    assert_eq!(response["hits"]["total"]["value"], json!(4));
    assert_eq!(
        response["aggregations"]["by_agg"],
        json!({"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "testhostname1", "doc_count": 2},
            {"key": "testhostname2", "doc_count": 2}]})
    );
}

#[tokio::test]
async fn a_rendered_period_end_window_with_composite_buckets_pages_by_after_key() {
    let body = json!({"size": 0,
        "query": {"bool": {"filter": [
            {"range": {"@timestamp": {"gte": format!("{NOW_MS}||-1h"), "lte": NOW_MS.to_string(),
                                      "format": "epoch_millis"}}},
            {"term": {"action": "failed_password"}}]}},
        "aggregations": {"composite_agg": {"composite": {"size": 1, "sources": [
            {"host": {"terms": {"field": "host.keyword"}}}]}}}});
    let backend = backend();
    let first = run(&backend, &["syslog-*"], &body).await.unwrap();
    assert_eq!(first["hits"]["total"]["value"], json!(6));
    let agg = &first["aggregations"]["composite_agg"];
    assert_eq!(
        agg["buckets"],
        json!([{"key": {"host": "testhostname1"}, "doc_count": 3}])
    );
    let mut next = body.clone();
    next["aggregations"]["composite_agg"]["composite"]["after"] = agg["after_key"].clone();
    let second = run(&backend, &["syslog-*"], &next).await.unwrap();
    let buckets = &second["aggregations"]["composite_agg"]["buckets"];
    assert_eq!(
        buckets,
        &json!([{"key": {"host": "testhostname2"}, "doc_count": 3}])
    );
}

#[tokio::test]
async fn hits_are_sorted_paged_and_filtered_like_a_clusters() {
    let body = json!({"size": 2, "from": 1, "sort": [{"@timestamp": {"order": "desc"}}],
        "_source": {"includes": ["userid", "host"]}, "query": {"term": {"userid": "root"}}});
    let response = run(&backend(), &["syslog-*"], &body).await.unwrap();
    assert_eq!(response["hits"]["total"]["value"], json!(6));
    let hits = response["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        hits[0]["_source"],
        json!({"userid": "root", "host": "testhostname2"})
    );
    assert_eq!(hits[0]["_index"], json!("syslog-*"));
    assert!(
        hits[0]["_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("local-"))
    );
    assert_eq!(hits[0]["_score"], Value::Null);
    assert_eq!(hits[0]["sort"], json!([NOW_MS - 8 * 60_000]));
    assert_eq!(hits[1]["_source"]["host"], json!("testhostname1"));
}

#[tokio::test]
async fn documents_on_the_window_edges_follow_the_ranges_bounds() {
    let backend = LocalBackend::new("@timestamp");
    let at = |t: &str| json!({"@timestamp": format!("2026-01-01T{t}Z")});
    backend.push(vec![at("12:00:00"), at("11:30:00"), at("11:29:59.999")]);
    backend.push(vec![at("11:45:00")]);
    let cases = [
        (json!({"gte": "now-30m", "lte": "now"}), 3),
        (json!({"gt": "now-30m", "lt": "now"}), 1),
        (json!({"gte": NOW_MS - 1_800_000, "lte": NOW_MS}), 3),
        (
            json!({"gte": format!("{NOW_MS}||-30m"), "lt": NOW_MS.to_string(), "format": "epoch_millis"}),
            2,
        ),
        (json!({"lt": "now-30m"}), 1),
    ];
    for (range, expected) in cases {
        let body = json!({"query": {"bool": {"filter": [{"range": {"@timestamp": range}}]}}});
        let response = run(&backend, &[], &body).await.unwrap();
        assert_eq!(
            response["hits"]["total"]["value"],
            json!(expected),
            "{range}"
        );
    }
}

#[tokio::test]
async fn track_total_hits_limits_or_drops_the_total() {
    let backend = backend();
    let cases = [
        (
            json!({"track_total_hits": 3}),
            Some(json!({"value": 3, "relation": "gte"})),
        ),
        (
            json!({"track_total_hits": true}),
            Some(json!({"value": 7, "relation": "eq"})),
        ),
        (json!({"track_total_hits": false}), None),
        (json!({}), Some(json!({"value": 7, "relation": "eq"}))),
    ];
    for (body, expected) in cases {
        let response = run(&backend, &[], &body).await.unwrap();
        assert_eq!(response["hits"].get("total").cloned(), expected, "{body}");
    }
}

#[tokio::test]
async fn documents_with_an_index_are_searched_only_through_a_matching_pattern() {
    let backend = LocalBackend::new("@timestamp");
    let at = "2026-01-01T11:00:00Z";
    backend.push(vec![
        json!({"@timestamp": at, "_index": "logs-web"}),
        json!({"@timestamp": at, "_index": "logs-db"}),
        json!({"@timestamp": at, "_index": "metrics-1"}),
        json!({"@timestamp": at}),
    ]);
    let cases: [(&[&str], u64); 6] = [
        (&["logs-*"], 3),
        (&["logs-web,metrics-*"], 3),
        (&["logs-*", "-logs-db"], 2),
        (&["_all"], 4),
        (&["*", "-*-1"], 3),
        (&["other"], 1),
    ];
    for (indices, expected) in cases {
        let response = run(&backend, indices, &json!({})).await.unwrap();
        assert_eq!(
            response["hits"]["total"]["value"],
            json!(expected),
            "{indices:?}"
        );
    }
    let response = run(&backend, &["logs-*"], &json!({"sort": "_index"}))
        .await
        .unwrap();
    assert_eq!(response["hits"]["hits"][0]["_index"], json!("logs-db"));
    assert!(IndexPatterns::new(&[]).admits(&json!({"_index": "x"})));
}

#[tokio::test]
async fn what_cannot_be_answered_locally_is_an_error_naming_it() {
    let backend = backend();
    let cases = [
        (
            json!({"post_filter": {"match_all": {}}}),
            "search body 'post_filter'",
        ),
        (json!({"query": {"script": {"script": "x"}}}), "'script'"),
        (
            json!({"aggs": {"g": {"geohash_grid": {"field": "loc"}}}}),
            "geohash_grid",
        ),
        (json!({"track_total_hits": "yes"}), "track_total_hits"),
        (json!([1]), "must be an object"),
    ];
    for (body, expected) in cases {
        let err = run(&backend, &["syslog-*"], &body).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{body}: {err}");
    }
}

/// A backend with only the required methods.
struct RulesOnly;

#[async_trait]
impl SearchBackend for RulesOnly {
    async fn search(&self, _: &SearchQuery<'_>) -> alert_core::Result<Vec<Event>> {
        Ok(Vec::new())
    }
    async fn count(&self, _: &SearchQuery<'_>) -> alert_core::Result<u64> {
        Ok(0)
    }
    async fn terms(
        &self,
        _: &SearchQuery<'_>,
        _: &str,
        _: usize,
        _: u64,
    ) -> alert_core::Result<Vec<Value>> {
        Ok(Vec::new())
    }
    async fn aggregate(
        &self,
        _: &SearchQuery<'_>,
        _: &Value,
    ) -> alert_core::Result<AggregationAnswer> {
        Ok(AggregationAnswer {
            aggregations: json!({}),
            hits: 0,
        })
    }
}

#[tokio::test]
async fn a_backend_without_raw_searches_says_so_instead_of_answering_empty() {
    let indices = vec!["logs-*".to_string()];
    let search = RawSearch {
        indices: &indices,
        body: &json!({}),
        now: now(),
    };
    let err = RulesOnly.search_raw(&search).await.unwrap_err();
    assert!(matches!(err, Error::NotSupportedYet(_)), "{err}");
    assert!(err.to_string().contains("logs-*"), "{err}");
}
