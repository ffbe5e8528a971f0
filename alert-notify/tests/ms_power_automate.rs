//! `ms_power_automate` against a real HTTP receiver: the Adaptive Card message, URLs from a
//! match field, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Receiver, Recorded, Reply, check_failure_classification, check_hang_times_out, one_json_post,
    send_to_receiver,
};
use serde_json::json;

/// Sends one alert with this match body of `yaml`'s rule to a receiver; returns the outcome
/// and what the receiver got.
async fn send(
    yaml: &str,
    body: serde_json::Value,
    replies: Vec<Reply>,
) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &Receiver| {
        let url = receiver.url("/workflows/abc?sig=s3cret");
        format!("ms_power_automate_webhook_url: \"{url}\"\n{yaml}")
    };
    send_to_receiver("ms_power_automate", options, &[body], replies).await
}

#[tokio::test]
async fn posts_the_adaptive_card() {
    let (outcome, requests) = send(
        "alert_subject: \"Login failures on {}\"\nalert_subject_args: [host]\n\
         ms_power_automate_kibana_discover_attach_url: true\n\
         ms_power_automate_teams_card_width_full: true\n",
        json!({"host": "web-1", "kibana_discover_url": "http://kibana/#/discover"}),
        vec![Reply::ok()],
    )
    .await;
    outcome.unwrap();
    let request = one_json_post(&requests, "/workflows/abc?sig=s3cret");
    let text = "r\n\nhost: web-1\nkibana_discover_url: http://kibana/#/discover\n";
    assert_eq!(
        request.json(),
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": "Login failures on web-1", "weight": "Bolder", "wrap": true, "size": "large"},
                        {"type": "TextBlock", "text": text, "spacing": "Large", "wrap": true},
                    ],
                    "actions": [{
                        "type": "Action.OpenUrl", "title": "Discover in Kibana",
                        "url": "http://kibana/#/discover", "style": "default",
                    }],
                    "msteams": {"width": "Full"},
                },
            }],
        })
    );
}

#[tokio::test]
async fn urls_from_a_match_field_replace_the_configured_one() {
    let receiver = Receiver::start(vec![Reply::ok(), Reply::ok()]);
    let field = format!("{},{}", receiver.url("/one"), receiver.url("/two"));
    let (outcome, configured) = send(
        "ms_power_automate_webhook_url_from_field: team.hooks\n",
        json!({"team": {"hooks": field}}),
        vec![],
    )
    .await;
    outcome.unwrap();
    assert!(configured.is_empty(), "the configured URL is not used");
    let mut paths: Vec<String> = receiver.requests().into_iter().map(|r| r.path).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/one", "/two"]);
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "ms_power_automate",
        "error posting to Power Automate: ",
        Some("s3cret"),
        |replies| send("", json!({"host": "web-1"}), replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_and_is_retried() {
    let within = Duration::from_secs(3);
    check_hang_times_out(Duration::from_secs(5), within, |replies| {
        send(
            "ms_power_automate_timeout: 0.3\n",
            json!({"host": "web-1"}),
            replies,
        )
    })
    .await;
}
