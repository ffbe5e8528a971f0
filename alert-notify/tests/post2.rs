//! `post2` against a real HTTP receiver: Jinja2-rendered body and headers, one POST per match
//! and URL, and how failures reach the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{
    Recorded, Reply, check_failure_classification, check_hang_times_out, failure, send_to_paths,
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
    send_to_paths(("post2", "http_post2_url"), yaml, paths, bodies, replies).await
}

/// Templates over the match (a quote and a tab in a value survive the JSON round trip), a
/// typed raw field, and a templated header.
const RULE: &str = r#"http_post2_payload: |
  {"summary": "{{ host }} says {{ message }}", "user": "{{ _data['user']['name'] }}",
   "n_{{ host }}": "{{ n }}"}
http_post2_raw_fields: {n: n}
http_post2_headers: {X-Host: '{{ host }}', Authorization: 'Bearer s3cret'}
"#;

#[tokio::test]
async fn posts_the_rendered_body_and_headers_for_every_match_and_url() {
    let bodies = [
        json!({"host": "web-1", "message": "a \"quoted\"\ttab", "user": {"name": "alice"}, "n": 3}),
        json!({"host": "web-2", "message": "ok", "user": {"name": "bob"}, "n": 4}),
    ];
    let (outcome, requests) = send(RULE, &["/a", "/b"], &bodies, vec![]).await;
    outcome.unwrap();
    let got: Vec<(&str, Value, Option<&str>)> = requests
        .iter()
        .map(|r| (r.path.as_str(), r.json(), r.header("x-host")))
        .collect();
    let first = json!({"summary": "web-1 says a \"quoted\"\ttab", "user": "alice",
                       "n_web-1": "3", "n": 3});
    let second = json!({"summary": "web-2 says ok", "user": "bob", "n_web-2": "4", "n": 4});
    assert_eq!(
        got,
        [
            ("/a", first.clone(), Some("web-1")),
            ("/b", first, Some("web-1")),
            ("/a", second.clone(), Some("web-2")),
            ("/b", second, Some("web-2")),
        ]
    );
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(
            request.header("accept"),
            Some("application/json;charset=utf-8")
        );
        assert_eq!(request.header("authorization"), Some("Bearer s3cret"));
    }
}

#[tokio::test]
async fn failures_say_whether_the_outbox_should_retry() {
    let bodies = [json!({"host": "web-1"})];
    check_failure_classification(
        "post2",
        "error posting HTTP Post 2 alert: HTTP ",
        Some("s3cret"),
        |replies| send("", &["/hook?token=s3cret"], &bodies, replies),
    )
    .await;
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out_after_http_post2_timeout() {
    let bodies = [json!({"n": 1})];
    let within = Duration::from_secs(4);
    check_hang_times_out(Duration::from_secs(6), within, |replies| {
        send("http_post2_timeout: 1\n", &["/"], &bodies, replies)
    })
    .await;
}

#[tokio::test]
async fn a_template_that_does_not_render_json_is_permanent_and_nothing_is_sent() {
    let (outcome, requests) = send(
        "http_post2_payload: '{\"a\": {{ n }'\n",
        &["/"],
        &[json!({"n": 1})],
        vec![],
    )
    .await;
    let (_, message, retryable, _) = failure(outcome);
    assert!(!retryable, "{message}");
    assert!(
        message.starts_with("option 'http_post2_payload': invalid Jinja2 syntax"),
        "{message}"
    );
    assert!(requests.is_empty());
}
