//! `telegram` against a real HTTP receiver (a local Bot API server through
//! `telegram_api_url`): the `sendMessage` request, the proxy login, and how failures reach the
//! outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use alert_notify::notifier_for;
use common::{
    Receiver, Recorded, Reply, alert, check_failure_classification, failure, notification, rule,
};
use serde_json::json;

const TOKEN: &str = "123456:s3cret";

/// Sends one notification of `yaml`'s rule (to the receiver as the Bot API server) and returns
/// the outcome and what the receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let receiver = Receiver::start(replies);
    let api = receiver.url("");
    let r = rule(&format!(
        "alert: telegram\ntelegram_bot_token: '{TOKEN}'\ntelegram_room_id: '-100200'\n\
         telegram_api_url: '{api}'\n{yaml}"
    ));
    let a = alert(&[json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1"})]);
    let outcome = notifier_for("telegram")
        .unwrap()
        .send(&notification(&r, &a))
        .await;
    (outcome, receiver.requests())
}

#[tokio::test]
async fn posts_send_message_as_the_bot() {
    let (outcome, requests) = send("telegram_thread_id: 5\n", vec![Reply::ok()]).await;
    outcome.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/bot123456:s3cret/sendMessage")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "chat_id": "-100200",
            "text": "⚠ *r* ⚠ ```\nr\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: web-1\n ```",
            "parse_mode": "markdown",
            "disable_web_page_preview": true,
            "message_thread_id": 5,
        })
    );
}

#[tokio::test]
async fn the_proxy_login_authenticates_the_tunnel_to_the_bot_api() {
    // The default API host is https, so the request goes through the proxy as a CONNECT; the
    // receiver plays the proxy and refuses it.
    let proxy = Receiver::start(vec![Reply::status(407)]);
    let r = rule(&format!(
        "alert: telegram\ntelegram_bot_token: '{TOKEN}'\ntelegram_room_id: '-100200'\n\
         telegram_proxy: '{}'\ntelegram_proxy_login: admin\ntelegram_proxy_pass: password\n",
        proxy.url("")
    ));
    let a = alert(&[json!({"host": "web-1"})]);
    let outcome = notifier_for("telegram")
        .unwrap()
        .send(&notification(&r, &a))
        .await;
    let message = outcome.unwrap_err().to_string();
    assert!(!message.contains("s3cret"), "{message}");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("CONNECT", "api.telegram.org:443")
    );
    // base64("admin:password")
    assert_eq!(
        requests[0].header("proxy-authorization"),
        Some("Basic YWRtaW46cGFzc3dvcmQ=")
    );
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "telegram",
        "error posting to Telegram: HTTP ",
        Some("s3cret"),
        |replies| send("", replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_telegram_timeout() {
    let started = std::time::Instant::now();
    let (outcome, _) = send(
        "telegram_timeout: 0.3\n",
        vec![Reply::Hang(Duration::from_secs(5))],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let (_, message, retryable, _) = failure(outcome);
    assert!(retryable);
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn missing_required_options_are_permanent_errors_naming_them() {
    let cases = [
        (
            "alert: telegram\ntelegram_room_id: r\n",
            "telegram_bot_token",
        ),
        (
            "alert: telegram\ntelegram_bot_token: t\n",
            "telegram_room_id",
        ),
    ];
    for (yaml, option) in cases {
        let r = rule(yaml);
        let a = alert(&[json!({"host": "web-1"})]);
        match notifier_for("telegram")
            .unwrap()
            .send(&notification(&r, &a))
            .await
            .unwrap_err()
        {
            alert_core::Error::Notify {
                retryable, message, ..
            } => {
                assert!(!retryable);
                assert_eq!(message, format!("missing required option '{option}'"));
            }
            other => panic!("{other}"),
        }
    }
}
