//! Retries of the client against servers on 127.0.0.1 that count what they receive: gateway
//! errors (`502`, `504`) as elasticsearch-py retries them for ElastAlert2, and connections
//! that are accepted, then closed, reset or cut mid-answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alert_es::client::{ConnectionConfig, EsClient, EsRequest, NodeAddress, RetryPolicy, Scheme};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A client of one node on 127.0.0.1 retrying `max_retries` times a few milliseconds apart.
fn client(port: u16, max_retries: u32) -> EsClient {
    let node = NodeAddress {
        scheme: Scheme::Http,
        host: "127.0.0.1".into(),
        port,
    };
    let policy = RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_secs(2),
        dead_node_timeout: Duration::from_secs(60),
    };
    EsClient::new(&ConnectionConfig::single_node(node))
        .expect("client builds")
        .with_retry_policy(policy)
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

/// A server answering `status` `failures` times, then 200.
async fn failing_then_ok(status: u16, failures: u64) -> MockServer {
    let server = MockServer::start().await;
    let body = json!({"error": {"type": "gateway", "reason": format!("proxy said {status}")}});
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .up_to_n_times(failures)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn bad_gateway_and_gateway_timeout_are_retried_like_service_unavailable() {
    for status in [502, 503, 504] {
        let server = failing_then_ok(status, 1).await;
        let response = client(server.address().port(), 3)
            .send(&EsRequest::get("/logs/_count"))
            .await;
        let body = response.and_then(|r| r.json::<Value>());
        assert_eq!(body.ok(), Some(json!({"count": 1})), "{status}");
        assert_eq!(received(&server).await, 2, "{status}");
    }
}

#[tokio::test]
async fn a_gateway_error_on_every_attempt_fails_after_max_retries_naming_the_status() {
    for status in [502, 504] {
        let server = failing_then_ok(status, 100).await;
        let error = client(server.address().port(), 2)
            .send(&EsRequest::post("/logs/_search").read_only())
            .await
            .err();
        assert_eq!(error.as_ref().and_then(|e| e.status()), Some(status));
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.starts_with("gave up after 3 attempts: ")
                && text.contains(&format!("failed with HTTP {status}: gateway: proxy said")),
            "{text}"
        );
        assert_eq!(received(&server).await, 3, "{status}");
    }
}

#[tokio::test]
async fn a_gateway_error_is_not_retried_for_a_request_that_may_have_been_handled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    let error = client(server.address().port(), 3)
        .send(&EsRequest::post("/logs/_doc").json(json!({"a": 1})))
        .await
        .err();
    assert_eq!(error.and_then(|e| e.status()), Some(504));
    assert_eq!(received(&server).await, 1);
}

/// How the server misbehaves on a connection it does not answer properly.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Reads the request and closes the connection without a word.
    Close,
    /// Reads the request and resets the connection (RST).
    Reset,
    /// Sends the head of a 200 and part of its body, then closes.
    CutBody,
}

/// A server on 127.0.0.1 that misbehaves as `fault` on its first `failures` requests and
/// answers 200 after; the counter is the number of requests read. It stops with the test's
/// runtime.
async fn flaky_server(fault: Fault, failures: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            if !read_request(&mut stream).await {
                continue;
            }
            let n = counter.fetch_add(1, Ordering::SeqCst);
            if n < failures {
                misbehave(stream, fault).await;
            } else {
                let body = r#"{"ok":true}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        }
    });
    (port, count)
}

/// Reads one request's head and body; `false` when the client went away first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

async fn misbehave(mut stream: TcpStream, fault: Fault) {
    match fault {
        Fault::Close => {}
        Fault::Reset => {
            let _ = stream.set_zero_linger();
        }
        Fault::CutBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"ok\":";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.flush().await;
        }
    }
}

#[tokio::test]
async fn a_connection_closed_reset_or_cut_mid_answer_is_retried_for_idempotent_requests() {
    for fault in [Fault::Close, Fault::Reset, Fault::CutBody] {
        let (port, count) = flaky_server(fault, 1).await;
        let response = client(port, 3)
            .send(&EsRequest::post("/logs/_search").read_only())
            .await;
        let body = response.and_then(|r| r.json::<Value>());
        assert_eq!(body.ok(), Some(json!({"ok": true})), "{fault:?}");
        assert_eq!(count.load(Ordering::SeqCst), 2, "{fault:?}");
    }
}

#[tokio::test]
async fn dropped_connections_are_retried_at_most_max_retries_times() {
    let (port, count) = flaky_server(Fault::Reset, usize::MAX).await;
    let error = client(port, 2)
        .send(&EsRequest::get("/"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("gave up after 3 attempts: lost the connection to http://127.0.0.1:"),
        "{error}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_dropped_connection_is_not_retried_for_a_write() {
    for fault in [Fault::Close, Fault::Reset] {
        let (port, count) = flaky_server(fault, 1).await;
        let error = client(port, 3)
            .send(&EsRequest::post("/logs/_doc").json(json!({"a": 1})))
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("lost the connection to"),
            "{fault:?}: {error}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 1, "{fault:?}");
    }
}
