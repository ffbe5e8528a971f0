//! [`EsBackend`] driven through the [`SearchBackend`] port against a wiremock "cluster" on
//! 127.0.0.1: scroll paging over several pages feeding a frequency rule, point-in-time paging
//! with `search_after`, count, terms, aggregation and new_term baseline queries, a missing
//! index, and a query error.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use alert_core::config::Rule;
use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
use alert_core::rules::build;
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, NodeAddress, Scheme};
use alert_es::query::Paging;
use common::{at, rule};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A wiremock node answering `GET /` as Elasticsearch `version`.
async fn cluster(version: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"cluster_name": "wire", "version": {"number": version}})),
        )
        .mount(&server)
        .await;
    server
}

async fn backend(server: &MockServer) -> EsBackend {
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: server.address().ip().to_string(),
        port: server.address().port(),
    };
    EsBackend::connect(&ConnectionConfig::single_node(node))
        .await
        .unwrap()
}

fn query<'a>(rule: &'a Rule, range: TimeRange) -> SearchQuery<'a> {
    SearchQuery {
        rule,
        filters: &rule.filter,
        range,
        now: at("2026-01-01T02:00:00Z"),
    }
}

fn hour() -> TimeRange {
    TimeRange::from(alert_core::plan::Segment {
        start: at("2026-01-01T00:00:00Z"),
        end: at("2026-01-01T01:00:00Z"),
    })
}

fn hits(ids: &[u32]) -> Vec<Value> {
    ids.iter()
        .map(|i| {
            json!({"_index": "logs", "_id": format!("d{i}"), "_score": null,
                   "_source": {"@timestamp": format!("2026-01-01T00:{:02}:00Z", 10 + i), "host": "web-1"}})
        })
        .collect()
}

