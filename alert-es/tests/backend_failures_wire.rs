//! [`EsBackend`] when the cluster fails (wiremock on 127.0.0.1): a scroll or point in time
//! opened before a failing page is still released, the caller gets the page's error, and
//! every failed query's error carries the request that was sent.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on bad fixtures by design

mod common;

use std::time::Duration;

use alert_core::config::Rule;
use alert_core::port::{SearchBackend, SearchQuery, TimeRange};
use alert_es::EsBackend;
use alert_es::client::{ConnectionConfig, EsClient, NodeAddress, RetryPolicy, Scheme};
use common::{at, rule};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A wiremock node answering `GET /` as Elasticsearch `version`, and a backend on it that
/// retries 3 times a few milliseconds apart.
async fn cluster(version: &str) -> (MockServer, EsBackend) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"cluster_name": "wire", "version": {"number": version}})),
        )
        .mount(&server)
        .await;
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: "127.0.0.1".into(),
        port: server.address().port(),
    };
    let policy = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(2),
        dead_node_timeout: Duration::from_secs(60),
    };
    let client = EsClient::new(&ConnectionConfig::single_node(node))
        .unwrap()
        .with_retry_policy(policy);
    let info = client.cluster_info().await.unwrap();
    (server, EsBackend::new(client, info))
}

fn query(rule: &Rule) -> SearchQuery<'_> {
    SearchQuery {
        rule,
        filters: &rule.filter,
        range: TimeRange::from(alert_core::plan::Segment {
            start: at("2026-01-01T00:00:00Z"),
            end: at("2026-01-01T01:00:00Z"),
        }),
        now: at("2026-01-01T02:00:00Z"),
    }
}

/// The range clause every rule query of [`query`] carries, as sent.
const RANGE: &str =
    r#"{"range":{"@timestamp":{"gt":"2026-01-01T00:00:00Z","lte":"2026-01-01T01:00:00Z"}}}"#;

fn hits(ids: &[u32]) -> Vec<Value> {
    ids.iter()
        .map(|i| {
            json!({"_index": "logs", "_id": format!("d{i}"), "sort": [i * 1000, i],
                   "_source": {"@timestamp": format!("2026-01-01T00:{:02}:00Z", 10 + i)}})
        })
        .collect()
}

fn es_error(status: u16, kind: &str, reason: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"type": kind, "reason": reason}, "status": status}))
}

/// Mounts a release request (`DELETE path` with `body`) that must arrive exactly once.
async fn expect_release(server: &MockServer, at_path: &str, body: Value, answer: ResponseTemplate) {
    Mock::given(method("DELETE"))
        .and(path(at_path))
        .and(body_partial_json(body))
        .respond_with(answer)
        .expect(1)
        .named(format!("DELETE {at_path}"))
        .mount(server)
        .await;
}

/// Mounts the first page of a scroll search over `logs`: 2 of 5 hits, scroll `s1`.
async fn first_scroll_page(server: &MockServer) {
    let total = json!({"value": 5, "relation": "eq"});
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"_scroll_id": "s1", "hits": {"total": total, "hits": hits(&[1, 2])}}),
        ))
        .mount(server)
        .await;
}

/// A scroll search whose first page (2 of 5 hits, scroll `s1`) succeeds and whose second
/// page is `second`; returns the error the port gives after checking the scroll `cleared`.
async fn scroll_failing_on_page_two(second: ResponseTemplate, cleared: &str) -> String {
    let (server, es) = cluster("7.10.2").await;
    first_scroll_page(&server).await;
    Mock::given(method("POST"))
        .and(path("/_search/scroll"))
        .respond_with(second)
        .mount(&server)
        .await;
    let clear = json!({"scroll_id": cleared});
    let answer = ResponseTemplate::new(200).set_body_json(json!({"succeeded": true}));
    expect_release(&server, "/_search/scroll", clear, answer).await;
    let r = rule("index: logs\ntype: any\nmax_query_size: 2\n");
    let error = es.search(&query(&r)).await.unwrap_err().to_string();
    server.verify().await;
    error
}

