//! `post` against a real HTTP receiver: one POST per match and URL with ElastAlert2's body and
//! headers, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Recorded, Reply, check_failure_classification, check_hang_times_out, failure,
    permanent_failure, send_to_paths,
};
use serde_json::{Value, json};

/// Sends one alert of `yaml`'s rule (posting to `paths` of one receiver) with these match
/// bodies; returns the outcome and what the receiver got.
async fn send(
    yaml: &str,
    paths: &[&str],
    bodies: &[Value],
    replies: Vec<Reply>,
) -> (alert_core::Result<()>, Vec<Recorded>) {
    send_to_paths(("post", "http_post_url"), yaml, paths, bodies, replies).await
}

#[tokio::test]
async fn posts_every_match_to_every_url_with_elastalert2s_body_and_headers() {
    let yaml = "http_post_payload: {user: user.name, missing: nope}\n\
                http_post_static_payload: {env: prod}\nhttp_post_headers: {X-Api-Key: s3cret}\n";
    let bodies = [
        json!({"@timestamp": "2026-01-01T00:00:00Z", "user": {"name": "alice"}}),
        json!({"@timestamp": "2026-01-01T00:00:01Z", "user": {"name": "bob"}}),
    ];
    let (outcome, requests) = send(yaml, &["/a?token=s3cret", "/b"], &bodies, vec![]).await;
    outcome.unwrap();
    let seen: Vec<(&str, &str, String)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.body.clone()))
        .collect();
    // Python's json.dumps: `, ` and `: ` separators, the static payload first.
    let alice = r#"{"env": "prod", "user": "alice", "missing": null}"#;
    let bob = r#"{"env": "prod", "user": "bob", "missing": null}"#;
    assert_eq!(
        seen,
        [
            ("POST", "/a?token=s3cret", alice.to_string()),
            ("POST", "/b", alice.to_string()),
            ("POST", "/a?token=s3cret", bob.to_string()),
            ("POST", "/b", bob.to_string()),
        ]
    );
    for request in &requests {
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.header("accept"),
            Some("application/json;charset=utf-8")
        );
        assert_eq!(request.header("x-api-key"), Some("s3cret"));
    }
}

#[tokio::test]
async fn all_values_are_posted_when_no_payload_is_mapped() {
    let body = json!({"@timestamp": "2026-01-01T00:00:00Z", "host": "web-1", "n": 3});
    let (outcome, requests) = send("", &["/"], std::slice::from_ref(&body), vec![]).await;
    outcome.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json(), body);
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    let bodies = [json!({"host": "web-1"})];
    check_failure_classification(
        "post",
        "error posting HTTP Post alert: HTTP ",
        Some("s3cret"),
        |replies| send("", &["/hook?token=s3cret"], &bodies, replies),
    )
    .await;
}

#[tokio::test]
async fn the_first_failing_url_stops_the_notification() {
    let (outcome, requests) = send(
        "",
        &["/a", "/b"],
        &[json!({"n": 1})],
        vec![Reply::status(502)],
    )
    .await;
    assert!(failure(outcome).2);
    assert_eq!(requests.len(), 1, "the second URL is not tried");
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_http_post_timeout() {
    let bodies = [json!({"n": 1})];
    let within = Duration::from_secs(4);
    check_hang_times_out(Duration::from_secs(6), within, |replies| {
        send("http_post_timeout: 1\n", &["/"], &bodies, replies)
    })
    .await;
}

#[tokio::test]
async fn a_missing_url_is_a_permanent_error_naming_it() {
    let message = permanent_failure("alert: post\n").await;
    assert_eq!(message, "missing required option 'http_post_url'");
}
