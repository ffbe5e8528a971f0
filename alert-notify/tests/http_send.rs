//! The shared HTTP send against a real receiver: what gets retried and what does not.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use alert_core::secret::Secret;
use alert_notify::Error;
use alert_notify::http::{HttpRequest, HttpSettings, send};
use common::{Receiver, Reply};
use serde_json::json;

fn client(timeout_ms: u64) -> reqwest::Client {
    HttpSettings {
        timeout: Duration::from_millis(timeout_ms),
        ..HttpSettings::default()
    }
    .client()
    .unwrap()
}

#[tokio::test]
async fn statuses_are_classified_for_the_outbox() {
    // (reply, None for success or Some((retryable, retry_after seconds)))
    type Expected = Option<(bool, Option<u64>)>;
    let cases: Vec<(Reply, Expected)> = vec![
        (Reply::ok(), None),
        (Reply::status(500), Some((true, None))),
        (Reply::status(503), Some((true, None))),
        (
            Reply::Status(
                429,
                vec![("Retry-After".into(), "7".into())],
                "slow down".into(),
            ),
            Some((true, Some(7))),
        ),
        (Reply::status(400), Some((false, None))),
        (Reply::status(404), Some((false, None))),
    ];
    for (reply, expected) in cases {
        let receiver = Receiver::start(vec![reply.clone()]);
        let request = HttpRequest::post_json(
            Secret::new(receiver.url("/hook?token=s3cret")),
            json!({"a": 1}),
        )
        .header("X-Key", "k");
        let outcome = send(&client(2_000), &request).await;
        match (outcome, expected) {
            (Ok(response), None) => assert_eq!(response.status, 200),
            (
                Err(Error::Http {
                    retryable,
                    retry_after,
                    message,
                    ..
                }),
                Some((r, after)),
            ) => {
                assert_eq!(
                    (retryable, retry_after.map(|d| d.as_secs())),
                    (r, after),
                    "{reply:?}"
                );
                assert!(
                    !message.contains("s3cret"),
                    "the URL token never shows: {message}"
                );
            }
            (other, _) => panic!("{reply:?}: {other:?}"),
        }
        let recorded = &receiver.requests()[0];
        assert_eq!(
            (recorded.method.as_str(), recorded.path.as_str()),
            ("POST", "/hook?token=s3cret")
        );
        assert_eq!(recorded.header("x-key"), Some("k"));
        assert_eq!(recorded.header("content-type"), Some("application/json"));
        assert_eq!(recorded.json(), json!({"a": 1}));
    }
}

#[tokio::test]
async fn a_hanging_receiver_times_out_and_a_closed_port_fails_to_connect_both_retryable() {
    let receiver = Receiver::start(vec![Reply::Hang(Duration::from_secs(5))]);
    let request = HttpRequest::post_json(Secret::new(receiver.url("/")), json!({}));
    match send(&client(300), &request).await {
        Err(Error::Http {
            retryable: true,
            status: None,
            message,
            ..
        }) => assert!(message.starts_with("timed out"), "{message}"),
        other => panic!("{other:?}"),
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let request =
        HttpRequest::post_json(Secret::new(format!("http://127.0.0.1:{port}/")), json!({}));
    match send(&client(1_000), &request).await {
        Err(Error::Http {
            retryable: true,
            status: None,
            message,
            ..
        }) => assert!(message.starts_with("could not connect"), "{message}"),
        other => panic!("{other:?}"),
    }
}