#[tokio::test]
async fn a_scroll_is_cleared_when_a_later_page_is_refused() {
    let refused = es_error(400, "illegal_argument_exception", "bad scroll request");
    let error = scroll_failing_on_page_two(refused, "s1").await;
    assert!(
        error.contains("rule 'r' on index 'logs'")
            && error
                .contains("failed with HTTP 400: illegal_argument_exception: bad scroll request")
            && error.contains(r#"query: POST /_search/scroll {"scroll":"30s","scroll_id":"s1"}"#),
        "{error}"
    );
}

#[tokio::test]
async fn a_scroll_is_cleared_when_a_later_page_stays_unavailable_after_the_retries() {
    let busy = es_error(
        503,
        "cluster_block_exception",
        "blocked by: [SERVICE_UNAVAILABLE]",
    );
    let error = scroll_failing_on_page_two(busy, "s1").await;
    assert!(
        error.contains("gave up after 4 attempts") && error.contains("HTTP 503"),
        "{error}"
    );
}

#[tokio::test]
async fn a_scroll_page_with_shard_failures_clears_the_scroll_id_it_returned() {
    let failed = ResponseTemplate::new(200).set_body_json(json!({
        "_scroll_id": "s2",
        "_shards": {"total": 2, "failed": 1, "failures": [
            {"reason": {"type": "parse_exception", "reason": "Failed to parse date field [x]"}}]},
        "hits": {"hits": hits(&[3])}
    }));
    let error = scroll_failing_on_page_two(failed, "s2").await;
    assert!(
        error.contains("shard failures: Failed to parse date field [x]")
            && error.contains("query: POST /_search/scroll"),
        "{error}"
    );
}

#[tokio::test]
async fn a_point_in_time_is_closed_when_a_later_page_fails_and_the_page_error_is_returned() {
    let (server, es) = cluster("8.15.0").await;
    Mock::given(method("POST"))
        .and(path("/logs/_pit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "p1"})))
        .mount(&server)
        .await;
    let total = json!({"value": 3, "relation": "eq"});
    Mock::given(method("POST"))
        .and(path("/_search"))
        .and(body_partial_json(json!({"pit": {"id": "p1"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"pit_id": "p2", "hits": {"total": total, "hits": hits(&[1, 2])}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/_search"))
        .and(body_partial_json(json!({"pit": {"id": "p2"}})))
        .respond_with(es_error(
            500,
            "search_phase_execution_exception",
            "all shards failed",
        ))
        .mount(&server)
        .await;
    // Closing fails too: the caller still gets the page's error.
    let close_failed = es_error(500, "close_failed", "cannot close");
    expect_release(&server, "/_pit", json!({"id": "p2"}), close_failed).await;
    let r = rule("index: logs\ntype: any\nmax_query_size: 2\n");
    let error = es.search(&query(&r)).await.unwrap_err().to_string();
    server.verify().await;
    assert!(
        error.contains("HTTP 500: search_phase_execution_exception: all shards failed")
            && !error.contains("cannot close")
            && error.contains(r#""search_after":[2000,2]"#)
            && error.contains(RANGE),
        "{error}"
    );
}

#[tokio::test]
async fn every_failed_query_names_the_index_and_carries_the_query_it_sent() {
    let (server, es) = cluster("7.10.2").await;
    Mock::given(method("POST"))
        .respond_with(es_error(400, "parsing_exception", "unknown query [mtch]"))
        .mount(&server)
        .await;
    let r = rule("index: logs-*\ntype: any\nfilter: [{term: {status: 500}}]\n");
    let q = query(&r);
    let aggs = json!({"avg_bytes": {"avg": {"field": "bytes"}}});
    let errors = [
        ("search", "/logs-*/_search?", es.search(&q).await.err()),
        ("count", "/logs-*/_count", es.count(&q).await.err()),
        (
            "terms",
            "/logs-*/_search?",
            es.terms(&q, "host", 5, 1).await.err(),
        ),
        (
            "aggregate",
            "/logs-*/_search",
            es.aggregate(&q, &aggs).await.err(),
        ),
    ];
    for (port_call, sent_to, error) in errors {
        let error = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            error.starts_with("search failed: rule 'r' on index 'logs-*': ")
                && error.contains("HTTP 400: parsing_exception: unknown query [mtch]")
                && error.contains(&format!("; query: POST {sent_to}"))
                && error.contains(RANGE)
                && error.contains(r#"{"term":{"status":500}}"#),
            "{port_call}: {error}"
        );
    }
}

#[tokio::test]
async fn a_search_dropped_mid_scroll_still_clears_its_scroll() {
    let (server, es) = cluster("7.10.2").await;
    first_scroll_page(&server).await;
    // The second page takes longer than the caller waits.
    Mock::given(method("POST"))
        .and(path("/_search/scroll"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"_scroll_id": "s1", "hits": {"hits": hits(&[3, 4])}}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let answer = ResponseTemplate::new(200).set_body_json(json!({"succeeded": true}));
    expect_release(
        &server,
        "/_search/scroll",
        json!({"scroll_id": "s1"}),
        answer,
    )
    .await;
    let r = rule("index: logs\ntype: any\nmax_query_size: 2\n");
    let cut = tokio::time::timeout(Duration::from_millis(300), es.search(&query(&r))).await;
    assert!(cut.is_err(), "the search was cut by the timeout");
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    let cleared = || async {
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .any(|r| r.method.as_str() == "DELETE" && r.url.path() == "/_search/scroll")
    };
    while !cleared().await && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.verify().await;
}
