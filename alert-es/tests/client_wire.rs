//! The client against local HTTP servers (wiremock on 127.0.0.1): auth headers, failover,
//! 429/503 back-off, error messages, `es_send_get_body_as`, `es_url_prefix` and version
//! detection from the documentation's `GET /` bodies.

use std::time::{Duration, Instant};

use alert_es::client::{ClusterVersion, ConnectionConfig, EsClient, EsRequest, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Retries fast enough for tests.
fn quick_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_secs(2),
        dead_node_timeout: Duration::from_secs(60),
    }
}

fn client_with(options: Value, env: &[(&str, &str)]) -> EsClient {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let map = match options {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let config = ConnectionConfig::from_options(&map, &lookup).expect("valid connection options");
    EsClient::new(&config)
        .expect("client builds")
        .with_retry_policy(quick_retries(3))
}

fn options_for(server: &MockServer, extra: Value) -> Value {
    let mut options =
        json!({"es_host": "127.0.0.1", "es_port": server.address().port(), "es_conn_timeout": 5});
    if let (Some(target), Value::Object(extra)) = (options.as_object_mut(), extra) {
        target.extend(extra);
    }
    options
}

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// A port on 127.0.0.1 that refuses connections: bound, then closed.
fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

#[tokio::test]
async fn each_credential_kind_sends_its_authorization_header() {
    let cases = [
        (
            json!({"es_api_key": "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="}),
            Some("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="),
        ),
        (
            json!({"es_bearer": "dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu"}),
            Some("Bearer dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu"),
        ),
        (
            json!({"es_username": "elastic", "es_password": "changeme"}),
            Some("Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="),
        ),
        (
            json!({"es_api_key": "k", "es_bearer": "b", "es_username": "u", "es_password": "p"}),
            Some("ApiKey k"),
        ),
        (json!({}), None),
    ];
    for (auth, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/_cluster/health"))
            .respond_with(ok_json(json!({"status": "green"})))
            .mount(&server)
            .await;
        let client = client_with(options_for(&server, auth.clone()), &[]);
        let response = client.send(&EsRequest::get("/_cluster/health")).await;
        assert!(response.is_ok(), "{auth}: {response:?}");
        let requests = server.received_requests().await.unwrap_or_default();
        let sent = requests
            .first()
            .and_then(|r| r.headers.get("authorization"))
            .and_then(|v| v.to_str().ok());
        assert_eq!(sent, expected, "{auth}");
    }
}

#[tokio::test]
async fn environment_credentials_override_the_rule_options() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "ApiKey from-env"))
        .respond_with(ok_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with(
        options_for(&server, json!({"es_bearer": "from-rule"})),
        &[("ES_API_KEY", "from-env")],
    );
    assert!(client.send(&EsRequest::get("/")).await.is_ok());
}

