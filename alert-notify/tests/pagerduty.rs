//! `pagerduty` against a real HTTP receiver (through `pagerduty_events_url`): the v1 and v2
//! events as ElastAlert2 sends them, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Receiver, Recorded, Reply, check_failure_classification, check_hang_times_out, one_json_post,
    permanent_failure, send_to_receiver,
};
use serde_json::json;

/// Sends one alert on `wéb-1` of `yaml`'s rule to a receiver; returns the outcome and what the
/// receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &Receiver| {
        format!(
            "pagerduty_service_key: s3cret-key\npagerduty_client_name: ponies\n\
             pagerduty_events_url: \"{}\"\n{yaml}",
            receiver.url("/v2/enqueue")
        )
    };
    let body = json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "wéb-1"});
    send_to_receiver("pagerduty", options, &[body], replies).await
}

const INFO: &str = "r\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: wéb-1\n";

#[tokio::test]
async fn sends_a_v1_event_by_default() {
    let (outcome, requests) = send(
        "pagerduty_incident_key: 'disk {0}'\npagerduty_incident_key_args: [host]\n",
        vec![],
    )
    .await;
    outcome.unwrap();
    let request = one_json_post(&requests, "/v2/enqueue");
    assert_eq!(
        request.json(),
        json!({
            "service_key": "s3cret-key", "description": "r", "event_type": "trigger",
            "incident_key": "disk wéb-1", "client": "ponies", "details": {"information": INFO},
        })
    );
    // ensure_ascii=False: UTF-8 on the wire, not \u escapes.
    assert!(request.body.contains("wéb-1"), "{}", request.body);
}

#[tokio::test]
async fn sends_a_v2_event_with_its_payload() {
    let (outcome, requests) = send(
        "pagerduty_api_version: v2\npagerduty_event_type: resolve\n\
         pagerduty_v2_payload_source: '{0}'\npagerduty_v2_payload_source_args: [host]\n\
         pagerduty_v2_payload_custom_details: {who: host}\nalert_subject: Disk full\n",
        vec![],
    )
    .await;
    outcome.unwrap();
    assert_eq!(
        requests[0].json(),
        json!({
            "routing_key": "s3cret-key", "event_action": "resolve", "dedup_key": "",
            "client": "ponies",
            "payload": {
                "class": "", "component": "", "group": "", "severity": "critical",
                "source": "wéb-1", "summary": "Disk full",
                "custom_details": {"information": INFO, "who": "wéb-1"},
                "timestamp": "2026-01-01T00:00:00Z",
            },
        })
    );
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "pagerduty",
        "error posting to pagerduty: HTTP ",
        Some("s3cret"),
        |replies| send("", replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_pagerduty_timeout() {
    let within = Duration::from_secs(3);
    check_hang_times_out(Duration::from_secs(5), within, |replies| {
        send("pagerduty_timeout: 0.3\n", replies)
    })
    .await;
}

#[tokio::test]
async fn a_missing_client_name_is_a_permanent_error_naming_it() {
    let message = permanent_failure("alert: pagerduty\npagerduty_service_key: k\n").await;
    assert_eq!(message, "missing required option 'pagerduty_client_name'");
}
