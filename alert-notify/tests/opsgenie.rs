//! `opsgenie` against a real HTTP receiver (through `opsgenie_addr`): the alert, the key
//! header, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Receiver, Recorded, Reply, check_failure_classification, check_hang_times_out, one_json_post,
    permanent_failure, send_to_receiver,
};
use serde_json::json;

/// Sends one alert of `yaml`'s rule to the receiver (the address formatted with the match's
/// `team`); returns the outcome and what the receiver got.
async fn send(yaml: &str, replies: Vec<Reply>) -> (alert_core::Result<()>, Vec<Recorded>) {
    let options = |receiver: &Receiver| {
        format!(
            "opsgenie_key: s3cret-key\nopsgenie_addr: \"{}\"\n{yaml}",
            receiver.url("/v2/alerts/{team}")
        )
    };
    let body = json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1", "team": "ops"});
    send_to_receiver("opsgenie", options, &[body], replies).await
}

#[tokio::test]
async fn creates_the_alert_with_the_genie_key() {
    let (outcome, requests) = send(
        "opsgenie_account: genies\nopsgenie_teams: ['{t}-Team']\nopsgenie_teams_args: {t: team}\n\
         opsgenie_priority: P2\nopsgenie_alias: 'disk-{host}'\nopsgenie_details: {Host: {field: host}}\n",
        vec![Reply::Status(202, Vec::new(), "{}".into())],
    )
    .await;
    outcome.unwrap();
    let request = one_json_post(&requests, "/v2/alerts/ops");
    assert_eq!(request.header("authorization"), Some("GenieKey s3cret-key"));
    assert_eq!(
        request.json(),
        json!({
            "message": "ElastAlert: r", "user": "genies",
            "teams": [{"name": "ops-Team", "type": "team"}],
            "description": "r\n\n@timestamp: 2026-01-01T00:00:00Z\nhost: web-1\nteam: ops\n",
            "source": "ElastAlert", "tags": ["ElastAlert", "r"], "priority": "P2",
            "alias": "disk-web-1", "details": {"Host": "web-1"},
        })
    );
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    check_failure_classification(
        "opsgenie",
        "error posting to OpsGenie: HTTP ",
        Some("s3cret"),
        |replies| send("", replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_opsgenie_timeout() {
    let within = Duration::from_secs(3);
    check_hang_times_out(Duration::from_secs(5), within, |replies| {
        send("opsgenie_timeout: 0.3\n", replies)
    })
    .await;
}

#[tokio::test]
async fn a_missing_key_is_a_permanent_error_naming_it() {
    let message = permanent_failure("alert: opsgenie\n").await;
    assert_eq!(message, "missing required option 'opsgenie_key'");
}