#[tokio::test]
async fn a_node_that_refuses_connections_is_skipped_for_the_next_one() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/logs/_doc"))
        .respond_with(ok_json(json!({"result": "created"})))
        .expect(2)
        .mount(&server)
        .await;
    let dead = refused_port();
    let live = server.address().port();
    let client = client_with(
        json!({"es_host": "127.0.0.1", "es_port": 9200, "es_hosts": [format!("127.0.0.1:{dead}"), format!("127.0.0.1:{live}")]}),
        &[],
    );
    // Not idempotent, but a refused connection never reached the node, so it moves on.
    let first = client
        .send(&EsRequest::post("/logs/_doc").json(json!({"a": 1})))
        .await;
    assert_eq!(
        first.map(|r| r.node).ok(),
        Some(format!("http://127.0.0.1:{live}"))
    );
    // The dead node is on back-off: the next request goes straight to the live one.
    let started = Instant::now();
    let second = client
        .send(&EsRequest::post("/logs/_doc").json(json!({"a": 2})))
        .await;
    assert_eq!(
        second.map(|r| r.node).ok(),
        Some(format!("http://127.0.0.1:{live}"))
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn when_every_node_refuses_the_error_names_the_node_and_the_attempts() {
    let port = refused_port();
    let client = client_with(json!({"es_host": "127.0.0.1", "es_port": port}), &[])
        .with_retry_policy(quick_retries(2));
    let error = client
        .send(&EsRequest::get("/"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("gave up after 3 attempts"), "{error}");
    assert!(
        error.contains(&format!(
            "cannot connect to http://127.0.0.1:{port} (GET /)"
        )),
        "{error}"
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_and_tries_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({"error": {"type": "es_rejected_execution_exception", "reason": "rejected execution"}, "status": 429})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .respond_with(ok_json(json!({"hits": {"hits": []}})))
        .mount(&server)
        .await;
    let client = client_with(options_for(&server, json!({})), &[]);
    let started = Instant::now();
    let response = client
        .send(&EsRequest::post("/logs/_search").json(json!({"size": 0})))
        .await;
    assert_eq!(response.map(|r| r.status).ok(), Some(200));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not honoured"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn service_unavailable_backs_off_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!({"count": 3})))
        .mount(&server)
        .await;
    let client = client_with(options_for(&server, json!({})), &[]);
    let response = client.send(&EsRequest::get("/logs/_count")).await;
    assert_eq!(
        response.and_then(|r| r.json::<Value>()).ok(),
        Some(json!({"count": 3}))
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
}

#[tokio::test]
async fn retries_on_429_are_bounded_and_the_error_keeps_the_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({"error": {"type": "circuit_breaking_exception", "reason": "[parent] Data too large"}, "status": 429})))
        .mount(&server)
        .await;
    let client =
        client_with(options_for(&server, json!({})), &[]).with_retry_policy(quick_retries(2));
    let error = client.send(&EsRequest::get("/logs/_search")).await.err();
    assert_eq!(error.as_ref().and_then(|e| e.status()), Some(429));
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("gave up after 3 attempts")
            && text.contains("circuit_breaking_exception: [parent] Data too large"),
        "{text}"
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
}

#[tokio::test]
async fn a_retry_after_longer_than_the_maximum_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let client = client_with(options_for(&server, json!({})), &[]);
    let error = client.send(&EsRequest::get("/")).await.err();
    assert_eq!(error.and_then(|e| e.status()), Some(503));
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(1));
}

#[tokio::test]
async fn errors_quote_the_elasticsearch_error_type_and_reason() {
    let server = MockServer::start().await;
    let body = json!({"error": {"root_cause": [{"type": "index_not_found_exception", "reason": "no such index [missing]"}], "type": "index_not_found_exception", "reason": "no such index [missing]", "index": "missing"}, "status": 404});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_json(body))
        .mount(&server)
        .await;
    let client = client_with(options_for(&server, json!({})), &[]);
    let error = client
        .send(&EsRequest::post("/missing/_search").read_only())
        .await
        .err();
    assert!(error.as_ref().is_some_and(|e| e.is_not_found()));
    assert_eq!(
        error.as_ref().and_then(|e| e.es_error_type()),
        Some("index_not_found_exception")
    );
    let expected = format!(
        "POST /missing/_search on http://127.0.0.1:{} failed with HTTP 404: index_not_found_exception: no such index [missing]",
        server.address().port()
    );
    assert_eq!(error.map(|e| e.to_string()), Some(expected));
    assert_eq!(
        server.received_requests().await.map(|r| r.len()),
        Some(1),
        "a 404 is not retried"
    );
}

#[tokio::test]
async fn a_timeout_is_retried_for_idempotent_requests_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!({})).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ok_json(json!({})).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let node = format!("127.0.0.1:{}", server.address().port());
    let options = json!({"es_host": "127.0.0.1", "es_port": 1, "es_hosts": [node.clone(), node], "es_conn_timeout": 0.3});
    let client = client_with(options, &[]).with_retry_policy(quick_retries(1));
    let error = client
        .send(&EsRequest::get("/"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.contains("gave up after 2 attempts") && error.contains("timed out waiting for"),
        "{error}"
    );
    let error = client
        .send(&EsRequest::post("/logs/_doc").json(json!({})))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.starts_with("timed out waiting for"), "{error}");
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(3));
}

