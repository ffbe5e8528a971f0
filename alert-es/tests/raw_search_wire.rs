//! [`EsBackend::search_raw`] against a wiremock OpenSearch node on 127.0.0.1: a monitor's
//! search body goes out unchanged to `POST /<indices>/_search?ignore_unavailable=true` and the
//! cluster's answer (a response recorded from the OpenSearch documentation) comes back as it
//! is; a refused search is an error carrying the cluster's reason.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

use alert_core::port::{RawSearch, SearchBackend};
use alert_core::time::Timestamp;
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, NodeAddress, Scheme};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn recorded(name: &str) -> Value {
    let path = format!("{}/tests/data/responses/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A node answering `GET /` as OpenSearch 2.16.
async fn opensearch() -> (MockServer, EsBackend) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "cluster_name": "wire",
            "version": {"distribution": "opensearch", "number": "2.16.0"}})))
        .mount(&server)
        .await;
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: server.address().ip().to_string(),
        port: server.address().port(),
    };
    let backend = EsBackend::connect(&ConnectionConfig::single_node(node))
        .await
        .unwrap();
    (server, backend)
}

/// The documentation's composite request, as a bucket-level monitor's input would send it.
fn monitor_body() -> Value {
    json!({"size": 0,
        "query": {"bool": {"filter": [{"range": {"order_date": {
            "gte": "1767268800000||-1h", "lte": "1767268800000", "format": "epoch_millis"}}}]}},
        "aggs": {"composite_buckets": {"composite": {"size": 4, "sources": [
            {"day": {"terms": {"field": "day_of_week"}}},
            {"gender": {"terms": {"field": "customer_gender"}}}]}}}})
}

async fn search_raw(
    backend: &EsBackend,
    indices: &[&str],
    body: &Value,
) -> alert_core::Result<Value> {
    let indices: Vec<String> = indices.iter().map(|i| (*i).to_string()).collect();
    let now = Timestamp::parse_iso("2026-01-01T12:00:00Z").unwrap();
    backend
        .search_raw(&RawSearch {
            indices: &indices,
            body,
            now,
        })
        .await
}

#[tokio::test]
async fn a_monitor_body_is_sent_unchanged_and_the_clusters_answer_returned() {
    let (server, backend) = opensearch().await;
    let answer = recorded("opensearch-2/composite.json");
    Mock::given(method("POST"))
        .and(path(
            "/opensearch_dashboards_sample_data_ecommerce,orders-*/_search",
        ))
        .and(query_param("ignore_unavailable", "true"))
        .and(body_json(monitor_body()))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let indices = ["opensearch_dashboards_sample_data_ecommerce", "orders-*"];
    let response = search_raw(&backend, &indices, &monitor_body())
        .await
        .unwrap();
    assert_eq!(response, answer);
    assert_eq!(response["hits"]["total"]["value"], json!(4675));
    assert_eq!(
        response["aggregations"]["composite_buckets"]["after_key"],
        json!({"day": "Monday", "gender": "MALE"})
    );
}

#[tokio::test]
async fn a_refused_search_is_an_error_with_the_clusters_reason() {
    let (server, backend) = opensearch().await;
    Mock::given(method("POST"))
        .and(path("/logs-*/_search"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"root_cause": [{"type": "parsing_exception", "reason": "unknown query [mtch]"}],
                      "type": "parsing_exception", "reason": "unknown query [mtch]"},
            "status": 400})))
        .mount(&server)
        .await;
    let body = json!({"query": {"mtch": {"a": 1}}});
    let error = search_raw(&backend, &["logs-*"], &body)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("logs-*")
            && error.contains("parsing_exception")
            && error.contains("unknown query [mtch]"),
        "{error}"
    );
}

#[tokio::test]
async fn a_search_without_indices_goes_to_every_index() {
    let (server, backend) = opensearch().await;
    let answer = recorded("opensearch-2/search.json");
    Mock::given(method("POST"))
        .and(path("/_search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let response = search_raw(&backend, &[], &json!({"query": {"match_all": {}}})).await;
    assert_eq!(response.unwrap(), answer);
}
