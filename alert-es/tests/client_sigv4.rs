//! SigV4 on the wire (feature `aws`): requests reach a local server (wiremock on 127.0.0.1)
//! signed, and the server side recomputes each signature from the recorded request with the
//! pure signer — after a failover to another node and after a 503 retry too.
#![cfg(feature = "aws")]

use std::time::{Duration, SystemTime};

use alert_es::client::sigv4::{SignableRequest, SigningParams, sha256_hex, sign};
use alert_es::client::{ConnectionConfig, EsClient, EsRequest, RetryPolicy};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "session-token-1";
const REGION: &str = "eu-west-1";

fn client(nodes: &str, port: u16, max_retries: u32) -> EsClient {
    let options = json!({
        "es_host": "127.0.0.1", "es_port": port, "es_hosts": nodes,
        "es_conn_timeout": 5, "aws_region": REGION,
    });
    let env = |name: &str| match name {
        "AWS_ACCESS_KEY_ID" => Some(KEY_ID.to_string()),
        "AWS_SECRET_ACCESS_KEY" => Some(SECRET.to_string()),
        "AWS_SESSION_TOKEN" => Some(TOKEN.to_string()),
        _ => None,
    };
    let map = options.as_object().cloned().unwrap_or_default();
    let config = ConnectionConfig::from_options(&map, &env).expect("valid options");
    EsClient::new(&config)
        .expect("client builds")
        .with_retry_policy(RetryPolicy {
            max_retries,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            dead_node_timeout: Duration::from_secs(60),
        })
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header on {} {}", request.method, request.url))
}

/// What AWS would compute for the recorded request: the `Authorization` header it expects.
fn expected_authorization(request: &Request) -> String {
    let amz_date = header(request, "x-amz-date");
    let time = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .expect("x-amz-date is YYYYMMDDTHHMMSSZ")
        .and_utc();
    let signed_names = header(request, "authorization")
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("SignedHeaders in the authorization header");
    let headers: Vec<(&str, &str)> = signed_names
        .split(';')
        .map(|name| (name, header(request, name)))
        .collect();
    let payload_hash = sha256_hex(&request.body);
    let params = SigningParams {
        access_key_id: KEY_ID,
        secret_access_key: SECRET,
        session_token: Some(TOKEN),
        region: REGION,
        service: "es",
        time,
    };
    let signable = SignableRequest {
        method: request.method.as_str(),
        path: request.url.path(),
        query: request.url.query().unwrap_or(""),
        headers: &headers,
        payload_hash: &payload_hash,
    };
    sign(&signable, &params).authorization
}

/// Checks one recorded request as AWS would: the scope, a fresh `x-amz-date`, the body hash,
/// the session token and the signature itself.
fn assert_signed(request: &Request) {
    let authorization = header(request, "authorization");
    let amz_date = header(request, "x-amz-date");
    assert!(
        authorization.starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential={KEY_ID}/{}/{REGION}/es/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=",
            &amz_date[..8]
        )),
        "{authorization}"
    );
    let signed_at = NaiveDateTime::parse_from_str(amz_date, "%Y%m%dT%H%M%SZ")
        .expect("x-amz-date is YYYYMMDDTHHMMSSZ")
        .and_utc();
    let age = DateTime::<Utc>::from(SystemTime::now()) - signed_at;
    assert!(
        age.num_seconds().abs() < 120,
        "x-amz-date {amz_date} is not now"
    );
    assert_eq!(
        header(request, "x-amz-content-sha256"),
        sha256_hex(&request.body)
    );
    assert_eq!(header(request, "x-amz-security-token"), TOKEN);
    assert_eq!(authorization, expected_authorization(request));
}

#[tokio::test]
async fn every_request_carries_a_signature_the_server_can_recompute() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let port = server.address().port();
    let client = client("127.0.0.1", port, 0);
    let search = EsRequest::post("/logs-*,other/_search")
        .json(json!({"query": {"query_string": {"query": "a b+c ሴ"}}}))
        .query("q", "status:500 AND path:\"/x y\"")
        .query("size", "0");
    let body: Value = client
        .send(&search)
        .await
        .expect("signed search")
        .json()
        .expect("json");
    assert_eq!(body, json!({"count": 1}));
    client
        .send(&EsRequest::get("/"))
        .await
        .expect("signed GET /");
    let bulk = EsRequest::post("/_bulk").ndjson("{\"index\":{}}\n{\"a\":1}\n");
    client.send(&bulk).await.expect("signed bulk");
    let received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_signed(request);
    }
    assert_eq!(received[1].body, b"");
    assert!(
        received[0].url.query().is_some_and(|q| !q.contains('+')),
        "{}",
        received[0].url
    );
}

#[tokio::test]
async fn a_request_changed_on_the_way_no_longer_matches_its_signature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = client("127.0.0.1", server.address().port(), 0);
    let request = EsRequest::post("/logs/_search").json(json!({"size": 1}));
    client.send(&request).await.expect("signed search");
    let mut recorded = server.received_requests().await.unwrap_or_default();
    let mut tampered = recorded.remove(0);
    assert_eq!(
        header(&tampered, "authorization"),
        expected_authorization(&tampered)
    );
    tampered.body = br#"{"size":1000}"#.to_vec();
    assert_ne!(
        header(&tampered, "authorization"),
        expected_authorization(&tampered)
    );
}

#[tokio::test]
async fn failover_and_busy_retries_are_signed_afresh_for_the_node_they_reach() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"hits": {}})))
        .mount(&server)
        .await;
    let port = server.address().port();
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    // The refused node first: the request fails over, then meets a 503 and is retried.
    let client = client(&format!("127.0.0.1:{refused}, 127.0.0.1:{port}"), port, 3);
    let request = EsRequest::post("/logs/_search").json(json!({"size": 0}));
    client
        .send(&request)
        .await
        .expect("answered after failover and retry");
    let received = server.received_requests().await.unwrap_or_default();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert_eq!(header(request, "host"), format!("127.0.0.1:{port}"));
        assert_signed(request);
    }
}