#[tokio::test]
async fn get_bodies_can_be_sent_as_post_or_as_the_source_parameter() {
    let query = json!({"query": {"match_all": {}}});
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/logs/_search"))
        .and(body_json(query.clone()))
        .respond_with(ok_json(json!({"via": "post"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/logs/_search"))
        .and(query_param("source", query.to_string()))
        .and(query_param("source_content_type", "application/json"))
        .respond_with(ok_json(json!({"via": "source"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/logs/_search"))
        .and(body_json(query.clone()))
        .respond_with(ok_json(json!({"via": "get"})))
        .mount(&server)
        .await;
    for (setting, expected) in [("GET", "get"), ("POST", "post"), ("source", "source")] {
        let client = client_with(
            options_for(&server, json!({"es_send_get_body_as": setting})),
            &[],
        );
        let response = client
            .send(&EsRequest::get("/logs/_search").json(query.clone()))
            .await;
        let via = response
            .and_then(|r| r.json::<Value>())
            .ok()
            .and_then(|v| v["via"].as_str().map(str::to_string));
        assert_eq!(via.as_deref(), Some(expected), "{setting}");
    }
}

#[tokio::test]
async fn the_url_prefix_goes_before_every_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/proxy/es/logs/_count"))
        .and(query_param("ignore_unavailable", "true"))
        .respond_with(ok_json(json!({"count": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with(
        options_for(&server, json!({"es_url_prefix": "proxy/es/"})),
        &[],
    );
    let response = client
        .send(&EsRequest::get("/logs/_count").query("ignore_unavailable", "true"))
        .await;
    assert_eq!(response.map(|r| r.status).ok(), Some(200));
}

#[tokio::test]
async fn versions_are_detected_from_the_documented_root_responses() {
    let cases = [
        (
            "elasticsearch-7.17.json",
            ClusterVersion::Elasticsearch7,
            "7.17.0",
            "7.17.0",
        ),
        (
            "elasticsearch-8.12.json",
            ClusterVersion::Elasticsearch8,
            "8.12.1",
            "8.12.1",
        ),
        (
            "opensearch-1.3.json",
            ClusterVersion::OpenSearch1,
            "1.3.7",
            "7.10.2",
        ),
        (
            "opensearch-2.6.json",
            ClusterVersion::OpenSearch2,
            "2.6.0",
            "8.2.0",
        ),
    ];
    for (file, version, number, elastalert_version) in cases {
        let body = std::fs::read_to_string(format!(
            "{}/tests/data/root/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("test data");
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let info = client_with(options_for(&server, json!({})), &[])
            .cluster_info()
            .await;
        let info = info.expect(file);
        assert_eq!(
            (
                info.version,
                info.number.as_str(),
                info.elastalert_version()
            ),
            (version, number, elastalert_version),
            "{file}"
        );
    }
}

#[tokio::test]
async fn es_version_skips_detection() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    let info = client_with(options_for(&server, json!({})), &[("ES_VERSION", "7.10.2")])
        .cluster_info()
        .await;
    assert_eq!(
        info.map(|i| i.version).ok(),
        Some(ClusterVersion::Elasticsearch7)
    );
}

#[tokio::test]
async fn a_root_answer_that_is_not_a_cluster_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!({"hello": "proxy"})))
        .mount(&server)
        .await;
    let error = client_with(options_for(&server, json!({})), &[])
        .cluster_info()
        .await
        .err()
        .map(|e| e.to_string());
    let expected = format!(
        "unexpected answer from http://127.0.0.1:{}: the answer has no version.number",
        server.address().port()
    );
    assert!(
        error.as_deref().unwrap_or("").starts_with(&expected),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_busy_node_is_left_for_the_next_one_on_retry() {
    let busy = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&busy)
        .await;
    let idle = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok_json(json!({"count": 1})))
        .mount(&idle)
        .await;
    let hosts = [busy.address(), idle.address()].map(|a| format!("127.0.0.1:{}", a.port()));
    let client = client_with(
        json!({"es_host": "127.0.0.1", "es_port": 9200, "es_hosts": hosts}),
        &[],
    );
    let response = client.send(&EsRequest::get("/logs/_count")).await;
    assert_eq!(
        response.map(|r| r.node).ok(),
        Some(format!("http://127.0.0.1:{}", idle.address().port()))
    );
    assert_eq!(busy.received_requests().await.map(|r| r.len()), Some(1));
}
