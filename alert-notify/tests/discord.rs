//! `discord` against a real HTTP receiver: the message, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use alert_notify::notifier_for;
use common::{
    Receiver, Recorded, Reply, alert, check_failure_classification, failure, notification, rule,
};
use serde_json::json;

/// Sends one notification of `yaml`'s rule (with the receiver's URL) and returns the outcome
/// and what the receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let receiver = Receiver::start(replies);
    let url = receiver.url("/api/webhooks/123/s3cret");
    let r = rule(&format!(
        "alert: discord\ndiscord_webhook_url: \"{url}\"\n{yaml}"
    ));
    let a = alert(&[json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1"})]);
    let outcome = notifier_for("discord")
        .unwrap()
        .send(&notification(&r, &a))
        .await;
    (outcome, receiver.requests())
}

#[tokio::test]
async fn posts_the_title_and_one_embed_as_json() {
    let (outcome, requests) = send(
        "alert_subject: Disk full\ndiscord_embed_footer: ops\ndiscord_embed_color: 0xff0000\n",
        vec![Reply::ok()],
    )
    .await;
    outcome.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/api/webhooks/123/s3cret")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({
            "content": ":warning: Disk full :warning:",
            "embeds": [{
                "description": "r\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: web-1\n",
                "color": 0xff0000,
                "footer": {"text": "ops", "icon_url": null},
            }],
        })
    );
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "discord",
        "error posting to Discord: HTTP ",
        Some("s3cret"),
        |replies| send("", replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_discord_timeout() {
    let started = std::time::Instant::now();
    let (outcome, _) = send(
        "discord_timeout: 0.3\n",
        vec![Reply::Hang(Duration::from_secs(5))],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let (_, message, retryable, _) = failure(outcome);
    assert!(retryable);
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn a_missing_webhook_url_is_a_permanent_error_naming_it() {
    let r = rule("alert: discord\n");
    let a = alert(&[json!({"host": "web-1"})]);
    let (_, message, retryable, _) = failure(
        notifier_for("discord")
            .unwrap()
            .send(&notification(&r, &a))
            .await,
    );
    assert!(!retryable);
    assert_eq!(message, "missing required option 'discord_webhook_url'");
}
