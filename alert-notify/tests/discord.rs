//! `discord` against a real HTTP receiver: the message, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Recorded, Reply, check_failure_classification, check_hang_times_out, host_match, one_json_post,
    permanent_failure, send_to_receiver,
};
use serde_json::json;

/// Sends one alert on `web-1` of `yaml`'s rule to a receiver; returns the outcome and what
/// the receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &common::Receiver| {
        let url = receiver.url("/api/webhooks/123/s3cret");
        format!("discord_webhook_url: \"{url}\"\n{yaml}")
    };
    send_to_receiver("discord", options, &[host_match()], replies).await
}

#[tokio::test]
async fn posts_the_title_and_one_embed_as_json() {
    let (outcome, requests) = send(
        "alert_subject: Disk full\ndiscord_embed_footer: ops\ndiscord_embed_color: 0xff0000\n",
        vec![Reply::ok()],
    )
    .await;
    outcome.unwrap();
    let request = one_json_post(&requests, "/api/webhooks/123/s3cret");
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
    let within = Duration::from_secs(3);
    check_hang_times_out(Duration::from_secs(5), within, |replies| {
        send("discord_timeout: 0.3\n", replies)
    })
    .await;
}

#[tokio::test]
async fn a_missing_webhook_url_is_a_permanent_error_naming_it() {
    let message = permanent_failure("alert: discord\n").await;
    assert_eq!(message, "missing required option 'discord_webhook_url'");
}
