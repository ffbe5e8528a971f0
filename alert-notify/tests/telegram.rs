//! `telegram` against a real HTTP receiver (a local Bot API server through
//! `telegram_api_url`): the `sendMessage` request, the proxy login, and how failures reach the
//! outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Receiver, Recorded, Reply, check_failure_classification, check_hang_times_out, host_match,
    notify, one_json_post, permanent_failure, rule, send_to_receiver,
};
use serde_json::json;

const TOKEN: &str = "123456:s3cret";

/// Sends one alert on `web-1` of `yaml`'s rule (to the receiver as the Bot API server) and
/// returns the outcome and what the receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &Receiver| {
        format!(
            "telegram_bot_token: '{TOKEN}'\ntelegram_room_id: '-100200'\n\
             telegram_api_url: '{}'\n{yaml}",
            receiver.url("")
        )
    };
    send_to_receiver("telegram", options, &[host_match()], replies).await
}

#[tokio::test]
async fn posts_send_message_as_the_bot() {
    let (outcome, requests) = send("telegram_thread_id: 5\n", vec![Reply::ok()]).await;
    outcome.unwrap();
    let request = one_json_post(&requests, "/bot123456:s3cret/sendMessage");
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
    let outcome = notify(&r, &[json!({"host": "web-1"})]).await;
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
    let within = Duration::from_secs(3);
    check_hang_times_out(Duration::from_secs(5), within, |replies| {
        send("telegram_timeout: 0.3\n", replies)
    })
    .await;
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
        let message = permanent_failure(yaml).await;
        assert_eq!(message, format!("missing required option '{option}'"));
    }
}