#[tokio::test]
async fn a_frequency_rule_reads_three_scroll_pages_and_matches_then_clears_the_scroll() {
    let server = cluster("7.10.2").await;
    let total = json!({"value": 5, "relation": "eq"});
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(query_param("scroll", "30s"))
        .and(query_param("size", "2"))
        .and(query_param("ignore_unavailable", "true"))
        .and(body_partial_json(
            json!({"track_total_hits": true, "sort": [{"@timestamp": {"order": "asc"}}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"_scroll_id": "s1", "hits": {"total": total, "hits": hits(&[1, 2])}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    for (id, next, page) in [("s1", "s2", [3, 4].as_slice()), ("s2", "s3", &[5])] {
        Mock::given(method("POST"))
            .and(path("/_search/scroll"))
            .and(body_partial_json(json!({"scroll_id": id, "scroll": "30s"})))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"_scroll_id": next, "hits": {"total": total, "hits": hits(page)}}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path("/_search/scroll"))
        .and(body_partial_json(json!({"scroll_id": "s3"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"succeeded": true})))
        .expect(1)
        .mount(&server)
        .await;
    let es = backend(&server).await;
    assert_eq!(es.paging(), Paging::Scroll);
    let r = rule(
        "index: logs\ntype: frequency\nnum_events: 5\ntimeframe: {hours: 1}\nmax_query_size: 2\n",
    );
    let events = es.search(&query(&r, hour())).await.unwrap();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e.source["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["d1", "d2", "d3", "d4", "d5"]);
    assert_eq!(events[0].source["_index"], "logs");
    let mut frequency = build(&r).unwrap();
    frequency.add_data(&events);
    let matches = frequency.take_matches();
    assert_eq!(
        matches.len(),
        1,
        "five events in an hour reach num_events: 5"
    );
    assert_eq!(matches[0].timestamp, at("2026-01-01T00:15:00Z"));
}

#[tokio::test]
async fn counts_and_terms_come_from_their_queries() {
    let server = cluster("8.15.0").await;
    Mock::given(method("POST"))
        .and(path("/logs/_count"))
        .and(body_partial_json(json!({"query": {"bool": {"filter": {"bool": {"must": [
            {"range": {"@timestamp": {"gt": "2026-01-01T00:00:00Z", "lte": "2026-01-01T01:00:00Z"}}},
            {"term": {"status": 500}}]}}}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 7})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(query_param("size", "0"))
        .and(body_partial_json(json!({"aggs": {"counts": {"terms": {"field": "host", "size": 3, "min_doc_count": 1}}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hits": {"total": {"value": 9, "relation": "eq"}, "hits": []},
            "aggregations": {"counts": {"buckets": [{"key": "web-1", "doc_count": 6}, {"key": "web-2", "doc_count": 3}]}}
        })))
        .mount(&server)
        .await;
    let es = backend(&server).await;
    assert_eq!(es.paging(), Paging::PointInTime);
    let r = rule("index: logs\ntype: any\nfilter: [{term: {status: 500}}]\n");
    assert_eq!(es.count(&query(&r, hour())).await.unwrap(), 7);
    let buckets = es.terms(&query(&r, hour()), "host", 3, 1).await.unwrap();
    assert_eq!(
        buckets,
        vec![
            json!({"key": "web-1", "doc_count": 6}),
            json!({"key": "web-2", "doc_count": 3})
        ]
    );
}

#[tokio::test]
async fn rule_aggregations_and_new_term_baselines_take_their_own_request_shapes() {
    let server = cluster("8.15.0").await;
    let aggs = json!({"metric_bytes_avg": {"avg": {"field": "bytes"}}});
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(body_partial_json(
            json!({"aggs": aggs, "track_total_hits": true}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hits": {"total": {"value": 4, "relation": "eq"}, "hits": []},
            "aggregations": {"metric_bytes_avg": {"value": 250.0}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(query_param("timeout", "50s"))
        .and(body_partial_json(json!({"size": 0, "aggs": {"filtered": {"aggs": {"values": {"terms": {"field": "host"}}}}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hits": {"total": {"value": 2, "relation": "eq"}, "hits": []},
            "aggregations": {"filtered": {"doc_count": 2, "values": {"buckets": [{"key": "web-1", "doc_count": 2}]}}}
        })))
        .mount(&server)
        .await;
    let es = backend(&server).await;
    let r = rule("index: logs\ntype: any\n");
    let answer = es.aggregate(&query(&r, hour()), &aggs).await.unwrap();
    assert_eq!(
        (answer.hits, answer.aggregations),
        (4, json!({"metric_bytes_avg": {"value": 250.0}}))
    );
    let window = TimeRange::half_open(at("2025-12-31T00:00:00Z"), at("2026-01-01T00:00:00Z"));
    let baseline = es
        .aggregate(
            &query(&r, window),
            &json!({"values": {"terms": {"field": "host"}}}),
        )
        .await
        .unwrap();
    assert_eq!(
        baseline.aggregations["values"]["buckets"][0]["key"],
        "web-1"
    );
}

#[tokio::test]
async fn a_missing_index_gives_no_data_and_a_bad_query_names_the_rule_and_closes_the_point_in_time()
{
    let server = cluster("7.17.0").await;
    let missing = json!({"error": {"type": "index_not_found_exception", "reason": "no such index [gone]"}, "status": 404});
    for at_path in ["/gone/_pit", "/gone/_count"] {
        Mock::given(method("POST"))
            .and(path(at_path))
            .respond_with(ResponseTemplate::new(404).set_body_json(missing.clone()))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/broken/_pit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "p1"})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/_pit"))
        .and(body_partial_json(json!({"id": "p1"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"succeeded": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/_search"))
        .and(body_partial_json(json!({"pit": {"id": "p1"}})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"type": "parsing_exception", "reason": "unknown query [mtch]"}, "status": 400})))
        .mount(&server)
        .await;
    let es = backend(&server).await;
    let gone = rule("index: gone\ntype: any\n");
    assert!(es.search(&query(&gone, hour())).await.unwrap().is_empty());
    assert_eq!(es.count(&query(&gone, hour())).await.unwrap(), 0);
    let broken = rule("index: broken\ntype: any\n");
    let error = es
        .search(&query(&broken, hour()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("rule 'r'") && error.contains("parsing_exception") && error.contains("400"),
        "{error}"
    );
}

#[tokio::test]
async fn elasticsearch_8_pages_with_a_point_in_time_and_search_after_then_closes_it() {
    let server = cluster("8.15.0").await;
    Mock::given(method("POST"))
        .and(path("/logs/_pit"))
        .and(query_param("keep_alive", "30s"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "p1"})))
        .expect(1)
        .mount(&server)
        .await;
    let sorted = |ids: &[u32]| -> Vec<Value> {
        hits(ids)
            .into_iter()
            .zip(ids)
            .map(|(mut h, i)| {
                h["sort"] = json!([i * 1000, i]);
                h
            })
            .collect()
    };
    let total = json!({"value": 3, "relation": "eq"});
    Mock::given(method("POST"))
        .and(path("/_search"))
        .and(body_partial_json(
            json!({"pit": {"id": "p2"}, "search_after": [2000, 2]}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"pit_id": "p2", "hits": {"total": total, "hits": sorted(&[3])}}),
            ),
        )
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/_search"))
        .and(body_partial_json(
            json!({"pit": {"id": "p1"}, "track_total_hits": true,
            "sort": [{"@timestamp": {"order": "asc"}}, {"_shard_doc": "asc"}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"pit_id": "p2", "hits": {"total": total, "hits": sorted(&[1, 2])}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/_pit"))
        .and(body_partial_json(json!({"id": "p2"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"succeeded": true})))
        .expect(1)
        .mount(&server)
        .await;
    let es = backend(&server).await;
    let r = rule("index: logs\ntype: any\nmax_query_size: 2\n");
    let events = es.search(&query(&r, hour())).await.unwrap();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e.source["_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["d1", "d2", "d3"]);
}
